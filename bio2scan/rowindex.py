"""Which rows of a results document a report may write alike (``RowIndex``): the
assessment numbers them as it makes the rows (``assess.listing``, kept on ``resultrows.Rows``);
``row_index`` gives those, or numbers rows read from a file or merged in one pass."""

from __future__ import annotations

import operator
from array import array
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple


class RowIndex(NamedTuple):
    """Which rows a report may write alike, by two numbers per row (in the rows' order):

    * ``shapes[i]``: rows with the same shape (``>= 0``) have equal ``rule_id``, ``status``,
      ``severity``, ``controls``, ``measures`` and ``message`` (texts, each ``str``) and the
      very same ``evidence`` list; ``-1``: a shape of its own (never the same as another row's);
    * ``places[i]``: rows with the same place (``>= 0``) have equal ``resource_type``,
      ``resource_id``, ``resource_name``, ``scope``, ``region`` and ``namespace`` (each a
      ``str`` or None) and an equal ``source``; ``-1``: a place of its own.

    Only the finding id, a waiver and a change are a row's own then: a writer makes the text of
    a shape and of a place once and puts a row together from the two (``csvfmt``)."""

    shapes: Sequence[int]
    places: Sequence[int]


# what a writer keeps of the shapes and places it made (``Made``), at most: a row's shape is its
# rule's and rows come sorted by rule, so a shape recurs soon or never (32,768 hold every shape
# of 10,000 objects; each is a text of a few hundred bytes in each writer's process); a place
# recurs in every rule (it holds texts the writer keeps for its resource anyway)
KEPT_SHAPES = 1 << 15
KEPT_PLACES = 200_000


class Made(dict[int, Any]):
    """What a writer made of each shape (or place), by its number: at most ``limit`` entries
    (then emptied); a number below 0 (a row's own) is never kept."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, number: int, made: Any) -> None:
        if number >= 0:
            if len(self) >= self.limit:
                self.clear()
            self[number] = made


_RESOURCE_KEYS = operator.itemgetter(
    "resource_type", "resource_id", "resource_name", "scope", "region", "namespace", "source"
)


def row_index(rows: Sequence[Mapping[str, Any]]) -> RowIndex:
    """The index of ``rows``: the one the assessment made with them (``Rows``), else made here
    in one pass — places by value (a row whose resource fields are not all texts, or are
    missing, has its own), and every row its own shape (rows read from a file share no
    evidence list)."""
    alike = getattr(rows, "alike", None)  # (``resultrows.Rows``)
    if alike is not None:
        return alike  # type: ignore[no-any-return]
    places = array("i")
    known: dict[tuple[Any, ...], int] = {}
    for r in rows:
        try:
            *fields, src = _RESOURCE_KEYS(r)
            if type(src) is not dict or not all(x is None or type(x) is str for x in fields):
                raise TypeError
            line = src.get("line")
            if not (line is None or type(line) is int) or not all(
                v is None or type(v) is str for k, v in src.items() if k != "line"
            ):
                raise TypeError
            key = (*fields, tuple(sorted(src.items())))
        except (KeyError, TypeError):
            places.append(-1)
            continue
        place = known.get(key)
        if place is None:
            place = known[key] = len(known)
        places.append(place)
    return RowIndex(array("i", [-1]) * len(rows), places)
