"""The audit's reproductions, end to end through the installed rule set and the CLI: an
account where only Security Hub is on, a Kubernetes-only scan, and a control evidenced by an
info rule only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from clirun import run_cli

from bio2scan import api
from bio2scan.documents import write_json
from bio2scan.model import Inventory, Resource, ScanMeta, Source, Target

T = "2026-12-01T09:00:00+00:00"
NOW = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
ACCOUNT = "111122223333"


def securityhub_only() -> Inventory:
    """Two regions with Security Hub on and a READY standard, nothing else."""
    resources = tuple(
        Resource(
            type="aws.securityhub.region",
            id=f"arn:aws:securityhub:{region}:{ACCOUNT}:hub/default",
            name=region,
            scope=ACCOUNT,
            region=region,
            source=Source(api="securityhub:DescribeHub", region=region, time=T),
            data={
                "Hub": {"HubArn": f"arn:aws:securityhub:{region}:{ACCOUNT}:hub/default"},
                "Standards": [{"StandardsArn": "cis", "StandardsStatus": "READY"}],
            },
        )
        for region in ("eu-west-1", "eu-central-1")
    )
    meta = ScanMeta("0.1.0", T, T, targets=(Target("aws", (ACCOUNT,), ("eu-west-1",)),))
    return Inventory(meta=meta, resources=resources)


@pytest.fixture(scope="module")
def rules():
    return list(api.load_rules().values())


def test_only_security_hub_on_is_not_compliant_anywhere(rules, tmp_path):
    doc = api.assess(securityhub_only(), rules, now=NOW)
    statuses = {c["id"]: c["status"] for c in doc["controls"]}
    good = {"evidence-complete", "compliant-with-accepted-risk"}
    assert not {cid for cid, s in statuses.items() if s in good}
    assert statuses["5.1"] == "manual"  # no rule claims an organisational control
    # the audit's five "voldoet" controls: evidence, but not enough to call them anything more
    for cid in ("5.36", "8.8", "8.9", "8.16"):
        assert statuses[cid] in ("partially-evidenced", "not-assessed"), (cid, statuses[cid])
    assert doc["summary"]["compliance"]["percent"] == 0.0
    assert api.exit_code(doc, "none", min_compliance=100) == 1
    assert api.exit_code(doc, "none", min_compliance=0) == 0
    # the same through the command line
    inv = tmp_path / "inv.json"
    write_json(inv, securityhub_only().to_dict())
    p = run_cli("evaluate", str(inv), "-o", str(tmp_path / "o"), "-q", "--fail-on", "none")
    assert p.returncode == 0, p.stderr
    p = run_cli("evaluate", str(inv), "-o", str(tmp_path / "o"), "-q", "--min-compliance", "100")
    assert p.returncode == 1


def _manifests(root: Path) -> Path:
    d = root / "k8s"
    d.mkdir()
    (d / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n"
        "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
        "      - name: web\n        image: registry.example/web:1.2\n"
    )
    return d


def test_kubernetes_only_scan_marks_cloud_only_controls_out_of_scope(rules, tmp_path):
    d = _manifests(tmp_path)
    p = run_cli("scan", "manifests", str(d), "-o", str(tmp_path / "o"), "-q", "--fail-on", "none")
    assert p.returncode == 0, p.stderr
    doc = api.load_results(tmp_path / "o" / "results.json")
    assert doc["scan"]["providers"] == ["k8s"]
    deciding: dict[str, set[str]] = {}
    for r in rules:
        if r.severity.value != "info":
            for cid in r.controls:
                deciding.setdefault(cid, set()).add(r.provider)
    controls = {c["id"]: c for c in doc["controls"]}
    cloud_only = [cid for cid, provs in deciding.items() if "k8s" not in provs]
    assert len(cloud_only) > 10  # e.g. 5.28, 8.13, 8.15, 8.16 …
    for cid in cloud_only:
        c = controls[cid]
        assert c["status"] == "out-of-scope", (cid, c["status"])
        assert c["out_of_scope"] == sorted(deciding[cid]) and c["basis"] == "providers-not-scanned"
    for cid, provs in deciding.items():
        if "k8s" in provs:
            assert controls[cid]["status"] != "out-of-scope", cid
    measures = {m["id"]: m for m in doc["measures"]}
    assert measures["5.28.01"]["status"] == "out-of-scope"
    assert set(measures["5.28.01"]["out_of_scope"]) == {"aws", "azure"}
    # every report names them
    md = run_cli(
        "report",
        str(tmp_path / "o" / "results.json"),
        "--format",
        "md,html,soa-csv",
        "-o",
        str(tmp_path / "r"),
    )
    assert md.returncode == 0, md.stderr
    assert "not scanned: aws, azure" in (tmp_path / "r" / "report.md").read_text().lower()
    soa = (tmp_path / "r" / "soa.csv").read_text("utf-8-sig")
    assert '"control","8.15","8.15"' in soa and "aws=out-of-scope;azure=out-of-scope" in soa


def test_a_control_with_only_an_info_rule_is_not_compliant(rules):
    """The demo's 5.23 read "compliant" on aws.kms.key_single_region (info) alone."""
    key = Resource(
        type="aws.kms.key",
        id=f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1",
        name="1",
        scope=ACCOUNT,
        region="eu-west-1",
        data={"KeyId": "1", "KeyManager": "CUSTOMER", "KeyState": "Enabled", "MultiRegion": False},
    )
    inv = Inventory(meta=securityhub_only().meta, resources=(key,))
    chosen = [r for r in rules if "5.23" in r.controls]
    assert chosen and all(r.severity.value == "info" for r in chosen)
    doc = api.assess(inv, chosen, now=NOW)
    assert any(r["status"] == "PASS" for r in doc["results"])
    c523 = next(c for c in doc["controls"] if c["id"] == "5.23")
    assert c523["status"] == "manual" and c523["evidence"]
    assert next(m for m in doc["measures"] if m["id"] == "5.23.01")["status"] == "manual"
