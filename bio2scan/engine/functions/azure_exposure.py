"""Azure exposure rules' functions: NSGs, service firewalls (storage, Key Vault, Cosmos DB,
Service Bus, SQL/PostgreSQL/MySQL), App Service access restrictions on the main and deployment
(SCM) endpoints, TLS minimums on every endpoint, diagnostic-log categories, and role definitions
that let the holder grant itself more (owner-equivalent).

Every network decision goes through ``netreach``: ``*``/``Internet``/``Any`` and ranges covering
more than ``share`` of the public address space are the internet; ``AzureCloud`` and other
tags from which any Azure customer can send traffic are "every Azure customer"; ``0.0.0.0`` in a
SQL or Cosmos DB firewall is "all Azure datacenters", the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...model import Evidence
from ..paths import get
from . import CannotJudge, Read, function, netreach
from .aws_policy import as_list
from .tls import DEFAULT_GUIDELINE, at_least, rate_protocol

OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
# built-in roles that may write role assignments: Owner, User Access Administrator,
# Role Based Access Control Administrator
OWNER_EQUIVALENT_BUILTINS = frozenset(
    {
        OWNER_ROLE,
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    }
)
# actions that let the holder grant itself (or anyone) any role
GRANTING_ACTIONS = (
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleDefinitions/write",
    "Microsoft.Authorization/elevateAccess/action",
)


def _nsg_rules(nsg: dict[str, Any]) -> list[netreach.FwRule]:
    out = []
    for i, r in enumerate(as_list(get(nsg, "properties.securityRules"))):
        p = r.get("properties", r) if isinstance(r, dict) else {}
        missing = [k for k in ("access", "direction") if p.get(k) is None]
        if missing:  # Azure refuses a rule without them: nothing can be concluded from it
            raise CannotJudge(f"security rule {i} has no {', '.join(missing)}")
        if str(p.get("direction", "")).lower() != "inbound":
            continue
        srcs = [p.get("sourceAddressPrefix")] + as_list(p.get("sourceAddressPrefixes"))
        if not any(srcs) and not p.get("sourceApplicationSecurityGroups"):
            raise CannotJudge(f"security rule {i} has no source")
        sources = [netreach.parse_source(s) for s in srcs if s]
        sources += [
            netreach.Source(str(a.get("id")), "group")
            for a in as_list(p.get("sourceApplicationSecurityGroups"))
            if isinstance(a, dict)
        ]
        ports = (
            [p.get("destinationPortRange")]
            if p.get("destinationPortRange") not in (None, "")
            else as_list(p.get("destinationPortRanges")) or ["*"]
        )
        out.append(
            netreach.FwRule(
                float(p.get("priority", 0)),
                str(p.get("access", "")).lower() == "allow",
                tuple(sources),
                netreach.protocol(p.get("protocol", "*")),
                netreach.parse_ports(ports),
                f"properties.securityRules[{i}]",
            )
        )
    return out


@function(
    "azure_nsg_closed",
    kind="subject",
    args=("ports", "share"),
    reads=(
        Read("properties", "mapping"),
        Read(
            "properties.securityRules",
            "list",
            absent="no own rules: the default rules admit no inbound traffic from the internet",
        ),
        Read("properties.securityRules[*]", "mapping"),
    ),
)
def azure_nsg_closed(
    obj: Any, env: Any, ports: Iterable[Any] = (), share: float = netreach.DEFAULT_SHARE
) -> Any:
    """True when the NSG's inbound rules, in priority order (first match wins, deny rules
    count), let no public source reach any of ``ports`` over TCP or UDP (``[]``: no rule open
    on every port). ICMP opens no port; an unknown service tag is an ERROR."""
    from .aws_exposure import _evidence, exposed

    hits = exposed(_nsg_rules(obj), ports, share)
    if hits:
        names = {
            f"properties.securityRules[{i}]": r.get("name")
            for i, r in enumerate(as_list(get(obj, "properties.securityRules")))
            if isinstance(r, dict)
        }
        return False, [
            Evidence(e.path, f"{names.get(e.path)}: {e.value}", e.expected)
            for e in _evidence(hits, share)
        ]
    return True, [Evidence("properties.securityRules", "inbound", "closed to the internet")]


@function(
    "azure_nsg_rule_exposes",
    kind="subject",
    args=("ports",),
    reads=(Read("properties", "mapping", absent="the rule's fields at its top level"),),
)
def azure_nsg_rule_exposes(obj: Any, env: Any, ports: list[Any]) -> Any:
    """True when one NSG security rule on its own allows inbound traffic from a public source
    (``netreach``) to any of ``ports`` (``[]``: to every port). Prefer ``azure_nsg_closed``,
    which also weighs the deny rules before it."""
    from .aws_exposure import exposed

    hits = exposed(_nsg_rules({"properties": {"securityRules": [obj]}}), ports, 0.001)
    return bool(hits), [Evidence("properties", obj.get("name"), "not open to the internet")]


def _ip_sources(values: Iterable[Any], azure_zero: bool = False) -> list[netreach.Source]:
    return [netreach.parse_source(v, azure_zero=azure_zero) for v in values if v]


def _verdict(path: str, srcs: list[netreach.Source], share: float, what: str) -> Any:
    if netreach.reach_is_public(srcs, share):
        return False, [
            Evidence(
                path, [s.text for s in srcs], f"{what} not open to {netreach.describe(srcs, share)}"
            )
        ]
    return True, [Evidence(path, [s.text for s in srcs], f"{what}: named ranges only")]


@function(
    "azure_firewall_closed",
    kind="subject",
    args=("service", "share"),
    reads=(
        Read("properties", "mapping", absent="no properties: the platform defaults (open)"),
        Read("properties.networkAcls", "mapping", absent="no firewall: every network"),
        Read("properties.networkAcls.ipRules", "list", absent="no IP rules"),
        Read("properties.networkAcls.ipRules[*]", "mapping"),
        Read("properties.networkAcls.ipRules[*].value", "string"),
        Read("properties.ipRules", "list", absent="no IP rules"),
        Read("properties.ipRules[*]", "mapping"),
        Read("properties.ipRules[*].ipAddressOrRange", "string"),
        Read("networkRuleSet", "mapping", absent="no rule set: every network"),
        Read("networkRuleSet.properties.ipRules", "list", absent="no IP rules"),
        Read("networkRuleSet.properties.ipRules[*]", "mapping"),
        Read("networkRuleSet.properties.ipRules[*].ipMask", "string"),
        Read("config", "mapping", absent="App Service: not recorded, unknown"),
        *(
            Read(f"config.properties.{key}", "list", absent="no rules")
            for key in ("ipSecurityRestrictions", "scmIpSecurityRestrictions")
        ),
        *(
            Read(
                f"config.properties.{key}",
                "string",
                absent="Deny when an Allow rule exists, else Allow (the platform's default)",
            )
            for key in (
                "ipSecurityRestrictionsDefaultAction",
                "scmIpSecurityRestrictionsDefaultAction",
            )
        ),
        Read(
            "config.properties.scmIpSecurityRestrictionsUseMain",
            "boolean",
            absent="false: the deployment endpoint has its own list",
        ),
    ),
)
def azure_firewall_closed(
    obj: Any, env: Any, service: str, share: float = netreach.DEFAULT_SHARE
) -> Any:
    """True when the service's public endpoint is off, or its firewall admits no public source:
    ``storage``/``keyvault`` (``properties.networkAcls``: ``defaultAction`` Deny and ``ipRules``),
    ``cosmosdb`` (``ipRules``; none and no VNet filter = everyone; ``0.0.0.0`` = every Azure
    customer), ``servicebus`` (``networkRuleSet``), ``appservice`` (``ipSecurityRestrictions`` of
    the main endpoint) and ``scm`` (the deployment endpoint: its own list, or the main one's).
    An absent firewall where the platform's default is open counts as open."""
    p = obj.get("properties") or {}
    if str(p.get("publicNetworkAccess", "")).lower() == "disabled":
        return True, [Evidence("properties.publicNetworkAccess", "Disabled", "no public endpoint")]
    if service in ("storage", "keyvault"):
        acls = p.get("networkAcls")
        if not isinstance(acls, dict) or str(acls.get("defaultAction")).lower() != "deny":
            return False, [
                Evidence(
                    "properties.networkAcls.defaultAction",
                    acls.get("defaultAction") if isinstance(acls, dict) else None,
                    "Deny (absent = Allow: every network)",
                )
            ]
        values = [r.get("value") for r in as_list(acls.get("ipRules")) if isinstance(r, dict)]
        return _verdict("properties.networkAcls.ipRules", _ip_sources(values), share, "ipRules")
    if service == "cosmosdb":
        rules = [
            r.get("ipAddressOrRange") for r in as_list(p.get("ipRules")) if isinstance(r, dict)
        ]
        if not rules and p.get("isVirtualNetworkFilterEnabled") is not True:
            return False, [Evidence("properties.ipRules", [], "IP rules or a VNet filter")]
        return _verdict("properties.ipRules", _ip_sources(rules, True), share, "ipRules")
    if service == "servicebus":
        rs = get(obj, "networkRuleSet.properties") or {}
        if str(rs.get("publicNetworkAccess", "")).lower() == "disabled":
            return True, [Evidence("networkRuleSet.properties.publicNetworkAccess", "Disabled", "")]
        if str(rs.get("defaultAction")).lower() != "deny":
            return False, [
                Evidence("networkRuleSet.properties.defaultAction", rs.get("defaultAction"), "Deny")
            ]
        masks = [
            r.get("ipMask")
            for r in as_list(rs.get("ipRules"))
            if isinstance(r, dict) and str(r.get("action", "Allow")).lower() == "allow"
        ]
        return _verdict("networkRuleSet.properties.ipRules", _ip_sources(masks), share, "ipRules")
    if service in ("appservice", "scm"):
        return _site_closed(obj, service == "scm", share)
    raise ValueError(f"unknown service {service!r}")


def _site_closed(obj: Any, scm: bool, share: float) -> Any:
    cfg = obj.get("config")
    if not isinstance(cfg, dict):
        raise CannotJudge("the site configuration was not collected")
    c = cfg.get("properties") or {}
    prefix = "config.properties."
    key = "ipSecurityRestrictions"
    if scm and c.get("scmIpSecurityRestrictionsUseMain") is not True:
        key = "scmIpSecurityRestrictions"
    rules = [r for r in as_list(c.get(key)) if isinstance(r, dict)]
    default = (
        c.get(key + "DefaultAction")
        if key == "ipSecurityRestrictions"
        else c.get("scmIpSecurityRestrictionsDefaultAction")
    )
    if default is None:  # the platform: no rule admits all; an Allow rule adds "deny all"
        allow_rules = [r for r in rules if str(r.get("action", "Allow")).lower() == "allow"]
        default = "Deny" if allow_rules else "Allow"
    fw: list[netreach.FwRule] = []
    for i, r in enumerate(rules):
        src = r.get("ipAddress")
        if r.get("vnetSubnetResourceId") and not src:
            sources: tuple[netreach.Source, ...] = (netreach.Source("subnet", "internal"),)
        else:
            sources = (netreach.parse_source(src),)
        fw.append(
            netreach.FwRule(
                float(r.get("priority", 65000)),
                str(r.get("action", "Allow")).lower() == "allow",
                sources,
                "all",
                netreach.ALL_PORTS,
                f"{prefix}{key}[{i}]",
            )
        )
    if str(default).lower() == "allow":
        fw.append(
            netreach.FwRule(
                2**31, True, (netreach.parse_source("*"),), "all", netreach.ALL_PORTS, "default"
            )
        )
    reach = netreach.first_match(fw, None, "all")
    srcs = [s for r in reach for s in r.sources]
    endpoint = "deployment (SCM)" if scm else "main"
    if srcs and netreach.reach_is_public(srcs, share):
        return False, [
            Evidence(
                r.label if r.label != "default" else f"{prefix}{key}DefaultAction",
                [s.text for s in r.sources] if r.label != "default" else default,
                f"the {endpoint} endpoint not open to {netreach.describe(srcs, share)}",
            )
            for r in reach
        ]
    return True, [Evidence(f"{prefix}{key}", len(rules), f"the {endpoint} endpoint restricted")]


@function(
    "azure_db_firewall_closed",
    kind="subject",
    args=("share",),
    reads=(
        Read("properties", "mapping", absent="public access not known to be off"),
        Read("firewallRules", "list", absent="not recorded: unknown, unless public access is off"),
        Read("firewallRules[*]", "mapping"),
    ),
)
def azure_db_firewall_closed(obj: Any, env: Any, share: float = netreach.DEFAULT_SHARE) -> Any:
    """True when the server's public endpoint is off, or its firewall rules together admit no
    range covering the internet (``startIpAddress``–``endIpAddress``, any number of rules). The
    special ``0.0.0.0``–``0.0.0.0`` rule (all Azure datacenters) is judged by its own rule."""
    for path in ("properties.publicNetworkAccess", "properties.network.publicNetworkAccess"):
        if str(get(obj, path) or "").lower() == "disabled":
            return True, [Evidence(path, "Disabled", "no public endpoint")]
    if "firewallRules" not in obj:
        raise CannotJudge("firewallRules were not collected")
    srcs: list[netreach.Source] = []
    for r in as_list(obj.get("firewallRules")):
        p = (r or {}).get("properties") or {}
        lo, hi = p.get("startIpAddress"), p.get("endIpAddress")
        if lo == "0.0.0.0" and hi == "0.0.0.0":
            continue
        srcs.append(netreach.parse_source(f"{lo}-{hi}"))
    return _verdict("firewallRules", srcs, share, "firewall rules")


@function(
    "azure_tls_on_every_endpoint",
    kind="subject",
    args=("paths", "level", "guideline"),
    reads=(Read("{paths}", "string"),),
)
def azure_tls_on_every_endpoint(
    obj: Any,
    env: Any,
    paths: Iterable[str] = (),
    level: str = "voldoende",
    guideline: str = DEFAULT_GUIDELINE,
) -> Any:
    """True when the minimum TLS version at every one of ``paths`` (App Service: the main
    endpoint's ``minTlsVersion`` and the deployment endpoint's ``scmMinTlsVersion``) rates at
    least ``level``. An absent value is unknown: ERROR."""
    bad: list[Evidence] = []
    good: list[Evidence] = []
    for path in paths:
        v = get(obj, path)
        if v is None:
            raise CannotJudge(f"{path} is not set in the collected configuration")
        rating = rate_protocol(str(v), guideline)
        (good if at_least(rating, level) else bad).append(
            Evidence(path, v, f"rated at least {level} (is {rating})")
        )
    return (not bad), bad or good


def _matches(pattern: str, action: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def role_grants(perms: Any) -> list[str]:
    """The granting actions (``GRANTING_ACTIONS``) a role definition's permissions allow:
    matched by ``actions`` (wildcards count) and not removed by ``notActions``."""
    out = []
    for act in GRANTING_ACTIONS:
        for perm in as_list(perms):
            if not isinstance(perm, dict):
                continue
            if any(_matches(str(a), act) for a in as_list(perm.get("actions"))) and not any(
                _matches(str(n), act) for n in as_list(perm.get("notActions"))
            ):
                out.append(act)
                break
    return out


@function(
    "azure_role_not_owner_equivalent",
    kind="subject",
    reads=(
        Read("properties", "mapping"),
        Read("properties.permissions", "list"),
        Read("properties.permissions[*]", "mapping"),
        Read("properties.permissions[*].actions", "list"),
        Read("properties.permissions[*].notActions", "list", absent="none taken out"),
    ),
)
def azure_role_not_owner_equivalent(obj: Any, env: Any) -> Any:
    """True when the role definition grants neither every action (``*``) nor an action that
    lets the holder grant itself more (``Microsoft.Authorization/*``, ``*/write``,
    ``roleAssignments/write``, ``roleDefinitions/write``, ``elevateAccess/action``) — unless
    ``notActions`` takes it out again."""
    perms = get(obj, "properties.permissions")
    wild = [
        f"properties.permissions[{i}].actions"
        for i, p in enumerate(as_list(perms))
        if isinstance(p, dict) and "*" in as_list(p.get("actions"))
    ]
    grants = role_grants(perms)
    if wild or grants:
        return False, [
            Evidence(
                wild[0] if wild else "properties.permissions",
                grants or ["*"],
                "no owner-equivalent actions",
            )
        ]
    return True, [Evidence("properties.permissions", "no granting actions", "not owner-equivalent")]


def owner_equivalent_role_ids(env: Any) -> set[str]:
    """Role definition ids (last GUID, lower case) that are owner-equivalent: the built-ins and
    every collected custom role that grants a granting action."""
    ids = set(OWNER_EQUIVALENT_BUILTINS)
    for r in env.related("azure.authorization.role_definition", same_scope=False):
        if role_grants(get(r.data, "properties.permissions")) or any(
            "*" in as_list(p.get("actions"))
            for p in as_list(get(r.data, "properties.permissions"))
            if isinstance(p, dict)
        ):
            ids.add(str(r.data.get("name") or r.id.rsplit("/", 1)[-1]).lower())
    return ids


def _log_enabled(log: dict[str, Any], wanted: set[str]) -> bool:
    if log.get("enabled") is not True:
        return False
    group = str(log.get("categoryGroup") or "").lower()
    return group in ("alllogs", "audit") or str(log.get("category") or "").lower() in wanted


@function(
    "azure_diagnostic_categories",
    kind="subject",
    args=("categories",),
    reads=(
        Read("diagnosticSettings", "list", absent="no diagnostic settings"),
        Read("diagnosticSettings[*]", "mapping"),
    ),
)
def azure_diagnostic_categories(obj: Any, env: Any, categories: Any = None) -> Any:
    """True when a diagnostic setting with a destination (workspace, storage account, event hub)
    enables the audit logs of this resource type: the ``audit`` or ``allLogs`` category group,
    or one of ``categories`` by name (``[AuditEvent, kube-audit]``). A setting that sends only
    metrics, or other categories, or sends nowhere, is no audit logging."""
    wanted = {str(c).lower() for c in as_list(categories)}
    for i, ds in enumerate(as_list(obj.get("diagnosticSettings"))):
        p = (ds or {}).get("properties") or {}
        if not (
            p.get("workspaceId")
            or p.get("storageAccountId")
            or p.get("eventHubAuthorizationRuleId")
        ):
            continue
        for j, log in enumerate(as_list(p.get("logs"))):
            if isinstance(log, dict) and _log_enabled(log, wanted):
                return True, [
                    Evidence(
                        f"diagnosticSettings[{i}].properties.logs[{j}]",
                        log.get("categoryGroup") or log.get("category"),
                        "audit logs enabled",
                    )
                ]
    return False, [
        Evidence(
            "diagnosticSettings",
            len(as_list(obj.get("diagnosticSettings"))),
            f"a setting with audit, allLogs or {sorted(wanted)} enabled",
        )
    ]
