"""The summary printed on the terminal after a scan: per BIO2 control that has rules, its status
and counts, then the failing findings at or above the fail threshold (at most ``limit``)."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

_STATUS_STYLE = {
    "evidence-complete": "green",
    "compliant-with-accepted-risk": "green",
    "partially-evidenced": "cyan",
    "non-compliant": "bold red",
    "not-assessed": "yellow",
    "out-of-scope": "dim",
    "manual": "dim",
}
_LABELS = {
    "en": {
        "control": "Control",
        "title": "Title",
        "status": "Status",
        "pass": "pass",
        "fail": "fail",
        "error": "error",
        "na": "n/a",
        "waived": "waived",
        "evidence-complete": "evidence complete",
        "compliant-with-accepted-risk": "accepted risk",
        "partially-evidenced": "partially evidenced",
        "non-compliant": "non-compliant",
        "not-assessed": "not assessed",
        "out-of-scope": "out of scope",
        "manual": "manual",
        "summary": "{n} results: {PASS} pass, {FAIL} fail, {ERROR} error, {NOT_APPLICABLE} "
        "not applicable, {WAIVED} waived",
        "controls": "BIO2 controls: {non-compliant} non-compliant, {not-assessed} not assessed, "
        "{partially-evidenced} partially evidenced, {compliant-with-accepted-risk} compliant "
        "with accepted risk, {evidence-complete} evidence complete, {out-of-scope} out of "
        "scope, {manual} manual",
        "measures": "Government measures: {fail} fail, {error} error, {not-assessed} not "
        "assessed, {pass} pass, {out-of-scope} out of scope, {manual} manual, "
        "{not-applicable} declared not applicable",
        "compliance": "Automated evidence complete: {percent} % of {counted} controls (not "
        "manual, not out of scope) — not a measure of BIO2 compliance",
        "all_rules": "A waiver covers every rule: {ids}",
        "incomplete": "Incomplete scan: {n} collection error(s); affected rules report ERROR.",
        "findings": "Failing findings",
        "more": "… and {n} more (see the report)",
    },
    "nl": {
        "control": "Maatregel",
        "title": "Titel",
        "status": "Status",
        "pass": "voldoet",
        "fail": "faalt",
        "error": "fout",
        "na": "n.v.t.",
        "waived": "uitgezonderd",
        "evidence-complete": "bewijs compleet",
        "compliant-with-accepted-risk": "geaccepteerd risico",
        "partially-evidenced": "deels aangetoond",
        "non-compliant": "voldoet niet",
        "not-assessed": "niet beoordeeld",
        "out-of-scope": "buiten scope",
        "manual": "handmatig",
        "summary": "{n} resultaten: {PASS} voldoet, {FAIL} faalt, {ERROR} fout, "
        "{NOT_APPLICABLE} niet van toepassing, {WAIVED} uitgezonderd",
        "controls": "BIO2-beheersmaatregelen: {non-compliant} voldoen niet, {not-assessed} niet "
        "beoordeeld, {partially-evidenced} deels aangetoond, {compliant-with-accepted-risk} "
        "voldoen met geaccepteerd risico, {evidence-complete} bewijs compleet, {out-of-scope} "
        "buiten scope, {manual} handmatig",
        "measures": "Overheidsmaatregelen: {fail} voldoen niet, {error} fout, {not-assessed} "
        "niet beoordeeld, {pass} voldoen, {out-of-scope} buiten scope, {manual} handmatig, "
        "{not-applicable} niet van toepassing verklaard",
        "compliance": "Geautomatiseerd bewijs compleet: {percent} % van {counted} "
        "beheersmaatregelen (niet handmatig, niet buiten scope) — geen maat voor naleving "
        "van BIO2",
        "all_rules": "Een uitzondering geldt voor elke regel: {ids}",
        "incomplete": "Onvolledige scan: {n} verzamelfout(en); de betrokken regels geven ERROR.",
        "findings": "Bevindingen",
        "more": "… en nog {n} (zie het rapport)",
    },
}


class _Zero(dict[str, int]):
    """Counts for ``str.format_map``: a status missing from the counts is 0."""

    def __missing__(self, key: str) -> int:
        return 0


def summary(
    document: dict[str, Any],
    lang: str = "en",
    width: int | None = None,
    color: bool = False,
    limit: int = 20,
) -> str:
    t = _LABELS.get(lang, _LABELS["en"])
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width or 110,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
    )
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column(t["control"], no_wrap=True)
    table.add_column(t["title"], overflow="ellipsis", max_width=52, no_wrap=True)
    table.add_column(t["status"], no_wrap=True)
    for key in ("pass", "fail", "error", "na", "waived"):
        table.add_column(t[key], justify="right")
    for c in document["controls"]:
        if c["status"] in ("manual", "out-of-scope"):
            continue
        n = c["counts"]
        table.add_row(
            c["id"],
            c["title"].get(lang) or c["title"]["en"],
            Text(t.get(c["status"], c["status"]), style=_STATUS_STYLE.get(c["status"], "")),
            str(n["PASS"]),
            str(n["FAIL"]),
            str(n["ERROR"]),
            str(n["NOT_APPLICABLE"]),
            str(n["WAIVED"]),
        )
    console.print(table)
    s = document["summary"]
    console.print(t["summary"].format(n=len(document["results"]), **s["results"]))
    console.print(t["controls"].format_map(_Zero(s["controls"])))
    if "measures" in s:
        console.print(t["measures"].format_map(_Zero(s["measures"])))
    if "compliance" in s:
        console.print(t["compliance"].format(**s["compliance"]))
    broad = (document.get("waivers") or {}).get("all_rules") or []
    if broad:
        ids = ", ".join(str(w.get("id", "")) for w in broad)
        console.print(Text(t["all_rules"].format(ids=ids), style="bold yellow"))
    if document["collection_errors"]:
        console.print(
            Text(t["incomplete"].format(n=len(document["collection_errors"])), style="yellow")
        )
    fails = [r for r in document["results"] if r["status"] == "FAIL"]
    if fails:
        order = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
        fails.sort(key=lambda r: (order[r["severity"]], r["rule_id"], r["resource_id"]))
        console.print(Text(t["findings"], style="bold"))
        rules = document["rules"]
        for r in fails[:limit]:
            title = rules.get(r["rule_id"], {}).get("title", {}).get(lang, r["rule_id"])
            where = r["source"].get("file")
            where = f"{where}:{r['source'].get('line')}" if where else r["scope"]
            console.print(Text(f"  [{r['severity']}] {title} — {r['resource_id']} ({where})"))
        if len(fails) > limit:
            console.print(t["more"].format(n=len(fails) - limit))
    return buf.getvalue()
