"""Functions for the Azure rules: NSG port exposure, Application Gateway TLS policies, tags, and
the checks that look across resources (flow logs, NICs of a VM, locks, Owners, activity log
retention). ARM ids are case-insensitive, so every id comparison here lowers both sides.

Application Gateway's predefined SSL policies are listed with the protocols and cipher suites
Microsoft documents for them ("Application Gateway TLS policy overview"); they are rated by the
NCSC tables in ``tls.py``. A gateway without an ``sslPolicy`` gets the old default
``AppGwSslPolicy20150501`` (the default of every gateway created before API 2023-02-01); setting a
policy explicitly is the remedy either way.
"""

from __future__ import annotations

from typing import Any

from ...model import Evidence
from ..paths import get
from . import Read, Related, function
from .tls import DEFAULT_GUIDELINE, at_least, rate_protocol, rate_settings

OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"

_GCM_ECDHE = (
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
)
_CBC2_ECDHE = (
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
)
_CBC1_ECDHE = (
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
)
_RSA_KX = (
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
)
_DHE = (
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
)
_TLS13 = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")

# predefined policy → (minimum protocol, cipher suites)
APPGW_POLICIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "AppGwSslPolicy20150501": (
        "TLSv1_0",
        _GCM_ECDHE
        + _CBC2_ECDHE
        + _CBC1_ECDHE
        + _DHE
        + _RSA_KX
        + ("TLS_RSA_WITH_3DES_EDE_CBC_SHA",),
    ),
    "AppGwSslPolicy20170401": ("TLSv1_1", _GCM_ECDHE + _CBC2_ECDHE + _CBC1_ECDHE + _RSA_KX),
    "AppGwSslPolicy20170401S": ("TLSv1_2", _GCM_ECDHE + _CBC2_ECDHE + _CBC1_ECDHE + _RSA_KX),
    "AppGwSslPolicy20220101": ("TLSv1_2", _TLS13 + _GCM_ECDHE + _CBC2_ECDHE),
    "AppGwSslPolicy20220101S": ("TLSv1_2", _TLS13 + _GCM_ECDHE),
}
_DEFAULT_APPGW_POLICY = "AppGwSslPolicy20150501"


def _protocols_from(minimum: str) -> list[str]:
    """``TLSv1_1`` → every version from 1.1 up to 1.3."""
    from .tls import parse_protocol

    _, major, minor = parse_protocol(minimum)
    return [f"TLSv1.{m}" for m in range(minor, 4)] if major == 1 else ["SSLv3"]


def appgw_rating(policy: Any, guideline: str = DEFAULT_GUIDELINE) -> tuple[str, str]:
    """``(NCSC level, description)`` of an Application Gateway ``sslPolicy`` (or its absence).
    Unknown predefined names raise ValueError (the engine reports ERROR)."""
    policy = policy if isinstance(policy, dict) else {}
    ptype = policy.get("policyType")
    name = policy.get("policyName")
    if not policy or (ptype in (None, "Predefined") and not name):
        name = _DEFAULT_APPGW_POLICY
    if name and ptype in (None, "Predefined"):
        if name not in APPGW_POLICIES:
            raise ValueError(f"unknown Application Gateway SSL policy {name!r}")
        minimum, ciphers = APPGW_POLICIES[name]
        return rate_settings(_protocols_from(minimum), ciphers, guideline), name
    minimum = policy.get("minProtocolVersion") or "TLSv1_0"
    ciphers = tuple(policy.get("cipherSuites") or ())
    protocols = _protocols_from(minimum)
    disabled = {
        p.replace("_", ".").replace("TLSv1.0", "TLSv1")
        for p in policy.get("disabledSslProtocols") or ()
    }
    protocols = [p for p in protocols if p.replace("TLSv1.0", "TLSv1") not in disabled]
    if not ciphers and "TLSv1.2" in protocols:
        raise ValueError(f"{ptype} policy without cipher suites: cannot rate")
    suites = ciphers + (_TLS13 if "TLSv1.3" in protocols else ())
    return rate_settings(protocols, suites, guideline), f"{ptype} min {minimum}"


@function(
    "azure_appgw_tls_at_least",
    kind="subject",
    args=("level", "guideline"),
    reads=(
        Read("properties", "mapping"),
        Read("properties.sslPolicy", "mapping", absent="the old default AppGwSslPolicy20150501"),
    ),
)
def azure_appgw_tls_at_least(
    obj: Any, env: Any, level: str = "voldoende", guideline: str = DEFAULT_GUIDELINE
) -> Any:
    """True when the gateway's ``properties.sslPolicy`` (predefined, Custom or CustomV2; absent
    = the old default) rates at least ``level`` under the NCSC TLS guideline."""
    policy = get(obj, "properties.sslPolicy")
    rating, what = appgw_rating(
        None if policy is None or not isinstance(policy, dict) else policy, guideline
    )
    return at_least(rating, level), [
        Evidence("properties.sslPolicy", what, f"rated at least {level} (is {rating})")
    ]


@function("azure_tls_versions_at_least", args=("level", "guideline"), value="string")
def azure_tls_versions_at_least(
    value: Any, level: str = "voldoende", guideline: str = DEFAULT_GUIDELINE
) -> bool:
    """True when every version in a comma-separated list (``TLSv1.2,TLSv1.3`` as MySQL's
    ``tls_version`` has it, or one version) rates at least ``level``."""
    if not isinstance(value, str) or not value.strip():
        return False
    return all(
        at_least(rate_protocol(v.strip(), guideline), level) for v in value.split(",") if v.strip()
    )


@function(
    "azure_tag_in",
    kind="subject",
    args=("tag", "values"),
    reads=(
        Read("tags", "mapping", absent="no tags"),
        Read("tags[*]", "string", absent="the tag is not set"),
    ),
)
def azure_tag_in(obj: Any, env: Any, tag: str, values: list[Any]) -> Any:
    """True when the resource's tag ``tag`` has one of ``values`` (case-insensitive; ``["*"]``:
    any value). Used in ``applies_if`` for "where required" rules."""
    tags = (obj.get("tags") if isinstance(obj, dict) else None) or {}
    found = next((v for k, v in tags.items() if k.lower() == str(tag).lower()), None)
    ok = found is not None and (
        "*" in values or str(found).lower() in {str(v).lower() for v in values}
    )
    return ok, [Evidence(f"tags.{tag}", found, f"one of {list(values)}")]


@function("azure_flow_logged", kind="subject", reads=(), related=("azure.network.flow_log",))
def azure_flow_logged(obj: Any, env: Any) -> Any:
    """True when an enabled flow log (``azure.network.flow_log``) targets this resource."""
    rid = env.resource.id
    logs = env.lookup("azure.network.flow_log", "properties.targetResourceId", rid, casefold=True)
    on = [f.id for f in logs if get(f.data, "properties.enabled") is True]
    return bool(on), [Evidence("", on[0] if on else None, "an enabled flow log targets it")]


@function(
    "azure_vm_public_ip",
    kind="subject",
    reads=(
        Read("properties", "mapping"),
        Read("properties.networkProfile", "mapping"),
        Read("properties.networkProfile.networkInterfaces", "list"),
        Read("properties.networkProfile.networkInterfaces[*]", "mapping"),
        Read("properties.networkProfile.networkInterfaces[*].id", "string"),
    ),
    related=("azure.network.network_interface",),
)
def azure_vm_public_ip(obj: Any, env: Any) -> Any:
    """True when a network interface of the VM has a public IP address. A NIC that is not in the
    inventory makes the answer unknown (ERROR): without it we cannot tell."""
    refs = obj["properties"]["networkProfile"]["networkInterfaces"]
    for i, ref in enumerate(refs):
        found = env.lookup("azure.network.network_interface", "id", ref["id"], casefold=True)
        nic = found[0] if found else None
        if nic is None:
            return None, [
                Evidence(
                    f"properties.networkProfile.networkInterfaces[{i}].id",
                    ref["id"],
                    "a collected network interface",
                )
            ]
        for cfg in get(nic.data, "properties.ipConfigurations") or []:
            pip = get(cfg, "properties.publicIPAddress.id")
            if pip:
                return True, [
                    Evidence(
                        f"properties.networkProfile.networkInterfaces[{i}]",
                        pip,
                        "no public IP address",
                    )
                ]
    return False, [
        Evidence("properties.networkProfile.networkInterfaces", len(refs), "no public IP address")
    ]


def _locks_by_scope(env: Any) -> dict[tuple[str, str], list[Any]]:
    table: dict[tuple[str, str], list[Any]] = {}
    for lk in env.related("azure.authorization.lock", same_scope=False):
        scope = lk.id.lower().split("/providers/microsoft.authorization/locks/")[0]
        table.setdefault((lk.scope, scope), []).append(lk)
    return table


@function(
    "azure_locked",
    kind="subject",
    args=("levels",),
    reads=(),
    related=("azure.authorization.lock",),
)
def azure_locked(obj: Any, env: Any, levels: list[Any]) -> Any:
    """True when a management lock of one of ``levels`` (CanNotDelete, ReadOnly) applies to the
    resource: on the resource itself, its resource group or its subscription."""
    rid = env.resource.id.lower()
    table = env.memo("azure_locked", lambda: _locks_by_scope(env))
    parts = rid.split("/")
    for n in range(len(parts), 0, -1):  # the resource, then each scope above it
        for lk in table.get((env.resource.scope, "/".join(parts[:n])), ()):
            if get(lk.data, "properties.level") in levels:
                return True, [Evidence("", lk.id, f"a lock of level {list(levels)}")]
    return False, [Evidence("", None, f"a lock of level {list(levels)}")]


@function(
    "azure_owner_count",
    kind="subject",
    args=("min", "max"),
    reads=(Read("subscriptionId", "string"),),
    related=(
        "azure.authorization.role_assignment",
        Related("azure.authorization.role_definition", scope="any"),
    ),
)
def azure_owner_count(obj: Any, env: Any, min: int = 0, max: int = 1_000_000) -> Any:
    """True when the number of owner-equivalent role assignments at the subscription's own
    scope lies in ``[min, max]``: Owner, User Access Administrator, RBAC Administrator, and
    every custom role that can write role assignments or definitions (``azure_exposure``),
    counted among the ``azure.authorization.role_assignment`` resources (when those, or the
    custom role definitions, could not be read, the engine reports ERROR)."""
    from .azure_exposure import owner_equivalent_role_ids

    scope = f"/subscriptions/{obj.get('subscriptionId', '')}".lower()
    owners_ids = env.memo("azure_owner_ids", lambda: owner_equivalent_role_ids(env))
    owners = [
        a
        for a in env.related("azure.authorization.role_assignment")
        if str(get(a.data, "properties.roleDefinitionId") or "").lower().rsplit("/", 1)[-1]
        in owners_ids
        and str(get(a.data, "properties.scope") or "").lower().rstrip("/") == scope
    ]
    n = len(owners)
    return min <= n <= max, [
        Evidence("roleAssignments[owner-equivalent]", n, f"between {min} and {max} owners")
    ]


def _workspace_days(ws: Any) -> int:
    table = (ws.data.get("activityTable") or {}).get("properties") or {}
    return int(
        table.get("totalRetentionInDays")
        or table.get("retentionInDays")
        or get(ws.data, "properties.retentionInDays")
        or 0
    )


def _storage_days(acct: Any) -> int | None:
    """Days a storage account keeps blobs: ``None`` (forever) unless a lifecycle rule deletes
    base blobs; then the shortest such age."""
    rules = get(acct.data, "managementPolicy.properties.policy.rules") or []
    ages = []
    for r in rules:
        if r.get("enabled") is False:
            continue
        d = get(r, "definition.actions.baseBlob.delete.daysAfterModificationGreaterThan")
        if d is not None:
            ages.append(int(d))
    return min(ages) if ages else None


@function(
    "azure_activity_log_retained",
    kind="subject",
    args=("days",),
    reads=(
        Read("logProfiles", "list", absent="no log profile"),
        Read("logProfiles[*]", "mapping"),
        Read("diagnosticSettings", "list", absent="no diagnostic settings"),
        Read("diagnosticSettings[*]", "mapping"),
    ),
    related=(
        Related("azure.operationalinsights.workspace", scope="any"),
        Related("azure.storage.account", scope="any"),
    ),
)
def azure_activity_log_retained(obj: Any, env: Any, days: int) -> Any:
    """True when the subscription's activity log is kept at least ``days``: a log profile with
    that retention (or retention off = forever), or a diagnostic setting sending the
    Administrative category to a Log Analytics workspace that keeps the ``AzureActivity`` table
    that long, or to a storage account without a lifecycle rule deleting blobs sooner."""
    for i, lp in enumerate(obj.get("logProfiles") or []):
        rp = get(lp, "properties.retentionPolicy") or {}
        kept = None if rp.get("enabled") is False or rp.get("days") == 0 else rp.get("days")
        if kept is None or kept >= days:
            return True, [
                Evidence(
                    f"logProfiles[{i}].properties.retentionPolicy", rp, f"kept at least {days} days"
                )
            ]
    seen = []
    for i, ds in enumerate(obj.get("diagnosticSettings") or []):
        p = ds.get("properties") or {}
        if not _sends_administrative(p):
            continue
        where = f"diagnosticSettings[{i}]"
        ws = _one(env, "azure.operationalinsights.workspace", p.get("workspaceId"))
        if ws is not None:
            kept = _workspace_days(ws)
            seen.append(Evidence(f"{where}.properties.workspaceId", kept, f">= {days} days"))
            if kept >= days:
                return True, seen[-1:]
        acct = _one(env, "azure.storage.account", p.get("storageAccountId"))
        if acct is not None:
            kept = _storage_days(acct)
            seen.append(
                Evidence(
                    f"{where}.properties.storageAccountId",
                    "forever" if kept is None else kept,
                    f">= {days} days",
                )
            )
            if kept is None or kept >= days:
                return True, seen[-1:]
    return False, seen or [
        Evidence("diagnosticSettings", None, f"activity log kept at least {days} days")
    ]


def _one(env: Any, rtype: str, rid: Any) -> Any:
    found = env.lookup(rtype, "id", rid, same_scope=False, casefold=True)
    return found[0] if found else None


def _sends_administrative(p: dict[str, Any]) -> bool:
    for log in p.get("logs") or []:
        if log.get("enabled") and (
            log.get("category") == "Administrative"
            or log.get("categoryGroup") in ("allLogs", "audit")
        ):
            return True
    return False
