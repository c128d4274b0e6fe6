"""What the report writers derive from a result row, memoised for one write.

A 100k-result report asks the same questions of many rows: is this PASS's message what its
evidence gives (``resultrows.derived``, which renders the message again to compare), and what is
that message in Dutch (``resultrows.row_message``)? Rows of one rule with the same evidence give
the same answer, and evidence recurs (``metadata.annotations = '0 annotations'`` on thousands
of objects), so the answers are kept per (rule, status, evidence) — for evidence whose values are
plain scalars (text, whole numbers, booleans, null: their Python notation is a function of
their value and type), with the other rows answered by ``resultrows`` directly. The memo is
emptied when it grows past ``LIMIT`` entries, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Mapping
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


class RowText:
    """``derived`` and ``row_message`` for the rows of one document, memoised."""

    LIMIT = 100_000

    __slots__ = ("memo", "passes", "rules", "templates")

    def __init__(self, rules: Mapping[str, Any]) -> None:
        self.rules = rules
        self.templates = {rid: (r or {}).get("messages") for rid, r in rules.items()}
        # (lang, rule, status, evidence key) -> the message its evidence gives
        self.memo: dict[tuple[Any, ...], str] = {}
        # (lang, rule, evidence key) -> the message its evidence gives a PASS in English, in lang
        self.passes: dict[tuple[Any, ...], tuple[str, str]] = {}

    def _message(self, r: Mapping[str, Any], lang: str, key: tuple[Any, ...]) -> str:
        full = (lang, r["rule_id"], r["status"], key)
        text = self.memo.get(full)
        if text is None:
            if len(self.memo) >= self.LIMIT:
                self.memo.clear()
            templates = self.templates.get(r["rule_id"])
            text = self.memo[full] = evidence_message(r["status"], r["evidence"], lang, templates)
        return text

    def en_message(self, r: Mapping[str, Any]) -> str:
        """The English message ``r``'s evidence gives under its rule's templates (not memoised:
        for a caller that keeps it)."""
        return evidence_message(r["status"], r["evidence"], "en", self.templates.get(r["rule_id"]))

    def derived(self, r: Mapping[str, Any], key: Any = False) -> bool:
        """``resultrows.derived(r, its rule's templates)``; ``key``, when given, is
        ``evidence_key(r["evidence"])``, already at hand."""
        status = r["status"]
        if status != "PASS" and status != "FAIL":
            return False
        if key is False:
            key = evidence_key(r["evidence"])
        if key is None:
            return derived(r, self.templates.get(r["rule_id"]))
        return bool(r["message"] == self._message(r, "en", key))

    def message(self, r: Mapping[str, Any], lang: str, key: Any = False) -> str:
        """``resultrows.row_message(r, rules, lang)``; ``key`` as for ``derived``."""
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
