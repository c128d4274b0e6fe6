"""The coverage figures of docs/iac.md, computed from the rule set and the mapping tables, and
the mapping tables checked against what they really produce."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

DOC = Path(__file__).resolve().parents[3] / "docs" / "iac.md"
NAMES = {"aws": "AWS", "azure": "Azure"}


def _figures(provider: str) -> tuple[int, int, int, int]:
    from bio2scan import api
    from bio2scan.collectors.terraform.mapper import PRODUCED

    rules = [r for r in api.load_rules().values() if r.provider == provider]
    live = [r for r in rules if r.live_only]
    mapped = [r for r in rules if not r.live_only and set(r.resource_types) & set(PRODUCED)]
    return len(mapped), len(rules), len(live), len(rules) - len(live) - len(mapped)


def test_docs_state_the_computed_coverage():
    text = DOC.read_text("utf-8")
    for provider, label in NAMES.items():
        ev, total, live, none = _figures(provider)
        line = (
            f"- {label}: {ev} of {total} rules evaluate on Terraform ({round(100 * ev / total)}%); "
            f"{live} are live-only; {none} have no Terraform mapping."
        )
        assert line in text, f"docs/iac.md should say:\n{line}"


def test_the_targets_are_met():
    for provider in NAMES:
        ev, total, _, _ = _figures(provider)
        assert ev / total >= 0.60, (provider, ev, total)


def test_every_produced_type_is_a_live_type_and_every_mapper_produces_one_of_them():
    """The types the mappings declare are exactly the live collectors' types they produce."""
    from bio2scan.collectors.aws import AwsCollector
    from bio2scan.collectors.azure import AzureCollector
    from bio2scan.collectors.terraform.mapper import PRODUCED

    live = set(AwsCollector().resource_types) | set(AzureCollector().resource_types)
    assert set(PRODUCED) <= live, set(PRODUCED) - live
    src = "".join(
        p.read_text("utf-8")
        for p in (Path(__file__).resolve().parents[3] / "bio2scan/collectors/terraform").glob(
            "*_map*.py"
        )
    )
    used = set(re.findall(r'"((?:aws|azure)\.[a-z0-9_]+\.[a-z0-9_]+)"', src))
    used = {u for u in used if u in live}
    assert used <= set(PRODUCED), used - set(PRODUCED)
