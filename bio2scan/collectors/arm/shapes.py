"""ARM template resources → the records of the live ``azure`` collector.

A template resource already has ARM's shape (``properties``, ``sku``, ``kind`` …). What the
live collector adds is read here from the same table it uses (``azure/kinds.py``): the children
each tracked type carries under a key (``blobService``, ``firewallRules``, ``diagnosticSettings``
…), filled from the template's child and extension resources — nested ``resources``, top-level
``…/blobServices`` with a parent name, ``scope``d diagnostic settings — the way the live
collector nests what it reads from ``{id}/blobServices/default``. A child the template does not
define gets what Azure gives a new resource (``DEFAULTS``) when that is documented, else it is
deferred. Subscription-wide settings (Defender plans and contacts, activity log export, custom
roles, locks, role assignments) become the live collector's subscription records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..azure.kinds import BY_ARM_TYPE, DIAGNOSTICS, Child, Kind
from ..template_values import Sym, Unknown, deferred
from .parts import ArmResource

# What a tracked resource's GET returns when the template leaves a property out and Azure's
# documentation names the value (top-level property path → value).
PROPERTY_DEFAULTS: dict[str, dict[str, Any]] = {
    "azure.storage.account": {
        "supportsHttpsTrafficOnly": True,  # the default since API version 2019-04-01
        "allowSharedKeyAccess": True,  # "null … is equivalent to true"
        "encryption.keySource": "Microsoft.Storage",
        "encryption.requireInfrastructureEncryption": False,
        "networkAcls.defaultAction": "Allow",
    },
    "azure.keyvault.vault": {
        "enableSoftDelete": True,  # soft delete can no longer be turned off (2020)
        "softDeleteRetentionInDays": 90,
        "enableRbacAuthorization": False,
    },
    "azure.network.virtual_network": {"enableDdosProtection": False},
}

# Properties a template may leave out whose value Azure chooses at deployment, without a
# documented default that has held across API versions: known only after deployment.
PROPERTY_LATER: dict[str, dict[str, str]] = {
    "azure.servicebus.namespace": {
        "minimumTlsVersion": "the minimum TLS version Azure gives a new namespace (not stated)",
    },
}

# Defaults that changed with the API version: (property path, first version with the
# default above, the value before it).
VERSIONED_DEFAULTS = {"supportsHttpsTrafficOnly": ("2019-04-01", False)}


def _versioned(res: ArmResource, path: str, value: Any) -> Any:
    since = VERSIONED_DEFAULTS.get(path)
    api = str(res.body.get("apiVersion") or "")
    if since is not None and api[:10] < since[0]:
        return since[1]
    return value


# A single child the template does not define: what Azure gives a new resource.
CHILD_DEFAULTS: dict[tuple[str, str], Any] = {
    ("azure.storage.account", "blobService"): {
        "name": "default",
        "properties": {
            "deleteRetentionPolicy": {"enabled": False},
            "containerDeleteRetentionPolicy": {"enabled": False},
            "isVersioningEnabled": False,
        },
    },
    ("azure.sql.server", "auditingSettings"): {
        "name": "default",
        "properties": {"state": "Disabled", "retentionDays": 0},
    },
    ("azure.sql.server", "encryptionProtector"): {
        "name": "current",
        "properties": {"serverKeyType": "ServiceManaged", "serverKeyName": "ServiceManaged"},
    },
    ("azure.sql.database", "transparentDataEncryption"): {
        "name": "current",
        "properties": {"state": "Enabled"},  # on for every new database since 2017
    },
    ("azure.servicebus.namespace", "networkRuleSet"): {
        "name": "default",
        "properties": {"defaultAction": "Allow", "publicNetworkAccess": "Enabled"},
    },
    ("azure.recoveryservices.vault", "backupConfig"): {
        "name": "vaultconfig",
        "properties": {"softDeleteFeatureState": "Enabled"},
    },
}

SUBSCRIPTION_TYPES = {
    "microsoft.security/pricings": "azure.security.pricing",
    "microsoft.authorization/roledefinitions": "azure.authorization.role_definition",
    "microsoft.authorization/roleassignments": "azure.authorization.role_assignment",
    "microsoft.authorization/locks": "azure.authorization.lock",
}
# Read through the resources that use them (a VM's public address, through its network
# interface): no record of their own, and no "not checked" notice.
CONSUMED = frozenset({"microsoft.network/publicipaddresses"})
# Read through the resource they belong to, in the live shape (no record of their own).
INLINE_CHILDREN = {
    "microsoft.network/networksecuritygroups/securityrules": "securityRules",
    "microsoft.network/virtualnetworks/subnets": "subnets",
    "microsoft.network/networkinterfaces/ipconfigurations": "ipConfigurations",
}


@dataclass
class Record:
    rtype: str
    res: ArmResource
    data: dict[str, Any]
    later: dict[str, str] = field(default_factory=dict)
    key: str = ""


@dataclass
class Mapped:
    records: list[Record] = field(default_factory=list)
    not_checked: list[tuple[ArmResource, str]] = field(default_factory=list)


def _child_slots() -> dict[str, tuple[Kind, Child, str | None]]:
    """Child ARM type (lower) → (parent kind, child, fixed child name or None for many)."""
    out: dict[str, tuple[Kind, Child, str | None]] = {}
    for kind in BY_ARM_TYPE.values():
        for child in kind.children:
            if child is DIAGNOSTICS:
                continue
            parts = [p for p in child.suffix.split("/") if p]
            ctype = f"{kind.arm_type}/{parts[0]}".lower()
            out[ctype] = (kind, child, parts[1] if len(parts) > 1 else None)
    return out


CHILD_SLOTS = _child_slots()


def _last(name: Any) -> Any:
    if isinstance(name, str):
        tail = name.rsplit("/", 1)[-1]
        return Sym(tail) if isinstance(name, Sym) else tail
    return name


def _parent_id(rid: Any) -> str:
    """``…/servers/srv/databases/db`` → ``…/servers/srv``."""
    return str(rid).rsplit("/", 2)[0].lower()


def _put_default(props: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    d = props
    for p in parts[:-1]:
        nxt = d.get(p)
        if nxt is None:
            nxt = d[p] = {}
        if not isinstance(nxt, dict):
            return
        d = nxt
    d.setdefault(parts[-1], value)


def _live(res: ArmResource, arm_type: str) -> dict[str, Any]:
    b = res.body
    data: dict[str, Any] = {"id": res.id, "name": _last(res.name), "type": arm_type}
    for k in ("location", "tags", "sku", "kind", "identity", "zones", "plan", "extendedLocation"):
        if k in b:
            data[k] = b[k]
    props = b.get("properties", {})
    data["properties"] = dict(props) if isinstance(props, dict) else props
    return data


def _child_data(res: ArmResource, child: Child) -> dict[str, Any]:
    data = {"id": res.id, "name": _last(res.name), "properties": res.body.get("properties", {})}
    if child.drop and isinstance(data["properties"], dict):
        data["properties"] = {k: v for k, v in data["properties"].items() if k not in child.drop}
    return data


def map_resources(resources: Iterable[ArmResource], subscription: Any) -> Mapped:
    out = Mapped()
    by_id: dict[str, Record] = {}
    pending: list[ArmResource] = []
    subscription_records: dict[str, Record] = {}
    for res in resources:
        low = res.type.lower()
        kind = BY_ARM_TYPE.get(low)
        if kind is not None and res.parent_id is None:
            rec = Record(kind.name, res, _live(res, kind.arm_type))
            props = rec.data["properties"]
            if isinstance(props, dict):
                for path, value in PROPERTY_DEFAULTS.get(kind.name, {}).items():
                    _put_default(props, path, _versioned(res, path, value))
                for path, why in PROPERTY_LATER.get(kind.name, {}).items():
                    if path not in props:
                        rec.later[f"properties.{path}"] = why
            for child in kind.children:
                rec.data[child.key] = (
                    [] if child.many and not child.flatten else {} if child.flatten else None
                )
            out.records.append(rec)
            if isinstance(res.id, str):
                by_id[res.id.lower()] = rec
        elif low in SUBSCRIPTION_TYPES and res.parent_id is None:
            data = _live(res, res.type)
            if low == "microsoft.authorization/roledefinitions":
                props = data["properties"] if isinstance(data["properties"], dict) else {}
                props.setdefault("type", "CustomRole")
            out.records.append(Record(SUBSCRIPTION_TYPES[low], res, data))
        elif low == "microsoft.security/securitycontacts":
            rec = subscription_records.get(low) or Record(
                "azure.security.contacts",
                res,
                {"subscriptionId": subscription, "contacts": []},
                key="securityContacts",
            )
            if low not in subscription_records:
                subscription_records[low] = rec
                out.records.append(rec)
            rec.data["contacts"].append(_live(res, res.type))
        elif (
            low in ("microsoft.insights/diagnosticsettings", "microsoft.insights/logprofiles")
            and res.parent_id is None
        ):
            rec = subscription_records.get("activity") or Record(
                "azure.insights.activity_log",
                res,
                {"subscriptionId": subscription, "logProfiles": [], "diagnosticSettings": []},
                key="activityLog",
            )
            if "activity" not in subscription_records:
                subscription_records["activity"] = rec
                out.records.append(rec)
            key = "diagnosticSettings" if low.endswith("diagnosticsettings") else "logProfiles"
            rec.data[key].append(_live(res, res.type))
        else:
            pending.append(res)
    for res in pending:
        _attach(res, by_id, out)
    for rec in out.records:
        kind = BY_ARM_TYPE.get(rec.res.type.lower())
        for child in kind.children if kind is not None and rec.res.parent_id is None else ():
            if rec.data.get(child.key) is None and not child.many and not child.absent_ok:
                default = CHILD_DEFAULTS.get((rec.rtype, child.key))
                if default is not None:
                    rec.data[child.key] = {"id": f"{rec.res.id}{child.suffix}", **default}
                else:
                    rec.data[child.key] = deferred(
                        f"the {child.key} settings Azure gives a new resource"
                    )
        if rec.rtype == "azure.web.site":
            _site_config(rec)
    return out


def _attach(res: ArmResource, by_id: dict[str, Record], out: Mapped) -> None:
    low = res.type.lower()
    if res.parent_id is not None:  # an extension resource: diagnostic settings …
        parent = (
            by_id.get(str(res.parent_id).lower())
            if not isinstance(res.parent_id, Unknown)
            else None
        )
        if (
            low == "microsoft.insights/diagnosticsettings"
            and parent is not None
            and isinstance(parent.data.get("diagnosticSettings"), list)
        ):
            parent.data["diagnosticSettings"].append(
                _live(res, "Microsoft.Insights/diagnosticSettings")
            )
            return
        if low in SUBSCRIPTION_TYPES:
            out.records.append(Record(SUBSCRIPTION_TYPES[low], res, _live(res, res.type)))
            return
        why = (
            f"the resource it extends cannot be named: {res.parent_id}"
            if isinstance(res.parent_id, Unknown)
            else "the resource it extends is not defined in this template"
            if parent is None
            else "bio2scan does not read this extension"
        )
        out.not_checked.append((res, why))
        return
    parent = by_id.get(_parent_id(res.id)) if isinstance(res.id, str) else None
    if low in INLINE_CHILDREN:
        if parent is None:
            out.not_checked.append((res, _no_parent(res)))
            return
        props = parent.data["properties"]
        if isinstance(props, dict):
            props.setdefault(INLINE_CHILDREN[low], []).append(
                {
                    "id": res.id,
                    "name": _last(res.name),
                    "properties": res.body.get("properties", {}),
                }
            )
        return
    slot = CHILD_SLOTS.get(low)
    if slot is None and low in CONSUMED:
        return
    if slot is None:
        out.not_checked.append((res, "bio2scan has no mapping for this resource type"))
        return
    kind, child, fixed = slot
    if parent is None or parent.rtype != kind.name:
        out.not_checked.append((res, _no_parent(res)))
        return
    data = _child_data(res, child)
    if child.flatten:
        current = parent.data.get(child.key)
        if isinstance(current, dict) and isinstance(data["properties"], dict):
            current[str(data["name"])] = data["properties"].get("value")
    elif child.many:
        parent.data[child.key].append(data)
    elif fixed is None or str(data["name"]).lower() == fixed.lower():
        parent.data[child.key] = data
    else:
        out.not_checked.append((res, f"only the {fixed!r} {child.key} is read"))


def _no_parent(res: ArmResource) -> str:
    if isinstance(res.id, Unknown):  # the parent's part of the name could not be resolved
        return f"its parent cannot be named: {res.id}"
    return "its parent is not defined in this template"


def _site_config(rec: Record) -> None:
    """A web app's configuration: the ``config/web`` child, else ``properties.siteConfig``."""
    cfg = rec.data.get("config")
    site = (
        rec.data["properties"].get("siteConfig")
        if isinstance(rec.data["properties"], dict)
        else None
    )
    if isinstance(cfg, dict):
        if isinstance(site, dict) and isinstance(cfg.get("properties"), dict):
            cfg["properties"] = {**site, **cfg["properties"]}
    elif isinstance(site, dict):
        rec.data["config"] = {
            "id": f"{rec.res.id}/config/web",
            "name": "web",
            "properties": dict(site),
        }
    elif isinstance(site, Unknown):
        rec.data["config"] = site
    _site_tls(rec)


# A web app's configuration fields that App Service always returns but chooses itself when the
# template names none (its defaults for new apps are not documented per API version).
SITE_CHOSEN = ("minTlsVersion", "scmMinTlsVersion")


def _site_tls(rec: Record) -> None:
    cfg = rec.data.get("config")
    props = cfg.get("properties") if isinstance(cfg, dict) else None
    if not isinstance(props, dict):
        return
    for key in SITE_CHOSEN:
        if key not in props:
            rec.later[f"config.properties.{key}"] = (
                "the minimum TLS version App Service sets when the template names none"
            )
