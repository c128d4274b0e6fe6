"""The results of a results document as ``results.json`` stores them (schema version 3): a
compact table, written row by row and read back into the rows every renderer reads.

In memory (``document["results"]``) a result is a row: a dict with ``finding_id``, ``rule_id``,
``resource_id`` … ``message``, ``evidence``, ``source`` (``schemas/results.schema.json``,
``$defs/row``). On disk the same rows are one object (``ENCODING``)::

    {"encoding": "bio2scan-rows/1",
     "rows": [[resource, rule, status, evidence, message, waiver, change, extra], …],
     "rules": [rule id, …], "resources": [[type, id, name, scope, region, namespace,
     [api, region, time, file, line]], …], "waivers": [{…}, …], "strings": [text, …]}

* strings (ids, names, paths, ``expected`` texts, messages) are indexes into ``strings``, ``-1``
  for none; ``resource`` indexes ``resources``, ``rule`` indexes ``rules``, ``status``
  indexes ``STATUSES``, ``waiver`` indexes ``waivers``, ``change`` indexes ``CHANGES``;
* ``evidence`` is ``[[path, expected, value], …]``: a text value as a string index (texts such
  as ``team-0`` recur across thousands of rows), any other as ``-1`` followed by the value as
  JSON, whole (``[path, expected, -1, value]``);
* ``message`` is ``-1`` when it is what the rule's message templates give for the evidence
  (every PASS, most FAILs): it is rendered again when the document is read
  (``evidence_message``), so the prose is stored once per rule, not once per result;
* ``extra`` (rare) holds ``severity``/``controls``/``measures`` where a row differs from its
  rule; trailing defaults (``-1``, ``{}``) are left out;
* ``finding_id`` is not stored: it is ``model.finding_id(rule, scope, resource id)``.

Rows are written first and the tables after them, so the writer holds only the tables (one entry
per resource and per distinct string), never the rows: its memory does not grow with the number
of results.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from . import rowindex
from .model import finding_id
from .rowindex import ROW_FIELDS, Made, RowIndex

ENCODING = "bio2scan-rows/1"
STATUSES = ("PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "WAIVED")
CHANGES = ("new", "unchanged", "resolved")


class RowFacts(NamedTuple):
    """What the reports read of every row besides the row itself, gathered where the rows are
    made (``assess.listing``), so that no report walks all the rows again for it."""

    findings: list[dict[str, Any]]  # the FAIL, ERROR and WAIVED rows, in the rows' order
    waivers: list[Mapping[str, Any]]  # every row's waiver, in the rows' order
    scopes: set[Any]  # the rows' scopes
    per_rule: dict[str, dict[str, int]]  # rule id -> status -> rows (none: not there)


class Rows(list[dict[str, Any]]):
    """A document's rows as the assessment made them, with their ``facts`` (``RowFacts``) and
    which of them are alike (``alike``: their ``RowIndex``). Rows are never changed once made;
    a list made or read otherwise (a document read from a file, a merge) is a plain list: the
    reports gather the facts themselves and write each row on its own."""

    __slots__ = ("alike", "facts")

    def __init__(self, rows: Iterable[dict[str, Any]], facts: RowFacts, alike: RowIndex) -> None:
        super().__init__(rows)
        self.facts = facts
        self.alike = alike


def row_facts(rows: list[dict[str, Any]]) -> RowFacts:
    """The facts of ``rows``: those the assessment gathered as it made them (``Rows``), else
    gathered here in one pass (rows read from a file, merged)."""
    if type(rows) is Rows:
        return rows.facts
    findings: list[dict[str, Any]] = []
    waivers: list[Mapping[str, Any]] = []
    scopes: set[Any] = set()
    per_rule: dict[str, dict[str, int]] = {}
    for r in rows:
        status = r["status"]
        counts = per_rule.setdefault(r["rule_id"], {})
        counts[status] = counts.get(status, 0) + 1
        scopes.add(r["scope"])
        if status == "FAIL" or status == "ERROR" or status == "WAIVED":
            findings.append(r)
        if w := r.get("waiver"):
            waivers.append(w)
    return RowFacts(findings, waivers, scopes, per_rule)


def findings_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows that hold every FAIL, ERROR and WAIVED row of ``rows``, in order: just those when
    the assessment picked them out (``Rows``), else all of them (the caller still looks at each
    row's status)."""
    return rows.facts.findings if type(rows) is Rows else rows


# the engine's message for a PASS or FAIL, per language; ``value`` is the observed value in
# Python notation ('text', True, None, [1, 2]) as the engine writes it
MESSAGE_TEMPLATES: dict[str, dict[str, str]] = {
    "evidence": {
        "en": "{path} = {value} (expected {expected})",
        "nl": "{path} = {value} (verwacht {expected})",
    },
    "more": {"en": " and {n} more", "nl": " en nog {n}"},
    "none": {"en": "no values to check", "nl": "geen waarden te controleren"},
}
SHOWN = 3  # evidence items a message names


def _text(templates: Mapping[str, Any], key: str, lang: str) -> str:
    t = templates.get(key) or MESSAGE_TEMPLATES[key]
    return str(t.get(lang) or t.get("en") or MESSAGE_TEMPLATES[key]["en"])


def evidence_message(
    status: str,
    evidence: Sequence[Mapping[str, Any]],
    lang: str = "en",
    templates: Mapping[str, Any] | None = None,
) -> str:
    """The message of a PASS or FAIL from its evidence and the rule's ``messages`` templates
    (``MESSAGE_TEMPLATES`` when the rule has none): in English exactly what the engine wrote."""
    t = templates or MESSAGE_TEMPLATES
    if not evidence:
        return _text(t, "none", lang) if status == "PASS" else status
    item = _text(t, "evidence", lang)
    shown = "; ".join(
        item.replace("{path}", str(e["path"]))
        .replace("{value}", repr(e["value"]))
        .replace("{expected}", str(e["expected"]))
        for e in evidence[:SHOWN]
    )
    if len(evidence) > SHOWN:
        shown += _text(t, "more", lang).replace("{n}", str(len(evidence) - SHOWN))
    return shown


def _plain(v: Any) -> bool:
    """A value whose Python notation survives a trip through JSON (no tuples, no sets …)."""
    t = type(v)
    if t in (str, int, float, bool) or v is None:
        return True
    if t is list:
        return all(_plain(x) for x in v)
    if t is dict:
        return all(type(k) is str and _plain(x) for k, x in v.items())
    return False


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _default_message(status: str, evidence: Sequence[Mapping[str, Any]]) -> str | None:
    """``evidence_message`` in English with the default templates, without rendering them:
    None where the two could differ (a value that is not a scalar, or a "{" in a shown path
    or value, which a later placeholder of the template could meet)."""
    if not evidence:
        return "no values to check" if status == "PASS" else status
    shown = []
    for i, e in enumerate(evidence):
        value = e["value"]
        if type(value) not in _SCALARS:
            return None
        if i < SHOWN:
            path, text, expected = e["path"], repr(value), e["expected"]
            if type(path) is not str or type(expected) is not str or "{" in path + text:
                return None
            shown.append(f"{path} = {text} (expected {expected})")
    more = len(evidence) - SHOWN
    return "; ".join(shown) + (f" and {more} more" if more > 0 else "")


def derived(row: Mapping[str, Any], templates: Mapping[str, Any] | None = None) -> bool:
    """True when the row's message is what its evidence and templates give (then it is not
    stored, and is rendered again on reading — byte for byte)."""
    status = row["status"]
    if status != "PASS" and status != "FAIL":
        return False
    ev = row["evidence"]
    if templates is None or templates is MESSAGE_TEMPLATES:
        text = _default_message(status, ev)
        if text is not None:
            return bool(row["message"] == text)
    if not all(_plain(e["value"]) for e in ev):
        return False
    return bool(row["message"] == evidence_message(status, ev, "en", templates))


def row_message(row: Mapping[str, Any], rules: Mapping[str, Any], lang: str) -> str:
    """The message a report shows: a PASS's in the report's language (from its rule's
    templates), every other row's as the engine wrote it."""
    if lang == "en" or row.get("status") != "PASS":
        return str(row.get("message", ""))
    templates = (rules.get(row["rule_id"]) or {}).get("messages")
    if not derived(row, templates):
        return str(row.get("message", ""))
    return evidence_message("PASS", row["evidence"], lang, templates)


class _Interner(dict[Any, int]):
    """``interner[text]``: the index of ``text`` in ``strings``, added when new; ``-1`` for
    None. Only ``str`` keys are stored: any other value is looked up as ``str(value)``. A
    known text is a plain dict lookup (no call into Python)."""

    __slots__ = ("strings",)

    def __init__(self) -> None:
        super().__init__({None: -1})
        self.strings: list[str] = []

    def __missing__(self, s: Any) -> int:
        if type(s) is not str:
            return self[str(s)]
        i = self[s] = len(self.strings)
        self.strings.append(s)
        return i

    def add(self, s: Any) -> int:
        """``interner[s]`` for any value, also one that cannot be a key (a list)."""
        return self[s if s is None or type(s) is str else str(s)]


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def _dumps(value: Any) -> str:
    return _encode(value)


def compact_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)`` for a
    list or dict, without its per-call cost (a new C encoder and closures each time): one C
    encoder, made once. Its circular-reference markers are emptied after a failed call, so an
    error leaves nothing behind."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C encoder
        return _encode
    markers: dict[int, Any] = {}
    c = make(markers, str, json.encoder.encode_basestring, None, ":", ",", False, False, True)

    def encode(value: Any) -> str:
        try:
            return "".join(c(value, 0))
        except BaseException:
            markers.clear()
            raise

    return encode


_fast = compact_encoder()


def write_rows(
    write: Callable[[str], Any],
    rows: Sequence[Mapping[str, Any]],
    rules: Mapping[str, Mapping[str, Any]],
    batch: int = 100,
) -> None:
    """Write the results section (``{"encoding": …}``) of ``rows`` with ``write``, row by row
    (``batch`` rows per call).

    A row's JSON text is put together here (its numbers are indexes); the parts that rows share
    are encoded once: an ``evidence`` list (the document gives equal evidence one list, 7 of 8
    rows at 10,000 objects) is encoded, and its message judged (``derived``), once per list and
    status, in a bounded memo (``_MEMO`` lists, emptied when full or when the rule changes: its
    memory does not grow with the document). The text is what ``json`` gives for the row's list
    (``tests/render/test_fastpaths.py`` holds the two against each other on arbitrary rows)."""
    s = _Interner()
    add = s.add
    status_i = {k: i for i, k in enumerate(STATUSES)}
    change_i = {k: i for i, k in enumerate(CHANGES)}
    rule_i: dict[str, int] = {}
    per_rule: dict[str, tuple[Any, ...]] = {}  # rule id → (index, templates, its defaults)
    res_i: dict[tuple[Any, ...], int] = {}
    # id of a row's source → [the source, its values, the resource last met with it]
    sources: dict[int, list[Any]] = {}
    resources: list[list[Any]] = []
    waiver_i: dict[str, int] = {}
    waivers: list[Any] = []
    # id of an evidence list → [the list (alive while its id is a key), its text, the status,
    # message and rule it was last judged for, whether that message was derived, and the text
    # of a row with them that follows its resource]
    memo: dict[int, list[Any]] = {}
    last_rule: Any = None
    # shape -> a plain row's text after its resource's index; place -> "[resource index,"
    # (``RowIndex``: a row without a waiver or a change whose shape and place were met is put
    # together from them; their strings are in the table already)
    shaped = Made(rowindex.KEPT_SHAPES)
    placed = Made(rowindex.KEPT_PLACES)
    alike = rowindex.row_index(rows)
    write('{"encoding":"' + ENCODING + '","rows":[')
    buf: list[str] = []
    first = True
    for r, shape, place in zip(rows, alike.shapes, alike.places):
        if (
            len(r) == _PLAIN_ROW
            and (tail := shaped.get(shape)) is not None
            and (start := placed.get(place)) is not None
        ):
            buf.append(start + tail)
        else:
            try:  # a document's row has every field: one call reads them
                fields = _FIELDS(r)
            except KeyError:
                fields = _fields(r)
            (rid, rtype, res_id, name, scope, region, ns, src, status, severity, controls,
             measures, message, evidence) = fields  # fmt: skip
            known = per_rule.get(rid)
            if known is None:
                rule = rules.get(rid) or {}
                templates = rule.get("messages")
                if templates == MESSAGE_TEMPLATES:
                    templates = MESSAGE_TEMPLATES  # the defaults: derived's fast path
                known = per_rule[rid] = (
                    len(rule_i),
                    templates,
                    rule.get("severity"),
                    rule.get("controls", []),
                    rule.get("measures", []),
                )
                rule_i[rid] = known[0]
            if known is not last_rule:
                last_rule = known
                if len(memo) > _MEMO // 8:  # evidence is rarely shared between rules
                    memo.clear()
            src = src or _NO_SOURCE
            at = sources.get(id(src))
            if at is None:
                at = sources[id(src)] = [
                    src,  # alive while its id is a key
                    (
                        src.get("api"),
                        src.get("region"),
                        src.get("time"),
                        src.get("file"),
                        src.get("line"),
                    ),
                    None,
                ]
            # the resource: rows share a resource's values (the very objects), so the one met last
            # with this source is checked by identity before the table is asked
            last = at[2]
            if (
                last is not None
                and last[1] is res_id
                and last[0] is rtype
                and last[2] is name
                and last[3] is scope
                and last[4] is region
                and last[5] is ns
            ):
                xi, start = last[6], last[7]
            else:
                sv = at[1]
                key = (rtype, res_id, name, scope, region, ns, *sv)
                xi = res_i.get(key, -1)
                if xi < 0:
                    xi = res_i[key] = len(resources)
                    resources.append(
                        [
                            s[rtype],
                            s[res_id],
                            s[name],
                            s[scope],
                            s[region],
                            s[ns],
                            [s[sv[0]], s[sv[1]], s[sv[2]], s[sv[3]], sv[4]],
                        ]
                    )
                start = f"[{xi},"
                at[2] = (rtype, res_id, name, scope, region, ns, xi, start)
            m = memo.get(id(evidence))
            if m is None:
                if len(memo) >= _MEMO:
                    memo.clear()
                text = _fast(
                    [
                        [add(e["path"]), add(e["expected"]), s[v]]
                        if type(v := e["value"]) is str
                        else [add(e["path"]), add(e["expected"]), -1, v]
                        for e in evidence
                    ]
                )
                m = memo[id(evidence)] = [evidence, text, None, None, None, None, ""]
            if m[2] != status or m[4] is not known or m[3] != message:
                m[2], m[3], m[4], m[5] = status, message, known, derived(r, known[1])
                m[6] = f"{known[0]},{status_i[status]},{m[1]}"  # the row after its resource
            head = start + m[6]
            msg = -1 if m[5] else add(message)
            w = -1
            if r.get("waiver"):
                wkey = _dumps(r["waiver"])
                w = waiver_i.get(wkey, -1)
                if w < 0:
                    w = waiver_i[wkey] = len(waivers)
                    waivers.append(r["waiver"])
            change = r.get("change")
            change = -1 if change is None else change_i.get(change or "", -1)
            if (
                (severity is _ABSENT or severity == known[2])
                and (controls is _ABSENT or controls == known[3])
                and (measures is _ABSENT or measures == known[4])
            ):
                extra = ""
            else:
                rule = rules.get(rid) or {}
                extras = {
                    k: r[k]
                    for k in ("severity", "controls", "measures")
                    if k in r and r[k] != rule.get(k, [] if k != "severity" else None)
                }
                extra = _fast(extras) if extras else ""
            if extra:
                text = f"{head},{msg},{w},{change},{extra}]"
            elif change != -1:
                text = f"{head},{msg},{w},{change}]"
            elif w != -1:
                text = f"{head},{msg},{w}]"
            elif msg != -1:
                text = f"{head},{msg}]"
            else:
                text = head + "]"
            buf.append(text)
            if w == -1 and change == -1:  # (a row's own waiver and change: not its shape's)
                shaped.keep(shape, text[len(start) :])
                placed.keep(place, start)
        if len(buf) >= batch:
            write(("" if first else ",") + ",".join(buf))
            first = False
            buf.clear()
    if buf:
        write(("" if first else ",") + ",".join(buf))
    write('],"rules":' + _dumps(list(rule_i)))
    write(',"resources":')
    _write_list(write, resources, batch)
    write(',"waivers":' + _dumps(waivers) + ',"strings":')
    _write_list(write, s.strings, batch)
    write("}")


_MEMO = 1 << 13  # evidence lists write_rows remembers at most
_NAMES = ROW_FIELDS[1:]  # (not the finding id: it is derived)
_FIELDS = operator.itemgetter(*_NAMES)
_PLAIN_ROW = len(ROW_FIELDS)  # the fields of a row without a waiver and a change
_ABSENT = object()  # a field the row does not have: its rule's
_NO_SOURCE: dict[str, Any] = {}  # the source of every row without one


def _fields(r: Mapping[str, Any]) -> tuple[Any, ...]:
    """``_FIELDS(r)`` for a row without some fields: the ones that may be absent get their
    defaults (None, ``""`` for the message, ``_ABSENT`` for what the rule gives)."""
    required = (r["rule_id"], r["resource_type"], r["resource_id"], r["resource_name"])
    return (
        *required,
        r["scope"],
        r.get("region"),
        r.get("namespace"),
        r.get("source"),
        r["status"],
        r.get("severity", _ABSENT),
        r.get("controls", _ABSENT),
        r.get("measures", _ABSENT),
        r.get("message", ""),
        r["evidence"],
    )


def _write_list(write: Callable[[str], Any], items: list[Any], batch: int) -> None:
    write("[")
    for start in range(0, len(items), batch):
        write(("," if start else "") + _encode(items[start : start + batch])[1:-1])
    write("]")


def is_encoded(results: Any) -> bool:
    return isinstance(results, dict) and results.get("encoding") == ENCODING


def read_rows(
    section: Mapping[str, Any], rules: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The rows of a stored results section (``write_rows``), as ``document["results"]``.
    Raises ``ValueError`` naming the first index that points nowhere."""
    strings: list[str] = section["strings"]
    rule_ids: list[str] = section["rules"]
    waivers: list[Any] = section.get("waivers") or []

    def s(i: Any) -> Any:
        if i == -1:
            return None
        if type(i) is not int or not 0 <= i < len(strings):
            raise ValueError(f"string index {i!r} out of range")
        return strings[i]

    resources = []
    for x in section["resources"]:
        src = x[6]
        source = {
            k: v
            for k, v in zip(("api", "region", "time", "file"), (s(i) for i in src[:4]))
            if v is not None
        }
        if src[4] is not None:
            source["line"] = src[4]
        resources.append((s(x[0]), s(x[1]), s(x[2]), s(x[3]), s(x[4]), s(x[5]), source))
    out = []
    for n, row in enumerate(section["rows"]):
        try:
            rtype, res_id, name, scope, region, ns, source = resources[row[0]]
            rid = rule_ids[row[1]]
            status = STATUSES[row[2]]
        except (IndexError, TypeError):
            raise ValueError(f"rows[{n}] points to no resource, rule or status") from None
        rule = rules.get(rid) or {}
        extra = row[7] if len(row) > 7 else {}
        evidence = [
            {"path": s(e[0]), "value": s(e[2]) if len(e) == 3 else e[3], "expected": s(e[1])}
            for e in row[3]
        ]
        d: dict[str, Any] = {
            "finding_id": finding_id(rid, scope, res_id),
            "rule_id": rid,
            "resource_id": res_id,
            "resource_type": rtype,
            "resource_name": name,
            "scope": scope,
            "region": region,
            "namespace": ns,
            "status": status,
            "severity": extra.get("severity", rule.get("severity")),
            "controls": list(extra.get("controls", rule.get("controls", []))),
            "measures": list(extra.get("measures", rule.get("measures", []))),
            "message": "",
            "evidence": evidence,
            "source": dict(source),
        }
        msg = row[4] if len(row) > 4 else -1
        d["message"] = (
            evidence_message(status, evidence, "en", rule.get("messages")) if msg == -1 else s(msg)
        )
        w = row[5] if len(row) > 5 else -1
        if w != -1:
            if type(w) is not int or not 0 <= w < len(waivers):
                raise ValueError(f"rows[{n}]: waiver index {w!r} out of range")
            d["waiver"] = waivers[w]
        c = row[6] if len(row) > 6 else -1
        if c != -1:
            if type(c) is not int or not 0 <= c < len(CHANGES):
                raise ValueError(f"rows[{n}]: change index {c!r} out of range")
            d["change"] = CHANGES[c]
        out.append(d)
    return out
