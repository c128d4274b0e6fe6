"""Baseline comparison: which findings are new, which were there before, which were resolved.

A *finding* is a result that is FAIL or WAIVED (a deviation, accepted or not). Identity is the
``finding_id`` (``model.finding_id``: the first 24 hex digits of SHA-256 over rule id, provider
scope and resource id). It contains nothing that changes between runs (no time, no order, no
message text), so a re-run on the same estate gives the same ids and a baseline from last
week's scan — or from the main branch in CI — can be compared with today's.

* ``change`` on every result: ``new`` when the baseline had no finding with that id (for a FAIL
  or WAIVED result) or no result at all with that id (for any other status); else ``unchanged``.
  A FAIL whose waiver expired is *unchanged*: it is old debt, not a new deviation.
* ``resolved``: baseline findings whose id is no longer a finding — except where the rule is no
  longer part of the scan (a narrower ``--rules`` is not a fix) or where the result is now
  ERROR (could not look is not resolved). Each says how (``now``): ``PASS`` (fixed, with the
  message that says what value decided it), ``NOT_APPLICABLE`` (the rule no longer applies —
  with the reason: a label or a field changed so that the rule no longer looks, which an
  auditor reads differently from a fix) or ``null`` (no result any more: the resource is gone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from .model import Result, Status

FINDING = frozenset({Status.FAIL.value, Status.WAIVED.value})


class Baseline(NamedTuple):
    """A loaded baseline: the results document and where it came from."""

    file: str
    document: Mapping[str, Any]


def compare(
    results: Sequence[Result], baseline: Mapping[str, Any], file: str, rule_ids: Iterable[str]
) -> tuple[list[Result], dict[str, Any]]:
    """Mark ``change`` on each result; return them and the ``baseline`` document section."""
    before: dict[str, str] = {}
    before_docs: dict[str, Mapping[str, Any]] = {}
    for d in baseline.get("results", ()):
        before[d["finding_id"]] = d["status"]
        before_docs[d["finding_id"]] = d
    out: list[Result] = []
    now_status: dict[str, str] = {}
    now_message: dict[str, str] = {}
    new = unchanged = 0
    for r in results:
        fid = r.finding_id
        now_status[fid] = r.status.value
        if fid in before:
            now_message[fid] = r.message
        if r.status.value in FINDING:
            change = "unchanged" if before.get(fid) in FINDING else "new"
            if change == "new":
                new += 1
            else:
                unchanged += 1
        else:
            change = "unchanged" if fid in before else "new"
        out.append(r._replace(change=change))
    selected = set(rule_ids)
    resolved = []
    for fid, status in before.items():
        d = before_docs[fid]
        if status not in FINDING or d["rule_id"] not in selected:
            continue
        current = now_status.get(fid)
        if current in FINDING or current == Status.ERROR.value:
            continue
        how = {"now": current, "now_message": now_message.get(fid) if current else None}
        resolved.append(dict(d, change="resolved") | how)
    resolved.sort(key=lambda d: (d["rule_id"], d["scope"], d["resource_id"]))
    section = {
        "file": file,
        "generated_at": baseline.get("scan", {}).get("finished_at"),
        "counts": {"new": new, "unchanged": unchanged, "resolved": len(resolved)},
        "resolved": resolved,
    }
    return out, section


def diff(
    before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Two scans' results by finding id → ``new`` findings (FAIL/WAIVED now, not a finding
    before), ``resolved`` findings (a finding before, now PASS/NOT_APPLICABLE or gone) and
    ``changed`` results (in both, with another status or severity — a waiver added, a finding
    that can no longer be read …) — and an ERROR on one side only (``None`` on the other: no
    finding there). Each entry is the later row with ``before``/``after``. ``bio2scan diff``
    passes only the findings (FAIL, ERROR, WAIVED) of either scan: what the history keeps."""
    out: dict[str, list[dict[str, Any]]] = {"new": [], "resolved": [], "changed": []}
    for fid in sorted(set(before) | set(after)):
        b, a = before.get(fid), after.get(fid)
        b_finding = b is not None and b["status"] in FINDING
        a_finding = a is not None and a["status"] in FINDING
        row = dict(a or b or {})
        row["before"] = b["status"] if b else None
        row["after"] = a["status"] if a else None
        if a_finding and not b_finding:
            out["new"].append(row)
        elif b_finding and not a_finding and not (a and a["status"] == Status.ERROR.value):
            out["resolved"].append(row)
        elif a and b and (a["status"] != b["status"] or a["severity"] != b["severity"]):
            out["changed"].append(row)
        elif (a is None) != (b is None) and (a or b or {})["status"] == Status.ERROR.value:
            out["changed"].append(row)  # could not look, now or before: never silent
    for rows in out.values():
        rows.sort(key=lambda d: (d["rule_id"], d["scope"], d["resource_id"]))
    return out
