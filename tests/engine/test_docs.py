"""docs/rules.md lists every operator (with its doc and executable example) and every registered
named function, generated from the code. After adding one, regenerate the lists with

    BIO2SCAN_UPDATE_DOCS=1 .venv/bin/python -m pytest -q tests/engine/test_docs.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from bio2scan.engine.conditions import OPERATORS
from bio2scan.engine.functions import KINDS, load_builtin_functions

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def _rst_to_md(text: str) -> str:
    return re.sub(r"``(.+?)``", r"`\1`", " ".join(text.split()))


def operators_section() -> str:
    lines = ["| operator | operand | meaning and example |", "|---|---|---|"]
    for name, op in OPERATORS.items():
        kind = op.operand.get("type", "any value") if op.operand else "any value"
        lines.append(f"| `{name}` | {kind} | {_rst_to_md(op.doc).replace('|', '&#124;')} |")
    return "\n".join(lines)


def functions_section() -> str:
    reg = load_builtin_functions()
    out: list[str] = []
    for kind in KINDS:
        fns = sorted(
            (f for f in reg.values() if f.kind == kind and not f.name.startswith("test_")),
            key=lambda f: f.name,
        )
        out.append(f"**{kind}** ({len(fns)})\n")
        for f in fns:
            args = f"({', '.join(f.args)})" if f.args else ""
            out.append(f"* `{f.name}`{args} — {_rst_to_md(f.doc)}")
            out.append(f"  *Declares:* {f.declaration()}.")
        out.append("")
    return "\n".join(out).rstrip()


def _sections(text: str) -> dict[str, str]:
    return {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r"<!-- (\w+):begin -->\n(.*?)<!-- \1:end -->", text, re.S)
    }


def _update(text: str, name: str, body: str) -> str:
    return re.sub(
        rf"(<!-- {name}:begin -->\n).*?(<!-- {name}:end -->)",
        lambda m: m.group(1) + body + "\n" + m.group(2),
        text,
        flags=re.S,
    )


def test_rules_doc_is_generated_from_the_code():
    text = DOC.read_text("utf-8")
    want = {"operators": operators_section(), "functions": functions_section()}
    if os.environ.get("BIO2SCAN_UPDATE_DOCS"):
        for name, body in want.items():
            text = _update(text, name, body)
        DOC.write_text(text, "utf-8")
    have = _sections(text)
    hint = (
        "regenerate it with "
        "BIO2SCAN_UPDATE_DOCS=1 .venv/bin/python -m pytest -q tests/engine/test_docs.py"
    )
    assert have.get("operators") == want["operators"], (
        f"docs/rules.md: operators out of date; {hint}"
    )
    # functions: the names under each kind must match (a reworded docstring alone is no failure)
    assert _names(have.get("functions", "")) == _names(want["functions"]), (
        f"docs/rules.md: the function list is out of date; {hint}"
    )


def _names(section: str) -> list[tuple[str, str]]:
    kind, out = "", []
    for line in section.splitlines():
        if m := re.match(r"\*\*(\w+)\*\*", line):
            kind = m.group(1)
        elif m := re.match(r"\* `(\w+)`", line):
            out.append((kind, m.group(1)))
    return out


def test_every_operator_and_function_is_named_in_the_doc():
    text = DOC.read_text("utf-8")
    for name in OPERATORS:
        assert f"`{name}`" in text
    for name in load_builtin_functions():
        if not name.startswith("test_"):
            assert f"`{name}`" in text, f"function {name} is not in docs/rules.md"
