"""``--format soa-csv``: the Statement of Applicability (Verklaring van Toepasselijkheid, VvT)
as the spreadsheet an auditor works from (``soa.csv``), and the rows the HTML report's SoA view
shows.

One row per BIO2 control (93) and one per active government measure (117), in catalogue order,
each measure right under its control. Columns (stable; new ones are only appended):

``type`` (control / measure) · ``id`` · ``control`` · ``title`` (control title or measure
summary) · ``applicable`` (yes / no: no only when declared not applicable — for a control, when
all its measures are) · ``status`` · ``status_basis`` (why; for controls the gaps that remain) ·
``providers`` (status per provider, ``aws=pass;k8s=not-assessed``) · ``evidence_rules`` (rule
ids with their strength, ``aws.s3.x (direct)``) · ``results`` (PASS/FAIL/ERROR/WAIVED counts of
those rules) · ``worst_findings`` (up to three: severity, rule, resource) · ``waivers`` (waivers
applied to those results; declarations with owner and reason) · ``manual_evidence`` (empty: for
the organisation's own evidence — policy, procedure, contract, audit).

The file is UTF-8 with a byte-order mark and CRLF line ends; every field is quoted, so a comma,
semicolon or tab inside a value is safe whichever separator a spreadsheet's locale expects, and
cells that start like a formula get a leading ``'`` (``csvfmt.safe_cell``).
"""

from __future__ import annotations

import csv
import io
from bisect import insort_right
from collections import defaultdict
from operator import itemgetter
from typing import Any

from ..resultrows import findings_first
from .csvfmt import safe_cell
from .messages import pick

COLUMNS = (
    "type",
    "id",
    "control",
    "title",
    "applicable",
    "status",
    "status_basis",
    "providers",
    "evidence_rules",
    "results",
    "worst_findings",
    "waivers",
    "manual_evidence",
)
_RANK = {"FAIL": 0, "ERROR": 1, "WAIVED": 2}
_SEV = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
WORST = 3


def _per_rule(results: list[dict[str, Any]]) -> tuple[dict[str, list[Any]], dict[str, set[str]]]:
    """One pass over the results: per rule its worst findings (at most ``WORST``: the first in
    a stable sort by status, severity and resource, kept sorted as they come) and the ids of
    the waivers applied to its results."""
    worst: dict[str, list[Any]] = defaultdict(list)
    waivers: dict[str, set[str]] = defaultdict(set)
    first = itemgetter(0)
    for r in results:
        status = r["status"]
        if status not in _RANK:
            continue
        if r.get("waiver"):
            waivers[r["rule_id"]].add(str(r["waiver"].get("id", "")))
        key = (_RANK[status], _SEV.get(r["severity"], 9), r["resource_id"])
        bucket = worst[r["rule_id"]]
        if len(bucket) < WORST:
            insort_right(bucket, (key, r), key=first)
        elif key < bucket[-1][0]:  # (an equal key came later: it stays out)
            insort_right(bucket, (key, r), key=first)
            bucket.pop()
    return worst, waivers


def _evidence_cells(
    evidence: list[dict[str, Any]], worst: dict[str, list[Any]], waived: dict[str, set[str]]
) -> tuple[str, str, str, set[str]]:
    rules = "; ".join(f"{e['rule']} ({e['strength']})" for e in evidence)
    totals = {k: sum(e["counts"].get(k, 0) for e in evidence) for k in _RANK}
    totals["PASS"] = sum(e["counts"].get("PASS", 0) for e in evidence)
    counts = ", ".join(f"{k} {totals[k]}" for k in ("PASS", "FAIL", "ERROR", "WAIVED"))
    found = sorted((x for e in evidence for x in worst.get(e["rule"], ())), key=lambda x: x[0])
    seen: set[str] = set()
    lines = []
    for _, r in found:
        if r["finding_id"] in seen:
            continue
        seen.add(r["finding_id"])
        lines.append(f"{r['status']} {r['severity']} {r['rule_id']} {r['resource_id']}")
        if len(lines) == WORST:
            break
    ids = {w for e in evidence for w in waived.get(e["rule"], ())}
    return rules, counts if evidence else "", " | ".join(lines), ids


def _declaration(d: dict[str, Any] | None) -> str:
    if not d:
        return ""
    return f"{d.get('id', '')} ({d.get('kind', '')}, {d.get('owner', '')}, until {d.get('expires', '')}): {d.get('reason', '')}"


BASIS = {
    "no-rules": {"en": "no rule can assess it", "nl": "geen regel kan het toetsen"},
    "providers-not-scanned": {
        "en": "its rules are for providers not scanned",
        "nl": "de regels zijn voor niet-gescande providers",
    },
    "direct-fail": {
        "en": "a rule giving direct evidence failed",
        "nl": "een regel met direct bewijs faalt",
    },
    "errors": {
        "en": "something could not be read (ERROR)",
        "nl": "iets kon niet worden gelezen (ERROR)",
    },
    "nothing-to-check": {
        "en": "the rules found nothing to check",
        "nl": "de regels vonden niets om te toetsen",
    },
    "gaps": {
        "en": "direct evidence is missing for part of it",
        "nl": "voor een deel ontbreekt direct bewijs",
    },
    "accepted-risk": {
        "en": "complete, with risk-accepted deviations",
        "nl": "compleet, met geaccepteerde risico's",
    },
    "complete": {
        "en": "direct PASS evidence for every technical measure",
        "nl": "direct bewijs voor elke technische maatregel",
    },
}


def _gaps(c: dict[str, Any], lang: str) -> str:
    gaps = "; ".join(
        f"{g['id']} {g['status']}" if g["kind"] != "aspect" else f"{g['id']} aspect (manual)"
        for g in c.get("gaps", ())
    )
    parts = [pick(BASIS.get(c.get("basis", "")), lang)]
    if gaps:
        parts.append(f"lacking direct evidence: {gaps}")
    if c.get("out_of_scope"):
        parts.append(f"not scanned: {', '.join(c['out_of_scope'])}")
    if c.get("manual_measures"):
        parts.append(f"organisational measures: {', '.join(c['manual_measures'])}")
    return " — ".join(p for p in parts if p)


def _control_providers(c: dict[str, Any]) -> str:
    """Providers with rules for the control; those not scanned are marked out of scope."""
    out = set(c.get("out_of_scope", ()))
    provs = sorted({e["provider"] for e in c.get("evidence", ()) if e["severity"] != "info"})
    return ";".join(f"{p}=out-of-scope" if p in out else p for p in provs)


PerRule = tuple[dict[str, list[Any]], dict[str, set[str]]]


def soa_reads(results: list[dict[str, Any]]) -> PerRule:
    """What the SoA reads of the results (the same in every language): per rule its worst
    findings and the ids of the waivers applied to its results."""
    return _per_rule(results)


def soa_rows(
    document: dict[str, Any],
    lang: str,
    picked: list[dict[str, Any]] | None = None,
    read: PerRule | None = None,
) -> list[dict[str, Any]]:
    """The SoA rows (as dicts keyed by ``COLUMNS``), controls each followed by their measures;
    ``picked``, when given, are the results' FAIL, ERROR and WAIVED rows in their order
    (all the rows the SoA reads), already picked out; ``read``, when given, is
    ``soa_reads(picked)``, already read (a page in two languages reads it once)."""
    worst, waived = (
        read
        if read is not None
        else _per_rule(findings_first(document["results"]) if picked is None else picked)
    )
    summaries = (document.get("catalog") or {}).get("measures", {})
    by_control: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in document.get("measures", ()):
        by_control[m["control"]].append(m)
    rows = []
    for c in document["controls"]:
        rules, counts, findings, ids = _evidence_cells(c.get("evidence", []), worst, waived)
        rows.append(
            {
                "type": "control",
                "id": c["id"],
                "control": c["id"],
                "title": pick(c["title"], lang),
                "applicable": "yes" if c.get("applicable", True) else "no",
                "status": c["status"],
                "status_basis": _gaps(c, lang),
                "providers": _control_providers(c),
                "evidence_rules": rules,
                "results": counts,
                "worst_findings": findings,
                "waivers": ", ".join(sorted(ids)),
                "manual_evidence": "",
            }
        )
        for m in by_control.get(c["id"], ()):
            rules, counts, findings, ids = _evidence_cells(m.get("evidence", []), worst, waived)
            decl = m.get("declaration")
            rows.append(
                {
                    "type": "measure",
                    "id": m["id"],
                    "control": c["id"],
                    "title": pick((summaries.get(m["id"]) or {}).get("summary"), lang),
                    "applicable": "no" if decl else "yes",
                    "status": m["status"],
                    "status_basis": (
                        f"not scanned: {', '.join(m['out_of_scope'])}" if m["out_of_scope"] else ""
                    ),
                    "providers": ";".join(f"{p}={s}" for p, s in sorted(m["providers"].items())),
                    "evidence_rules": rules,
                    "results": counts,
                    "worst_findings": findings,
                    "waivers": "; ".join(
                        x for x in (", ".join(sorted(ids)), _declaration(decl)) if x
                    ),
                    "manual_evidence": "",
                }
            )
    return rows


class SoaCsvRenderer:
    name = "soa-csv"
    extension = "csv"
    filename = "soa.csv"
    description = "Statement of Applicability (VvT): every control and measure, for auditors"

    def render(self, document: dict[str, Any], lang: str) -> str:
        buf = io.StringIO()
        buf.write("\ufeff")
        w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        w.writerow(COLUMNS)
        for row in soa_rows(document, lang):
            w.writerow([safe_cell(row[k]) for k in COLUMNS])
        return buf.getvalue()
