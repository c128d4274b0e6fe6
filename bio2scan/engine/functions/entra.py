"""Functions for the Entra ID rules: does Conditional Access really enforce a control for everyone
it should (enabled, not report-only; every user or every admin role; all apps; no narrowing
condition; exclusions only of declared break-glass accounts; no OR that lets a weaker control
through), exclusions, role holders, log export and retention, and alerting on role changes.

Unknown is never PASS: when what decides cannot be read (a collection error of a needed type, a
destination that could not be read, an Event Hub whose retention Azure cannot show), the function
raises and the rule reports ERROR with the reason. Ids are GUIDs; they are compared lower-cased.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
from collections.abc import Iterable
from typing import Any

from ...model import Evidence
from . import Read, function

CA = "azure.entra.conditional_access_policy"
STRENGTH = "azure.entra.authentication_strength_policy"
DEFAULTS = "azure.entra.security_defaults"
USERS = "azure.entra.privileged_user"
PHISHING_RESISTANT = ("windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor")
# single methods that are multi-factor on their own (a combination of two is always MFA)
_MFA_SINGLE = frozenset(
    {
        "windowsHelloForBusiness",
        "fido2",
        "x509CertificateMultiFactor",
        "deviceBasedPush",
        "federatedMultiFactor",
        "temporaryAccessPassOneTime",
        "temporaryAccessPassMultiUse",
    }
)
_MODERN = frozenset({"browser", "mobileAppsAndDesktopClients"})
_LEGACY = frozenset({"exchangeActiveSync", "other"})


def _low(values: Iterable[Any] | None) -> set[str]:
    return {str(v).lower() for v in values or ()}


def _where(p: Any) -> str:
    return f"conditional_access_policy[{p.id} '{p.name}']"


def _break_glass(env: Any, accounts: Iterable[Any]) -> set[str]:
    """Object ids of the declared break-glass accounts (ids, or UPNs of known role holders)."""
    ids = _low(accounts)
    for u in env.related(USERS):
        if str(u.data.get("userPrincipalName", "")).lower() in ids:
            ids.add(u.id.lower())
    return ids


def _strength_is(combos: Any, what: str, methods: Iterable[str]) -> bool:
    if not isinstance(combos, list) or not combos:
        return False
    if what == "phishing_resistant":
        allowed = set(methods)
        return all(isinstance(c, str) and c in allowed for c in combos)
    return all(isinstance(c, str) and ("," in c or c in _MFA_SINGLE) for c in combos)


def _strength(gc: dict[str, Any], env: Any) -> tuple[Any, str | None]:
    """The allowed combinations of the policy's authentication strength, or why unknown."""
    st = gc.get("authenticationStrength")
    if not isinstance(st, dict) or not st:
        return None, None
    if isinstance(st.get("allowedCombinations"), list):
        return st["allowedCombinations"], None
    known = {s.id.lower(): s for s in env.related(STRENGTH)}
    hit = known.get(str(st.get("id", "")).lower())
    if hit is not None:
        return hit.data.get("allowedCombinations"), None
    if env.collection_errors(STRENGTH):
        raise LookupError(f"authentication strength {st.get('id')} could not be read")
    return None, f"authentication strength {st.get('id')} unknown"


def _grant_ok(gc: Any, want: str, env: Any, methods: Iterable[str]) -> tuple[bool, Any, str]:
    """Does every way to satisfy the grant controls give ``want``? → (ok, value, expected)."""
    if not isinstance(gc, dict):
        return False, gc, "grant controls"
    ctrls = [str(c) for c in gc.get("builtInControls") or ()]
    combos, unknown = _strength(gc, env)
    strength_ok = combos is not None and (
        _strength_is(combos, want, methods) if want in ("mfa", "phishing_resistant") else False
    )
    # with OR each control alone is a way in; with AND all of them are needed together
    if gc.get("operator") == "AND" or len(ctrls) + (combos is not None) <= 1:
        ways = [(set(ctrls), strength_ok if combos is not None else None)]
    else:
        ways = [({c}, None) for c in ctrls] + ([(set(), strength_ok)] if combos is not None else [])
    need = {
        "mfa": {"mfa"},
        "phishing_resistant": set(),
        "block": set(),
        "compliant_device": {"compliantDevice", "domainJoinedDevice"},
        "password_change": {"passwordChange"},
    }[want]
    shown = {"controls": ctrls, "operator": gc.get("operator"), "strength": combos or unknown}
    for cs, st_ok in ways:
        if "block" in cs or (cs & need) or st_ok:
            continue
        return False, shown, f"every way through it to require {want.replace('_', ' ')}"
    return bool(ways), shown, f"requires {want.replace('_', ' ')}"


def _why_not(p: Any, spec: dict[str, Any], env: Any) -> tuple[str, Any, str] | None:
    d = p.data
    if d.get("state") != "enabled":
        return "state", d.get("state"), "enabled (report-only and disabled enforce nothing)"
    cond = d.get("conditions")
    users = cond.get("users") if isinstance(cond, dict) else None
    if not isinstance(users, dict):
        raise LookupError(f"{_where(p)}: conditions.users is missing")
    inc = _low(users.get("includeUsers"))
    if spec["users"] == "all" and "all" not in inc:
        return "conditions.users.includeUsers", users.get("includeUsers"), "All"
    missing = sorted(_low(spec["roles"]) - _low(users.get("includeRoles")))
    if spec["users"] == "admins" and "all" not in inc and missing:
        return "conditions.users.includeRoles", users.get("includeRoles"), f"also {missing}"
    glass = spec["glass"]
    for key in ("excludeUsers", "excludeGroups"):
        extra = sorted(_low(users.get(key)) - glass)
        if extra:
            return f"conditions.users.{key}", extra, "only declared break-glass accounts"
    if users.get("excludeRoles"):
        return "conditions.users.excludeRoles", users["excludeRoles"], "no excluded roles"
    if users.get("excludeGuestsOrExternalUsers"):
        return "conditions.users.excludeGuestsOrExternalUsers", "set", "guests not excluded"
    apps = cond.get("applications") or {}
    inc_apps = _low(apps.get("includeApplications"))
    want_apps = _low(spec["apps"])
    if "all" not in inc_apps and not (want_apps <= inc_apps and "all" not in want_apps):
        return (
            "conditions.applications.includeApplications",
            apps.get("includeApplications"),
            f"All (or {sorted(want_apps)})",
        )
    excl = _low(apps.get("excludeApplications"))
    if excl and ("all" in want_apps or excl & want_apps):
        return "conditions.applications.excludeApplications", sorted(excl), "no excluded apps"
    return _narrowing(cond, spec) or None


def _narrowing(cond: dict[str, Any], spec: dict[str, Any]) -> tuple[str, Any, str] | None:
    """A condition that limits the policy to some sign-ins only."""
    types = _low(cond.get("clientAppTypes")) or {"all"}
    need = _LEGACY if spec["want"] == "block" and spec["legacy"] else _MODERN
    if "all" not in types and not {t.lower() for t in need} <= types:
        return "conditions.clientAppTypes", cond.get("clientAppTypes"), f"all or {sorted(need)}"
    plat = cond.get("platforms")
    if isinstance(plat, dict) and (
        _low(plat.get("includePlatforms")) - {"all"} or plat.get("excludePlatforms")
    ):
        return "conditions.platforms", plat, "all platforms"
    loc = cond.get("locations")
    if isinstance(loc, dict) and (
        _low(loc.get("includeLocations")) - {"all"} or loc.get("excludeLocations")
    ):
        return "conditions.locations", loc, "all locations (no trusted-location exemption)"
    devices = cond.get("devices")
    if isinstance(devices, dict) and devices.get("deviceFilter"):
        return "conditions.devices.deviceFilter", devices["deviceFilter"], "no device filter"
    for key, risk in (("signInRiskLevels", "signIn"), ("userRiskLevels", "user")):
        if cond.get(key) and spec["risk"] != risk:
            return f"conditions.{key}", cond[key], "every sign-in, not only risky ones"
        if spec["risk"] == risk and not cond.get(key):
            return f"conditions.{key}", cond.get(key), f"{spec['risk_levels']}"
    if cond.get("insiderRiskLevels"):
        return "conditions.insiderRiskLevels", cond["insiderRiskLevels"], "no insider-risk filter"
    return None


@function(
    "entra_ca_enforces",
    kind="subject",
    args=(
        "control",
        "users",
        "roles",
        "break_glass",
        "apps",
        "legacy",
        "risk",
        "risk_levels",
        "methods",
        "security_defaults",
    ),
    reads=(),  # the tenant's policies, through env.related
    related=(CA, STRENGTH, DEFAULTS, USERS),
)
def entra_ca_enforces(
    obj: Any,
    env: Any,
    control: str,
    users: str = "all",
    roles: list[str] | None = None,
    break_glass: list[str] | None = None,
    apps: list[str] | None = None,
    legacy: bool = False,
    risk: str | None = None,
    risk_levels: list[str] | None = None,
    methods: list[str] | None = None,
    security_defaults: bool = False,
) -> Any:
    """True when enabled Conditional Access policies enforce ``control`` (mfa, phishing_resistant,
    block, compliant_device, password_change) for ``users`` (``all``, or ``admins``: every role in
    ``roles``) on ``apps`` (default every app) with no narrowing condition and no exclusion other
    than ``break_glass`` accounts (ids or UPNs); ``legacy``: the legacy client types;
    ``risk``/``risk_levels``: every one of those sign-in or user risk levels is covered.
    ``security_defaults``: enabled security defaults also count. Evidence names each policy that
    falls short and the field that decided it. Unreadable policies raise (ERROR)."""
    spec: dict[str, Any] = {
        "want": control,
        "users": users,
        "roles": roles or [],
        "glass": _break_glass(env, break_glass or []),
        "apps": apps or ["All"],
        "legacy": legacy,
        "risk": risk,
        "risk_levels": risk_levels or [],
    }
    pm = methods or list(PHISHING_RESISTANT)
    if security_defaults:
        sd = env.related(DEFAULTS)
        if sd and sd[0].data.get("isEnabled") is True:
            return True, [Evidence("securityDefaults.isEnabled", True, "security defaults on")]
    misses: list[Evidence] = []
    levels: set[str] = set()
    for p in sorted(env.related(CA), key=lambda r: (r.data.get("state") != "enabled", r.name)):
        why = _why_not(p, spec, env)
        if why is None:
            ok, value, expected = _grant_ok(p.data.get("grantControls"), control, env, pm)
            why = None if ok else ("grantControls", value, expected)
        if why is not None:
            misses.append(Evidence(f"{_where(p)}.{why[0]}", why[1], why[2]))
            continue
        if not risk:
            return True, [Evidence(_where(p), p.data.get("state"), f"enforces {control}")]
        levels |= _low(p.data["conditions"].get(f"{risk}RiskLevels"))
    if risk and _low(spec["risk_levels"]) <= levels:
        return True, [Evidence(f"{risk}RiskLevels", sorted(levels), f"covers {risk_levels}")]
    unread = env.collection_errors(CA)
    if unread:
        raise LookupError(f"Conditional Access policies could not be read: {unread[0].reason}")
    if security_defaults and (not env.related(DEFAULTS) or env.collection_errors(DEFAULTS)):
        errs = env.collection_errors(DEFAULTS)
        raise LookupError(
            "security defaults could not be read" + (f": {errs[0].reason}" if errs else "")
        )
    if risk:
        misses.insert(0, Evidence(f"{risk}RiskLevels", sorted(levels), f"covers {risk_levels}"))
    return False, misses or [
        Evidence("conditionalAccessPolicies", [], f"a policy enforcing {control}")
    ]


_EXCLUSIONS = (
    Read("conditions", "mapping"),
    Read("conditions.users", "mapping"),
    Read("conditions.users.excludeUsers", "list", absent="nobody excluded"),
    Read("conditions.users.excludeGroups", "list", absent="no group excluded"),
    Read("conditions.users.excludeRoles", "list", absent="no role excluded"),
    Read("conditions.users.excludeGuestsOrExternalUsers", "mapping", absent="no guest excluded"),
    Read("conditions.users.excludeGuestsOrExternalUsers.guestOrExternalUserTypes", "string"),
)


@function(
    "entra_ca_exclusions_allowed",
    kind="subject",
    args=("break_glass",),
    reads=_EXCLUSIONS,
    related=(USERS,),
)
def entra_ca_exclusions_allowed(obj: Any, env: Any, break_glass: list[str]) -> Any:
    """True when the policy excludes no users or groups other than the declared ``break_glass``
    accounts (object ids, or UPNs of role holders), no roles and no guests."""
    users = (obj.get("conditions") or {}).get("users")
    if not isinstance(users, dict):
        raise LookupError("conditions.users is missing")
    glass = _break_glass(env, break_glass)
    for key in ("excludeUsers", "excludeGroups"):
        extra = sorted(_low(users.get(key)) - glass)
        if extra:
            return False, [Evidence(f"conditions.users.{key}", extra, "only break-glass accounts")]
    for key in ("excludeRoles", "excludeGuestsOrExternalUsers"):
        if users.get(key):
            return False, [Evidence(f"conditions.users.{key}", users[key], "nothing excluded")]
    return True, [Evidence("conditions.users", "exclusions", "only break-glass accounts")]


@function(
    "entra_is_break_glass",
    kind="subject",
    args=("accounts",),
    reads=(
        Read("id", "string", absent="matched by its UPN only"),
        Read("userPrincipalName", "string", absent="matched by its id only"),
    ),
)
def entra_is_break_glass(obj: Any, env: Any, accounts: list[str]) -> Any:
    """True when the user is one of the declared break-glass ``accounts`` (id or UPN)."""
    wanted = _low(accounts)
    hit = (
        str(obj.get("id", "")).lower() in wanted
        or str(obj.get("userPrincipalName", "")).lower() in wanted
    )
    return hit, [
        Evidence("userPrincipalName", obj.get("userPrincipalName"), "a break-glass account")
    ]


@function(
    "entra_role_holder_count",
    kind="subject",
    args=("min", "max"),
    reads=(Read("members", "list"), Read("members[*]", "mapping")),
)
def entra_role_holder_count(obj: Any, env: Any, min: int = 0, max: int = 1_000_000) -> Any:
    """True when the number of distinct users and service principals holding the role (active or
    eligible, directly or through a group) lies in ``[min, max]``; evidence names them."""
    members = obj.get("members")
    why = (env.resource.errors or {}).get("members") if env.resource is not None else None
    if why or not isinstance(members, list):
        raise LookupError(f"role holders incomplete: {why or 'members is missing'}")
    holders = {
        str(m.get("principalId")).lower(): m.get("userPrincipalName") or m.get("displayName")
        for m in members
        if m.get("principalType") in ("user", "servicePrincipal")
    }
    return min <= len(holders) <= max, [
        Evidence("members", sorted(str(v) for v in holders.values()), f"{min} to {max} holders")
    ]


@function("entra_cidr_prefix_at_least", args=("ipv4", "ipv6"), value="string")
def entra_cidr_prefix_at_least(value: Any, ipv4: int = 16, ipv6: int = 48) -> bool:
    """True for a CIDR no wider than ``/ipv4`` (IPv4) or ``/ipv6`` (IPv6) and not public-wide
    (``0.0.0.0/0``)."""
    try:
        net = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return False
    return net.prefixlen >= (ipv4 if net.version == 4 else ipv6)


def _time(value: Any) -> _dt.datetime:
    if not isinstance(value, str) or not value:
        raise LookupError(f"no timestamp ({value!r})")
    t = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=_dt.UTC)


@function("entra_contains_any", args=("values",), value="list")
def entra_contains_any(value: Any, values: list[Any]) -> bool:
    """True when the value (a list) contains at least one of ``values``."""
    return isinstance(value, list) and any(v in value for v in values)


@function(
    "entra_lifetime_at_most",
    kind="subject",
    args=("days",),
    reads=(
        Read("startDateTime", "string"),
        Read("endDateTime", "string", absent="no end: it never expires"),
    ),
)
def entra_lifetime_at_most(obj: Any, env: Any, days: int) -> Any:
    """True when the validity of a credential or role assignment (``endDateTime`` -
    ``startDateTime``) is at most ``days``; no ``endDateTime`` means it never expires."""
    if obj.get("endDateTime") is None:
        return False, [Evidence("endDateTime", None, f"an end within {days} days (none: forever)")]
    span = (_time(obj.get("endDateTime")) - _time(obj.get("startDateTime"))).days
    return span <= days, [Evidence("endDateTime", obj.get("endDateTime"), f"at most {days} days")]
