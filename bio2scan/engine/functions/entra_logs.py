"""Functions for the Entra log and alerting rules: are the sign-in and audit logs exported, are
they kept long enough where they go, and does an alert fire on role-assignment changes.

A destination that could not be read, or one whose retention Azure cannot show (an Event Hub
leading to a SIEM outside Azure), is unknown: when nothing else decides, the function raises and
the rule reports ERROR with the reason (waive it with the SIEM's own evidence).
"""

from __future__ import annotations

import re
from typing import Any

from ...model import Evidence
from . import Read, function

_SETTINGS = (Read("settings", "list"), Read("settings[*]", "mapping"))

ROLE_WRITE = "microsoft.authorization/roleassignments/write"


def _destination(p: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (k, str(p[k]))
        for k in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId")
        if p.get(k)
    ]


def _sends(p: dict[str, Any], category: str) -> dict[str, Any] | None:
    for lg in p.get("logs") or ():
        if lg.get("enabled") is True and str(lg.get("category", "")).lower() == category.lower():
            return dict(lg)
    return None


def _settings(obj: Any) -> list[Any]:
    settings = obj.get("settings") if isinstance(obj, dict) else None
    if not isinstance(settings, list):
        raise LookupError("diagnostic settings are missing")
    return settings


@function("entra_logs_exported", kind="subject", args=("categories",), reads=_SETTINGS)
def entra_logs_exported(obj: Any, env: Any, categories: list[str]) -> Any:
    """True when every one of ``categories`` (SignInLogs, AuditLogs …) is enabled in an Entra
    diagnostic setting that has a destination (workspace, storage account or Event Hub)."""
    found: list[tuple[str, str | None]] = []
    missing: list[tuple[str, str | None]] = []
    for cat in categories:
        hit = next(
            (
                f"settings[{i}] {ds.get('name')}"
                for i, ds in enumerate(_settings(obj))
                if _sends(ds.get("properties") or {}, cat)
                and _destination(ds.get("properties") or {})
            ),
            None,
        )
        (found if hit else missing).append((cat, hit))
    if missing:
        return False, [
            Evidence(f"settings[*].logs[{c}]", None, "enabled with a destination")
            for c, _ in missing
        ]
    return True, [Evidence(f"{h}.logs[{c}]", True, "exported") for c, h in found]


def _kept(dest: dict[str, Any], category: str, log: dict[str, Any]) -> int | None:
    """Days the destination keeps ``category`` (a large number for "forever"); None: unknown."""
    if dest.get("error"):
        return None
    if dest.get("kind") == "workspace":
        table = (dest.get("tables") or {}).get(
            "SigninLogs" if category == "SignInLogs" else category
        )
        t = table or {}
        days = (
            t.get("totalRetentionInDays") or t.get("retentionInDays") or dest.get("retentionInDays")
        )
        return int(days) if days is not None else None
    if dest.get("kind") == "storage":
        rp = log.get("retentionPolicy") or {}
        per_log = rp.get("days") if rp.get("enabled") and rp.get("days") else None
        life = dest.get("deleteAfterDays")
        ages = [int(x) for x in (per_log, life) if x is not None]
        return min(ages) if ages else 1_000_000
    return None


@function(
    "entra_logs_retained",
    kind="subject",
    args=("categories", "days"),
    reads=(
        *_SETTINGS,
        Read("destinations", "mapping", absent="no destination could be judged"),
        Read("destinations[*]", "mapping"),
        Read("destinations[*].kind", "string"),
        Read("destinations[*].deleteAfterDays", "integer", absent="no lifecycle deletion: kept"),
        Read("destinations[*].retentionInDays", "integer", absent="the table's own retention"),
    ),
)
def entra_logs_retained(obj: Any, env: Any, categories: list[str], days: int) -> Any:
    """True when every one of ``categories`` goes to a destination that keeps it at least
    ``days``: a Log Analytics workspace by the table's total retention (else the workspace's), a
    storage account by its lifecycle rule and the setting's own retention (none: kept). An Event
    Hub's retention is not visible: unknown."""
    dests = obj.get("destinations") or {}
    evidence, unknown, failed = [], [], False
    for cat in categories:
        best: tuple[int, str] | None = None
        why = []
        for i, ds in enumerate(_settings(obj)):
            p = ds.get("properties") or {}
            log = _sends(p, cat)
            if log is None:
                continue
            for kind, target in _destination(p):
                dest = dests.get(target.lower()) or {"kind": kind, "error": "not read"}
                if kind == "eventHubAuthorizationRuleId":
                    why.append(f"settings[{i}] sends to an Event Hub: retention not visible")
                    continue
                kept = _kept(dest, cat, log)
                if kept is None:
                    why.append(
                        f"settings[{i}] {target}: {dest.get('error') or 'retention unknown'}"
                    )
                elif best is None or kept > best[0]:
                    best = (kept, f"settings[{i}].{kind}")
        if best is not None and best[0] >= days:
            evidence.append(Evidence(f"{best[1]}[{cat}]", best[0], f">= {days} days"))
        elif why:
            unknown.append(f"{cat}: " + "; ".join(why))
            if best is not None:
                evidence.append(Evidence(f"{best[1]}[{cat}]", best[0], f">= {days} days"))
        else:
            failed = True
            evidence.insert(0, Evidence(f"{cat}", best[0] if best else None, f">= {days} days"))
    if failed:
        return False, evidence
    if unknown:
        raise LookupError("retention cannot be judged: " + " | ".join(unknown))
    return True, evidence


def _leaves(cond: Any) -> list[dict[str, Any]]:
    out = []
    for c in (cond or {}).get("allOf") or ():
        out.append(c)
        out.extend(c.get("anyOf") or ())
    return out


def _has_action(props: dict[str, Any]) -> bool:
    groups = (props.get("actions") or {}).get("actionGroups")
    return bool(groups)


def _azure_alerted(obj: Any, env: Any) -> Any:
    subs = obj.get("subscriptions")
    if not subs:
        raise LookupError("no subscription of the tenant is visible: alerting cannot be judged")
    covered: dict[str, str] = {}
    for a in obj.get("activityLogAlerts") or ():
        p = a.get("properties") or {}
        leaves = _leaves(p.get("condition"))
        hits = any(
            str(c.get("field", "")).lower() == "operationname"
            and (
                str(c.get("equals", "")).lower() == ROLE_WRITE
                or ROLE_WRITE in {str(x).lower() for x in c.get("containsAny") or ()}
            )
            for c in leaves
        )
        if p.get("enabled") is True and hits and _has_action(p):
            for scope in p.get("scopes") or ():
                covered[str(scope).lower().rstrip("/")] = str(a.get("name"))
    missing = [
        s for s in subs if f"/subscriptions/{s.get('subscriptionId')}".lower() not in covered
    ]
    if missing and "activityLogAlerts" in env.resource.errors:
        raise LookupError(env.resource.errors["activityLogAlerts"])
    if missing:
        return False, [
            Evidence(
                f"subscriptions[{s.get('subscriptionId')} '{s.get('displayName')}']",
                None,
                "an enabled activity log alert on roleAssignments/write with an action group",
            )
            for s in missing
        ]
    return True, [
        Evidence("activityLogAlerts", sorted(set(covered.values())), "alerts on role changes")
    ]


def _directory_alerted(obj: Any, env: Any, patterns: list[str]) -> Any:
    workspaces = {str(w).lower() for w in obj.get("auditLogWorkspaces") or ()}
    wanted = re.compile("|".join(re.escape(p) for p in patterns), re.I)
    seen = []
    for r in obj.get("scheduledQueryRules") or ():
        p = r.get("properties") or {}
        queries = " ".join(
            str(c.get("query", "")) for c in (p.get("criteria") or {}).get("allOf") or ()
        )
        scopes = {str(s).lower() for s in p.get("scopes") or ()}
        if "auditlogs" in queries.lower() and wanted.search(queries):
            seen.append(r.get("name"))
            if p.get("enabled") is True and _has_action(p) and scopes & workspaces:
                return True, [Evidence(f"scheduledQueryRules[{r.get('name')}]", True, "alerts")]
    for r in obj.get("sentinelRules") or ():
        p = r.get("properties") or {}
        q = str(p.get("query", ""))
        if r.get("kind") == "Scheduled" and "auditlogs" in q.lower() and wanted.search(q):
            seen.append(r.get("name"))
            if p.get("enabled") is True:
                return True, [Evidence(f"sentinelRules[{p.get('displayName')}]", True, "alerts")]
    broken = [k for k in ("scheduledQueryRules", "sentinelRules") if k in env.resource.errors]
    if broken:
        raise LookupError("; ".join(env.resource.errors[k] for k in broken))
    if not workspaces:
        return False, [
            Evidence("auditLogWorkspaces", [], "audit log sent to a Log Analytics workspace")
        ]
    return False, [
        Evidence(
            "scheduledQueryRules",
            seen or None,
            "an enabled rule on AuditLogs role changes, on a workspace receiving the audit log, "
            "with an action group (or a Sentinel scheduled rule)",
        )
    ]


@function(
    "entra_role_changes_alerted",
    kind="subject",
    args=("kind", "patterns"),
    reads=(
        Read("subscriptions", "list", absent="no subscription visible"),
        Read("activityLogAlerts", "list", absent="no activity log alerts"),
        Read("auditLogWorkspaces", "list", absent="the audit log goes to no workspace"),
        Read("scheduledQueryRules", "list", absent="no log search alerts"),
        Read("sentinelRules", "list", absent="no Sentinel rules"),
    ),
)
def entra_role_changes_alerted(
    obj: Any, env: Any, kind: str, patterns: list[str] | None = None
) -> Any:
    """``kind: azure``: True when every visible subscription has an enabled activity log alert
    on ``Microsoft.Authorization/roleAssignments/write`` scoped to it, with an action group.
    ``kind: directory``: True when an enabled log search alert with an action group (or a
    Sentinel scheduled rule) queries ``AuditLogs`` for one of ``patterns`` (role-membership
    operations) on a workspace that the Entra diagnostic settings send the audit log to."""
    if kind == "azure":
        return _azure_alerted(obj, env)
    return _directory_alerted(
        obj, env, patterns or ["Add member to role", "Add eligible member to role"]
    )
