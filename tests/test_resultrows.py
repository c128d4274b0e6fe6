"""results.json's stored rows (schema 3, ``bio2scan.resultrows``): every row comes back as it
went in — message, evidence values of every JSON type, waivers, changes, rows that differ from
their rule — and a broken table is a one-line input error, never a wrong row."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bio2scan import api
from bio2scan.assess.document import decode
from bio2scan.documents import write_results
from bio2scan.errors import InputError
from bio2scan.model import finding_id
from bio2scan.resultrows import MESSAGE_TEMPLATES, evidence_message, read_rows, row_message

RULE = {"severity": "high", "controls": ["8.9"], "measures": [], "messages": MESSAGE_TEMPLATES}


def _row(i: int, status: str, evidence: list, message: str | None = None, **extra) -> dict:
    rid = f"k8s.r{i % 2}"
    d = {
        "finding_id": finding_id(rid, "c1", f"ns/Pod/p{i}"),
        "rule_id": rid,
        "resource_id": f"ns/Pod/p{i}",
        "resource_type": "k8s.core.pod",
        "resource_name": f"p{i}",
        "scope": "c1",
        "region": None,
        "namespace": "ns",
        "status": status,
        "severity": "high",
        "controls": ["8.9"],
        "measures": [],
        "message": message if message is not None else evidence_message(status, evidence),
        "evidence": evidence,
        "source": {"file": "a.yaml", "line": i + 1} if i % 2 else {"api": "list_pods"},
    }
    return d | extra


def _ev(path: str, value, expected: str = "== true") -> dict:
    return {"path": path, "value": value, "expected": expected}


ROWS = [
    _row(0, "PASS", [_ev("spec.a", True)]),
    _row(1, "FAIL", [_ev("spec.b", "text"), _ev("spec.c", None), _ev("spec.d", 3)]),
    _row(2, "PASS", []),  # "no values to check"
    _row(3, "FAIL", [_ev(f"spec.e[{k}]", [k, {"x": 1.5}]) for k in range(5)]),  # "and 2 more"
    _row(4, "ERROR", [_ev("spec.f", None, "is unreadable")], "cannot decide: spec.f"),
    _row(5, "FAIL", [_ev("spec.g", "x")], "a message of its own"),  # not the template's
    _row(6, "WAIVED", [_ev("spec.h", 0)], "spec.h = 0", waiver={"id": "W-1", "kind": "r"}),
    _row(7, "FAIL", [_ev("spec.i", "<b>&'\u202e")], change="new", severity="low"),
    _row(8, "PASS", [_ev("spec.j", "-1")], change="unchanged", controls=["8.9", "5.15"]),
]


def _stored(rows: list[dict]) -> dict:
    doc = {"rules": {"k8s.r0": RULE, "k8s.r1": RULE}, "results": rows}
    buf = io.BytesIO()
    write_results(buf, doc)
    return json.loads(buf.getvalue())


def test_rows_come_back_as_they_went_in() -> None:
    stored = _stored(ROWS)
    table = stored["results"]
    assert table["encoding"] == "bio2scan-rows/1"
    # the template's messages are not stored; the two of their own are
    assert [r[4] if len(r) > 4 else -1 for r in table["rows"]].count(-1) == len(ROWS) - 3
    assert read_rows(table, stored["rules"]) == ROWS


def test_a_value_whose_notation_would_change_keeps_its_message() -> None:
    """A tuple prints as ``(1, 2)`` but comes back from JSON as ``[1, 2]``: its message is
    stored, so the report says what the engine said."""
    row = _row(0, "FAIL", [_ev("spec.t", (1, 2))])
    stored = _stored([row])
    back = read_rows(stored["results"], stored["rules"])[0]
    assert back["message"] == "spec.t = (1, 2) (expected == true)"
    assert back["evidence"][0]["value"] == [1, 2]


def test_pass_messages_in_dutch_come_from_the_rule_templates() -> None:
    row = ROWS[0]
    assert row_message(row, {"k8s.r0": RULE}, "nl") == "spec.a = True (verwacht == true)"
    assert row_message(row, {"k8s.r0": RULE}, "en") == row["message"]
    assert row_message(ROWS[4], {"k8s.r0": RULE}, "nl") == "cannot decide: spec.f"


@pytest.mark.parametrize(
    "path,value,why",
    [
        (("rows", 0, 0), 999, "points to no resource"),
        (("rows", 0, 1), 7, "points to no resource, rule"),
        (("rows", 0, 2), 9, "points to no resource, rule or status"),
        (("rows", 1, 3, 0, 0), 10**6, "string index"),
        (("rows", 6, 5), 4, "waiver index"),
    ],
)
def test_a_broken_table_is_an_input_error(path, value, why) -> None:
    stored = _stored(ROWS)
    target = stored["results"]
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value
    with pytest.raises(InputError) as err:
        decode({"rules": stored["rules"], "results": stored["results"]}, "r.json")
    assert why in str(err.value) and "r.json" in str(err.value)


def test_report_renders_rules_from_rules_dir_without_them(tmp_path) -> None:
    """A scan with a rule from ``--rules-dir``, then ``bio2scan report`` of its results.json
    with no rule files at all: the rule's texts and message templates travel in the document,
    so every row comes back with its message, and a Dutch report says PASS in Dutch."""
    from clirun import run_cli

    root = Path(__file__).resolve().parent.parent
    src = (root / "rules/k8s/pod/allow_privilege_escalation.yaml").read_text("utf-8")
    own = tmp_path / "mine" / "k8s" / "custom" / "esc.yaml"
    own.parent.mkdir(parents=True)
    own.write_text(src.replace("id: k8s.pod.allow_privilege_escalation", "id: k8s.custom.esc"))
    manifests = root / "demo" / "manifests"
    out = tmp_path / "out"
    args = ("scan", "manifests", str(manifests), "--rules-dir", str(tmp_path / "mine"))
    p = run_cli(*args, "--rules", "k8s.custom.*", "--fail-on", "none", "-o", str(out), "-q")
    assert p.returncode in (0, 3), p.stderr
    doc = api.load_results(out / "results.json")
    assert {r["rule_id"] for r in doc["results"]} == {"k8s.custom.esc"}
    passed = [r for r in doc["results"] if r["status"] == "PASS"]
    assert passed and all(r["message"] and "expected" in r["message"] for r in passed)
    p = run_cli(
        "report", str(out / "results.json"), "--format", "csv", "--lang", "nl",
        "-o", str(tmp_path / "nl"),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    text = (tmp_path / "nl" / "results.csv").read_text("utf-8-sig")
    assert "(verwacht " in text and "k8s.custom.esc" in text


def _reference_derived(row: dict, templates: dict | None) -> bool:
    """What ``derived`` decides, by rendering the templates (the way it always can)."""
    from bio2scan.resultrows import _plain

    if row["status"] not in ("PASS", "FAIL") or not all(
        _plain(e["value"]) for e in row["evidence"]
    ):
        return False
    return row["message"] == evidence_message(row["status"], row["evidence"], "en", templates)


# paths and values a template's placeholders could meet, values of every kind, 0 to 5 items
TRICKY = [
    [],
    [_ev("spec.a", True)],
    [_ev("spec.{value}", 1)],
    [_ev("spec.{expected}", "x")],
    [_ev("spec.b", "x{expected}y")],
    [_ev("spec.b", "{path}")],
    [_ev("spec.c", 1.5, "{value}")],
    [_ev("spec.d", (1, 2))],  # a tuple: its notation does not survive JSON
    [_ev("spec.d", {"k": [1, None]})],
    [_ev("spec.e", None), _ev("spec.f", "{n}")],
    [_ev(f"spec.g[{k}]", k) for k in range(5)],
    [_ev(f"spec.g[{k}]", k) for k in range(3)] + [_ev("spec.h", (1,))],  # not shown, not plain
]


@pytest.mark.parametrize("evidence", TRICKY)
@pytest.mark.parametrize("status", ["PASS", "FAIL", "ERROR"])
def test_derived_decides_as_rendering_the_templates_does(evidence, status):
    from bio2scan.resultrows import derived

    engine = evidence_message(status, evidence) if status != "ERROR" else "cannot decide"
    f_string = "; ".join(
        f"{e['path']} = {e['value']!r} (expected {e['expected']})" for e in evidence
    )
    for message in {engine, f_string, "no values to check", status, engine + " "}:
        row = _row(0, status, evidence, message)
        for templates in (None, MESSAGE_TEMPLATES, json.loads(json.dumps(MESSAGE_TEMPLATES))):
            assert derived(row, templates) is _reference_derived(row, templates), (
                message,
                templates,
            )


def test_tricky_rows_come_back_as_they_went_in():
    rows = [_row(i, "FAIL" if i % 2 else "PASS", ev) for i, ev in enumerate(TRICKY)]
    rows += [_row(20 + i, "PASS", ev, "a message of its own") for i, ev in enumerate(TRICKY)]
    for r in rows:  # what a JSON round trip makes of a value (a tuple comes back a list)
        for e in r["evidence"]:
            e["value"] = json.loads(json.dumps(e["value"]))
    doc = {"rules": {"k8s.r0": RULE, "k8s.r1": RULE}, "results": rows}
    buf = io.BytesIO()
    write_results(buf, doc)
    back = decode(json.loads(buf.getvalue()))["results"]
    assert back == rows
