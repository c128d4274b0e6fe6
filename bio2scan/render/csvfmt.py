"""``--format csv``: one row per result, for spreadsheets (``results.csv``).

The columns are stable (``COLUMNS``; new ones are only ever appended) and documented in
``docs/reports.md``. The file is UTF-8 with a byte-order mark (so spreadsheet programs read
Dutch accents right) and CRLF line ends (RFC 4180). Cells are formula-injection safe: a cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, so
a resource named ``=HYPERLINK(…)`` stays text. The last two columns give the assessed status of
each BIO2 control and government measure the result's rule gives evidence for
(``8.20=partially-evidenced;8.22=non-compliant``); ``--format soa-csv`` has one row per
control and measure instead.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .messages import pick

COLUMNS = (
    "finding_id",
    "status",
    "severity",
    "rule_id",
    "rule_title",
    "resource_type",
    "resource_id",
    "resource_name",
    "scope",
    "region",
    "namespace",
    "controls",
    "measures",
    "message",
    "evidence",
    "source",
    "source_time",
    "change",
    "waiver_id",
    "waiver_expires",
    "control_statuses",
    "measure_statuses",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(
    r: dict[str, Any], rules: dict[str, Any], lang: str, statuses: dict[str, str]
) -> list[str]:
    src = r.get("source") or {}
    if src.get("file"):
        source = f"{src['file']}:{src['line']}" if src.get("line") else src["file"]
    else:
        source = " ".join(x for x in (src.get("api"), src.get("region")) if x)
    w = r.get("waiver") or {}
    values = (
        r["finding_id"],
        r["status"],
        r["severity"],
        r["rule_id"],
        pick(rules.get(r["rule_id"], {}).get("title"), lang),
        r["resource_type"],
        r["resource_id"],
        r["resource_name"],
        r["scope"],
        r.get("region"),
        r.get("namespace"),
        ";".join(r["controls"]),
        ";".join(r["measures"]),
        r["message"],
        "; ".join(
            f"{e['path']}={json.dumps(e['value'], ensure_ascii=False, default=str)}"
            f" (expected {e['expected']})"
            for e in r["evidence"]
        ),
        source,
        src.get("time"),
        r.get("change"),
        w.get("id"),
        w.get("expires"),
        ";".join(f"{c}={statuses.get(c, '')}" for c in r["controls"]),
        ";".join(f"{m}={statuses.get(m, '')}" for m in r["measures"]),
    )
    return [safe_cell(v) for v in values]


class CsvRenderer:
    name = "csv"
    extension = "csv"
    filename = "results.csv"
    description = "one row per result, stable columns, for spreadsheets"

    def render(self, document: dict[str, Any], lang: str) -> str:
        buf = io.StringIO()
        buf.write("\ufeff")
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(COLUMNS)
        rules = document.get("rules", {})
        # the assessed status of each control and measure a result gives evidence for
        statuses = {c["id"]: c["status"] for c in document["controls"]}
        statuses.update({m["id"]: m["status"] for m in document.get("measures", ())})
        for r in document["results"]:
            w.writerow(_row(r, rules, lang, statuses))
        return buf.getvalue()
