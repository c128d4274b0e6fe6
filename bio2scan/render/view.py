"""The view model of the HTML and Markdown reports, derived from the results document.

The templates stay dumb: everything they show (grouping per theme, counts per rule, chart
geometry, the status of every government measure with its evidence, the Statement of
Applicability, grouped ERROR results) is computed here, from the document alone, in one pass
over the results. Texts are picked in the report's language; values from the scanned estate stay
plain strings that Jinja escapes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from ..resultrows import row_facts
from .messages import pick
from .notices import blind_spots, notices
from .notices import counts as notice_counts
from .soa import PerRule, soa_reads, soa_rows

STATUSES = ("FAIL", "ERROR", "WAIVED", "PASS", "NOT_APPLICABLE")
SEVERITIES = ("critical", "high", "medium", "low", "info")
CONTROL_STATUSES = (
    "non-compliant",
    "not-assessed",
    "partially-evidenced",
    "compliant-with-accepted-risk",
    "evidence-complete",
    "out-of-scope",
    "manual",
)
MEASURE_STATUSES = (
    "fail",
    "error",
    "not-assessed",
    "pass",
    "out-of-scope",
    "manual",
    "not-applicable",
)
THEMES = ("organisational", "people", "physical", "technological")
_SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}
# statuses of automatically assessed controls in the trend ("compliant": a history entry written
# before results schema 2)
_ASSESSED = (
    "evidence-complete",
    "compliant-with-accepted-risk",
    "compliant",
    "partially-evidenced",
    "not-assessed",
    "non-compliant",
)


def severity_rank(sev: str) -> int:
    return _SEV_RANK.get(sev, len(SEVERITIES))


def finding_order(r: dict[str, Any]) -> tuple[Any, ...]:
    """Worst first: status (FAIL, ERROR, WAIVED …), then severity, then rule and resource."""
    return (
        _STATUS_RANK.get(r["status"], 9),
        severity_rank(r["severity"]),
        r["rule_id"],
        r["scope"],
        r["resource_id"],
    )


def rule_counts(results: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter[str])
    for r in results:
        counts[r["rule_id"]][r["status"]] += 1
    return counts


def _history_scans(document: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    scans = (document.get("history") or {}).get("scans") or []
    scans = sorted(scans, key=lambda s: s.get("finished_at", ""))
    return scans[-limit:]


def _rule_row(e: dict[str, Any], rules: dict[str, Any], lang: str) -> dict[str, Any]:
    rule = rules.get(e["rule"], {})
    return {
        "id": e["rule"],
        "title": pick(rule.get("title"), lang),
        "severity": e.get("severity") or rule.get("severity", "info"),
        "strength": e.get("strength", "supporting"),
        "reason": e.get("reason", ""),
        "provider": e.get("provider", ""),
        "counts": {s: e.get("counts", {}).get(s, 0) for s in STATUSES},
    }


def measures_view(document: dict[str, Any], lang: str) -> dict[str, list[dict[str, Any]]]:
    """Per control, its active government measures with status, per-provider status, evidence
    rules (strength, and the part of the measure each covers) and any declaration."""
    catalog = (document.get("catalog") or {}).get("measures", {})
    rules = document.get("rules", {})
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in document.get("measures", ()):
        info = catalog.get(m["id"], {})
        out[m["control"]].append(
            {
                "id": m["id"],
                "summary": pick(info.get("summary"), lang),
                "note": pick(info.get("note"), lang),
                "automatable": info.get("automatable", "no"),
                "status": m["status"],
                "providers": sorted(m.get("providers", {}).items()),
                "out_of_scope": m.get("out_of_scope", []),
                "evidence": [_rule_row(e, rules, lang) for e in m.get("evidence", ())],
                "declaration": m.get("declaration"),
            }
        )
    return out


def controls_view(
    document: dict[str, Any], lang: str, per_rule: dict[str, Counter[str]], history_limit: int = 12
) -> list[dict[str, Any]]:
    """All controls, each with its measures (status and evidence), rules and trend."""
    measures = measures_view(document, lang)
    rules = document.get("rules", {})
    scans = _history_scans(document, history_limit)
    out = []
    for c in document["controls"]:
        evidence = c.get("evidence") or [
            {"rule": rid, "counts": per_rule.get(rid, Counter())} for rid in c.get("rules", ())
        ]
        rule_rows = [_rule_row(e, rules, lang) for e in evidence]
        rule_rows.sort(
            key=lambda x: (x["strength"] != "direct", severity_rank(x["severity"]), x["id"])
        )
        trend = [
            {"status": (s.get("per_control") or {}).get(c["id"]), "at": s.get("finished_at", "")}
            for s in scans
        ]
        out.append(
            {
                "id": c["id"],
                "theme": c["theme"],
                "title": pick(c["title"], lang),
                "status": c["status"],
                "basis": c.get("basis", ""),
                "counts": c["counts"],
                "total": sum(c["counts"].values()),
                "measures": measures.get(c["id"], []),
                "gaps": c.get("gaps", []),
                "manual_measures": c.get("manual_measures", []),
                "out_of_scope": c.get("out_of_scope", []),
                "accepted_risk": c.get("accepted_risk", 0),
                "rules": rule_rows,
                "trend": trend if any(t["status"] for t in trend) else [],
            }
        )
    return out


def themes_view(
    document: dict[str, Any], controls: list[dict[str, Any]], lang: str
) -> list[dict[str, Any]]:
    titles = (document.get("catalog") or {}).get("themes", {})
    out = []
    for theme in THEMES:
        mine = [c for c in controls if c["theme"] == theme]
        counts = Counter(c["status"] for c in mine)
        out.append(
            {
                "id": theme,
                "title": pick(titles.get(theme), lang) or theme,
                "controls": mine,
                "total": len(mine),
                "counts": {s: counts.get(s, 0) for s in CONTROL_STATUSES},
                "bar": stacked_bar(
                    {s: counts.get(s, 0) for s in CONTROL_STATUSES}, len(mine) or 1, 200
                ),
            }
        )
    return out


def status_grid(themes: list[dict[str, Any]], cell: int = 36, per_row: int = 19) -> dict[str, Any]:
    """One square per control, coloured by status, a block of rows per theme: the whole of
    BIO2 at a glance for the overview."""
    blocks, y = [], 0
    for th in themes:
        cells = [
            {
                "id": c["id"],
                "title": c["title"],
                "status": c["status"],
                "x": (i % per_row) * cell,
                "y": y + 18 + (i // per_row) * cell,
            }
            for i, c in enumerate(th["controls"])
        ]
        rows = (len(cells) + per_row - 1) // per_row
        blocks.append({"title": th["title"], "y": y + 12, "cells": cells})
        y += 18 + rows * cell + 10
    return {"blocks": blocks, "width": per_row * cell, "height": y, "size": cell - 3}


def stacked_bar(counts: dict[str, int], scale_total: int, width: float) -> list[dict[str, Any]]:
    """Segments ``{key, x, w, n}`` of a horizontal stacked bar, ``scale_total`` = ``width``."""
    segs, x = [], 0.0
    for key, n in counts.items():
        if n <= 0:
            continue
        w = width * n / scale_total
        segs.append({"key": key, "x": round(x, 2), "w": round(max(w, 0.5), 2), "n": n})
        x += w
    return segs


def control_chart(
    controls: list[dict[str, Any]], width: int = 520, row: int = 16
) -> dict[str, Any]:
    """Horizontal stacked bars of result counts for each control that has rules."""
    rows = [c for c in controls if c["rules"]]
    top = max((c["total"] for c in rows), default=0) or 1
    bars = []
    for i, c in enumerate(rows):
        counts = {s: c["counts"].get(s, 0) for s in STATUSES}
        bars.append(
            {
                "id": c["id"],
                "title": c["title"],
                "status": c["status"],
                "y": i * row,
                "total": c["total"],
                "segments": stacked_bar(counts, top, width),
            }
        )
    return {
        "bars": bars,
        "width": width,
        "row": row,
        "height": max(len(rows) * row, row),
        "max": top,
    }


def theme_trends(
    document: dict[str, Any], lang: str, limit: int = 12, height: int = 80, col: int = 22
) -> list[dict[str, Any]]:
    """Per theme, a column per scan stacking its automatically assessed controls' statuses
    (oldest left); manual controls are left out, they would flatten the picture."""
    scans = _history_scans(document, limit)
    if not scans:
        return []
    titles = (document.get("catalog") or {}).get("themes", {})
    out = []
    for theme in THEMES:
        if not any(
            sum(((s.get("per_theme") or {}).get(theme) or {}).get(k, 0) for k in _ASSESSED)
            for s in scans
        ):
            continue  # nothing in this theme was ever assessed automatically
        cols = []
        for i, s in enumerate(scans):
            counts = (s.get("per_theme") or {}).get(theme) or {}
            total = sum(counts.get(k, 0) for k in _ASSESSED) or 1
            segs, y = [], float(height)
            for key in _ASSESSED:
                n = counts.get(key, 0)
                if n:
                    h = height * n / total
                    y -= h
                    segs.append({"key": key, "y": round(y, 2), "h": round(h, 2), "n": n})
            cols.append(
                {
                    "x": i * col,
                    "at": s.get("finished_at", ""),
                    "segments": segs,
                    "id": s.get("id", ""),
                }
            )
        out.append(
            {
                "id": theme,
                "title": pick(titles.get(theme), lang) or theme,
                "columns": cols,
                "width": len(scans) * col,
                "height": height,
                "col": col - 4,
                "first": cols[0]["at"][:10],
                "last": cols[-1]["at"][:10],
            }
        )
    return out


def _error_groups(
    groups: dict[tuple[str, str], list[dict[str, Any]]], rules: dict[str, Any], lang: str
) -> list[dict[str, Any]]:
    out = []
    for (rid, msg), items in sorted(groups.items()):
        out.append(
            {
                "rule": rid,
                "title": pick(rules.get(rid, {}).get("title"), lang),
                "message": msg,
                "count": len(items),
                "scopes": sorted({i["scope"] for i in items}),
                "examples": [i["resource_id"] for i in items[:3]],
            }
        )
    return out


def error_groups(
    results: list[dict[str, Any]], rules: dict[str, Any], lang: str
) -> list[dict[str, Any]]:
    """Every ERROR result, grouped by rule and reason, with the count and a few resources."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        if r["status"] == "ERROR":
            groups[(r["rule_id"], r["message"])].append(r)
    return _error_groups(groups, rules, lang)


def _applied_waivers(waived: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for w in waived:
        entry = seen.setdefault(str(w.get("id", "")), dict(w, count=0))
        entry["count"] += 1
    return [seen[k] for k in sorted(seen)]


class ResultFacts:
    """What the views need from the results that does not depend on the language, from their
    facts (``resultrows.row_facts``: gathered once, for both languages of a page)."""

    __slots__ = ("errors", "findings", "per_rule", "scopes", "shown", "soa", "waived")

    def __init__(self, results: list[dict[str, Any]]) -> None:
        facts = row_facts(results)  # (the assessment's rows carry them: no pass then)
        per_rule: dict[str, Counter[str]] = defaultdict(Counter[str])
        per_rule.update((rid, Counter(c)) for rid, c in facts.per_rule.items())
        findings = facts.findings
        errors: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in findings:
            if r["status"] == "ERROR":
                errors[(r["rule_id"], r["message"])].append(r)
        self.per_rule = per_rule
        self.findings = findings  # FAIL, ERROR and WAIVED, in the results' order
        self.shown = sorted(findings, key=finding_order)  # worst first
        self.errors = errors
        self.waived = facts.waivers
        self.scopes = sorted(facts.scopes)
        self.soa: PerRule = soa_reads(findings)  # what the SoA reads of them


def not_applicable_groups(document: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The NOT_APPLICABLE results the document summarises instead of listing (per rule,
    resource type and reason): what was not checked, and why."""
    rules = document.get("rules", {})
    groups = (document.get("not_applicable") or {}).get("groups") or []
    return [
        dict(g, title=pick(rules.get(g["rule_id"], {}).get("title"), lang))
        for g in sorted(groups, key=lambda g: (-int(g["count"]), g["rule_id"], g["reason"]))
    ]


def build_view(
    document: dict[str, Any],
    lang: str,
    static_findings: int = 300,
    facts: ResultFacts | None = None,
) -> dict[str, Any]:
    """The view of ``document`` in ``lang``; ``facts`` (``ResultFacts(document["results"])``),
    when given, saves reading the results again for another language."""
    if facts is None:
        facts = ResultFacts(document["results"])
    per_rule: dict[str, Counter[str]] = defaultdict(Counter[str])
    for rid, c in facts.per_rule.items():
        per_rule[rid] = Counter(c)
    for g in (document.get("not_applicable") or {}).get("groups") or ():
        per_rule[g["rule_id"]]["NOT_APPLICABLE"] += int(g["count"])
    controls = controls_view(document, lang, per_rule)
    summary = document["summary"]
    themes = themes_view(document, controls, lang)
    shown = facts.shown
    return {
        "lang": lang,
        "doc": document,
        "catalog": document.get("catalog") or {},
        "summary": summary,
        "controls": controls,
        "themes": themes,
        "grid": status_grid(themes),
        "chart": control_chart(controls),
        "trends": theme_trends(document, lang),
        "error_groups": _error_groups(facts.errors, document.get("rules", {}), lang),
        "na_groups": not_applicable_groups(document, lang),
        "static_findings": shown[:static_findings],
        "static_total": len(shown),
        "auto_controls": sum(1 for c in controls if c["rules"]),
        "measure_counts": summary.get("measures", {}),
        "compliance": summary.get("compliance", {}),
        "soa": soa_rows(document, lang, facts.findings, facts.soa),
        "all_rules_waivers": (document.get("waivers") or {}).get("all_rules", []),
        "baseline": document.get("baseline"),
        "waivers": document.get("waivers"),
        "applied_waivers": _applied_waivers(facts.waived),
        "result_scopes": facts.scopes,
        "notices": notices(document),
        "notice_counts": notice_counts(document),
        "blind_spots": blind_spots(document),
    }
