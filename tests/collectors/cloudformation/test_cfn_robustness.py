"""Hostile and odd templates: every value of the estates replaced by something unknown, by a
symbol, or by the wrong kind of value. The collector must not fail, must record what it could
not map, and must never let a rule pass on a value it replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bio2scan import api
from bio2scan.collectors.cloudformation.stack import yaml_tag
from bio2scan.collectors.template_source import load_yaml

HERE = Path(__file__).resolve().parent / "estate"


def _swap(value: Any, leaf: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and (
            next(iter(value)) == "Ref" or str(next(iter(value))).startswith("Fn::")
        ):
            return leaf
        return {k: _swap(v, leaf) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, leaf) for v in value]
    return leaf


@pytest.mark.parametrize(
    "leaf", [{"Ref": "Nope"}, {"Ref": "AWS::Region"}, [1, "x"], {"k": None}, 7]
)
@pytest.mark.parametrize("estate", ["parity.yaml", "coverage.yaml"])
def test_every_value_replaced(tmp_path, estate, leaf):
    doc, _ = load_yaml((HERE / estate).read_text(), yaml_tag)
    for res in doc["Resources"].values():
        if "Properties" in res:
            res["Properties"] = _swap(res["Properties"], leaf)
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(doc))
    rules = [r for r in api.load_rules().values() if r.provider == "aws"]
    inv, results = api.scan("cloudformation", {"paths": [str(tmp_path / "t.yaml")]}, rules=rules)
    failed = [e.reason for e in inv.errors if "failed" in e.reason]
    assert not failed, failed
    if leaf == {"Ref": "Nope"}:
        # nothing the template says is known: a PASS may come only from what no property sets
        for r in inv.resources:
            assert r.errors or r.deferred or r.type.endswith("region"), (r.id, r.data)
    assert results["results"]
