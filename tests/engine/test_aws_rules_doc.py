"""docs/aws-rules.md carries generated blocks (coverage against Prowler, rule index); they must
match the rules as loaded, so the document cannot silently drift from the rule set."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _coverage_module():
    spec = importlib.util.spec_from_file_location("bench_coverage", ROOT / "bench" / "coverage.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_blocks_are_fresh():
    cov = _coverage_module()
    doc = cov.DOC.read_text("utf-8")
    assert cov.render_doc(doc) == doc, "run: python bench/coverage.py --write"


def test_table_counts_rules_per_control():
    cov = _coverage_module()
    prowler = {"8.24": {"a", "b"}, "5.17": {"c"}}
    ours = {"8.24": {"x"}, "5.17": {"y", "z"}, "5.14": {"w"}}
    text = cov.table(prowler, ours)
    assert "| 8.24 | 2 | 0 | 1 | fewer (other services) |" in text
    assert "| 5.17 | 1 | 0 | 2 |  |" in text
    assert "| 5.14 | 0 | 0 | 1 |  |" in text
    assert text.index("| 5.14 |") < text.index("| 5.17 |") < text.index("| 8.24 |")
