"""The CSV writer's cells against their specification: every row is what escaping each of its
values the careful way gives (``field(safe_cell(value))``), whatever the writer took from its
memos; ``safe_cell`` and ``field`` are what their one-line definitions say."""

from __future__ import annotations

import copy
import io
import json
import random
import re
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bio2scan.render import csvfmt, rowtext
from bio2scan.render.csvfmt import COLUMNS, CsvRenderer, field, safe_cell
from bio2scan.render.messages import pick
from bio2scan.resultrows import row_message
from bio2scan.safetext import safe

from .fixture import FORMULA, document
from .recurring import recurring, shared, unshared

# the specification: a formula trigger wherever a cell could start (the start, or after a
# separator of any locale), past spaces and an opening quote, gets a ' in front of it; a field
# holding a separator, quote or line break, or with white space at either end, is quoted
_CELL_START = re.compile(r"(^|[,;\t|])([ ]*\"?)(?=[=+\-@\t\r])")
_NEEDS_QUOTES = re.compile(r'[,;\t|"\r\n]|^\s|\s$')


def _spec_cell(value: Any) -> str:
    text = "" if value is None else safe(str(value))
    text = _CELL_START.sub(lambda m: f"{m.group(1)}{m.group(2)}'", text)
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def test_safe_cell_and_field_follow_their_definition() -> None:
    pieces = ["a", "=", "+", "-", "@", " ", '"', ",", ";", "|", "\t", "\r", "\n", "\u00a0"]
    pieces += ["\u2028", "\u3000", "\x85", "\x1b", "é", "'", "x y", FORMULA, '  "=', "\x0c"]
    rng = random.Random(15)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 7))) for _ in range(20000)]
    for t in [*pieces, *texts, None, 3, -1.5, True]:
        assert field(safe_cell(t)) == _spec_cell(t), repr(t)


def _spec_rows(doc: dict[str, Any], lang: str) -> list[str]:
    """The result lines as escaping every value the careful way gives them."""
    rules = doc["rules"]
    statuses = {c["id"]: c["status"] for c in doc["controls"]}
    statuses.update({m["id"]: m["status"] for m in doc.get("measures", ())})
    lines = []
    for r in doc["results"]:
        src = r.get("source") or {}
        if src.get("file"):
            source = f"{src['file']}:{src['line']}" if src.get("line") else src["file"]
        else:
            source = " ".join(x for x in (src.get("api"), src.get("region")) if x)
        w = r.get("waiver") or {}
        evidence = "; ".join(
            f"{e['path']}={json.dumps(e['value'], ensure_ascii=False, default=str)}"
            f" (expected {e['expected']})"
            for e in r["evidence"]
        )
        values = {
            "finding_id": r["finding_id"],
            "status": r["status"],
            "severity": r["severity"],
            "rule_id": r["rule_id"],
            "rule_title": pick(rules.get(r["rule_id"], {}).get("title"), lang),
            "resource_type": r["resource_type"],
            "resource_id": r["resource_id"],
            "resource_name": r["resource_name"],
            "scope": r["scope"],
            "region": r.get("region"),
            "namespace": r.get("namespace"),
            "controls": ";".join(r["controls"]),
            "measures": ";".join(r["measures"]),
            "message": row_message(r, rules, lang),
            "evidence": evidence,
            "source": source,
            "source_time": src.get("time"),
            "change": r.get("change"),
            "waiver_id": w.get("id"),
            "waiver_expires": w.get("expires"),
            "control_statuses": ";".join(f"{c}={statuses.get(c, '')}" for c in r["controls"]),
            "measure_statuses": ";".join(f"{c}={statuses.get(c, '')}" for c in r["measures"]),
            "count": 1,
        }
        lines.append(",".join(_spec_cell(values[c]) for c in COLUMNS) + "\r\n")
    return lines


def _written(doc: dict[str, Any], lang: str) -> list[str]:
    buf = io.BytesIO()
    CsvRenderer().write(doc, lang, buf)
    text = buf.getvalue().decode("utf-8")
    lines = text.split("\r\n")
    return [x + "\r\n" for x in lines[1 : 1 + len(doc["results"])]]


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("limit", [200_000, 1])
def test_rows_are_their_values_escaped(
    lang: str, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvfmt._Cells, "LIMIT", limit)  # also with every memo emptied each time
    doc = recurring(document())
    doc["results"][3]["waiver"] = {"id": "=W-1", "expires": "2027-01-01"}
    doc["results"][4]["message"] = None  # (not a valid row: shown as the writer always did)
    assert _written(doc, lang) == _spec_rows(doc, lang)
    # a memo never answers for another row: the same rows as separate objects, the same file
    assert _written(copy.deepcopy(doc), lang) == _written(doc, lang)


def test_fixture_rows_are_their_values_escaped() -> None:
    doc = document()
    for lang in ("en", "nl"):
        assert _written(doc, lang) == _spec_rows(doc, lang)


@pytest.mark.parametrize("probe", [1024, 4])
@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("limit", [200_000, 1])
def test_rows_that_share_objects_are_their_values_escaped(
    lang: str, limit: int, probe: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cells are remembered by the identity of the objects rows share (evidence lists,
    sources, controls): a shared object must never answer for a row it does not fit — also
    where the writer stops looking evidence up by value (``rowtext.PROBE``)."""
    monkeypatch.setattr(csvfmt._Cells, "LIMIT", limit)
    monkeypatch.setattr(rowtext, "PROBE", probe)
    doc = shared(document())
    assert _written(doc, lang) == _spec_rows(doc, lang)
    assert _written(unshared(doc), lang) == _written(doc, lang)


_TRICKY = list(" =+-@\t\r\n,;|\"'\x00\x1b\x7f\x85\u00a0\u2028\u202e\u2066\u3000é😀")
_AFTER = re.compile(r"([,;\t|][ ]*\"?)(?=[=+\-@\t\r])")


def _careful_safe_cell(value: Any) -> str:
    """``safe_cell`` as it was before its quick tests: every step taken for every text."""
    text = "" if value is None else safe(str(value))
    i, n = 0, len(text)
    while i < n and text[i] == " ":
        i += 1
    if i < n and text[i] == '"':
        i += 1
    if i < n and text[i] in "=+-@\t\r":
        text = f"{text[:i]}'{text[i:]}"
    return _AFTER.sub(r"\1'", text)


@settings(max_examples=1500, deadline=None)
@given(st.text(st.sampled_from(_TRICKY) | st.characters(), max_size=24))
@example('a; "=1')
@example(' "@x')
@example("x|\t=1")
def test_quick_paths_give_what_the_careful_ones_give(text: str) -> None:
    """Whatever the text (controls, separators, quotes, formula triggers, other scripts,
    characters outside the BMP): the cell is what escaping it step by step gives."""
    assert safe_cell(text) == _careful_safe_cell(text)
    assert csvfmt.cell(text) == field(safe_cell(text)) == _spec_cell(text)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.sampled_from(_TRICKY)),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=8), _VALUES, st.text(max_size=8)), max_size=3))
def test_evidence_text_is_its_values_as_json(items: list[tuple[str, Any, str]]) -> None:
    evidence = [{"path": p, "value": v, "expected": x} for p, v, x in items]
    assert csvfmt._evidence(evidence) == "; ".join(
        f"{e['path']}={json.dumps(e['value'], ensure_ascii=False, default=str)}"
        f" (expected {e['expected']})"
        for e in evidence
    )
