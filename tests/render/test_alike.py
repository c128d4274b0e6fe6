"""Rows that are alike (``resultrows.RowIndex``) are written from the text of their shape and
place, made once: results.json (``write_rows``), the HTML island and the CSV give the very
bytes with an index and without one (every row written the careful way), on the arbitrary rows
of ``test_fastpaths`` — also with the writers' memos emptied again and again. And the writers do
take a row's text from its shape and place: rows declared alike are written alike."""

from __future__ import annotations

import copy
import io
import json
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings

from bio2scan import resultrows, rowindex
from bio2scan.render import csvfmt, island
from bio2scan.render.csvfmt import CsvRenderer
from bio2scan.resultrows import Rows, row_facts, write_rows
from bio2scan.rowindex import RowIndex, row_index

from .fixture import document
from .test_fastpaths import RULES, row_sets

SHAPE = ("rule_id", "status", "severity", "controls", "measures", "message")
PLACE = ("resource_type", "resource_id", "resource_name", "scope", "region", "namespace")


def _alike(rows: list[dict[str, Any]]) -> Rows:
    """``rows`` with an index made the plain way from the contract of ``RowIndex``."""
    shapes, places = [], []
    shape_of: dict[Any, int] = {}
    place_of: dict[Any, int] = {}
    for r in rows:
        shape = place = -1
        if all(k in r for k in (*SHAPE, "evidence")):
            texts = [r[k] for k in ("rule_id", "status", "severity", "message")]
            lists = [r["controls"], r["measures"]]
            if all(type(t) is str for t in texts) and all(
                type(x) is list and all(type(c) is str for c in x) for x in lists
            ):
                key = (*texts, *map(tuple, lists), id(r["evidence"]))
                shape = shape_of.setdefault(key, len(shape_of))
        if all(k in r for k in (*PLACE, "source")) and type(r["source"]) is dict:
            fields = [r[k] for k in PLACE]
            if all(f is None or type(f) is str for f in fields):
                key = (*fields, json.dumps(r["source"], sort_keys=True))
                place = place_of.setdefault(key, len(place_of))
        shapes.append(shape)
        places.append(place)
    return Rows(rows, row_facts(rows), RowIndex(shapes, places))


def _island_rows(rows: list[dict[str, Any]]) -> list[str] | str:
    try:
        return list(island._Rows(RULES).rows(rows))
    except TypeError as exc:  # (a path that is not text: the island refuses it either way)
        return repr(exc)


def _csv_lines(rows: list[dict[str, Any]], lang: str) -> list[str]:
    return list(csvfmt._lines(rows, csvfmt._Cells(RULES, lang, {"8.9": "compliant"})))


def _stored(rows: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    write_rows(parts.append, rows, RULES, batch=3)
    return "".join(parts)


def _with_twins(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows``, each followed by rows of its shape (the same rule, status, message, evidence
    list …) on the resource of the row after it, with and without a waiver and a change."""
    out = []
    for i, r in enumerate(rows):
        there = rows[(i + 1) % len(rows)]
        twin = {**r, **{k: there[k] for k in (*PLACE, "source")}, "finding_id": f"t{i}"}
        if "waiver" in twin:
            del twin["waiver"]
        else:
            twin["waiver"] = {"id": f"W-{i}", "reason": "r"}
        bare = {k: v for k, v in twin.items() if k not in ("waiver", "change")}
        out += [r, twin, {**bare, "change": "new"}, bare, dict(bare, finding_id=f"b{i}")]
    return out


@settings(max_examples=150)
@given(row_sets())
def test_rows_written_from_their_shape_and_place_are_the_rows_written_one_by_one(
    rows: list[dict[str, Any]],
) -> None:
    rows = _with_twins(rows)
    for i, r in enumerate(rows):  # a row without the fields that may be left out
        if i % 7 == 6:
            for k in ("region", "namespace", "source"):
                r.pop(k)
    alike = _alike(rows)
    plain = list(rows)
    assert _stored(alike) == _stored(plain)
    assert _island_rows(alike) == _island_rows(plain)
    for lang in ("en", "nl"):
        assert _csv_lines(alike, lang) == _csv_lines(plain, lang)
    with (  # shapes and places forgotten again and again
        patch.object(rowindex, "KEPT_SHAPES", 1),
        patch.object(rowindex, "KEPT_PLACES", 1),
        patch.object(resultrows, "_MEMO", 1),
        patch.object(island._Rows, "LIMIT", 1),
        patch.object(csvfmt._Cells, "LIMIT", 1),
    ):
        assert _stored(alike) == _stored(plain)
        assert _island_rows(alike) == _island_rows(plain)
        assert _csv_lines(alike, "nl") == _csv_lines(plain, "nl")


def test_the_reports_of_a_document_are_the_same_with_its_rows_alike() -> None:
    doc = document()
    rows = doc["results"] * 3  # the same row objects again: alike by any index
    alike, plain = dict(doc, results=_alike(rows)), dict(doc, results=list(rows))
    for renderer in (CsvRenderer(),):
        a, b = io.BytesIO(), io.BytesIO()
        renderer.write(alike, "nl", a)
        renderer.write(plain, "nl", b)
        assert a.getvalue() == b.getvalue()
    assert _stored(alike["results"]) == _stored(plain["results"])


def test_the_writers_take_a_row_from_its_shape_and_place() -> None:
    """Two rows declared alike are written alike: the second's own message and resource are
    not looked at (an index must only ever join rows that are equal)."""
    rows = [r for r in document()["results"] if r["status"] == "FAIL"][:1]
    rows = [{k: v for k, v in rows[0].items() if k not in ("waiver", "change")}]
    assert len(rows[0]) == 15  # (no waiver and no change: a row's own)
    other = copy.deepcopy(rows[0])
    other.update(message="another message", resource_name="another-name", finding_id="f2")
    told = Rows([rows[0], other], row_facts(rows), RowIndex([0, 0], [0, 0]))
    lines = _csv_lines(told, "en")
    assert "another" not in lines[1] and lines[1].startswith("f2,")
    assert lines[1][3:] == lines[0][len(rows[0]["finding_id"]) + 1 :]
    assert "another" not in _stored(told)
    assert all("another" not in r for r in _island_rows(told))
    untold = Rows([rows[0], other], row_facts(rows), RowIndex([-1, -1], [-1, -1]))
    assert "another" in _csv_lines(untold, "en")[1]


def test_rows_read_from_a_file_are_each_on_their_own() -> None:
    """Rows that are not the assessment's (read from a file, merged) share no evidence list,
    so no shape: every row is on its own and is written the careful way; the assessment's rows
    give the index they carry."""
    rows = copy.deepcopy(document()["results"]) * 2  # the second half: the same objects again
    index = row_index(rows)
    assert list(index.shapes) == list(index.places) == [-1] * len(rows)
    alike = _alike(rows)
    assert row_index(alike) is alike.alike
    assert max(alike.alike.shapes) < len(rows) - 1  # (the twins joined: a real index)
