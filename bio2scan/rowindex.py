"""Which rows of a results document a report may write alike (``RowIndex``): the
assessment numbers them as it makes the rows (``assess.listing``, kept on ``resultrows.Rows``);
``row_index`` gives those, and for rows read from a file or merged, every row on its own."""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

# the fields of a result row (``schemas/results.schema.json``, ``$defs/row``); a row of exactly
# these (``len(row) == len(ROW_FIELDS)``) has no waiver and no change
ROW_FIELDS = (
    "finding_id",
    "rule_id",
    "resource_type",
    "resource_id",
    "resource_name",
    "scope",
    "region",
    "namespace",
    "source",
    "status",
    "severity",
    "controls",
    "measures",
    "message",
    "evidence",
)


class RowIndex(NamedTuple):
    """Which rows a report may write alike, by two numbers per row (in the rows' order):

    * ``shapes[i]``: rows with the same shape (``>= 0``) have equal ``rule_id``, ``status``,
      ``severity``, ``controls``, ``measures`` and ``message`` (texts, each ``str``) and the
      very same ``evidence`` list; ``-1``: a shape of its own (never the same as another row's);
    * ``places[i]``: rows with the same place (``>= 0``) have equal ``resource_type``,
      ``resource_id``, ``resource_name``, ``scope``, ``region`` and ``namespace`` (each a
      ``str`` or None) and an equal ``source``; ``-1``: a place of its own.

    Only the finding id, a waiver and a change are a row's own then: a writer makes the text of
    a shape and of a place once and puts a row together from the two (``resultrows.write_rows``,
    the HTML island, the CSV)."""

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


def row_index(rows: Sequence[Mapping[str, Any]]) -> RowIndex:
    """The index of ``rows``: the one the assessment made with them (``Rows``); for any other
    rows (read from a file: they share no evidence list, so no shape) every row on its own, and
    the writers take each row the careful way."""
    alike = getattr(rows, "alike", None)  # (``resultrows.Rows``)
    if alike is not None:
        return alike  # type: ignore[no-any-return]
    alone = array("i", [-1]) * len(rows)
    return RowIndex(alone, alone)
