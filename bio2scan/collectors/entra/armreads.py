"""What is read about the tenant through Azure Resource Manager (``--arm-endpoint``).

``azure.entra.diagnostic_settings``: the tenant's Entra diagnostic settings
(``/providers/microsoft.aadiam/diagnosticSettings``) and, per destination, how long it keeps what
it gets: a Log Analytics workspace's retention and that of its ``SigninLogs`` and ``AuditLogs``
tables, a storage account's lifecycle rules. Event Hubs lead out of Azure; their retention is not
visible. ``azure.entra.role_change_alerts``: per visible subscription of the tenant, the activity
log alerts and log search (scheduled query) alert rules, plus Microsoft Sentinel analytics rules
of the workspaces that receive the audit log — the alerting asked for by BIO2 5.18.01.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ..base import run_parallel
from . import calls

if TYPE_CHECKING:
    from .run import Run

DIAG = "azure.entra.diagnostic_settings"
ALERTS = "azure.entra.role_change_alerts"
AADIAM_PATH = "/providers/microsoft.aadiam/diagnosticSettings"
AADIAM_API = "2017-04-01"
WORKSPACE_API = "2022-10-01"
STORAGE_API = "2023-05-01"
SUBSCRIPTIONS_API = "2022-12-01"
ACTIVITY_ALERTS_API = "2020-10-01"
QUERY_RULES_API = "2023-03-15-preview"
SENTINEL_API = "2023-02-01"
TABLES = ("SigninLogs", "AuditLogs")


def arm_parts(run: Run, types: list[str]) -> None:
    from ..azure.session import ArmError

    try:
        s = run.arm()
        run.rec.call(calls.AADIAM_DIAGNOSTICS.api)
        settings: list[Any] | None = list(s.pages(AADIAM_PATH, AADIAM_API))
    except ArmError as exc:
        for t in types:
            run.fail(t, calls.AADIAM_DIAGNOSTICS, exc)
        settings = None
    if settings is not None and DIAG in types:
        data = {"settings": settings, "destinations": _destinations(run, s, settings)}
        run.add(
            [
                run.make(
                    DIAG,
                    data,
                    calls.AADIAM_DIAGNOSTICS.api,
                    rid=f"{run.tenant}{AADIAM_PATH}",
                    name="Entra diagnostic settings",
                )
            ]
        )
    if settings is not None and ALERTS in types:
        _alerts(run, s, settings)


def audit_workspaces(settings: list[Any]) -> list[str]:
    """Workspaces that a diagnostic setting sends the ``AuditLogs`` category to."""
    out = []
    for ds in settings:
        p = ds.get("properties") or {}
        if p.get("workspaceId") and any(
            lg.get("enabled") and lg.get("category") == "AuditLogs" for lg in p.get("logs") or ()
        ):
            out.append(str(p["workspaceId"]))
    return sorted(set(out), key=str.lower)


def _destinations(run: Run, s: Any, settings: list[Any]) -> dict[str, Any]:
    from ..azure.session import ArmError

    ws_ids = {
        str(p["workspaceId"])
        for ds in settings
        if (p := ds.get("properties") or {}).get("workspaceId")
    }
    sa_ids = {
        str(p["storageAccountId"])
        for ds in settings
        if (p := ds.get("properties") or {}).get("storageAccountId")
    }

    def workspace(wid: str) -> tuple[str, dict[str, Any]]:
        try:
            run.rec.call(calls.WORKSPACES.api)
            ws = s.get(wid, WORKSPACE_API)
            tables: dict[str, Any] = {}
            for t in TABLES:
                try:
                    tp = s.get(f"{wid}/tables/{t}", WORKSPACE_API).get("properties") or {}
                    tables[t] = {
                        k: tp.get(k)
                        for k in (
                            "retentionInDays",
                            "totalRetentionInDays",
                            "archiveRetentionInDays",
                        )
                    }
                except ArmError as exc:
                    if exc.code != "NotFound":
                        raise
                    tables[t] = None  # no such table yet: the workspace's retention applies
            return wid.lower(), {
                "kind": "workspace",
                "id": wid,
                "retentionInDays": (ws.get("properties") or {}).get("retentionInDays"),
                "tables": tables,
            }
        except ArmError as exc:
            return wid.lower(), {
                "kind": "workspace",
                "id": wid,
                "error": _why(calls.WORKSPACES, exc),
            }

    def storage(sid: str) -> tuple[str, dict[str, Any]]:
        try:
            run.rec.call(calls.STORAGE_LIFECYCLE.api)
            pol = s.get(f"{sid}/managementPolicies/default", STORAGE_API)
        except ArmError as exc:
            if exc.code == "NotFound":
                return sid.lower(), {"kind": "storage", "id": sid, "deleteAfterDays": None}
            return sid.lower(), {
                "kind": "storage",
                "id": sid,
                "error": _why(calls.STORAGE_LIFECYCLE, exc),
            }
        return sid.lower(), {"kind": "storage", "id": sid, "deleteAfterDays": _delete_after(pol)}

    jobs: list[Callable[[], tuple[str, dict[str, Any]]]] = [
        *(partial(workspace, w) for w in sorted(ws_ids)),
        *(partial(storage, a) for a in sorted(sa_ids)),
    ]
    return dict(run_parallel(jobs, run.request.max_workers))


def _delete_after(policy: Any) -> int | None:
    """The shortest age at which an enabled lifecycle rule deletes base blobs (None: never)."""
    ages = []
    for r in ((policy.get("properties") or {}).get("policy") or {}).get("rules") or ():
        if r.get("enabled") is False:
            continue
        d = (((r.get("definition") or {}).get("actions") or {}).get("baseBlob") or {}).get("delete")
        if isinstance(d, dict) and d.get("daysAfterModificationGreaterThan") is not None:
            ages.append(int(d["daysAfterModificationGreaterThan"]))
    return min(ages) if ages else None


def _why(call: calls.Call, exc: Any) -> str:
    kind = "permission" if exc.status in (401, 403) else None
    return calls.denied(call, kind, exc.reason)


def _alerts(run: Run, s: Any, settings: list[Any]) -> None:
    from ..azure.session import ArmError

    try:
        run.rec.call(calls.SUBSCRIPTIONS.api)
        subs = [
            x
            for x in s.pages("/subscriptions", SUBSCRIPTIONS_API)
            if run.tenant == "*" or not x.get("tenantId") or x["tenantId"] == run.tenant
        ]
    except ArmError as exc:
        run.fail(ALERTS, calls.SUBSCRIPTIONS, exc)
        return
    errors: dict[str, str] = {}
    data: dict[str, Any] = {
        "subscriptions": [
            {"subscriptionId": x.get("subscriptionId"), "displayName": x.get("displayName")}
            for x in subs
        ],
        "activityLogAlerts": [],
        "scheduledQueryRules": [],
        "sentinelRules": [],
        "auditLogWorkspaces": audit_workspaces(settings),
    }

    lock = threading.Lock()

    def listing(key: str, call: calls.Call, path: str, api: str, absent_ok: bool) -> None:
        try:
            run.rec.call(call.api)
            items = list(s.pages(path, api))
        except ArmError as exc:
            if not (absent_ok and exc.code == "NotFound"):
                with lock:
                    errors[key] = "; ".join(filter(None, [errors.get(key), _why(call, exc)]))
            return
        with lock:
            data[key].extend(items)

    jobs: list[Callable[[], None]] = []
    for x in subs:
        base = f"/subscriptions/{x.get('subscriptionId')}/providers/Microsoft.Insights"
        jobs.append(
            partial(
                listing,
                "activityLogAlerts",
                calls.ACTIVITY_ALERTS,
                f"{base}/activityLogAlerts",
                ACTIVITY_ALERTS_API,
                False,
            )
        )
        jobs.append(
            partial(
                listing,
                "scheduledQueryRules",
                calls.QUERY_ALERTS,
                f"{base}/scheduledQueryRules",
                QUERY_RULES_API,
                False,
            )
        )
    for w in data["auditLogWorkspaces"]:
        jobs.append(
            partial(
                listing,
                "sentinelRules",
                calls.SENTINEL_RULES,
                f"{w}/providers/Microsoft.SecurityInsights/alertRules",
                SENTINEL_API,
                True,
            )
        )
    run_parallel(jobs, run.request.max_workers)
    run.add(
        [
            run.make(
                ALERTS,
                data,
                calls.ACTIVITY_ALERTS.api,
                rid=f"{run.tenant}/roleChangeAlerts",
                name="Alerts on role-assignment changes",
                errors=errors,
            )
        ]
    )


READERS: list[tuple[tuple[str, ...], Callable[[Run, list[str]], None]]] = [
    ((DIAG, ALERTS), arm_parts),
]
