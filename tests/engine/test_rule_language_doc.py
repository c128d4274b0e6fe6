"""docs/rule-language.md: its truth tables are generated from the engine and kept in sync.
Regenerate with

    BIO2SCAN_UPDATE_DOCS=1 .venv/bin/python -m pytest -q tests/engine/test_rule_language_doc.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from bio2scan.engine.conditions import OPERATORS, compile_condition

DOC = Path(__file__).resolve().parents[2] / "docs" / "rule-language.md"

OPERANDS = {
    "equals": ["x"],
    "not_equals": ["x"],
    "in": [["x"]],
    "not_in": [["x"]],
    "exists": [True, False],
    "empty": [True],
    "matches": ["x"],
    "not_matches": ["x"],
    "gt": [1],
    "gte": [1],
    "lt": [1],
    "lte": [1],
    "contains": ["x"],
    "not_contains": ["x"],
    "length_gte": [1],
    "length_lte": [1],
}
VALUES = [True, 7, "7", "x", ["x"], {"x": 1}]
HEADS = ["`true`", "`7`", '`"7"`', '`"x"`', '`["x"]`', "`{x: 1}`"]
WORD = {True: "true", False: "false", None: "unknown"}


def _truth(cond, data):
    return compile_condition(cond, {}, "check")(data, "", None)[0]


def operator_kinds() -> str:
    lines = [
        "| operator | operand | absent / null | " + " | ".join(HEADS) + " |",
        "|---" * (3 + len(VALUES)) + "|",
    ]
    assert set(OPERANDS) == set(OPERATORS), "every operator needs a row"
    for op, operands in OPERANDS.items():
        for x in operands:
            leaf = {"path": "v", op: x}
            absent = _truth(leaf, {})
            assert _truth(leaf, {"v": None}) is absent  # null is absent
            cells = [WORD[absent]] + [WORD[_truth(leaf, {"v": v})] for v in VALUES]
            lines.append(f"| `{op}` | `{json.dumps(x)}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def connectives() -> str:
    leaf = {
        True: {"path": "t", "equals": True},
        False: {"path": "f", "equals": True},
        None: {"path": "u", "equals": True},
    }
    data = {"t": True, "f": False}
    lines = ["| a | b | `all: [a, b]` | `any: [a, b]` | `not: a` |", "|---|---|---|---|---|"]
    for a in (True, False, None):
        for b in (True, False, None):
            row = [
                WORD[a],
                WORD[b],
                WORD[_truth({"all": [leaf[a], leaf[b]]}, data)],
                WORD[_truth({"any": [leaf[a], leaf[b]]}, data)],
                WORD[_truth({"not": leaf[a]}, data)],
            ]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _sections(text: str) -> dict[str, str]:
    return {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r"<!-- ([\w-]+):begin -->\n(.*?)<!-- \1:end -->", text, re.S)
    }


def test_rule_language_tables_are_generated_from_the_engine():
    text = DOC.read_text("utf-8")
    want = {"operator-kinds": operator_kinds(), "connectives": connectives()}
    if os.environ.get("BIO2SCAN_UPDATE_DOCS"):
        for name, body in want.items():
            text = re.sub(
                rf"(<!-- {name}:begin -->\n).*?(<!-- {name}:end -->)",
                lambda m, body=body: m.group(1) + body + "\n" + m.group(2),
                text,
                flags=re.S,
            )
        DOC.write_text(text, "utf-8")
    have = _sections(text)
    for name, body in want.items():
        assert have.get(name) == body, (
            f"docs/rule-language.md: table {name} is out of date; regenerate with "
            "BIO2SCAN_UPDATE_DOCS=1 .venv/bin/python -m pytest -q tests/engine/test_rule_language_doc.py"
        )


def test_every_operator_and_absent_form_is_named():
    text = DOC.read_text("utf-8")
    for name in OPERATORS:
        assert f"`{name}`" in text
    for form in ("`pass`", "`fail`", "`empty`", "`{default: VALUE}`", "deferred", "--mutate"):
        assert form in text
