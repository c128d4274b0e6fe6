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
from collections.abc import Callable, Iterator
from typing import Any

from .. import rowindex
from ..rowindex import Made
from .messages import messages, pick
from .rowtext import (
    NO_SOURCE,
    PLAIN_ROW,
    ByValue,
    ListMemo,
    RowText,
    evidence_key,
    json_encoder,
    read_row,
    rule_before,
    source_values,
)
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
_compact = json_encoder(",", ":")  # ``_COMPACT.encode``, ``_MEASURE.encode``: cheaper per call
_measure = json_encoder(", ", ": ")


_SHORT = (VALUE_LIMIT - 2) // 6  # a text this long is short enough even if all of it is escaped


def _value_json(value: Any) -> str:
    """``shown_value(value)`` as compact JSON."""
    if type(value) is str and len(value) <= _SHORT:
        return _encode_text(value)  # short enough even if every character were escaped
    if isinstance(value, (bool, int, float)) or value is None:
        return _compact(value)
    text = _measure(value)
    if len(text) <= VALUE_LIMIT:
        return _compact(value)
    return _encode_text(
        f"{text[:VALUE_LIMIT]} … [{len(text) - VALUE_LIMIT} more characters; see results.json]"
    )


_OPTIONAL = {"region": None, "namespace": None, "source": None}  # a row may lack these


class _Rows:
    """The rows of one island as JSON text, a row at a time. What recurs is encoded once:
    the parts of a row that describe its resource and source (shared by every result of the
    resource), its rule's part, and each evidence list with what it says of a PASS's message.
    Strings enter the table in the order the row names them, as if each row were built afresh
    (a part is only taken from a memo when its strings are in the table already), so the
    island does not depend on what was cached.

    The memos are found by the parts a row shares with others: a resource by its six fields,
    then its source dict by identity (or, a copy, by equality); the rule part as that of the
    row before with the same status when its rule id, severity and lists are equal (rows come
    sorted by rule), else through the memo; evidence by the identity of its list (rows of a
    scan share one list for equal evidence; the memo holds the lists, so an id is not reused),
    else by its values (``evidence_key``: a document read back from JSON shares nothing). A
    row whose shape and place (``rowindex.RowIndex``) were met is put together from their
    parts without the memos.

    Memory is bounded: each memo holds at most ``LIMIT`` entries. A full evidence memo is
    emptied (results come sorted by rule, and evidence recurs within a rule); a full resource
    memo keeps what it holds (every rule names the resources again, in the same order: emptied
    each time it filled, it would never be hit once an estate has more than ``LIMIT``)."""

    LIMIT = 200_000

    __slots__ = (
        "by_list",
        "by_value",
        "items",
        "resources",
        "rules",
        "s",
        "sources",
        "text",
        "waiver_i",
        "waivers",
    )

    def __init__(self, rules: dict[str, Any]) -> None:
        self.s = _Strings()
        self.waiver_i: dict[str, int] = {}
        self.waivers: list[dict[str, Any]] = []
        self.text = RowText(rules)
        # (resource type, id, name, scope, region, namespace) -> (id of its source, the
        # source's values, resource part, source part); ``sources`` holds the sources, so
        # that an id stays theirs (values and texts only in the memo: the collector need not
        # follow it)
        self.resources: dict[tuple[Any, ...], tuple[int, tuple[Any, ...], str, str]] = {}
        self.sources: list[Any] = []
        # (rule, status, severity, controls, measures) -> their part of a row (few: per rule)
        self.rules: dict[tuple[Any, ...], str] = {}
        # (rule, evidence key) -> (the evidence's JSON, the English message it gives a PASS)
        self.items: dict[tuple[Any, ...], tuple[str, str | None]] = {}
        # rule -> id(evidence list) -> (its JSON, a PASS message, whether that message is
        # what the evidence gives (then the page shows the evidence))
        self.by_list = ListMemo(self.LIMIT)
        self.by_value = ByValue()  # whether to look evidence up by value too (``items``)

    def _evidence(self, evidence: Any) -> str:
        """``[[path, value, expected], …]``: the texts as indexes (path, then expected, item by
        item), the value as JSON (``shown_value``)."""
        s = self.s
        items = []
        for e in evidence:
            v = e["value"]
            text = (
                _encode_text(v)
                if type(v) is str and len(v) <= _SHORT
                else "null"
                if v is None
                else _value_json(v)
            )
            items.append(f"[{s[e['path']]},{text},{s[e['expected']]}]")
        return "[" + ",".join(items) + "]"

    def rows(self, results: list[dict[str, Any]]) -> Iterator[str]:
        """The results' JSON, one row at a time (before the ``<script>`` escaping): the memos'
        hits inline, their misses through the methods below."""
        s = self.s
        resources = self.resources
        by_list = self.by_list
        index = rowindex.row_index(results)
        # shape -> (its rule's index, its part after the resource's: "ids,message,evidence");
        # place -> (its resource's part, its source's) (``resultrows.RowIndex``): a row whose
        # shape and place were met is put together from them (their strings are in the table)
        shaped = Made(rowindex.KEPT_SHAPES)
        placed = Made(rowindex.KEPT_PLACES)
        # status -> (rule id, severity, controls, measures, their part) of the row before with
        # that status (rows come sorted by rule; PASS and FAIL alternate within one)
        parts: dict[Any, tuple[Any, ...]] = {}
        lists: dict[int, tuple[str, Any, bool]] = {}
        lists_rule: Any = NO_SOURCE  # (no rule id is this object)
        for r, shape, place in zip(results, index.shapes, index.places):
            known = shaped.get(shape)
            at = placed.get(place)
            if known is not None and at is not None:
                fid = r["finding_id"]
                plain = len(r) == PLAIN_ROW
            else:
                v, plain = read_row(r, _OPTIONAL)
                (fid, rule_id, rtype, rid, name, scope, region, ns, src, status, severity, controls,
                 measures, message, evidence) = v  # fmt: skip
                rule = s[rule_id]
                rkey = v[2:8]
                hit = resources.get(rkey)
                if hit is None:
                    cut = max(rid.rfind("/"), rid.rfind(":")) + 1
                    last_seg = rid[cut:]
                    res = (
                        f"[{s[rid[:cut]]},{s[last_seg]}],{s[rtype]},"
                        f"{-2 if name == last_seg else s[name]},{s[scope]},{s[region]},{s[ns]}"
                    )
                    source = None
                else:
                    res = hit[2]
                    source = (
                        hit[3] if hit[0] == id(src) or hit[1] == source_values(src) else None
                    )  # (the same source, kept alive in ``sources``, or a source of equal values)
                p = rule_before(parts, status, rule_id, severity, controls, measures)
                if p is None:
                    ids = self._ids(rule_id, status, severity, controls, measures)
                    parts[status] = (rule_id, severity, controls, measures, ids)
                else:
                    ids = p[4]
                if rule_id is not lists_rule:
                    lists = by_list.of(rule_id)
                    lists_rule = rule_id
                e = lists.get(id(evidence))
                if e is None:
                    # the message's string before the evidence's (as the row names them)
                    e, msg = self._new_list(r, rule_id, status, message, evidence)
                    by_list.add(lists, evidence, e)
                elif status == "PASS":
                    if message is not e[1] and message != e[1]:
                        e = (e[0], message, self._derived(r, rule_id, evidence))
                        lists[id(evidence)] = e
                    msg = -1 if e[2] else s[message]
                else:
                    msg = s[message]
                if source is None:  # the source's strings follow the evidence's in the table
                    source = self._source(rkey, res, src)
                known = (rule, f"{ids},{msg},{e[0]}")
                at = (res, source)
                shaped.keep(shape, known)
                placed.keep(place, at)
            yield (
                f"[{_encode_text(fid) if type(fid) is str else _compact(fid)},{known[0]},"
                f"{at[0]},{known[1]},{at[1]},"
                + (
                    "-1,-1]"
                    if plain
                    else f"{self._waiver(r) if r.get('waiver') else -1},"
                    f"{-1 if (change := r.get('change')) is None else _CHANGE_I.get(change, -1)}]"
                )
            )

    def _ids(self, rule_id: Any, status: Any, severity: Any, controls: Any, measures: Any) -> str:
        rkey = (rule_id, status, severity, tuple(controls), tuple(measures))
        ids = self.rules.get(rkey)
        if ids is None:
            s = self.s
            ids = (
                f"{_STATUS_I[status]},{_SEV_I[severity]},{s[','.join(rkey[3])]},"
                f"{s[','.join(rkey[4])]}"
            )
            if len(self.rules) < self.LIMIT:
                self.rules[rkey] = ids
        return ids

    def _source(self, rkey: tuple[Any, ...], res: str, source: Any) -> str:
        vals = source_values(source)
        s = self.s
        part = f"[{s[vals[0]]},{s[vals[1]]},{s[vals[2]]},{s[vals[3]]},{_compact(vals[4] or 0)}]"
        if rkey not in self.resources and len(self.resources) < self.LIMIT:  # (see class doc)
            self.resources[rkey] = (id(source), vals, res, part)
            self.sources.append(source)  # (alive while its id is in the memo)
        return part

    def _derived(self, r: dict[str, Any], rule_id: Any, evidence: Any) -> bool:
        """Whether a PASS row's message is what its evidence gives (the page then shows the
        evidence, not the prose)."""
        ev_key = evidence_key(evidence) if self.by_value.on else None
        if ev_key is None:
            return self.text.derived(r)
        hit = self.items.get((rule_id, ev_key))
        en = hit[1] if hit is not None else None
        if en is None:
            en = self.text.en_message(r)
            if hit is not None:
                self.items[(rule_id, ev_key)] = (hit[0], en)
        return bool(r["message"] == en)

    def _new_list(
        self, r: dict[str, Any], rule_id: Any, status: Any, message: Any, evidence: Any
    ) -> tuple[tuple[str, Any, bool], int]:
        """The memo entry of an evidence list not seen with this rule, ``(JSON, PASS message,
        derived)`` (texts only: the collector need not follow it), and this row's message
        index."""
        s = self.s
        ev_key = self.by_value.key(evidence)
        en: str | None = None
        derived = False
        if ev_key is None:  # (for evidence with a key, the same as ``message == en_message``)
            if status == "PASS":
                derived = self.text.derived(r)
            msg = -1 if derived else s[message]
            passed = message if status == "PASS" else None
            return (self._evidence(evidence), passed, derived), msg
        ev_hit = self.items.get((rule_id, ev_key))
        if ev_hit is not None:
            self.by_value.hits += 1
        if status == "PASS":
            en = ev_hit[1] if ev_hit is not None else None
            if en is None:
                en = self.text.en_message(r)
            derived = bool(message == en)
        msg = -1 if derived else s[message]
        if ev_hit is None:
            if len(self.items) >= self.LIMIT:
                self.items.clear()
            ev_hit = self.items[(rule_id, ev_key)] = (self._evidence(evidence), en)
        elif en is not None and ev_hit[1] is None:
            self.items[(rule_id, ev_key)] = (ev_hit[0], en)
        return (ev_hit[0], message if status == "PASS" else None, derived), msg

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
    texts = {lang: messages(lang) for lang in langs}  # (each holds its catalogue: made once)
    i18n = {lang: {k: m(k) for k in SCRIPT_KEYS} for lang, m in texts.items()}
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
    for row in rows.rows(document["results"]):
        buf.append(row)
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
