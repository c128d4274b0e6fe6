"""The rows of the scan history (``history.py``): a finding's content-addressed row, the trend
entry of a results document, and migration 3's step from the table of every result."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

FINDING_STATUSES = ("FAIL", "ERROR", "WAIVED")  # the results a scan keeps, with their evidence


def stored_trend_entry(scan: Mapping[str, Any], controls: list[Any]) -> dict[str, Any]:
    """One recorded scan of the trend, from its ``(control id, theme, status)`` rows."""
    per_control: dict[str, str] = {}
    per_theme: dict[str, dict[str, int]] = {}
    # statuses as stored: a store outlives results schema versions (version 1 had
    # "compliant"), so the counts take whatever statuses the scan recorded
    counts: dict[str, int] = {}
    for cid, theme, status in controls:
        per_control[cid] = status
        theme_counts = per_theme.setdefault(theme, {})
        theme_counts[status] = theme_counts.get(status, 0) + 1
        counts[status] = counts.get(status, 0) + 1
    return {
        "id": scan["id"],
        "finished_at": scan["finished_at"],
        "controls": counts,
        "per_control": per_control,
        "per_theme": per_theme,
    }


def trend_entry(doc: Mapping[str, Any], scan_id: int | str = "current") -> dict[str, Any]:
    """One scan of the trend, taken from its results document."""
    per_control: dict[str, str] = {}
    per_theme: dict[str, dict[str, int]] = {}
    counts: dict[str, int] = {"compliant": 0, "non-compliant": 0, "not-assessed": 0, "manual": 0}
    for c in sorted(doc["controls"], key=lambda c: str(c["id"])):
        status = c["status"]
        per_control[c["id"]] = status
        theme = per_theme.setdefault(c["theme"], dict.fromkeys(counts, 0))
        theme[status] = theme.get(status, 0) + 1
        counts[status] = counts.get(status, 0) + 1
    return {
        "id": scan_id,
        "finished_at": doc["scan"]["finished_at"],
        "controls": counts,
        "per_control": per_control,
        "per_theme": per_theme,
    }


_FINDING_KEYS = (
    "finding_id",
    "rule_id",
    "resource_id",
    "resource_type",
    "scope",
    "status",
    "severity",
)


def finding_row(r: Mapping[str, Any]) -> tuple[Any, ...]:
    """A finding's row in ``finding_rows``: (digest, finding id, rule id, resource id and type,
    scope, status, severity, waiver id, message, evidence JSON). The digest covers everything
    after it and nothing that changes between runs of an unchanged estate (no times), so the
    same finding in the next scan is the same row. The evidence is taken as the results document
    has it — redacted by the collectors — so a secret is neither stored nor hashed."""
    ev = r.get("evidence")
    content = (
        r["finding_id"],
        r["rule_id"],
        r["resource_id"],
        r["resource_type"],
        r["scope"],
        r["status"],
        r["severity"],
        (r.get("waiver") or {}).get("id"),
        r.get("message"),
        None if ev is None else json.dumps(ev, sort_keys=True, ensure_ascii=False, default=str),
    )
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:32]
    return (digest, *content)


def _from_results(h: Any) -> None:  # a history.History (which imports this module)
    """Migration 3's step: the findings and per-rule counts of the scans recorded so far, from
    ``scan_results`` (which held no message and no evidence), then drop that table."""
    h._exec(
        "INSERT INTO scan_counts (scan_id, kind, subject, status, n) SELECT scan_id, 'rule', "
        "rule_id, status, COUNT(*) FROM scan_results GROUP BY scan_id, rule_id, status"
    )
    for (scan_id,) in h._exec("SELECT id FROM scans ORDER BY id").fetchall():
        rows: dict[str, tuple[Any, ...]] = {}
        for found in h._exec(
            "SELECT finding_id, rule_id, resource_id, resource_type, scope, status, severity, "
            "waiver_id FROM scan_results WHERE scan_id = ? AND status IN (?, ?, ?)",
            (scan_id, *FINDING_STATUSES),
        ).fetchall():
            r = dict(zip(_FINDING_KEYS, found))
            r["waiver"] = {"id": found[7]} if found[7] else None
            row = finding_row(r)
            rows[row[0]] = row
        ids = h._row_ids(rows)
        h._many(
            "INSERT INTO scan_findings (scan_id, row_id) VALUES (?, ?)",
            [(scan_id, ids[d]) for d in rows],
        )
    h._exec("DROP TABLE scan_results")


def _older(stamp: Any, cutoff: _dt.datetime) -> bool:
    """A scan's ``finished_at`` before ``cutoff``; a time that cannot be read is not (a
    scan is never deleted for an age it does not show)."""
    try:
        t = _dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return False
    return (t if t.tzinfo else t.replace(tzinfo=_dt.UTC)) < cutoff
