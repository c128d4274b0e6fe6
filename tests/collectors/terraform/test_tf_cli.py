"""``bio2scan scan terraform`` through the real console entry point: exit codes, SARIF regions
at the resource block, notices, and bad invocations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clirun import run_cli
from tfhelpers import write

TF = """
resource "aws_security_group" "admin" {
  name = "admin"
  tags = { Name = "admin" }
  ingress {
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_route_table" "rt" {
  vpc_id = "vpc-1"
}
"""


def test_scan_fails_on_findings_and_sarif_points_at_the_block(tmp_path):
    write(tmp_path / "infra", {"main.tf": TF})
    out = tmp_path / "out"
    p = run_cli(
        "scan", "terraform", "infra", "--format", "sarif,json", "-o", str(out), cwd=tmp_path
    )
    assert p.returncode == 1, p.stderr
    sarif = json.loads((out / "results.sarif").read_text("utf-8"))
    hits = [
        r for r in sarif["runs"][0]["results"] if r["ruleId"] == "aws.ec2.sg_admin_ports_not_public"
    ]
    assert len(hits) == 1
    loc = hits[0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf"
    assert loc["physicalLocation"]["region"] == {"startLine": 2}
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "aws_security_group.admin"
    from bio2scan.documents import load_inventory

    notes = [n.to_dict() for n in load_inventory(out / "inventory.json.gz").notices]
    assert notes == [
        {
            "code": "not-checked",
            "provider": "aws",
            "file": "infra/main.tf",
            "line": 13,
            "kind": "aws_route_table",
            "reason": "no mapping to a checked resource type",
        }
    ]


def test_exit_codes_for_bad_input(tmp_path):
    write(tmp_path, {"main.tf": TF, "broken.tf": "resource {\n"})
    p = run_cli("scan", "terraform", str(tmp_path), "--format", "json", "-o", str(tmp_path / "o"))
    assert p.returncode == 1  # findings; the broken file is a collection error, not a crash
    p = run_cli(
        "scan",
        "terraform",
        str(tmp_path),
        "--fail-on-error",
        "--format",
        "json",
        "-o",
        str(tmp_path / "o"),
    )
    assert p.returncode == 3, p.stderr
    p = run_cli("scan", "terraform", str(tmp_path), "--var", "nothing=1", "-o", str(tmp_path / "o"))
    assert p.returncode == 2
    err = p.stderr.decode()
    assert "no variable 'nothing'" in err and "Traceback" not in err
    p = run_cli("scan", "terraform", str(tmp_path / "missing"), "-o", str(tmp_path / "o"))
    assert p.returncode == 2 and "no such file or directory" in p.stderr.decode()
