"""The library's face, used the way the docstring of ``bio2scan.api`` shows."""

from __future__ import annotations

import datetime as _dt

import pytest

import bio2scan
from bio2scan import api
from bio2scan.errors import UsageError
from bio2scan.testing import make_inventory

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "namespace": "a"},
    "spec": {
        "containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": True}}]
    },
}


@pytest.fixture
def manifest(tmp_path):
    import yaml

    path = tmp_path / "pod.yaml"
    path.write_text(yaml.safe_dump(POD))
    return path


def test_the_documented_flow(manifest, tmp_path):
    rules = bio2scan.select_rules(bio2scan.load_rules(), patterns=["k8s.pod.*"])
    assert rules and all(r.id.startswith("k8s.pod.") for r in rules)
    inv = api.collect("manifests", {"paths": [str(manifest)]}, rules=rules)
    assert [r.type for r in inv.resources] == ["k8s.core.pod"]
    doc = api.assess(inv, rules, now=NOW)
    api.validate_results(doc)
    paths = api.render(doc, ["json", "md"], tmp_path / "out")
    assert set(paths) == {"json", "md"} and all(p.exists() for p in paths.values())
    assert api.exit_code(doc, fail_on="critical") == 1
    assert api.exit_code(doc, fail_on="none") == 0
    _inv2, doc2 = api.scan("manifests", {"paths": [str(manifest)]}, rules=rules, now=NOW)
    assert [r["status"] for r in doc2["results"]] == [r["status"] for r in doc["results"]]


def test_selection_by_control_measure_severity_provider(all_rules):
    by_measure = api.select_rules(all_rules, controls=["8.18.01"])
    assert by_measure and all("8.18.01" in r.measures for r in by_measure)
    crit = api.select_rules(all_rules, severity="critical")
    assert crit and {r.severity.value for r in crit} == {"critical"}
    aws = api.select_rules(all_rules, providers=["aws"])
    assert all(r.provider == "aws" for r in aws)
    with pytest.raises(UsageError, match="neither a BIO2 control nor a measure"):
        api.select_rules(all_rules, controls=["1.1"])


def test_needed_types_and_digest(all_rules):
    rules = api.select_rules(all_rules, patterns=["k8s.pod.privileged_container"])
    assert "k8s.apps.deployment" in api.needed_types(rules)
    assert api.ruleset_digest(rules) == api.ruleset_digest(list(reversed(rules)))
    assert api.ruleset_digest(rules) != api.ruleset_digest(
        api.select_rules(all_rules, patterns=["k8s.pod.host_pid"])
    )


def test_incomplete_inventory_exit_3_takes_precedence(all_rules):
    from bio2scan.model import CollectionError

    inv = make_inventory(
        [], [CollectionError("k8s", "k8s.core.pod", "c", "forbidden", "AccessDenied")]
    )
    rules = api.select_rules(all_rules, patterns=["k8s.pod.privileged_container"])
    doc = api.assess(inv, rules, now=NOW)
    assert doc["summary"]["complete"] is False
    assert api.exit_code(doc, fail_on="low", fail_on_error=True) == 3
    assert api.exit_code(doc, fail_on="low") == 0
    assert {r["status"] for r in doc["results"]} == {"ERROR"}


def test_unknown_target_and_format():
    with pytest.raises(UsageError, match="unknown scan target 'nope'"):
        api.collect("nope", {})
    with pytest.raises(UsageError, match="--format 'pdf'"):
        api.parse_formats(["json,pdf"])
    assert api.parse_formats(["json,md", "json"]) == ["json", "md"]


def test_override_that_breaks_a_check_is_a_usage_error(all_rules):
    rule = next(r for r in all_rules.values() for p in r.params.values() if p.type == "list")
    pname = next(p.name for p in rule.params.values() if p.type == "list")
    ok = api.compile_rules([rule], {rule.id: {pname: ["x"]}})
    assert len(ok) == 1
    with pytest.raises(UsageError, match=f"{pname}|{rule.id}"):
        api.parse_params([f"{rule.id}.nonexistent=1"], all_rules)
