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
from typing import Any

from ..resultrows import derived, evidence_message, row_message

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
