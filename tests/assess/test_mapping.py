"""The rule → BIO2 mapping: every link justified, no over-claims, one concept the same on every
provider, and the export an auditor gets (``bio2scan controls --mapping``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from clirun import run_cli

from bio2scan import api
from bio2scan.catalog import load_catalog

DATA = yaml.safe_load((Path(__file__).parent / "concepts.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def rules():
    return api.load_rules()


def test_concept_data_names_real_rules_of_several_providers(rules):
    listed = [r for f in DATA["families"].values() for r in f]
    listed += [r for c in DATA["concepts"].values() for r in c]
    assert not [r for r in listed if r not in rules], "concepts.yaml names unknown rules"
    for name, ids in DATA["concepts"].items():
        assert len({r.split(".")[0] for r in ids}) >= 2, f"{name}: one provider only"


def test_no_exposure_or_encryption_rule_claims_8_1_or_8_11(rules):
    for family in ("exposure", "encryption"):
        for rid in DATA["families"][family]:
            claimed = set(rules[rid].controls)
            assert not claimed & {"8.1", "8.11"}, f"{rid} ({family}) claims {claimed}"


def test_the_same_concept_claims_the_same_controls_on_every_provider(rules):
    for name, ids in DATA["concepts"].items():
        claims = {
            rid: {c: rules[rid].links[c].strength for c in rules[rid].controls} for rid in ids
        }
        first = claims[ids[0]]
        wrong = {rid: c for rid, c in claims.items() if c != first}
        assert not wrong, f"{name}: {ids[0]} claims {first}, but {wrong}"


def test_every_link_has_a_strength_and_a_reason_and_fits_the_catalogue(rules):
    cat = load_catalog()
    for r in rules.values():
        assert set(r.links) == set(r.controls) | set(r.measures), r.id
        for bid, link in r.links.items():
            assert link.strength in ("direct", "supporting") and len(link.reason) >= 10
            item = cat.controls.get(bid) or cat.measures[bid]
            assert item.automatable != "no", f"{r.id} claims organisational {bid}"
            if r.severity.value == "info":
                assert link.strength == "supporting", f"info rule {r.id} decides {bid}"


def test_removed_over_claims_stay_removed(rules):
    """Audit 2026-12 §7: organisational controls are not claimed by technical switches, and
    the measure claims that did not hold are gone."""
    by_control: dict[str, set[str]] = {}
    for r in rules.values():
        for bid in r.links:
            by_control.setdefault(bid, set()).add(r.id)
    for organisational in ("5.1", "5.22", "5.35", "6.8"):
        assert not by_control.get(organisational), organisational
    assert "5.16" not in rules["aws.config.recorder_all_resources"].controls
    assert "8.10" not in rules["aws.s3.bucket_versioning"].controls
    assert "5.18.02" not in rules["aws.iam.user_no_inline_policies"].measures
    assert "8.02.01" not in rules["azure.iam.owner_count_max"].measures
    assert "5.17.01" not in rules["azure.database.sql_entra_only"].measures
    assert "8.24.02" not in rules["k8s.secret.tls_certificate_expiry"].measures
    assert "8.15.05" not in rules["aws.cloudtrail.bucket_not_public"].measures
    assert "5.14.04" not in rules["aws.ec2.instance_no_public_ip"].measures
    assert not [r.id for r in rules.values() if "8.24.01" in r.measures]  # a policy document


def test_under_claims_are_added(rules):
    assert "8.03.01" in rules["aws.s3.bucket_policy_not_public"].measures
    assert {"8.21.02", "8.16.04"} <= set(rules["aws.guardduty.enabled"].measures)
    assert "8.8" in rules["azure.defender.servers"].controls
    assert "8.18.02" in rules["aws.logs.security_log_retention"].measures
    assert "5.16.02" in rules["aws.iam.root_not_used_recently"].measures
    assert "5.16.01" in rules["aws.iam.user_unused_credentials"].measures
    assert "7.10" in rules["azure.compute.disk_network_access"].controls


def test_mapping_export_json_and_csv(rules):
    links = sum(len(r.links) for r in rules.values())
    p = run_cli("controls", "--mapping", "--format", "json")
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    assert len(rows) == links
    row = next(r for r in rows if r["rule"] == "aws.ec2.sg_admin_ports_not_public" and r["measure"])
    assert row == {
        "control": "8.20",
        "control_title": "Networks security",
        "measure": "8.20.02",
        "rule": "aws.ec2.sg_admin_ports_not_public",
        "provider": "aws",
        "severity": "critical",
        "strength": "direct",
        "reason": rules[row["rule"]].links["8.20.02"].reason,
        "rule_title": rules[row["rule"]].title["en"],
    }
    p = run_cli("controls", "--mapping", "--format", "csv", "--lang", "nl")
    text = p.stdout.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == links and table[0].keys() >= {"control", "measure", "strength", "reason"}
    assert all(line.startswith('"') for line in text.splitlines())  # every field quoted
    p = run_cli("controls", "8.24", "--mapping", "--format", "json")
    assert {r["control"] for r in json.loads(p.stdout)} == {"8.24"}
    p = run_cli("controls", "--format", "csv")
    assert p.returncode == 2 and "only with --mapping" in p.stderr.decode()
