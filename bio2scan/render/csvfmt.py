"""``--format csv``: one row per result, for spreadsheets (``results.csv``).

The columns are stable (``COLUMNS``; new ones are only ever appended) and documented in
``docs/reports.md``. The file is UTF-8 with a byte-order mark (so spreadsheet programs read
Dutch accents right) and CRLF line ends (RFC 4180). The last two columns give the assessed
status of each BIO2 control and government measure the result's rule gives evidence for
(``8.20=partially-evidenced;8.22=non-compliant``); ``--format soa-csv`` has one row per control
and measure instead.

Safe in a spreadsheet of any locale. Excel opens a ``.csv`` with the *locale's* list separator
— ``;`` in a Dutch locale, not our ``,`` — so a name like ``shop;=cmd|' /C calc'!A0`` would be
split there and its second half start a formula. Therefore:

* every field that holds a separator of any locale (``,`` ``;`` tab ``|``), a quote, a line
  break or leading/trailing space is quoted (RFC 4180 quoting, ``"`` doubled);
* wherever a cell could start — at the start of the field and after any of those separators,
  past spaces and an opening quote — a formula trigger (``=`` ``+`` ``-`` ``@``, tab, carriage
  return) gets a ``'`` in front of it, so it stays text however the line is split.

Then one row per group of NOT_APPLICABLE results that ``results.json`` summarises (status
``NOT_APPLICABLE``, the rule, the resource type, the reason in ``message``, up to three example
resource ids in ``resource_id`` and the number of results in ``count``; ``count`` is 1 for every
other row). After them, one row per notice — an object the scan did not check, a file it skipped by
design, a duplicate — with ``status`` ``NOT_CHECKED``, ``SKIPPED`` or ``DUPLICATE``, the object's
kind and name in ``resource_type``/``resource_name``, the reason (and the command to render a
template) in ``message`` and ``file:line`` in ``source``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from .. import rowindex
from ..documents import HashingWriter
from ..rowindex import Made
from ..safetext import _UNSAFE, safe
from . import notices as _notices
from .messages import pick
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
    "count",
)
SEPARATORS = ",;\t|"
# a formula trigger after a separator of any locale, past spaces and an opening quote (where a
# cell could start once a spreadsheet splits the line); the start of the text is checked apart
_AFTER_SEPARATOR = re.compile(r"([,;\t|][ ]*\"?)(?=[=+\-@\t\r])")
_FORMULA_START = frozenset("=+-@\t\r")
_SEPARATOR_TRIGGER = re.compile(r'[,;\t|] *"?[=+\-@\t\r]')  # where _AFTER_SEPARATOR matches


def safe_cell(value: Any) -> str:
    """The text of a cell: control characters as visible escapes (``safetext.safe``: a CSV that
    is printed into a CI log must not clear the screen), and every formula trigger at a possible
    cell start — the start of the text and after any separator, past spaces and an opening
    quote — neutralised with a ``'`` in front of it."""
    text = "" if value is None else str(value)
    # (``safe`` gives back a text without such characters; ASCII text has none when printable)
    if not text.isprintable() if text.isascii() else _UNSAFE.search(text) is not None:
        text = safe(text)
    i, n = 0, len(text)
    while i < n and text[i] == " ":
        i += 1
    if i < n and text[i] == '"':
        i += 1
    if i < n and text[i] in _FORMULA_START:
        text = f"{text[:i]}'{text[i:]}"
    if ("," in text or ";" in text or "|" in text or "\t" in text) and _SEPARATOR_TRIGGER.search(
        text
    ) is not None:  # (quicker tests than the substitution: most texts have no separator)
        text = _AFTER_SEPARATOR.sub(r"\1'", text)
    return text


# a text with none of these, not starting with a formula trigger and without space at either
# end, is its own field: no escape, no quotes, no formula guard (the common case, taken fast)
_SPECIAL = re.compile(r'[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069,;|"]')
_TRIGGERS = frozenset("=+-@")


def cell(value: Any) -> str:
    """``field(safe_cell(value))``, with a fast path for the plain text most cells hold."""
    text = "" if value is None else value if type(value) is str else str(value)
    if (
        text
        and text[0] not in _TRIGGERS
        and not text[0].isspace()
        and not text[-1].isspace()
        and (
            # (for ASCII text the same test as the expression, character searches being quicker)
            '"' not in text
            and "," not in text
            and ";" not in text
            and "|" not in text
            and text.isprintable()
            if text.isascii()
            else _SPECIAL.search(text) is None
        )
    ):
        return text
    return field(safe_cell(text))


def field(text: str) -> str:
    """A CSV field: quoted when it holds a separator of any locale, a quote or a line break, or
    starts or ends with white space."""
    if (
        '"' in text  # (each searched for apart: quicker than one expression for them all)
        or "," in text
        or ";" in text
        or "|" in text
        or "\t" in text
        or "\n" in text
        or "\r" in text
        or (text and (text[0].isspace() or text[-1].isspace()))
    ):
        return '"' + text.replace('"', '""') + '"'
    return text


class _Cells:
    """The cells of one write, memoised where they repeat (a rule's title, a result's status,
    its list of controls, the six cells that describe its resource and the two of its source —
    shared by every result of the resource —, its evidence): the same text always gives the
    same cell, so it is escaped once. Bounded: a memo is emptied when it grows past ``LIMIT``
    entries — except the resource memo, which then keeps what it holds (every rule names the
    resources again, in the same order: emptied each time it filled, it would never be hit once
    an estate has more than ``LIMIT`` resources)."""

    LIMIT = 200_000

    __slots__ = (
        "by_list",
        "by_value",
        "evidence_cells",
        "lang",
        "memo",
        "resource_cells",
        "rule_cells",
        "rules",
        "sources",
        "status_cells",
        "statuses",
        "text",
    )

    def __init__(self, rules: dict[str, Any], lang: str, statuses: dict[str, str]) -> None:
        self.rules = rules
        self.lang = lang
        self.statuses = statuses
        self.text = RowText(rules)
        self.memo: dict[str, str] = {}
        # (rule id, status, severity, controls, measures) -> their cells (``rule``)
        self.rule_cells: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        # a tuple of control (or measure) ids -> (its ids cell, its statuses cell)
        self.status_cells: dict[tuple[str, ...], tuple[str, str]] = {}
        # (resource_type, resource_id, resource_name, scope, region, namespace) -> (id of its
        # source, the source's values, resource cells, source cells); ``sources`` holds the
        # sources, so that an id stays theirs
        self.resource_cells: dict[tuple[Any, ...], tuple[int, tuple[Any, ...], str, str]] = {}
        self.sources: list[Any] = []
        # evidence key -> its cell
        self.evidence_cells: dict[tuple[Any, ...], str] = {}
        # rule -> id(evidence list) -> (its cell, the status and message of the row before
        # with it, that row's message cell): texts only, for the collector not to follow
        self.by_list = ListMemo(self.LIMIT)
        self.by_value = ByValue()  # whether to look evidence up by value too (``evidence_cells``)

    def cell(self, value: Any) -> str:
        """``cell(value)``, memoised for text that repeats."""
        if value is None:
            return ""
        text = value if type(value) is str else str(value)
        memo = self.memo
        hit = memo.get(text)
        if hit is None:
            if len(memo) >= self.LIMIT:
                memo.clear()
            hit = memo[text] = cell(text)
        return hit

    def rule(self, key: tuple[Any, ...]) -> tuple[str, str, str]:
        """(the cells status … rule_title, the cells controls and measures, the cells
        control_statuses and measure_statuses) of ``key``: (rule id, status, severity, controls,
        measures)."""
        hit = self.rule_cells.get(key)
        if hit is None:
            if len(self.rule_cells) >= self.LIMIT:
                self.rule_cells.clear()
            rule_id, status, severity, controls, measures = key
            title = pick(self.rules.get(rule_id, {}).get("title"), self.lang)
            c, c_statuses = self.ids(controls)
            m, m_statuses = self.ids(measures)
            hit = self.rule_cells[key] = (
                f"{cell(status)},{cell(severity)},{cell(rule_id)},{cell(title)}",
                f"{c},{m}",
                f"{c_statuses},{m_statuses}",
            )
        return hit

    def ids(self, ids: Any) -> tuple[str, str]:
        key = tuple(ids)
        hit = self.status_cells.get(key)
        if hit is None:
            if len(self.status_cells) >= self.LIMIT:
                self.status_cells.clear()
            statuses = self.statuses
            hit = self.status_cells[key] = (
                cell(";".join(key)),
                cell(";".join(f"{c}={statuses.get(c, '')}" for c in key)),
            )
        return hit

    def resource(self, key: tuple[Any, ...], src: Any) -> tuple[str, str]:
        """(the cells resource_type … namespace, the cells source and source_time) of ``key``:
        (resource_type, resource_id, resource_name, scope, region, namespace), and ``src``,
        the row's source."""
        vals = source_values(src)
        api, region, time, file, line = vals
        if file:
            source = f"{file}:{line}" if line else file
        else:
            source = " ".join(x for x in (api, region) if x)
        memo = self.cell
        hit = self.resource_cells.get(key)
        resource = (
            hit[2]
            if hit is not None
            else f"{memo(key[0])},{cell(key[1])},{cell(key[2])},{memo(key[3])},{memo(key[4])},"
            f"{memo(key[5])}"
        )
        sources = f"{memo(source)},{memo(time)}"
        if hit is None and len(self.resource_cells) < self.LIMIT:  # full: keep (see above)
            self.resource_cells[key] = (id(src), vals, resource, sources)
            self.sources.append(src)  # (alive while its id is in the memo)
        return resource, sources

    def new_list(
        self,
        lists: dict[int, tuple[str, Any, Any, str]],
        r: dict[str, Any],
        status: Any,
        message: Any,
        evidence: Any,
    ) -> tuple[str, Any, Any, str]:
        """The memo entry of an evidence list not seen with this rule: ``(its cell, the row's
        status, message and message cell)`` (texts only: the collector need not follow it)."""
        e = (
            self.evidence(evidence),
            status,
            message,
            self.message(r, status, message, evidence),
        )
        self.by_list.add(lists, evidence, e)
        return e

    def message(self, r: dict[str, Any], status: Any, message: Any, evidence: Any) -> str:
        """The message cell of a row."""
        if self.lang == "en" or status != "PASS":
            if type(message) is not str:
                message = str(message)  # (as ``row_message``: None is "None")
        else:
            message = self.text.message(r, self.lang, evidence_key(evidence) if evidence else ())
        return self.cell(message)

    def evidence(self, evidence: Any) -> str:
        """The evidence cell."""
        if not evidence:
            return ""
        key = self.by_value.key(evidence)
        if key is None:  # (memoised by its text: the text of container values recurs)
            return self.cell(_evidence(evidence))
        hit = self.evidence_cells.get(key)
        if hit is None:
            if len(self.evidence_cells) >= self.LIMIT:
                self.evidence_cells.clear()
            hit = self.evidence_cells[key] = cell(_evidence(evidence))
        else:
            self.by_value.hits += 1
        return hit


# one encoder for every observed value (``json.dumps`` would build one per call)
_VALUE = json.JSONEncoder(ensure_ascii=False, default=str)
_value = json_encoder(", ", ": ")  # ``_VALUE.encode``, cheaper per call
_text = json.encoder.encode_basestring  # a str as JSON, as ``_VALUE`` writes it


def _evidence(evidence: Any) -> str:
    items = []
    for e in evidence:
        v = e["value"]
        text = _text(v) if type(v) is str else "null" if v is None else _value(v)
        items.append(f"{e['path']}={text} (expected {e['expected']})")
    return "; ".join(items)


_OPTIONAL = {"region": None, "namespace": None, "source": None, "message": ""}  # may lack


def _lines(results: list[dict[str, Any]], cells: _Cells) -> Iterator[str]:
    """The results' lines (CRLF included). The text of a row's shape and of its place
    (``resultrows.RowIndex``) is made once, from the first row with them, and kept while the
    memo has room: then a row is its finding id, those two texts, and its waiver and change.
    Otherwise, through the memos: a resource's cells are found by its six fields, then its
    source by identity (or, a copy, by equality); a rule's as those of the row before with the
    same status when its rule id, severity and lists are equal (rows come sorted by rule), else
    through the memo; the evidence and message cells by the identity of the evidence list (rows
    of a scan share one list for equal evidence; the memo holds the lists, so an id is not
    reused) and the status and message text of the row before with that list."""
    index = rowindex.row_index(results)
    resources = cells.resource_cells
    by_list = cells.by_list
    cell_of = cells.cell
    # shape -> (the cells status … rule_title, those controls … evidence, those
    # control_statuses and measure_statuses); place -> (the cells resource_type … namespace,
    # those source and source_time)
    shaped = Made(rowindex.KEPT_SHAPES)
    placed = Made(rowindex.KEPT_PLACES)
    # status -> (rule id, severity, controls, measures, their cells) of the row before with that
    # status (rows come sorted by rule; PASS and FAIL alternate within one)
    parts: dict[Any, tuple[Any, ...]] = {}
    lists: dict[int, tuple[str, Any, Any, str]] = {}
    lists_rule: Any = NO_SOURCE  # (no rule id is this object)
    for r, shape, place in zip(results, index.shapes, index.places):
        known = shaped.get(shape)
        at = placed.get(place)
        if known is not None and at is not None:
            fid = r["finding_id"]
            plain = len(r) == PLAIN_ROW
        else:
            v, plain = read_row(r, _OPTIONAL)
            (fid, rule_id, _, _, _, _, _, _, src, status, severity, controls, measures, message,
             evidence) = v  # fmt: skip
            rkey = v[2:8]
            hit = resources.get(rkey)
            if hit is not None and (hit[0] == id(src) or hit[1] == source_values(src)):
                at = hit[2], hit[3]  # (the same source, kept alive, or equal values)
            else:
                at = cells.resource(rkey, src)
            p = rule_before(parts, status, rule_id, severity, controls, measures)
            if p is None:
                head, ids, statuses = cells.rule(
                    (rule_id, status, severity, tuple(controls), tuple(measures))
                )
                parts[status] = (rule_id, severity, controls, measures, head, ids, statuses)
            else:
                head, ids, statuses = p[4:]
            if rule_id is not lists_rule:
                lists = by_list.of(rule_id)
                lists_rule = rule_id
            e = lists.get(id(evidence))
            if e is None:
                e = cells.new_list(lists, r, status, message, evidence)
            elif (status is not e[1] and status != e[1]) or (
                message is not e[2] and message != e[2]
            ):
                e = (e[0], status, message, cells.message(r, status, message, evidence))
                lists[id(evidence)] = e
            known = (head, f"{ids},{e[3]},{e[0]}", statuses)
            shaped.keep(shape, known)
            placed.keep(place, at)
        if plain:
            change = ""
            waiver = ","
        else:
            w = r.get("waiver")
            waiver = f"{cell_of(w.get('id'))},{cell_of(w.get('expires'))}" if w else ","
            c = r.get("change")
            change = "" if c is None else cell_of(c)
        yield (
            f"{fid if type(fid) is str and fid.isalnum() else cell(fid)},{known[0]},{at[0]},"
            f"{known[1]},{at[1]},{change},{waiver},{known[2]},1\r\n"
        )


def _na_row(g: dict[str, Any], rules: dict[str, Any], lang: str) -> list[str]:
    values = dict.fromkeys(COLUMNS, "")
    rule = rules.get(g["rule_id"], {})
    values.update(
        status="NOT_APPLICABLE",
        severity=rule.get("severity", ""),
        rule_id=g["rule_id"],
        rule_title=pick(rule.get("title"), lang),
        resource_type=g["resource_type"],
        resource_id=";".join(g.get("examples", ())),
        controls=";".join(rule.get("controls", ())),
        measures=";".join(rule.get("measures", ())),
        message=g["reason"],
        count=g["count"],
    )
    return [safe_cell(values[c]) for c in COLUMNS]


class CsvRenderer:
    name = "csv"
    extension = "csv"
    filename = "results.csv"
    description = "one row per result, stable columns, for spreadsheets"

    def write(self, document: dict[str, Any], lang: str, fh: BinaryIO) -> str:
        """Stream the rows into ``fh`` (a batch at a time); return the SHA-256."""
        out = HashingWriter(fh)
        out.write("\ufeff" + ",".join(COLUMNS) + "\r\n")
        rules = document.get("rules", {})
        # the assessed status of each control and measure a result gives evidence for
        statuses = {c["id"]: c["status"] for c in document["controls"]}
        statuses.update({m["id"]: m["status"] for m in document.get("measures", ())})
        cells = _Cells(rules, lang, statuses)
        buf: list[str] = []
        for line in _lines(document["results"], cells):
            buf.append(line)
            if len(buf) >= 2000:
                out.write("".join(buf))
                buf.clear()
        for g in (document.get("not_applicable") or {}).get("groups") or ():
            buf.append(",".join(field(c) for c in _na_row(g, rules, lang)) + "\r\n")
        for n in _notices.notices(document):
            buf.append(",".join(field(c) for c in _notice_row(n)) + "\r\n")
        out.write("".join(buf))
        return out.hexdigest()

    def render(self, document: dict[str, Any], lang: str) -> str:
        buf = io.BytesIO()
        self.write(document, lang, buf)
        return buf.getvalue().decode("utf-8")


def _notice_row(n: dict[str, Any]) -> list[str]:
    values = dict.fromkeys(COLUMNS, "")
    values.update(
        status=_notices.CSV_STATUS.get(n["code"], n["code"].upper()),
        resource_type=n.get("kind") or "",
        resource_name=n.get("name") or "",
        message=n["reason"] + (f"; {n['hint']}" if n.get("hint") else ""),
        source=_notices.where(n),
    )
    return [safe_cell(values[c]) for c in COLUMNS]
