"""Tenant-wide settings: the tenant and its licences, security defaults, the authorization policy,
the cross-tenant defaults, the authentication methods policy, authentication strengths,
Conditional Access policies and named locations. Each is one Graph read (paged where a
collection); a refused read is a collection error for its type."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import calls
from .graph import GraphError

if TYPE_CHECKING:
    from .run import Run

# service plans (subscribedSkus → servicePlans[].servicePlanName) that carry Entra ID P1 / P2
P1_PLANS = frozenset({"AAD_PREMIUM", "AAD_PREMIUM_P2"})
P2_PLANS = frozenset({"AAD_PREMIUM_P2"})


def tenant(run: Run, types: list[str]) -> None:
    """The organisation and which Entra ID licences it has (enabled service plans)."""
    try:
        orgs = run.get_list(
            calls.ORG, "/organization", {"$select": "id,displayName,verifiedDomains,tenantType"}
        )
    except GraphError as exc:
        run.fail("azure.entra.tenant", calls.ORG, exc)
        return
    try:
        skus = run.get_list(
            calls.SKUS,
            "/subscribedSkus",
            {"$select": "skuPartNumber,capabilityStatus,servicePlans"},
        )
    except GraphError as exc:
        run.fail("azure.entra.tenant", calls.SKUS, exc)
        return
    org = dict(orgs[0]) if orgs else {"id": run.tenant}
    plans = sorted(
        {
            str(p.get("servicePlanName"))
            for s in skus
            if s.get("capabilityStatus") in ("Enabled", "Warning")
            for p in s.get("servicePlans") or ()
            if p.get("provisioningStatus", "Success") != "Disabled"
            and str(p.get("servicePlanName", "")).startswith("AAD_")
        }
    )
    org["verifiedDomains"] = [
        d.get("name") if isinstance(d, dict) else d for d in org.get("verifiedDomains") or ()
    ]
    org["licences"] = {
        "entraIdP1": any(p in P1_PLANS for p in plans),
        "entraIdP2": any(p in P2_PLANS for p in plans),
        "servicePlans": plans,
    }
    run.add([run.make("azure.entra.tenant", org, calls.ORG.api, rid=str(org.get("id")))])


def _single(rtype: str, call: calls.Call, path: str, name: str) -> Callable[[Run, list[str]], None]:
    def read(run: Run, types: list[str]) -> None:
        try:
            doc = run.get(call, path)
        except GraphError as exc:
            run.fail(rtype, call, exc)
            return
        doc.pop("@odata.context", None)
        run.add([run.make(rtype, doc, call.api, rid=f"{run.tenant}{path}", name=name)])

    read.__name__ = rtype.rsplit(".", 1)[1]
    return read


def _collection(rtype: str, call: calls.Call, path: str) -> Callable[[Run, list[str]], None]:
    def read(run: Run, types: list[str]) -> None:
        try:
            items = run.get_list(call, path)
        except GraphError as exc:
            run.fail(rtype, call, exc)
            return
        run.add([run.make(rtype, dict(i), call.api) for i in items if i.get("id")])

    read.__name__ = rtype.rsplit(".", 1)[1]
    return read


READERS: list[tuple[tuple[str, ...], Callable[[Run, list[str]], None]]] = [
    (("azure.entra.tenant",), tenant),
    (
        ("azure.entra.security_defaults",),
        _single(
            "azure.entra.security_defaults",
            calls.SECURITY_DEFAULTS,
            "/policies/identitySecurityDefaultsEnforcementPolicy",
            "Security defaults",
        ),
    ),
    (
        ("azure.entra.authorization_policy",),
        _single(
            "azure.entra.authorization_policy",
            calls.AUTHORIZATION,
            "/policies/authorizationPolicy",
            "Authorization policy",
        ),
    ),
    (
        ("azure.entra.cross_tenant_access_default",),
        _single(
            "azure.entra.cross_tenant_access_default",
            calls.CROSS_TENANT,
            "/policies/crossTenantAccessPolicy/default",
            "Cross-tenant access defaults",
        ),
    ),
    (
        ("azure.entra.authentication_methods_policy",),
        _single(
            "azure.entra.authentication_methods_policy",
            calls.AUTH_METHODS,
            "/policies/authenticationMethodsPolicy",
            "Authentication methods policy",
        ),
    ),
    (
        ("azure.entra.conditional_access_policy",),
        _collection(
            "azure.entra.conditional_access_policy",
            calls.CA_POLICIES,
            "/identity/conditionalAccess/policies",
        ),
    ),
    (
        ("azure.entra.named_location",),
        _collection(
            "azure.entra.named_location",
            calls.NAMED_LOCATIONS,
            "/identity/conditionalAccess/namedLocations",
        ),
    ),
    (
        ("azure.entra.authentication_strength_policy",),
        _collection(
            "azure.entra.authentication_strength_policy",
            calls.STRENGTHS,
            "/policies/authenticationStrengthPolicies",
        ),
    ),
]
