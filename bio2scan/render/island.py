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

from .messages import messages, pick
from .rowtext import RowText, evidence_key
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


class _Strings(dict[Any, int]):
    """The string table: text -> its index, assigned in order of first use (a dict lookup per
    known text; ``None`` is ``-1``). ``strings`` lists the texts in index order."""

    def __init__(self) -> None:
        super().__init__()
        self[None] = -1

    def __missing__(self, s: Any) -> int:
        if type(s) is not str:
            return self[str(s)]  # (not stored under s: 1 and True are equal keys)
        i = self[s] = len(self) - 1
        return i

    @property
    def strings(self) -> list[str]:
        return list(self)[1:]


# the island's JSON (compact) and the one that measures an observed value (``shown_value``)
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
_MEASURE = json.JSONEncoder(ensure_ascii=False, default=str)
_encode_text = json.encoder.encode_basestring  # a str as JSON text, as ``_COMPACT`` writes it
_NO_SOURCE: dict[str, Any] = {}


def _value_json(value: Any) -> str:
    """``shown_value(value)`` as compact JSON."""
    if type(value) is str and len(value) * 6 + 2 <= VALUE_LIMIT:
        return _encode_text(value)  # short enough even if every character were escaped
    if isinstance(value, (bool, int, float)) or value is None:
        return _COMPACT.encode(value)
    text = _MEASURE.encode(value)
    if len(text) <= VALUE_LIMIT:
        return _COMPACT.encode(value)
    return _encode_text(
        f"{text[:VALUE_LIMIT]} … [{len(text) - VALUE_LIMIT} more characters; see results.json]"
    )


class _Rows:
    """The rows of one island as JSON text, a row at a time. What recurs is encoded once:
    the parts of a row that describe its resource and source (shared by every result of the
    resource) and each evidence item. Strings enter the table in the order the row names them,
    as if each row were built afresh, so the island does not depend on what was cached.

    Memory is bounded: each memo holds at most ``LIMIT`` entries. A full evidence memo is
    emptied (results come sorted by rule, and evidence recurs within a rule); a full resource
    memo keeps what it holds (every rule names the resources again, in the same order: emptied
    each time it filled, it would never be hit once an estate has more than ``LIMIT``)."""

    LIMIT = 200_000

    __slots__ = ("items", "resources", "rules", "s", "text", "waiver_i", "waivers")

    def __init__(self, rules: dict[str, Any]) -> None:
        self.s = _Strings()
        self.waiver_i: dict[str, int] = {}
        self.waivers: list[dict[str, Any]] = []
        self.text = RowText(rules)
        # (resource fields…, source fields…) -> (resource part, source part)
        self.resources: dict[tuple[Any, ...], tuple[str, str]] = {}
        # (rule, status, severity, controls, measures) -> their part of a row (few: per rule)
        self.rules: dict[tuple[Any, ...], str] = {}
        # (rule, evidence key) -> (the evidence's JSON, the English message it gives a PASS)
        self.items: dict[tuple[Any, ...], tuple[str, str | None]] = {}

    def _item(self, e: dict[str, Any]) -> str:
        s = self.s
        return f"[{s[e['path']]},{_value_json(e['value'])},{s[e['expected']]}]"

    def _evidence(self, evidence: Any) -> str:
        return "[" + ",".join(map(self._item, evidence)) + "]"

    def row(self, r: dict[str, Any]) -> str:
        """One result's JSON (before the ``<script>`` escaping)."""
        s = self.s
        rule_id = r["rule_id"]
        rule = s[rule_id]
        src = r.get("source") or _NO_SOURCE
        rid = r["resource_id"]
        name = r["resource_name"]
        scope = r["scope"]
        region = r.get("region")
        ns = r.get("namespace")
        key = (
            rid,
            name,
            r["resource_type"],
            scope,
            region,
            ns,
            src.get("api"),
            src.get("region"),
            src.get("time"),
            src.get("file"),
            src.get("line"),
        )
        hit = self.resources.get(key)
        if hit is None:
            cut = max(rid.rfind("/"), rid.rfind(":")) + 1
            last = rid[cut:]
            res = (
                f"[{s[rid[:cut]]},{s[last]}],{s[key[2]]},{-2 if name == last else s[name]},"
                f"{s[scope]},{s[region]},{s[ns]}"
            )
            source = None
        else:
            res, source = hit
        status = r["status"]
        rkey = (rule_id, status, r["severity"], tuple(r["controls"]), tuple(r["measures"]))
        ids = self.rules.get(rkey)
        if ids is None:
            ids = (
                f"{_STATUS_I[status]},{_SEV_I[rkey[2]]},{s[','.join(rkey[3])]},"
                f"{s[','.join(rkey[4])]}"
            )
            if len(self.rules) < self.LIMIT:
                self.rules[rkey] = ids
        evidence = r["evidence"]
        ev_key = evidence_key(evidence)
        # a PASS's message is its evidence in words: the page shows the evidence, not the prose
        if ev_key is None:
            if status == "PASS" and self.text.derived(r):
                message = -1
            else:
                message = s[r["message"]]
            ev = self._evidence(evidence)
        else:
            ev_hit = self.items.get((rule_id, ev_key))
            if status == "PASS":
                en = ev_hit[1] if ev_hit is not None else None
                if en is None:
                    en = self.text.en_message(r)
                message = -1 if r["message"] == en else s[r["message"]]
            else:
                en = None
                message = s[r["message"]]
            if ev_hit is None:
                if len(self.items) >= self.LIMIT:
                    self.items.clear()
                ev_hit = self.items[(rule_id, ev_key)] = (self._evidence(evidence), en)
            elif en is not None and ev_hit[1] is None:
                self.items[(rule_id, ev_key)] = (ev_hit[0], en)
            ev = ev_hit[0]
        if source is None:  # the source's strings follow the evidence's in the table
            source = (
                f"[{s[key[6]]},{s[key[7]]},{s[key[8]]},{s[key[9]]},{_COMPACT.encode(key[10] or 0)}]"
            )
            if len(self.resources) < self.LIMIT:  # full: keep what is there (see class doc)
                self.resources[key] = (res, source)
        fid = r["finding_id"]
        return (
            f"[{_encode_text(fid) if type(fid) is str else _COMPACT.encode(fid)},{rule},{res},"
            f"{ids},{message},{ev},{source},{self._waiver(r) if r.get('waiver') else -1},"
            f"{-1 if (change := r.get('change')) is None else _CHANGE_I.get(change, -1)}]"
        )

    def _waiver(self, r: dict[str, Any]) -> int:
        waiver = r.get("waiver")
        if not waiver:
            return -1
        key = json.dumps(waiver, sort_keys=True, default=str)
        if key not in self.waiver_i:
            self.waiver_i[key] = len(self.waivers)
            self.waivers.append(waiver)
        return self.waiver_i[key]


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
    rows = _Rows(document.get("rules", {}))
    head = _text(_head(document, langs))
    write(head[:-1] + ',"r":[')
    buf: list[str] = []
    first = True
    row = rows.row
    for r in document["results"]:
        buf.append(row(r))
        if len(buf) >= batch:
            write(("" if first else ",") + _escape(",".join(buf)))
            first = False
            buf.clear()
    if buf:
        write(("" if first else ",") + _escape(",".join(buf)))
    write('],"waivers":' + _text(rows.waivers) + ',"s":[')
    strings = rows.s.strings
    for start in range(0, len(strings), batch):
        chunk = strings[start : start + batch]
        write(("," if start else "") + _escape(",".join(map(_encode_text, chunk))))
    write("]}")


_ESCAPED = tuple((chr(k), v) for k, v in _ESCAPES.items())


def _escape(text: str) -> str:
    """``text`` with the characters ``_ESCAPES`` names escaped (most batches hold none: a
    substring test per character is far cheaper than translating every character)."""
    for ch, escaped in _ESCAPED:
        if ch in text:
            text = text.replace(ch, escaped)
    return text


def _text(value: Any) -> str:
    return _escape(_COMPACT.encode(value))
