"""The operators of the condition language, with three-valued tests.

A test gets a value that is present and not null (absence is the leaf's business, see
``conditions``) and the operand; it answers ``True``, ``False`` or ``None`` — *unknown* — when the
value is of a kind the operator cannot judge (a string where a boolean belongs, a number where a
list belongs). Nothing here turns a wrongly typed value into a verdict.

``OPERATORS[name]`` is an ``Operator(test, operand, doc, accepts)``: the test, the JSON Schema of
the operand (the rule schema is generated from it), the documentation with an executable example
(``tests/engine/test_operators.py`` runs it; ``docs/rules.md`` is generated from it) and the
kinds of value the operator judges (for the truth tables of ``docs/rule-language.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

Test = Callable[[Any, Any], "bool | None"]


class Operator(NamedTuple):
    test: Test
    operand: dict[str, Any]
    doc: str
    accepts: str


def kind(v: Any) -> str:
    """``boolean``, ``number``, ``string``, ``list``, ``mapping`` or ``other``."""
    if v is True or v is False:
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "mapping"
    return "other"


def number(v: Any) -> float | None:
    """A number, or a string holding a decimal number (as Azure returns server parameters);
    ``None`` for anything else (booleans are not numbers)."""
    if v is True or v is False:
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _same_kind(x: Any) -> Callable[[Any], bool]:
    """A fast test "is v of x's kind" (the inner loop of every equals)."""
    k = kind(x)
    if k == "boolean":
        return lambda v: v is True or v is False
    if k == "string":
        return lambda v: isinstance(v, str)
    if k == "number":
        return lambda v: isinstance(v, (int, float)) and v is not True and v is not False
    return lambda v: kind(v) == k


def _equals(v: Any, x: tuple[Callable[[Any], bool], Any]) -> bool | None:
    same, value = x
    return bool(v == value) if same(v) else None


def _not_equals(v: Any, x: tuple[Callable[[Any], bool], Any]) -> bool | None:
    same, value = x
    return bool(v != value) if same(v) else None


def _in(v: Any, x: tuple[frozenset[str], Any]) -> bool | None:
    kinds, values = x
    if kind(v) not in kinds:
        return None
    try:
        return v in values
    except TypeError:  # an unhashable value against a set
        return any(v == y for y in values)


def _not_in(v: Any, x: tuple[frozenset[str], Any]) -> bool | None:
    r = _in(v, x)
    return None if r is None else not r


def _empty(v: Any, x: bool) -> bool | None:
    if isinstance(v, (list, dict, str)):
        return (len(v) == 0) == x
    return None


def _matches(v: Any, x: Any) -> bool | None:
    return x.search(v) is not None if isinstance(v, str) else None


def _not_matches(v: Any, x: Any) -> bool | None:
    return x.search(v) is None if isinstance(v, str) else None


def _compare(op: Callable[[float, float], bool]) -> Test:
    def test(v: Any, x: Any) -> bool | None:
        n = number(v)
        return None if n is None else op(n, x)

    return test


def _contains(v: Any, x: Any) -> bool | None:
    if isinstance(v, (list, dict)):
        try:
            return x in v
        except TypeError:  # an unhashable operand against a mapping's keys
            return False
    if isinstance(v, str):
        return x in v if isinstance(x, str) else None
    return None


def _not_contains(v: Any, x: Any) -> bool | None:
    r = _contains(v, x)
    return None if r is None else not r


def _length(op: Callable[[int, int], bool]) -> Test:
    def test(v: Any, x: Any) -> bool | None:
        return op(len(v), x) if isinstance(v, (list, dict, str)) else None

    return test


def _exists(v: Any, x: bool) -> bool:
    return bool(x)  # only called for a present value; absence is decided by the leaf


_SCALAR = "boolean, number or string"
_COLLECTION = "list, mapping or string"

OPERATORS: dict[str, Operator] = {
    "equals": Operator(
        _equals,
        {"not": {"type": "null"}},
        "The value equals the operand and is of its kind (``true`` never equals ``1`` or "
        '``"true"``: another kind is unknown). Example: ``{path: spec.hostNetwork, equals: '
        "true}`` is true for ``{spec: {hostNetwork: true}}`` and false for ``{spec: "
        "{hostNetwork: false}}``.",
        "the operand's kind",
    ),
    "not_equals": Operator(
        _not_equals,
        {"not": {"type": "null"}},
        "The value is of the operand's kind and differs from it. Example: ``{path: "
        "privileged, not_equals: true}`` is true for ``{privileged: false}`` and false for "
        "``{privileged: true}``.",
        "the operand's kind",
    ),
    "in": Operator(
        _in,
        {"type": "array"},
        "The value is one of the listed values. Example: ``{path: Protocol, in: [HTTPS, TLS]}`` "
        "is true for ``{Protocol: HTTPS}`` and false for ``{Protocol: HTTP}``.",
        "a kind among the listed values",
    ),
    "not_in": Operator(
        _not_in,
        {"type": "array"},
        "The value is none of the listed values. Example: ``{path: procMount, not_in: "
        "[Unmasked]}`` is true for ``{procMount: Default}`` and false for ``{procMount: "
        "Unmasked}``.",
        "a kind among the listed values",
    ),
    "exists": Operator(
        _exists,
        {"type": "boolean"},
        "With ``true``: the path is present and not null; with ``false``: it is absent or "
        "null. The one operator that decides on absence itself (it takes no ``absent:``). "
        "Example: ``{path: metadata.labels.owner, exists: true}`` is true for "
        "``{metadata: {labels: {owner: team-a}}}`` and false for "
        "``{metadata: {labels: {owner: null}}}``.",
        "any value",
    ),
    "empty": Operator(
        _empty,
        {"type": "boolean"},
        "With ``true``: an empty list, mapping or string; with ``false`` a non-empty one. "
        "Example: ``{path: spec.tls, empty: false}`` is true for "
        "``{spec: {tls: [{hosts: [a.nl]}]}}`` and false for ``{spec: {tls: []}}``.",
        _COLLECTION,
    ),
    "matches": Operator(
        _matches,
        {"type": "string"},
        "The value is a string in which the regular expression (Python syntax, "
        "unanchored) is found. Example: ``{path: image, matches: '@sha256:[0-9a-f]{64}$'}`` "
        "is true for ``{image: 'nginx@sha256:" + "0" * 64 + "'}`` and false for "
        "``{image: 'nginx:1.25'}``.",
        "string",
    ),
    "not_matches": Operator(
        _not_matches,
        {"type": "string"},
        "The value is a string in which the regular expression is not found. Example: "
        "``{path: image, not_matches: ':latest$'}`` is true for ``{image: 'redis:7.2'}`` and "
        "false for ``{image: 'redis:latest'}``.",
        "string",
    ),
    "gt": Operator(
        _compare(lambda a, b: a > b),
        {"type": "number"},
        "The value is a number (or a string holding one) greater than the operand. Example: "
        "``{path: replicas, gt: 1}`` is true for ``{replicas: 3}`` and false for "
        "``{replicas: 1}``.",
        "number or numeric string",
    ),
    "gte": Operator(
        _compare(lambda a, b: a >= b),
        {"type": "number"},
        "The value is a number greater than or equal to the operand. Example: "
        "``{path: RetentionInDays, gte: 1096}`` is true for ``{RetentionInDays: 1096}`` and "
        "false for ``{RetentionInDays: 30}``.",
        "number or numeric string",
    ),
    "lt": Operator(
        _compare(lambda a, b: a < b),
        {"type": "number"},
        "The value is a number less than the operand. Example: "
        "``{path: MaxPasswordAge, lt: 366}`` is true for ``{MaxPasswordAge: 90}`` and false "
        "for ``{MaxPasswordAge: 400}``.",
        "number or numeric string",
    ),
    "lte": Operator(
        _compare(lambda a, b: a <= b),
        {"type": "number"},
        "The value is a number less than or equal to the operand. Example: "
        "``{path: runAsUser, lte: 0}`` is true for ``{runAsUser: 0}`` and false for "
        "``{runAsUser: 1000}``.",
        "number or numeric string",
    ),
    "contains": Operator(
        _contains,
        {},
        "The value (a list, a mapping's keys, or a string) contains the operand. "
        "Example: ``{path: capabilities.drop, contains: ALL}`` is true for "
        "``{capabilities: {drop: [ALL]}}`` and false for ``{capabilities: {drop: [NET_RAW]}}``.",
        _COLLECTION,
    ),
    "not_contains": Operator(
        _not_contains,
        {},
        "The value (a list, a mapping's keys, or a string) does not contain the operand. "
        "Example: ``{path: Action, not_contains: '*'}`` is true for ``{Action: [s3:GetObject]}`` "
        "and false for ``{Action: ['*']}``.",
        _COLLECTION,
    ),
    "length_gte": Operator(
        _length(lambda a, b: a >= b),
        {"type": "integer"},
        "The value is a list, mapping or string of at least N items. Example: "
        "``{path: subnets, length_gte: 2}`` is true for ``{subnets: [a, b]}`` and false "
        "for ``{subnets: [a]}``.",
        _COLLECTION,
    ),
    "length_lte": Operator(
        _length(lambda a, b: a <= b),
        {"type": "integer"},
        "The value is a list, mapping or string of at most N items. Example: "
        "``{path: owners, length_lte: 3}`` is true for ``{owners: [a]}`` and false for "
        "``{owners: [a, b, c, d]}``.",
        _COLLECTION,
    ),
}

SCALAR_KINDS = frozenset({"boolean", "number", "string"})


def prepare(op: str, operand: Any) -> tuple[Any, str | None]:
    """The operand in the form the test wants, or ``(None, problem)`` when it cannot be used."""
    if op in ("equals", "not_equals"):
        if operand is None:
            return None, f"'{op}' cannot test for null: absence is written with exists"
        return (_same_kind(operand), operand), None
    if op in ("in", "not_in"):
        if not isinstance(operand, list):
            return None, f"'{op}' needs a list, got {operand!r}"
        if any(x is None for x in operand):
            return None, f"'{op}' cannot list null: absence is written with exists or absent"
        kinds = frozenset(kind(x) for x in operand) or SCALAR_KINDS  # []: no value is in it
        try:
            values: Any = frozenset(operand)
        except TypeError:
            values = tuple(operand)
        return (kinds, values), None
    if op in ("gt", "gte", "lt", "lte"):
        n = number(operand)
        if n is None or isinstance(operand, str):
            return None, f"'{op}' needs a number, got {operand!r}"
        return n, None
    if op in ("empty", "exists"):
        if not isinstance(operand, bool):
            return None, f"{operand!r}: '{op}' takes a boolean (or {{param: NAME}})"
        return operand, None
    if op in ("length_gte", "length_lte"):
        if not isinstance(operand, int) or isinstance(operand, bool):
            return None, f"'{op}' needs a whole number, got {operand!r}"
        return operand, None
    if op in ("contains", "not_contains") and operand is None:
        return None, f"'{op}' cannot look for null"
    return operand, None
