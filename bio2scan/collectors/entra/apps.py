"""App registrations and the service principals that hold Microsoft Graph application permissions.

Credentials: only their metadata is kept (``keyId``, ``displayName``, ``type``, ``usage``,
``startDateTime``, ``endDateTime``). Graph never returns a secret's value after creation, but it
does return ``hint`` (the first characters of a client secret) and a certificate's public ``key``
and thumbprint: all of those are dropped before a resource is built.

Service principals are found from the permissions side: one paged read of the Microsoft Graph
service principal's ``appRoleAssignedTo`` lists every application permission granted on Graph in
the tenant; the holders are read with their owners, and the permission ids are turned into names
(``Directory.ReadWrite.All``) with Graph's own ``appRoles``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ..base import run_parallel
from . import calls
from .graph import GraphError

if TYPE_CHECKING:
    from .run import Run

APP = "azure.entra.application"
SP = "azure.entra.service_principal"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
_OWNER = "owners($select=id,displayName,userPrincipalName,accountEnabled)"
_CREDENTIAL_KEYS = ("keyId", "displayName", "type", "usage", "startDateTime", "endDateTime")


def credential_metadata(items: Any) -> list[dict[str, Any]]:
    """Credentials without anything secret or secret-derived (value, hint, key, thumbprint)."""
    return [{k: c.get(k) for k in _CREDENTIAL_KEYS if k in c} for c in items or () if c]


def _owners(items: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": o.get("id"),
            "@odata.type": o.get("@odata.type"),
            "displayName": o.get("displayName"),
            "userPrincipalName": o.get("userPrincipalName"),
            "accountEnabled": o.get("accountEnabled"),
        }
        for o in items or ()
    ]


def applications(run: Run, types: list[str]) -> None:
    apps: list[Any] | None
    try:
        apps = run.get_list(
            calls.APPLICATIONS,
            "/applications",
            {
                "$select": "id,appId,displayName,createdDateTime,signInAudience,"
                "passwordCredentials,keyCredentials",
                "$expand": _OWNER,
            },
        )
    except GraphError as exc:
        for t in types:
            run.fail(t, calls.APPLICATIONS, exc)
        apps = None
    records = []
    for a in apps or ():
        data = {
            "id": a.get("id"),
            "appId": a.get("appId"),
            "displayName": a.get("displayName"),
            "createdDateTime": a.get("createdDateTime"),
            "signInAudience": a.get("signInAudience"),
            "passwordCredentials": credential_metadata(a.get("passwordCredentials")),
            "keyCredentials": credential_metadata(a.get("keyCredentials")),
            "owners": _owners(a.get("owners")),
        }
        records.append(data)
    if APP in types and apps is not None:
        run.add(run.make(APP, d, calls.APPLICATIONS.api) for d in records)
    if SP in types:
        by_app = None if apps is None else {d["appId"]: d for d in records}
        _service_principals(run, by_app)


def _service_principals(run: Run, apps: dict[str, Any] | None) -> None:
    graph: list[Any] = []
    try:
        graph = run.get_list(
            calls.GRAPH_SP,
            "/servicePrincipals",
            {"$filter": f"appId eq '{GRAPH_APP_ID}'", "$select": "id,appId,displayName,appRoles"},
        )
        if not graph:
            raise GraphError("NotFound", "the Microsoft Graph service principal is not visible")
        names = {r.get("id"): r.get("value") for r in graph[0].get("appRoles") or ()}
        granted = run.get_list(
            calls.GRAPH_APP_ROLES, f"/servicePrincipals/{graph[0]['id']}/appRoleAssignedTo"
        )
    except GraphError as exc:
        run.fail(SP, calls.GRAPH_APP_ROLES if graph else calls.GRAPH_SP, exc)
        return
    holders: dict[str, list[dict[str, Any]]] = {}
    for g in granted:
        if g.get("principalType") != "ServicePrincipal" or not g.get("principalId"):
            continue
        holders.setdefault(str(g["principalId"]), []).append(
            {
                "value": names.get(g.get("appRoleId"), g.get("appRoleId")),
                "appRoleId": g.get("appRoleId"),
                "grantedDateTime": g.get("createdDateTime"),
            }
        )

    def read(pid: str, roles: list[dict[str, Any]]) -> Any:
        errors: dict[str, str] = {}
        try:
            sp = run.get(
                calls.SERVICE_PRINCIPALS,
                f"/servicePrincipals/{pid}",
                {
                    "$select": "id,appId,displayName,servicePrincipalType,accountEnabled,"
                    "appOwnerOrganizationId",
                    "$expand": _OWNER,
                },
            )
        except GraphError as exc:
            sp = {"id": pid}
            errors["*"] = calls.denied(calls.SERVICE_PRINCIPALS, exc.kind, exc.reason)
        data = {k: v for k, v in sp.items() if k not in ("@odata.context", "owners")}
        data["owners"] = _owners(sp.get("owners"))
        data["graphAppRoles"] = sorted(roles, key=lambda r: str(r["value"]))
        data["isTenantApp"] = sp.get("appOwnerOrganizationId") == run.tenant
        if apps is None:
            errors["applicationOwners"] = "app registrations could not be read"
        else:
            app = apps.get(sp.get("appId"))
            data["applicationOwners"] = app["owners"] if app else []
        return run.make(SP, data, calls.SERVICE_PRINCIPALS.api, rid=pid, errors=errors)

    jobs: list[Callable[[], Any]] = [
        partial(read, pid, roles) for pid, roles in sorted(holders.items())
    ]
    run.add(run_parallel(jobs, run.request.max_workers))


READERS: list[tuple[tuple[str, ...], Callable[[Run, list[str]], None]]] = [
    ((APP, SP), applications),
]
