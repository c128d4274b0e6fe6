"""The summary printed on the terminal after a scan: per BIO2 control that has rules, its status
and counts; what the scan could not see (collection errors, targets from which nothing could be
read, missing shards) and what it met but did not check (notices); then the failing findings
(at most ``limit``).

Made for logs as much as for terminals: it fits ``width`` columns (80 without a TTY) with every
header whole — the title column, last, takes what is left and is dropped when too little is —
and every value that comes from the scanned estate (names, file names, messages) is passed
through ``safetext.safe``, so escape sequences are shown, not obeyed.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..resultrows import findings_first
from ..safetext import safe
from .notices import blind_spots, counts, notices
from .notices import text as notice_text

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
        "errors_only": "Incomplete scan: {n} result(s) are ERROR (could not evaluate).",
        "nothing_checked": "Incomplete scan: no object could be checked; {n} not checked.",
        "blind": "Could not read at all: {why} (exit 3, even with --allow-incomplete).",
        "notices": "Not evaluated: {not-checked} object(s) not checked, {skipped} file(s) "
        "skipped, {duplicate} duplicate(s) — listed in the report's coverage.",
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
        "errors_only": "Onvolledige scan: {n} resulta(a)t(en) ERROR (niet te beoordelen).",
        "nothing_checked": "Onvolledige scan: geen enkel object kon worden gecontroleerd; {n} "
        "niet gecontroleerd.",
        "blind": "Helemaal niet te lezen: {why} (exit 3, ook met --allow-incomplete).",
        "notices": "Niet beoordeeld: {not-checked} object(en) niet gecontroleerd, {skipped} "
        "bestand(en) overgeslagen, {duplicate} dubbel(e) — zie de dekking in het rapport.",
        "findings": "Bevindingen",
        "more": "… en nog {n} (zie het rapport)",
    },
}


_MIN_TITLE = 12


def _table(document: dict[str, Any], t: dict[str, str], lang: str, width: int) -> Table:
    rows = [c for c in document["controls"] if c["status"] not in ("manual", "out-of-scope")]
    counts = ("pass", "fail", "error", "na", "waived")
    keys = ("PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "WAIVED")
    id_w = max([len(t["control"])] + [len(str(c["id"])) for c in rows])
    status_w = max([len(t["status"])] + [len(t.get(c["status"], c["status"])) for c in rows])
    count_w = [
        max([len(t[k])] + [len(str(c["counts"].get(key, 0))) for c in rows])
        for k, key in zip(counts, keys)
    ]
    used = id_w + status_w + sum(count_w) + 2 * (len(counts) + 1)
    title_w = width - used - 2
    table = Table(
        box=None, show_edge=False, pad_edge=False, header_style="bold", padding=(0, 2, 0, 0)
    )
    table.add_column(t["control"], no_wrap=True, min_width=id_w)
    table.add_column(t["status"], no_wrap=True, min_width=status_w)
    for k, w in zip(counts, count_w):
        table.add_column(t[k], justify="right", no_wrap=True, min_width=w)
    with_title = title_w >= _MIN_TITLE
    if with_title:
        table.add_column(t["title"], no_wrap=True, overflow="ellipsis", max_width=title_w)
    for c in rows:
        n = c["counts"]
        cells = [
            Text(safe(c["id"])),
            Text(t.get(c["status"], safe(c["status"])), style=_STATUS_STYLE.get(c["status"], "")),
            *(Text(str(n.get(key, 0))) for key in keys),
        ]
        if with_title:
            cells.append(Text(safe(c["title"].get(lang) or c["title"]["en"])))
        table.add_row(*cells)
    return table


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
    width = width or 80
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
        emoji=False,
        markup=False,
    )
    console.print(_table(document, t, lang, width))
    s = document["summary"]
    console.print(Text(t["summary"].format(n=sum(s["results"].values()), **s["results"])))
    console.print(Text(t["controls"].format_map(_Zero(s["controls"]))))
    if "measures" in s:
        console.print(Text(t["measures"].format_map(_Zero(s["measures"]))))
    if "compliance" in s:
        console.print(Text(t["compliance"].format(**s["compliance"])))
    broad = (document.get("waivers") or {}).get("all_rules") or []
    if broad:
        ids = ", ".join(safe(str(w.get("id", ""))) for w in broad)
        console.print(Text(t["all_rules"].format(ids=ids), style="bold yellow"))
    if document["collection_errors"]:
        console.print(
            Text(t["incomplete"].format(n=len(document["collection_errors"])), style="yellow")
        )
    elif s["results"].get("ERROR"):
        console.print(Text(t["errors_only"].format(n=s["results"]["ERROR"]), style="yellow"))
    if (document.get("coverage") or {}).get("nothing_checked"):
        console.print(
            Text(t["nothing_checked"].format(n=counts(document)["not-checked"]), style="yellow")
        )
    why = blind_spots(document)
    if why:
        console.print(Text(t["blind"].format(why=safe("; ".join(why))), style="bold red"))
    found = notices(document)
    if found:
        console.print(Text(t["notices"].format(**counts(document)), style="yellow"))
        for x in found[:limit]:
            console.print(Text("  " + safe(notice_text(x))))
        if len(found) > limit:
            console.print(Text(t["more"].format(n=len(found) - limit)))
    fails = [r for r in findings_first(document["results"]) if r["status"] == "FAIL"]
    if fails:
        order = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
        fails.sort(key=lambda r: (order.get(r["severity"], 5), r["rule_id"], r["resource_id"]))
        console.print(Text(t["findings"], style="bold"))
        rules = document["rules"]
        for r in fails[:limit]:
            title = rules.get(r["rule_id"], {}).get("title", {}).get(lang, r["rule_id"])
            where = r["source"].get("file")
            where = f"{where}:{r['source'].get('line')}" if where else r["scope"]
            console.print(
                Text(
                    f"  [{r['severity']}] {safe(title)} — {safe(r['resource_id'])} ({safe(where)})"
                )
            )
        if len(fails) > limit:
            console.print(Text(t["more"].format(n=len(fails) - limit)))
    return "".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines())
