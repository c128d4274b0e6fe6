"""Hostile and odd ARM templates: every property value of the estates replaced by an
unresolvable expression, a symbol, or the wrong kind of value. The collector must not fail and
must not let a rule pass on a value it replaced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deployed import RG, SUB

from bio2scan import api
from bio2scan.collectors.template_source import load_json

HERE = Path(__file__).resolve().parent / "estate"


def _swap(value: Any, leaf: Any) -> Any:
    if isinstance(value, dict):
        return {k: _swap(v, leaf) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, leaf) for v in value]
    return leaf


@pytest.mark.parametrize(
    "leaf", ["[parameters('nope')]", "[resourceGroup().location]", ["x", 1], 0, "[["]
)
@pytest.mark.parametrize("estate", ["parity.json", "coverage.json", "subscription.json"])
def test_every_value_replaced(tmp_path, estate, leaf):
    doc, _ = load_json((HERE / estate).read_text(), comments=True)
    for res in doc["resources"]:
        for key in ("properties", "sku", "tags", "identity"):
            if key in res:
                res[key] = _swap(res[key], leaf)
    (tmp_path / "t.json").write_text(json.dumps(doc, indent=1))
    rules = [r for r in api.load_rules().values() if r.provider == "azure"]
    opts = {"paths": [str(tmp_path / "t.json")], "subscription": SUB, "resource_group": RG}
    opts["parameter"] = ["env=prod", "allowedIp=192.0.2.1", "adminPassword=x"]
    inv, results = api.scan("arm", opts, rules=rules)
    failed = [e.reason for e in inv.errors if "failed" in e.reason]
    assert not failed, failed
    if leaf == "[parameters('nope')]":
        for r in results["results"]:
            if r["status"] == "PASS":  # a PASS only on what the template does not set at all
                assert all("nope" not in json.dumps(e["value"]) for e in r["evidence"]), r
