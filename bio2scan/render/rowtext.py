"""What the report writers derive from a result row, memoised for one write.

A 100k-result report asks the same questions of many rows: is this PASS's message what its
evidence gives (``resultrows.derived``, which renders the message again to compare), and what is
that message in Dutch (``resultrows.row_message``)? Rows of one rule with the same evidence give
the same answer, and evidence recurs (``metadata.annotations = '0 annotations'`` on thousands
of objects), so the answers are kept per (rule, evidence) — for evidence whose values are
plain scalars (text, whole numbers, booleans, null: their Python notation is a function of
their value and type), with the other rows answered by ``resultrows`` directly. The memo is
emptied when it grows past ``LIMIT`` entries, so memory stays bounded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any

from ..resultrows import derived, evidence_message, row_message
from ..rowindex import ROW_FIELDS

# value types whose ``repr`` (what a message shows) follows from (type, value): not float
# (-0.0 == 0.0 but their notations differ), not containers (unhashable)
_SCALARS = frozenset((str, int, bool, type(None)))


def evidence_key(evidence: Any) -> tuple[Any, ...] | None:
    """A hashable key that equal evidence shares, or ``None`` for evidence that cannot have one
    (a container or float value, a path or expectation that is not text)."""
    key: list[Any] = []
    for e in evidence:
        v = e["value"]
        t = type(v)
        p = e["path"]
        x = e["expected"]
        if t not in _SCALARS or type(p) is not str or type(x) is not str:
            return None
        key += (p, x, t, v)
    return tuple(key)


# --- what the HTML island and the CSV writer share -------------------------------------------

# a row's fields (``rowindex.ROW_FIELDS``), read at once with ``READ_ROW`` (``row_values`` for
# a row that lacks one); a row of exactly these keys (``len(row) == PLAIN_ROW``) has no waiver
# and no change
READ_ROW = itemgetter(*ROW_FIELDS)
PLAIN_ROW = len(ROW_FIELDS)
NO_SOURCE: dict[str, Any] = {}  # the source of a row without one


def row_values(r: Mapping[str, Any], defaults: Mapping[str, Any]) -> tuple[Any, ...]:
    """``READ_ROW(r)`` for a row without some fields: those in ``defaults`` take their default
    there, any other missing one raises ``KeyError``."""
    return tuple(r.get(k, defaults[k]) if k in defaults else r[k] for k in ROW_FIELDS)


def source_values(source: Any) -> tuple[Any, ...]:
    """A row's source: (api, region, time, file, line)."""
    src = source or NO_SOURCE
    return (src.get("api"), src.get("region"), src.get("time"), src.get("file"), src.get("line"))


def read_row(r: Mapping[str, Any], defaults: Mapping[str, Any]) -> tuple[tuple[Any, ...], bool]:
    """``READ_ROW(r)`` (``row_values`` for a row that lacks a field) and whether the row is
    plain: exactly those fields, so no waiver and no change."""
    try:
        return READ_ROW(r), len(r) == PLAIN_ROW
    except KeyError:
        return row_values(r, defaults), False


def rule_before(
    parts: Mapping[Any, tuple[Any, ...]],
    status: Any,
    rule_id: Any,
    severity: Any,
    controls: Any,
    measures: Any,
) -> tuple[Any, ...] | None:
    """What a writer kept in ``parts`` for the row before with ``status`` — ``(rule id,
    severity, controls, measures, its parts …)`` — when the row has those same four (rows come
    sorted by rule; PASS and FAIL alternate within one); else None."""
    p = parts.get(status)
    if p is None or p[0] != rule_id or p[1] != severity or p[2] != controls or p[3] != measures:
        return None
    return p


PROBE = 1024  # new evidence lists seen before deciding whether to look evidence up by value


class ByValue:
    """Whether a writer looks evidence up by its values too (``evidence_key``), besides by
    the identity of its list. Rows read back from JSON share no lists, so only values find
    equal evidence; a scan's rows share one list for equal evidence, so a list seen anew is
    new evidence — the lookup is dropped after ``PROBE`` new lists that found (almost) nothing
    that way. The writer counts its ``hits``."""

    __slots__ = ("hits", "on", "seen")

    def __init__(self) -> None:
        self.on = True
        self.seen = 0
        self.hits = 0

    def key(self, evidence: Any) -> tuple[Any, ...] | None:
        """The key of a newly seen evidence list, or ``None`` (no key, or lookup dropped)."""
        self.seen += 1
        if self.seen == PROBE and self.hits * 100 < PROBE:
            self.on = False  # the rows share their lists: looking up by value never pays
        return evidence_key(evidence) if self.on else None


class ListMemo:
    """Per rule, what a writer made of each evidence list, by the list's identity (rows of a
    scan share one list for equal evidence). The lists are kept alive here while their ids are
    keys, so an id is never another list's; at ``limit`` lists everything is forgotten (rows
    come sorted by rule, and evidence recurs within a rule). Entries are texts and values only,
    so the garbage collector need not follow them."""

    __slots__ = ("alive", "by_rule", "limit")

    def __init__(self, limit: int) -> None:
        self.by_rule: dict[Any, dict[int, Any]] = {}
        self.alive: list[Any] = []
        self.limit = limit

    def of(self, rule_id: Any) -> dict[int, Any]:
        """The memo of ``rule_id``'s lists: id(list) → entry."""
        return self.by_rule.get(rule_id) or self.by_rule.setdefault(rule_id, {})

    def add(self, lists: dict[int, Any], evidence: Any, entry: Any) -> None:
        """Remember ``entry`` for ``evidence`` in ``lists`` (a rule's memo, from ``of``)."""
        if len(self.alive) >= self.limit:
            for d in self.by_rule.values():
                d.clear()
            self.alive.clear()
        lists[id(evidence)] = entry
        self.alive.append(evidence)


def json_encoder(item_separator: str, key_separator: str) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, separators=…, default=str).encode``, for the many
    small values of a report: text, null, booleans and whole numbers written directly (what
    the encoder writes for them), anything else by the encoder's C part alone, without
    ``encode``'s Python set-up around it (which cost more than encoding a small value). The C
    part is made per value, with its own record of the containers being written (cycles are
    refused as ``encode`` refuses them; threads share nothing). Where the C part is missing or
    does not answer as ``encode`` does, ``encode``."""
    encode = json.JSONEncoder(
        ensure_ascii=False, separators=(item_separator, key_separator), default=str
    ).encode
    text = json.encoder.encode_basestring
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython has it
        return encode
    args = (str, text, None, key_separator, item_separator, False, False, True)

    def fast(value: Any) -> str:
        t = type(value)
        if t is str:
            return text(value)
        if value is None:
            return "null"
        if t is bool:
            return "true" if value else "false"
        if t is int:
            return int.__repr__(value)
        return "".join(make({}, *args)(value, 0))

    probe = [{"a": [1, 2.5, None, True, "é\n<"], "1": {}}, [], float("nan"), -0.0, object]
    try:
        if all(fast(v) == encode(v) for v in probe):
            return fast
    except (TypeError, ValueError):
        pass
    return encode  # pragma: no cover - a C part that answers otherwise


class RowText:
    """What the rows of one document's rules give: ``derived`` (for a row whose evidence has
    no key) and ``row_message``, memoised per (language, rule, evidence key)."""

    LIMIT = 100_000

    __slots__ = ("passes", "rules", "templates")

    def __init__(self, rules: Mapping[str, Any]) -> None:
        self.rules = rules
        self.templates = {rid: (r or {}).get("messages") for rid, r in rules.items()}
        # (lang, rule, evidence key) -> the message its evidence gives a PASS in English, in lang
        self.passes: dict[tuple[Any, ...], tuple[str, str]] = {}

    def en_message(self, r: Mapping[str, Any]) -> str:
        """The English message ``r``'s evidence gives under its rule's templates (not memoised:
        for a caller that keeps it)."""
        return evidence_message(r["status"], r["evidence"], "en", self.templates.get(r["rule_id"]))

    def derived(self, r: Mapping[str, Any]) -> bool:
        """``resultrows.derived(r, its rule's templates)`` (not memoised)."""
        return derived(r, self.templates.get(r["rule_id"]))

    def message(self, r: Mapping[str, Any], lang: str, key: Any = False) -> str:
        """``resultrows.row_message(r, rules, lang)``; ``key``, when given, is
        ``evidence_key(r["evidence"])``, already at hand."""
        if lang == "en" or r.get("status") != "PASS":
            return str(r.get("message", ""))
        if key is False:
            key = evidence_key(r["evidence"])
        if key is None:
            return row_message(r, self.rules, lang)
        rule_id = r["rule_id"]
        full = (lang, rule_id, key)
        hit = self.passes.get(full)
        if hit is None:
            if len(self.passes) >= self.LIMIT:
                self.passes.clear()
            templates = self.templates.get(rule_id)
            hit = self.passes[full] = (
                evidence_message("PASS", r["evidence"], "en", templates),
                evidence_message("PASS", r["evidence"], lang, templates),
            )
        return hit[1] if r["message"] == hit[0] else str(r.get("message", ""))
