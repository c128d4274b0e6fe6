"""The HTML report's data island: every row decodes back to its result, whatever the writer
took from its memo (shared sources, recurring evidence, equal-looking values of other types),
and hostile text stays inside the ``<script>`` element."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bio2scan.render import island, rowtext
from bio2scan.render.island import VALUE_LIMIT, shown_value, write_island
from bio2scan.render.rowtext import json_encoder
from bio2scan.resultrows import derived
from bio2scan.safetext import safe

from .fixture import document
from .recurring import recurring, shared, unshared


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same JSON types (``1 == True`` and ``0.0 == -0.0`` in Python)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _island(doc: dict[str, Any]) -> str:
    parts: list[str] = []
    write_island(parts.append, doc, ["en", "nl"], batch=7)
    return "".join(parts)


def _decode(text: str) -> list[dict[str, Any]]:
    """The rows as the page's script reads them (the encoding in ``island``'s docstring)."""
    data = json.loads(text)
    s = data["s"]

    def t(i: int) -> Any:
        return None if i == -1 else s[i]

    rows = []
    for x in data["r"]:
        last = t(x[2][1])
        src = x[14]
        rows.append(
            {
                "finding_id": x[0],
                "rule_id": t(x[1]),
                "resource_id": t(x[2][0]) + last,
                "resource_type": t(x[3]),
                "resource_name": last if x[4] == -2 else t(x[4]),
                "scope": t(x[5]),
                "region": t(x[6]),
                "namespace": t(x[7]),
                "status": data["statuses"][x[8]],
                "severity": data["severities"][x[9]],
                "controls": t(x[10]),
                "measures": t(x[11]),
                "message": x[12] if x[12] == -1 else t(x[12]),
                "evidence": [[t(e[0]), e[1], t(e[2])] for e in x[13]],
                "source": [t(src[0]), t(src[1]), t(src[2]), t(src[3]), src[4]],
                "waiver": None if x[15] == -1 else data["waivers"][x[15]],
                "change": None if x[16] == -1 else data["changes"][x[16]],
            }
        )
    return rows


def _expected(doc: dict[str, Any]) -> list[dict[str, Any]]:
    templates = {rid: r.get("messages") for rid, r in doc["rules"].items()}
    out = []
    for r in doc["results"]:
        src = r.get("source") or {}
        out.append(
            {
                "finding_id": r["finding_id"],
                "rule_id": r["rule_id"],
                "resource_id": r["resource_id"],
                "resource_type": r["resource_type"],
                "resource_name": r["resource_name"],
                "scope": r["scope"],
                "region": r.get("region"),
                "namespace": r.get("namespace"),
                "status": r["status"],
                "severity": r["severity"],
                "controls": ",".join(r["controls"]),
                "measures": ",".join(r["measures"]),
                "message": -1
                if r["status"] == "PASS" and derived(r, templates.get(r["rule_id"]))
                else r["message"],
                "evidence": [
                    [e["path"], json.loads(json.dumps(shown_value(e["value"]))), e["expected"]]
                    for e in r["evidence"]
                ],
                "source": [
                    src.get("api"),
                    src.get("region"),
                    src.get("time"),
                    src.get("file"),
                    src.get("line") or 0,
                ],
                "waiver": r.get("waiver"),
                "change": r.get("change"),
            }
        )
    return out


@pytest.mark.parametrize("limit", [100_000, 1])
def test_island_rows_decode_back_to_the_results(
    limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(island._Rows, "LIMIT", limit)  # also with the memo emptied each time
    doc = recurring(document())
    text = _island(doc)
    assert "<" not in text and "\u2028" not in text and "\u2029" not in text
    assert _same(_decode(text), _expected(doc))
    # a memo never answers for a row: the same rows as separate objects give the same island
    assert _island(copy.deepcopy(doc)) == text


@pytest.mark.parametrize("probe", [1024, 4])
@pytest.mark.parametrize("limit", [100_000, 1])
def test_rows_that_share_objects_decode_back(
    limit: int, probe: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row's parts are remembered by the identity of the objects rows share: a shared
    evidence list, source or controls list must never answer for a row it does not fit —
    also where the writer stops looking evidence up by value (``rowtext.PROBE``)."""
    monkeypatch.setattr(island._Rows, "LIMIT", limit)
    monkeypatch.setattr(rowtext, "PROBE", probe)
    doc = shared(document())
    text = _island(doc)
    assert _same(_decode(text), _expected(doc))
    assert _island(unshared(doc)) == text


def test_island_of_the_fixture_decodes_back() -> None:
    doc = document()
    assert _same(_decode(_island(doc)), _expected(doc))


def test_string_table_keeps_the_text_of_equal_keys() -> None:
    s = island._Strings()
    assert (s[None], s["1"], s[1], s[True], s[1.0], s["True"]) == (-1, 0, 0, 1, 2, 1)
    assert s.strings == ["1", "True", "1.0"]


def test_long_and_hostile_values_are_cut_and_escaped() -> None:
    for v in ["z" * (VALUE_LIMIT // 6 + 1), "\x00" * (VALUE_LIMIT // 6), "é" * VALUE_LIMIT]:
        assert json.loads(island._value_json(v)) == shown_value(v), safe(v[:10])


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from([(1, "a"), {1, 2}, b"x", object]),  # (written as ``default=str`` says)
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=3) | st.integers() | st.booleans() | st.none(), inner)
    ),
    max_leaves=10,
)


@settings(max_examples=800, deadline=None)
@given(_VALUES)
def test_json_encoder_writes_what_the_json_encoder_writes(value: Any) -> None:
    for separators in ((",", ":"), (", ", ": ")):
        expected = json.JSONEncoder(ensure_ascii=False, separators=separators, default=str).encode(
            value
        )
        assert json_encoder(*separators)(value) == expected


def test_json_encoder_refuses_a_cycle_and_goes_on() -> None:
    encode = json_encoder(",", ":")
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        encode(loop)
    inner = [1]
    assert encode([inner, inner]) == "[[1],[1]]"  # (a list written twice is no cycle)
    assert encode([loop[:0], {"k": inner}]) == '[[],{"k":[1]}]'
