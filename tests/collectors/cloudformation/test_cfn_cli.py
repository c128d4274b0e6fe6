"""``bio2scan scan cloudformation`` through the real console entry point: bad input named with
file and line while the other files are still scanned, nothing silently PASS, exit codes,
SARIF regions, and parameter values that never reach an output file."""

from __future__ import annotations

import json
from pathlib import Path

from clirun import run_cli

from bio2scan import api

GOOD = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: good-logs
      VersioningConfiguration: {Status: Enabled}
"""
BROKEN = """\
Resources:
  Bad:
    Type: AWS::S3::Bucket
     Properties: {}
"""
UNKNOWN = """\
Resources:
  Thing:
    Type: AWS::Made::Up
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: q}
"""
UNRESOLVED = """\
Parameters:
  AdminCidr: {Type: String}
  DbPassword: {Type: String, NoEcho: true}
Resources:
  Admin:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: admin
      GroupDescription: admin access
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref AdminCidr}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: fn
      Environment: {Variables: {DB_PASSWORD: !Ref DbPassword, MISSING: !GetAtt Nowhere.Arn}}
"""
NESTED = """\
Resources:
  Network:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: ./network/missing.yaml}
  Remote:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: https://bucket.s3.amazonaws.com/net.yaml}
"""


def _estate(tmp_path: Path) -> Path:
    d = tmp_path / "templates"
    d.mkdir()
    for name, text in (
        ("good.yaml", GOOD),
        ("broken.yaml", BROKEN),
        ("unknown.yaml", UNKNOWN),
        ("unresolved.yaml", UNRESOLVED),
        ("nested.yaml", NESTED),
        ("buildspec.yml", "version: 0.2\nphases: {build: {commands: [make]}}\n"),
    ):
        (d / name).write_text(text)
    (d / "README.md").write_text("# not a template\n")
    return d


def _scan(*args: str, cwd: Path):
    out = cwd / "out"
    p = run_cli(
        "scan",
        "cloudformation",
        *args,
        "--format",
        "json,sarif",
        "-o",
        str(out),
        "--fail-on",
        "none",
        cwd=cwd,
    )
    doc = api.load_results(out / "results.json") if (out / "results.json").exists() else None
    return p, doc, out


def test_one_bad_file_among_many(tmp_path):
    d = _estate(tmp_path)
    p, doc, _ = _scan("templates", cwd=tmp_path)
    assert p.returncode == 3, p.stderr  # the broken and unreadable parts: incomplete
    reasons = [e["reason"] for e in doc["collection_errors"]]
    assert any(r.startswith("templates/broken.yaml:4: YAML syntax error") for r in reasons), reasons
    from bio2scan.documents import load_inventory

    notes = [n.to_dict() for n in load_inventory(tmp_path / "out" / "inventory.json.gz").notices]
    assert {
        "code": "not-checked",
        "provider": "aws",
        "file": "templates/unknown.yaml",
        "line": 2,
        "kind": "AWS::Made::Up",
        "name": "Thing",
        "reason": "bio2scan has no mapping for this resource type",
    } in notes
    skipped = {n["file"] for n in notes if n["code"] == "skipped"}
    assert skipped == {"templates/buildspec.yml"}  # a YAML file that is not a template
    assert any(
        "templates/nested.yaml:2: Network: the nested template ./network/missing.yaml" in r
        for r in reasons
    )
    assert any("templates/nested.yaml:5: Remote" in r for r in reasons)
    assert not any("buildspec" in r or "README" in r for r in reasons)  # not templates: skipped
    names = {r["resource_name"] for r in doc["results"]}
    assert {"good-logs", "q", "${Admin}", "fn"} <= names  # the good parts are still scanned
    assert doc["summary"]["complete"] is False
    assert d.exists()


def test_an_unresolved_value_is_error_never_pass(tmp_path):
    _estate(tmp_path)
    _, doc, _ = _scan("templates/unresolved.yaml", cwd=tmp_path)
    by = {(r["rule_id"], r["resource_name"]): r for r in doc["results"]}
    ssh = by[("aws.ec2.sg_admin_ports_not_public", "${Admin}")]
    assert ssh["status"] == "ERROR" and "unresolved: Ref AdminCidr" in ssh["message"]
    env = by[("aws.lambda.no_credentials_in_env", "fn")]
    assert env["status"] == "ERROR" and "Nowhere" in env["message"]
    admin = {r["rule_id"]: r["status"] for r in doc["results"] if r["resource_name"] == "${Admin}"}
    # every rule that reads the rules of the group is ERROR; only the name could be judged —
    # and the default-group rule, which would FAIL whatever the unresolved CIDR is (the group
    # has egress rules) but applies only to a group named "default", a name CloudFormation
    # generates at deployment: known only after deployment
    # (NOT_APPLICABLE results are counted per rule, type and reason, not listed as rows)
    assert {k for k, v in admin.items() if v != "ERROR"} == {"aws.ec2.sg_not_from_launch_wizard"}
    assert any(
        g["rule_id"] == "aws.ec2.default_sg_restricts_all"
        and g["reason"].startswith("does not apply: GroupName")
        and any(e.endswith("#Admin") for e in g["examples"])
        for g in doc["not_applicable"]["groups"]
    )


def test_the_given_value_resolves_it_and_values_stay_out_of_the_outputs(tmp_path):
    _estate(tmp_path)
    p, doc, out = _scan(
        "templates/unresolved.yaml",
        "--parameter",
        "AdminCidr=0.0.0.0/0",
        "--parameter",
        "DbPassword=Geheim-123",
        cwd=tmp_path,
    )
    by = {(r["rule_id"], r["resource_name"]): r for r in doc["results"]}
    assert by[("aws.ec2.sg_admin_ports_not_public", "${Admin}")]["status"] == "FAIL"
    for f in out.iterdir():
        assert "Geheim-123" not in f.read_text(errors="replace"), f
    assert b"Geheim-123" not in p.stdout + p.stderr


def test_sarif_points_at_the_resource_line(tmp_path):
    _estate(tmp_path)
    _, doc, out = _scan("templates/good.yaml", cwd=tmp_path)
    sarif = json.loads((out / "results.sarif").read_text())
    locs = [
        loc["physicalLocation"]
        for run in sarif["runs"]
        for res in run["results"]
        for loc in res.get("locations", [])
        if "physicalLocation" in loc
    ]
    assert locs and all(loc["region"]["startLine"] == 3 for loc in locs)
    assert all(loc["artifactLocation"]["uri"].endswith("templates/good.yaml") for loc in locs)
    assert {r["source"]["line"] for r in doc["results"]} == {3}


def test_an_incomplete_scan_exits_0_only_when_allowed(tmp_path):
    _estate(tmp_path)
    p = run_cli(
        "scan",
        "cloudformation",
        "templates",
        "-o",
        "out",
        "--fail-on",
        "none",
        "--allow-incomplete",
        "-q",
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr  # no findings gate; the collection errors are recorded


def test_invocation_errors_exit_2_with_one_line(tmp_path):
    p = run_cli("scan", "cloudformation", "nowhere.yaml", "-o", "out", cwd=tmp_path)
    err = p.stderr.decode()
    assert p.returncode == 2 and err.strip().count("\n") == 0 and "nowhere.yaml" in err
    (tmp_path / "t.yaml").write_text(GOOD)
    p = run_cli(
        "scan", "cloudformation", "t.yaml", "--parameter", "justaname", "-o", "out", cwd=tmp_path
    )
    err = p.stderr.decode()
    assert p.returncode == 2 and "NAME=VALUE" in err and "Traceback" not in err


def test_a_named_file_that_is_not_a_template_is_an_error(tmp_path):
    (tmp_path / "config.yaml").write_text("key: value\n")
    _, doc, _ = _scan("config.yaml", cwd=tmp_path)
    assert [e["reason"] for e in doc["collection_errors"]] == [
        "config.yaml:1: not a CloudFormation template (no Resources with Type)"
    ]


def test_loops_that_are_not_expanded_are_named(tmp_path):
    (tmp_path / "loop.yaml").write_text(
        "Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Buckets:\n"
        "    - Name\n    - [a, b]\n    - Bucket${Name}: {Type: AWS::S3::Bucket}\n"
        "  Plain: {Type: AWS::SQS::Queue}\n"
    )
    _, doc, _ = _scan("loop.yaml", cwd=tmp_path)
    (err,) = doc["collection_errors"]
    assert err["reason"].startswith("loop.yaml:3: Fn::ForEach::Buckets: loops are not expanded")
    assert err["resource_type"] == "*"
    scanned = {r["resource_name"] for r in doc["results"] if "#" in r["resource_id"]}
    assert scanned == {"${Plain}"}
    # what the loop would make is unknown: every AWS rule says ERROR, none passes
    assert {r["status"] for r in doc["results"] if "#" not in r["resource_id"]} == {"ERROR"}


def test_a_baseline_of_a_template_scan_matches_the_next_scan(tmp_path):
    (tmp_path / "t.yaml").write_text(GOOD)
    first = run_cli(
        "scan",
        "cloudformation",
        "t.yaml",
        "--format",
        "json",
        "-o",
        "a",
        "--fail-on",
        "none",
        "-q",
        cwd=tmp_path,
    )
    assert first.returncode == 0
    again = run_cli(
        "scan",
        "cloudformation",
        "t.yaml",
        "--format",
        "json",
        "-o",
        "b",
        "-q",
        "--baseline",
        "a/results.json",
        "--fail-on",
        "low",
        "--fail-on-new",
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr  # the FAILs are not new: ids are stable
    doc = api.load_results(tmp_path / "b" / "results.json")
    assert {r["change"] for r in doc["results"] if r["status"] == "FAIL"} == {"unchanged"}
