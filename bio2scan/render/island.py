"""The HTML report's data island: every result, compactly encoded, as JSON inside
``<script type="application/json">``, which the page's script renders page by page.

Why a data island: 100k results as static HTML would be hundreds of megabytes and slow to open;
as interned JSON they stay a fraction of that and the page renders only what is on screen.

Why the escaping: the island sits inside a ``<script>`` element, where the HTML parser ends the
element at the first ``</script``, whatever JSON says. Escaping ``<``, ``>`` and ``&`` (and the
two JavaScript line separators) as ``\\uXXXX`` keeps the text valid JSON with the same meaning and
leaves nothing the HTML parser could take for markup; estate data cannot break out.

Encoding (``island["r"]``, one array per result; string fields are indexes into ``island["s"]``,
``-1`` for none): ``[finding_id, rule, resource_id, resource_type, resource_name, scope, region,
namespace, status, severity, controls, measures, message, evidence, source, waiver, change]``;
``resource_id`` is ``[prefix, last segment]`` (split after the last ``/`` or ``:``, so the long
shared prefixes of ARNs and Azure ids are stored once) and ``resource_name`` is ``-2`` when it
equals that last segment;
``status``/``severity``/``change`` index ``island["statuses"]``/``["severities"]``/``["changes"]``;
``message`` is ``-1`` for a PASS whose message is its evidence in words (the page shows the
evidence); ``evidence`` is ``[[path, value, expected], …]`` with the value as JSON; ``source`` is
``[api, region, time, file, line]``; ``waiver`` indexes ``island["waivers"]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..resultrows import derived
from .messages import messages, pick
from .view import SEVERITIES, STATUSES

CHANGES = ("new", "unchanged", "resolved")
_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}

# the message keys the page's script uses
SCRIPT_KEYS = (
    "shown",
    "prev",
    "next",
    "page",
    "all",
    "resource",
    "resource_type",
    "resource_id",
    "scope",
    "location",
    "rule",
    "message",
    "why",
    "evidence",
    "evidence_path",
    "evidence_value",
    "evidence_expected",
    "source",
    "source_api",
    "source_file",
    "remediation",
    "waiver",
    "waiver_owner",
    "waiver_approver",
    "waiver_reason",
    "waiver_reference",
    "waiver_expires",
    "waiver_kind",
    "risk-acceptance",
    "not-applicable",
    "finding_id",
    "controls_measures",
    "status",
    "severity",
    "change",
    "new",
    "unchanged",
    "resolved",
    "none",
    *STATUSES,
    *SEVERITIES,
)


VALUE_LIMIT = 2000  # characters of JSON per observed value in the page


def shown_value(value: Any, limit: int = VALUE_LIMIT) -> Any:
    """The observed value as the page shows it: large values (a whole policy document) are cut
    to a preview so 100k results stay a small file; ``results.json`` keeps the full value."""
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= limit:
        return value
    return f"{text[:limit]} … [{len(text) - limit} more characters; see results.json]"


class _Interner:
    def __init__(self) -> None:
        self.strings: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, s: Any) -> int:
        if s is None:
            return -1
        s = str(s)
        i = self._index.get(s)
        if i is None:
            i = self._index[s] = len(self.strings)
            self.strings.append(s)
        return i


def _row(
    r: dict[str, Any],
    s: _Interner,
    waiver_i: dict[str, int],
    waivers: list[dict[str, Any]],
    templates: dict[str, Any],
) -> list[Any]:
    w = -1
    if r.get("waiver"):
        key = json.dumps(r["waiver"], sort_keys=True, default=str)
        if key not in waiver_i:
            waiver_i[key] = len(waivers)
            waivers.append(r["waiver"])
        w = waiver_i[key]
    src = r.get("source") or {}
    rid = r["resource_id"]
    cut = max(rid.rfind("/"), rid.rfind(":")) + 1
    last = rid[cut:]
    # a PASS's message is its evidence in words: the page shows the evidence, not the prose
    message = -1 if r["status"] == "PASS" and derived(r, templates.get(r["rule_id"])) else None
    return [
        r["finding_id"],
        s(r["rule_id"]),
        [s(rid[:cut]), s(last)],
        s(r["resource_type"]),
        -2 if r["resource_name"] == last else s(r["resource_name"]),
        s(r["scope"]),
        s(r.get("region")),
        s(r.get("namespace")),
        _STATUS_I[r["status"]],
        _SEV_I[r["severity"]],
        s(",".join(r["controls"])),
        s(",".join(r["measures"])),
        message if message is not None else s(r["message"]),
        [[s(e["path"]), shown_value(e["value"]), s(e["expected"])] for e in r["evidence"]],
        [
            s(src.get("api")),
            s(src.get("region")),
            s(src.get("time")),
            s(src.get("file")),
            src.get("line") or 0,
        ],
        w,
        _CHANGE_I.get(r.get("change") or "", -1),
    ]


_STATUS_I = {k: i for i, k in enumerate(STATUSES)}
_SEV_I = {k: i for i, k in enumerate(SEVERITIES)}
_CHANGE_I = {k: i for i, k in enumerate(CHANGES)}


def _head(document: dict[str, Any], langs: list[str]) -> dict[str, Any]:
    rules = {
        lang: {
            rid: [
                pick(rule.get("title"), lang),
                pick(rule.get("rationale"), lang),
                pick(rule.get("remediation"), lang),
            ]
            for rid, rule in document.get("rules", {}).items()
        }
        for lang in langs
    }
    i18n = {lang: {k: messages(lang)(k) for k in SCRIPT_KEYS} for lang in langs}
    return {
        "statuses": list(STATUSES),
        "severities": list(SEVERITIES),
        "changes": list(CHANGES),
        "i18n": i18n,
        "rules": rules,
    }


def write_island(
    write: Callable[[str], Any], document: dict[str, Any], langs: list[str], batch: int = 2000
) -> None:
    """Write the island for a page in ``langs`` (rows once, texts per language) with
    ``write``, escaped for its ``<script>`` element, a batch of rows at a time: the rows come
    first and the string table after them, so only the table is held in memory."""
    s = _Interner()
    waiver_i: dict[str, int] = {}
    waivers: list[dict[str, Any]] = []
    templates = {rid: r.get("messages") for rid, r in document.get("rules", {}).items()}
    head = _text(_head(document, langs))
    write(head[:-1] + ',"r":[')
    buf: list[str] = []
    first = True
    for r in document["results"]:
        buf.append(_text(_row(r, s, waiver_i, waivers, templates)))
        if len(buf) >= batch:
            write(("" if first else ",") + ",".join(buf))
            first = False
            buf.clear()
    if buf:
        write(("" if first else ",") + ",".join(buf))
    write('],"waivers":' + _text(waivers) + ',"s":[')
    for start in range(0, len(s.strings), batch):
        chunk = s.strings[start : start + batch]
        write(("," if start else "") + ",".join(_text(x) for x in chunk))
    write("]}")


def _text(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.translate(_ESCAPES)
