"""Subscription-wide settings that are not tracked resources: Defender plans and contacts, the
activity log export, role assignments and custom roles, locks, classic administrators.

Each reader takes a ``Session`` and a subscription id and returns ``Resource`` records; a failed
collection raises ``ArmError`` (the caller records a ``CollectionError`` for the type and
subscription); a failed part of a composite record goes into that record's ``errors``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...model import Resource
from .session import ArmError, Session

Make = Callable[..., Resource]

PRICINGS_API = "2024-01-01"
CONTACTS_API = "2020-01-01-preview"
AUTH_API = "2022-04-01"
LOCKS_API = "2020-05-01"
CLASSIC_API = "2015-07-01"
LOG_PROFILES_API = "2016-03-01"
DIAG_API = "2021-05-01-preview"


def _prov(sub: str, rest: str) -> str:
    return f"/subscriptions/{sub}/providers/{rest}"


def subscription(s: Session, sub: dict[str, Any], make: Make) -> list[Resource]:
    sid = sub["subscriptionId"]
    data = dict(sub)
    errors = {}
    try:
        data["classicAdministrators"] = list(
            s.pages(_prov(sid, "Microsoft.Authorization/classicAdministrators"), CLASSIC_API)
        )
    except ArmError as exc:
        errors["classicAdministrators"] = exc.reason
    return [
        make(
            "azure.resources.subscription",
            data,
            sid,
            "subscriptions.get",
            rid=f"/subscriptions/{sid}",
            errors=errors,
            name=sub.get("displayName") or sid,
        )
    ]


def pricings(s: Session, sub: dict[str, Any], make: Make) -> list[Resource]:
    sid = sub["subscriptionId"]
    return [
        make("azure.security.pricing", p, sid, "Microsoft.Security/pricings.list")
        for p in s.pages(_prov(sid, "Microsoft.Security/pricings"), PRICINGS_API)
    ]


def contacts(s: Session, sub: dict[str, Any], make: Make) -> list[Resource]:
    sid = sub["subscriptionId"]
    items = list(s.pages(_prov(sid, "Microsoft.Security/securityContacts"), CONTACTS_API))
    return [
        make(
            "azure.security.contacts",
            {"subscriptionId": sid, "contacts": items},
            sid,
            "Microsoft.Security/securityContacts.list",
            rid=_prov(sid, "Microsoft.Security/securityContacts"),
            name=f"{sub.get('displayName') or sid} security contacts",
        )
    ]


def activity_log(s: Session, sub: dict[str, Any], make: Make) -> list[Resource]:
    """One record per subscription: where its activity log goes (legacy log profiles and the
    subscription's diagnostic settings)."""
    sid = sub["subscriptionId"]
    data: dict[str, Any] = {"subscriptionId": sid}
    errors = {}
    codes = set()
    for key, path, api in (
        ("logProfiles", "Microsoft.Insights/logprofiles", LOG_PROFILES_API),
        ("diagnosticSettings", "Microsoft.Insights/diagnosticSettings", DIAG_API),
    ):
        try:
            data[key] = list(s.pages(_prov(sid, path), api))
        except ArmError as exc:
            errors[key] = exc.reason
            codes.add(exc.code)
    if len(errors) == 2:  # nothing readable: an error for the type, not an empty record
        raise ArmError(codes.pop() if len(codes) == 1 else "Error", "; ".join(errors.values()))
    return [
        make(
            "azure.insights.activity_log",
            data,
            sid,
            "Microsoft.Insights.list",
            rid=f"/subscriptions/{sid}/providers/Microsoft.Insights/activityLog",
            name=f"{sub.get('displayName') or sid} activity log",
            errors=errors,
        )
    ]


def role_assignments(s: Session, sub: dict[str, Any], make: Make) -> list[Resource]:
    sid = sub["subscriptionId"]
    return [
        make(
            "azure.authorization.role_assignment",
            a,
            sid,
            "Microsoft.Authorization/roleAssignments.list",
        )
        for a in s.pages(_prov(sid, "Microsoft.Authorization/roleAssignments"), AUTH_API)
    ]


def role_definitions(s: Session, sub: dict[str, Any], make: Make) -> list[Resource]:
    """Custom roles only: built-in roles are Microsoft's and the same everywhere."""
    sid = sub["subscriptionId"]
    return [
        make(
            "azure.authorization.role_definition",
            d,
            sid,
            "Microsoft.Authorization/roleDefinitions.list",
            name=(d.get("properties") or {}).get("roleName") or d.get("name"),
        )
        for d in s.pages(
            _prov(sid, "Microsoft.Authorization/roleDefinitions"),
            AUTH_API,
            {"$filter": "type eq 'CustomRole'"},
        )
    ]


def locks(s: Session, sub: dict[str, Any], make: Make) -> list[Resource]:
    sid = sub["subscriptionId"]
    return [
        make("azure.authorization.lock", lk, sid, "Microsoft.Authorization/locks.list")
        for lk in s.pages(_prov(sid, "Microsoft.Authorization/locks"), LOCKS_API)
    ]


READERS: dict[str, Callable[[Session, dict[str, Any], Make], list[Resource]]] = {
    "azure.resources.subscription": subscription,
    "azure.security.pricing": pricings,
    "azure.security.contacts": contacts,
    "azure.insights.activity_log": activity_log,
    "azure.authorization.role_assignment": role_assignments,
    "azure.authorization.role_definition": role_definitions,
    "azure.authorization.lock": locks,
}
