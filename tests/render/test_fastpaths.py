"""The writers' fast paths give the very bytes of their careful paths, for arbitrary rows.

results.json (``resultrows.write_rows``), SARIF (``sarif._Results``) and JUnit (``junit._cases``)
put their text together from parts encoded once and shared between rows. Each is held here
against the plain way of writing the same thing — the whole row encoded by ``json``, the result
dict of ``sarif._result``, the escaping ``junit._case`` — on rows hypothesis makes: any text
(control characters, lone surrogates, XML and JSON metacharacters, template placeholders),
values of every JSON type, and the same objects (evidence lists, sources, resource fields)
shared between rows the way the document shares them, or equal but distinct."""

from __future__ import annotations

import io
import json
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from bio2scan import resultrows
from bio2scan.documents import write_results
from bio2scan.render import junit, sarif
from bio2scan.resultrows import (
    CHANGES,
    MESSAGE_TEMPLATES,
    STATUSES,
    compact_encoder,
    derived,
    evidence_message,
    read_rows,
    write_rows,
)

CHARS = st.characters(exclude_categories=())  # every code point, lone surrogates included
TRICKY = ["", "a", "x{path}", "{value}", "<&>", '"q"', "l\nx\r\ty", "\x00\x07\x1b", "\ud800"]
TEXT = st.one_of(st.sampled_from(TRICKY), st.text(CHARS, max_size=12))
SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT, st.just(1.0)
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)
SEVERITIES = ["high", "low", "critical", "medium", "info"]
RULES: dict[str, Any] = {
    "k8s.r0": {
        "severity": "high",
        "controls": ["8.9"],
        "measures": [],
        "messages": MESSAGE_TEMPLATES,
        "remediation": {"en": "set <b> & 'c'\n\x01"},
    },
    "k8s.r1": {
        "severity": "low",
        "controls": ["5.15", "8.2"],
        "measures": ["C.01.02"],
        "messages": {"evidence": {"en": "{path} is {value}, wanted {expected}"}},
        "remediation": "plain text",
    },
}


@st.composite
def row_sets(draw: Any) -> list[dict[str, Any]]:
    """Rows over small pools of shared objects: evidence lists, sources, resource fields."""
    path = st.one_of(TEXT, st.sampled_from([1, True, 2.5, ["a", 1]]))  # a path that is not text
    evs = draw(
        st.lists(
            st.lists(
                st.fixed_dictionaries(
                    {"path": path, "value": VALUE, "expected": st.one_of(TEXT, path)}
                ),
                max_size=5,
            ),
            min_size=1,
            max_size=4,
        )
    )
    sources = draw(
        st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "api": TEXT,
                    "region": TEXT,
                    "time": TEXT,
                    "file": st.one_of(TEXT, st.sampled_from(["/abs/a b.yaml", "c:\\x\\y"])),
                    "line": st.integers(0, 9),
                },
            ),
            min_size=1,
            max_size=3,
        )
    )
    names = draw(st.lists(TEXT, min_size=1, max_size=3))
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        rid = draw(st.sampled_from([*RULES, "k8s.gone"]))
        status = draw(st.sampled_from(STATUSES))
        ev = draw(st.sampled_from(evs))
        if draw(st.booleans()):
            ev = [dict(e) for e in ev]  # equal, not the same list
        rule = RULES.get(rid, {})
        plain = all(type(e["path"]) is str for e in ev)
        message = draw(
            st.one_of(
                TEXT,
                st.just(evidence_message(status, ev) if plain else "x"),
                st.just(evidence_message(status, ev, "en", rule.get("messages")) if plain else "y"),
            )
        )
        r: dict[str, Any] = {
            "finding_id": draw(TEXT),
            "rule_id": rid,
            "resource_id": draw(st.sampled_from(names)),
            "resource_type": draw(st.sampled_from(["k8s.core.pod", "k8s<&>"])),
            "resource_name": draw(st.sampled_from(names)),
            "scope": draw(st.sampled_from(["c1", "c<2>"])),
            "region": draw(st.one_of(st.none(), TEXT)),
            "namespace": draw(st.one_of(st.none(), st.sampled_from(names))),
            "status": status,
            "severity": draw(st.sampled_from([rule.get("severity", "high"), *SEVERITIES])),
            "controls": draw(st.sampled_from([rule.get("controls", []), ["8.9", "x<"]])),
            "measures": rule.get("measures", []),
            "message": message,
            "evidence": ev,
            "source": draw(st.sampled_from(sources)),
        }
        if draw(st.integers(0, 5)) == 0:
            r["waiver"] = draw(st.fixed_dictionaries({"id": TEXT, "reason": TEXT}))
        if draw(st.booleans()):
            r["change"] = draw(st.sampled_from(CHANGES))
        rows.append(r)
    return rows


def _reference_section(rows: list[dict[str, Any]], rules: dict[str, Any]) -> str:
    """The stored results section as ``resultrows``' module doc describes it, every row a list
    and the whole section encoded by ``json.dumps`` at once."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def s(x: Any) -> int:
        if x is None:
            return -1
        x = str(x)
        if x not in index:
            index[x] = len(strings)
            strings.append(x)
        return index[x]

    rule_i: dict[str, int] = {}
    res_i: dict[tuple[Any, ...], int] = {}
    resources: list[Any] = []
    waiver_i: dict[str, int] = {}
    waivers: list[Any] = []
    out = []
    for r in rows:
        rule = rules.get(r["rule_id"]) or {}
        ri = rule_i.setdefault(r["rule_id"], len(rule_i))
        src = r.get("source") or {}
        sv = tuple(src.get(k) for k in ("api", "region", "time", "file", "line"))
        key = (
            r["resource_type"],
            r["resource_id"],
            r["resource_name"],
            r["scope"],
            r.get("region"),
            r.get("namespace"),
        )
        if key + sv not in res_i:
            res_i[key + sv] = len(resources)
            resources.append([*[s(k) for k in key], [*[s(k) for k in sv[:4]], sv[4]]])
        ev = []
        for e in r["evidence"]:
            item = [s(e["path"]), s(e["expected"])]
            v = e["value"]
            ev.append(item + [s(v)] if type(v) is str else item + [-1, v])
        row: list[Any] = [res_i[key + sv], ri, STATUSES.index(r["status"]), ev]
        msg = -1 if derived(r, rule.get("messages")) else s(r.get("message", ""))
        w = -1
        if r.get("waiver"):
            wkey = json.dumps(r["waiver"], ensure_ascii=False, separators=(",", ":"))
            if wkey not in waiver_i:
                waiver_i[wkey] = len(waivers)
                waivers.append(r["waiver"])
            w = waiver_i[wkey]
        change = CHANGES.index(r["change"]) if r.get("change") else -1
        extra = {
            k: r[k]
            for k in ("severity", "controls", "measures")
            if k in r and r[k] != rule.get(k, [] if k != "severity" else None)
        }
        tail = [msg, w, change, extra]
        while tail and tail[-1] in (-1, {}):
            tail.pop()
        out.append(row + tail)
    section = {
        "encoding": "bio2scan-rows/1",
        "rows": out,
        "rules": list(rule_i),
        "resources": resources,
        "waivers": waivers,
        "strings": strings,
    }
    return json.dumps(section, ensure_ascii=False, separators=(",", ":"), default=str)


@settings(max_examples=120)
@given(row_sets())
def test_stored_rows_are_what_json_gives_for_the_whole_section(rows: list[dict]) -> None:
    parts: list[str] = []
    for i, r in enumerate(rows):  # a row without the fields that may be left out
        if i % 3 == 2:
            for k in ("region", "namespace", "severity", "controls", "measures"):
                r.pop(k)
            r.pop("source") if i % 2 else None
    write_rows(parts.append, rows, RULES, batch=3)
    assert "".join(parts) == _reference_section(rows, RULES)
    with patch.object(resultrows, "_MEMO", 2):  # the memo emptied again and again
        parts.clear()
        write_rows(parts.append, rows, RULES, batch=3)
    assert "".join(parts) == _reference_section(rows, RULES)


def test_a_stored_document_reads_back() -> None:
    """The section in a whole results.json (UTF-8) is JSON that ``read_rows`` reads."""
    ev = [{"path": "spec.a", "value": "<&>\x00", "expected": "é"}]
    rows = [
        {**r, "evidence": ev, "message": evidence_message("FAIL", ev)}
        for r in ({"status": "FAIL", "severity": "high"},)
        for r in [_plain_row(r)]
    ]
    buf = io.BytesIO()
    write_results(buf, {"rules": RULES, "results": rows})
    section = json.loads(buf.getvalue())["results"]
    assert read_rows(section, RULES)[0]["evidence"] == ev


def _plain_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "finding_id": "f",
        "rule_id": "k8s.r0",
        "resource_id": "Pod/a",
        "resource_type": "k8s.core.pod",
        "resource_name": "a",
        "scope": "c1",
        "region": None,
        "namespace": "ns",
        "controls": ["8.9"],
        "measures": [],
        "source": {"file": "a.yaml", "line": 3},
        **r,
    }


@settings(max_examples=120)
@given(row_sets())
def test_sarif_results_are_what_json_gives_for_the_result_dict(rows: list[dict]) -> None:
    index = {rid: i for i, rid in enumerate(RULES)}
    fast, small = sarif._Results(index), sarif._Results(index)
    for r in rows:
        if r["rule_id"] in index and r["status"] in sarif._KIND:
            expected = sarif._dumps(sarif._result(r, index[r["rule_id"]], {}))
            assert fast.text(r) == expected
            with patch.object(sarif, "_MEMO", 1):  # the memo emptied on every new value
                assert small.text(r) == expected


@settings(max_examples=120)
@given(row_sets(), st.sampled_from([*RULES, "k8s.gone"]))
def test_junit_cases_are_what_the_escaping_case_gives(rows: list[dict], rid: str) -> None:
    rule = RULES.get(rid, {})
    head = f"    <testcase classname={junit._q(rid)} name="
    for i, r in enumerate(rows):
        r["rule_id"] = rid
        if i % 4 == 3:  # values that are not text: the careful path
            r["severity"] = None
            if r["status"] == "NOT_APPLICABLE":
                r["message"] = None
    expected = "".join(junit._case(r, head, rule, "en", {}) for r in rows)
    assert junit._cases(rows, head, rule, "en", {}) == expected


@given(st.text(CHARS))
def test_xml_escapes_by_replace_are_the_translation_tables(text: str) -> None:
    assert junit._escape_text(text) == text.translate(junit._TEXT)
    assert junit._escape_attr(text) == text.translate(junit._ATTR)
    assert junit._q(text) == '"' + junit._x(text).translate(junit._ATTR) + '"'
    assert junit._t(text) == junit._x(text).translate(junit._TEXT)


@given(VALUE)
def test_the_one_c_encoder_is_json_dumps(value: Any) -> None:
    encode = compact_encoder()
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    assert encode(value) == expected
    assert encode([value, {"k": value}]) == f'[{expected},{{"k":{expected}}}]'


def test_the_c_encoder_is_usable_after_a_circular_value() -> None:
    encode = compact_encoder()
    loop: list[Any] = []
    loop.append(loop)
    try:
        encode(loop)
    except ValueError as exc:
        assert "Circular" in str(exc)
    else:  # pragma: no cover - the encoder must refuse it
        raise AssertionError("a circular list was encoded")
    shared = [1]
    assert encode([shared, shared]) == "[[1],[1]]"
