"""Directory roles, who holds them, and those users.

Active assignments come from PIM's ``roleAssignmentScheduleInstances`` (which also lists direct,
non-PIM assignments, with ``assignmentType`` and ``endDateTime`` telling permanent from
time-bound); eligible ones from ``roleEligibilityScheduleInstances``. Without an Entra ID P2
licence those two calls are refused: the active assignments are then read from
``roleAssignments`` and ``pim.available`` is false (there can be no eligible assignments). A
refusal for another reason (a missing permission) leaves the eligible holders unknown: each role
record gets an ``errors["members"]`` entry and the user list a collection error, so no rule can
PASS on an incomplete picture. Roles held through a (role-assignable) group are expanded to the
group's users (``transitiveMembers``).

``azure.entra.directory_role``: one per role with a holder (Global Administrator always), its
``members`` (users, groups, service principals; ``state`` active/eligible). ``azure.entra.
privileged_user``: one per user holding any role, with the account (``userType``,
``accountEnabled``, ``onPremisesSyncEnabled``), ``signInActivity``, ``registration`` (the
authentication-methods registration report) and ``roles``.
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

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
ROLE = "azure.entra.directory_role"
USER = "azure.entra.privileged_user"
_USER_FIELDS = (
    "id,displayName,userPrincipalName,userType,accountEnabled,onPremisesSyncEnabled,"
    "creationType,createdDateTime,externalUserState"
)
_PRINCIPAL_TYPES = {
    "#microsoft.graph.user": "user",
    "#microsoft.graph.group": "group",
    "#microsoft.graph.servicePrincipal": "servicePrincipal",
}


def roles_and_users(run: Run, types: list[str]) -> None:
    try:
        defs = {
            d["id"]: d
            for d in run.get_list(
                calls.ROLE_DEFINITIONS,
                "/roleManagement/directory/roleDefinitions",
                {"$select": "id,displayName,templateId,isBuiltIn,isEnabled"},
            )
        }
    except GraphError as exc:
        for t in types:
            run.fail(t, calls.ROLE_DEFINITIONS, exc)
        return
    pim: dict[str, Any] = {"available": True}
    incomplete: list[str] = []
    try:
        active = run.get_list(
            calls.ACTIVE_SCHEDULES,
            "/roleManagement/directory/roleAssignmentScheduleInstances",
            {"$expand": "principal"},
        )
    except GraphError as exc:
        pim = {
            "available": False,
            "reason": calls.denied(calls.ACTIVE_SCHEDULES, exc.kind, exc.reason),
        }
        if exc.kind != "licence":
            incomplete.append(pim["reason"])
        try:
            active = run.get_list(
                calls.ROLE_ASSIGNMENTS,
                "/roleManagement/directory/roleAssignments",
                {"$expand": "principal"},
            )
        except GraphError as exc2:
            for t in types:
                run.fail(t, calls.ROLE_ASSIGNMENTS, exc2)
            return
    eligible: list[Any] = []
    if pim["available"]:
        try:
            eligible = run.get_list(
                calls.ELIGIBLE_SCHEDULES,
                "/roleManagement/directory/roleEligibilityScheduleInstances",
                {"$expand": "principal"},
            )
        except GraphError as exc:
            why = calls.denied(calls.ELIGIBLE_SCHEDULES, exc.kind, exc.reason)
            if exc.kind == "licence":
                pim = {"available": False, "reason": why}
            else:
                incomplete.append(why)
    holders = [(a, "active") for a in active] + [(e, "eligible") for e in eligible]
    groups, group_errors = _expand_groups(run, holders)
    members: dict[str, list[dict[str, Any]]] = {}
    for item, state in holders:
        entry = _member(item, state)
        rid = str(item.get("roleDefinitionId"))
        members.setdefault(rid, []).append(entry)
        if entry["principalType"] == "group":
            via = {"id": entry["principalId"], "displayName": entry["displayName"]}
            for u in groups.get(entry["principalId"], ()):
                members[rid].append(
                    {**entry, **_principal(u), "principalType": "user", "viaGroup": via}
                )
    if ROLE in types:
        run.add(_role_records(run, defs, members, pim, incomplete, group_errors))
    if USER in types:
        for why in incomplete + list(group_errors.values()):
            run.error(
                USER,
                f"role holders incomplete: {why}",
                "AccessDenied",
                calls.ELIGIBLE_SCHEDULES.api,
            )
        _users(run, defs, members, pim, incomplete)


def _member(item: dict[str, Any], state: str) -> dict[str, Any]:
    return {
        **_principal(item.get("principal") or {"id": item.get("principalId")}),
        "state": state,
        "assignmentType": item.get("assignmentType"),
        "memberType": item.get("memberType"),
        "startDateTime": item.get("startDateTime"),
        "endDateTime": item.get("endDateTime"),
        "directoryScopeId": item.get("directoryScopeId"),
        "viaGroup": None,
    }


def _principal(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "principalId": p.get("id"),
        "principalType": _PRINCIPAL_TYPES.get(str(p.get("@odata.type")), "unknown"),
        "displayName": p.get("displayName"),
        "userPrincipalName": p.get("userPrincipalName"),
    }


def _expand_groups(
    run: Run, holders: list[tuple[dict[str, Any], str]]
) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """The user members of every group that holds a role; failures by group id."""
    ids = sorted(
        {
            str(h.get("principalId"))
            for h, _ in holders
            if (h.get("principal") or {}).get("@odata.type") == "#microsoft.graph.group"
        }
    )

    def read(gid: str) -> tuple[str, list[Any] | str]:
        try:
            items = run.get_list(
                calls.GROUP_MEMBERS,
                f"/groups/{gid}/transitiveMembers",
                {"$select": "id,displayName,userPrincipalName"},
            )
        except GraphError as exc:
            return gid, calls.denied(calls.GROUP_MEMBERS, exc.kind, exc.reason)
        return gid, [i for i in items if i.get("@odata.type") == "#microsoft.graph.user"]

    out: dict[str, list[Any]] = {}
    errors: dict[str, str] = {}
    for gid, got in run_parallel([partial(read, g) for g in ids], run.request.max_workers):
        if isinstance(got, str):
            errors[gid] = got
        else:
            out[gid] = got
    return out, errors


def _role_records(
    run: Run,
    defs: dict[str, Any],
    members: dict[str, list[dict[str, Any]]],
    pim: dict[str, Any],
    incomplete: list[str],
    group_errors: dict[str, str],
) -> list[Any]:
    out = []
    wanted = set(members) | {GLOBAL_ADMIN}
    for rid in sorted(wanted):
        d = defs.get(rid) or next(
            (x for x in defs.values() if x.get("templateId") == rid), {"id": rid}
        )
        held = members.get(rid, [])
        errors = {}
        broken = [group_errors[m["principalId"]] for m in held if m["principalId"] in group_errors]
        if incomplete or broken:
            errors["members"] = "; ".join(incomplete + broken)
        data = {
            "id": d.get("id", rid),
            "displayName": d.get("displayName"),
            "templateId": d.get("templateId") or rid,
            "isBuiltIn": d.get("isBuiltIn"),
            "pim": pim,
            "members": held,
        }
        out.append(
            run.make(ROLE, data, calls.ROLE_ASSIGNMENTS.api, rid=str(data["id"]), errors=errors)
        )
    return out


def _users(
    run: Run,
    defs: dict[str, Any],
    members: dict[str, list[dict[str, Any]]],
    pim: dict[str, Any],
    incomplete: list[str],
) -> None:
    roles: dict[str, list[dict[str, Any]]] = {}
    for rid, held in members.items():
        d = defs.get(rid) or {}
        for m in held:
            if m["principalType"] != "user" or not m["principalId"]:
                continue
            roles.setdefault(m["principalId"], []).append(
                {
                    "roleDefinitionId": rid,
                    "roleTemplateId": d.get("templateId") or rid,
                    "roleName": d.get("displayName"),
                    "state": m["state"],
                    "assignmentType": m["assignmentType"],
                    "startDateTime": m["startDateTime"],
                    "endDateTime": m["endDateTime"],
                    "directoryScopeId": m["directoryScopeId"],
                    "viaGroup": m["viaGroup"],
                }
            )
    jobs: list[Callable[[], Any]] = [
        partial(_user, run, uid, held, pim, incomplete) for uid, held in sorted(roles.items())
    ]
    run.add(run_parallel(jobs, run.request.max_workers))


def _user(
    run: Run, uid: str, held: list[dict[str, Any]], pim: dict[str, Any], incomplete: list[str]
) -> Any:
    errors: dict[str, str] = {}
    try:
        data = dict(run.get(calls.USERS, f"/users/{uid}", {"$select": _USER_FIELDS}))
    except GraphError as exc:
        data = {"id": uid}
        errors["*"] = calls.denied(calls.USERS, exc.kind, exc.reason)
    data.pop("@odata.context", None)
    try:
        doc = run.get(calls.SIGN_IN_ACTIVITY, f"/users/{uid}", {"$select": "id,signInActivity"})
        data["signInActivity"] = doc.get("signInActivity")
    except GraphError as exc:
        errors["signInActivity"] = calls.denied(calls.SIGN_IN_ACTIVITY, exc.kind, exc.reason)
    try:
        reg = dict(
            run.get(
                calls.REGISTRATION, f"/reports/authenticationMethods/userRegistrationDetails/{uid}"
            )
        )
        reg.pop("@odata.context", None)
        data["registration"] = reg
    except GraphError as exc:
        if exc.code == "NotFound" and data.get("accountEnabled") is False:
            data["registration"] = None  # the report leaves disabled accounts out
        else:
            errors["registration"] = calls.denied(calls.REGISTRATION, exc.kind, exc.reason)
    data["roles"] = held
    data["pim"] = pim
    if incomplete:
        errors["pim"] = "; ".join(incomplete)
    name = data.get("userPrincipalName") or data.get("displayName") or uid
    return run.make(USER, data, calls.USERS.api, rid=uid, name=str(name), errors=errors)


READERS: list[tuple[tuple[str, ...], Callable[[Run, list[str]], None]]] = [
    ((ROLE, USER), roles_and_users),
]
