"""The results document's version: schema 3 is written (2 is still read); a version-1 document is refused where
its control statuses would be used (re-rendering, merging) and accepted where only its results
are (baseline, diff)."""

from __future__ import annotations

import datetime as dt
import json

from clirun import run_cli

from bio2scan import api


def _v1(tmp_path, doc: dict):
    old = json.loads(json.dumps(doc))
    old["schema_version"] = 1
    for c in old["controls"]:
        c["status"] = "compliant" if c["status"] == "evidence-complete" else "manual"
    old.pop("measures")
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    return path


def test_version_1_is_refused_for_reports_and_merges_with_a_clear_message(tmp_path, scanned):
    doc, _ = scanned
    old = _v1(tmp_path, doc)
    p = run_cli("report", str(old), "--format", "html", "-o", str(tmp_path / "r"))
    err = p.stderr.decode()
    assert p.returncode == 2 and err.count("\n") == 1, err
    assert "schema version 1" in err and "bio2scan evaluate" in err and str(old) in err
    p = run_cli("merge", str(old), str(old), "-o", str(tmp_path / "m"), "-q")
    assert p.returncode == 2 and "cannot be used to merge it" in p.stderr.decode()
    future = json.loads(old.read_text()) | {"schema_version": 9}
    (tmp_path / "future.json").write_text(json.dumps(future))
    p = run_cli("report", str(tmp_path / "future.json"), "--format", "md")
    assert p.returncode == 2 and "version 9 is not supported" in p.stderr.decode()


def test_version_1_still_serves_as_baseline_and_in_diff(tmp_path, scanned):
    doc, inv = scanned
    old = _v1(tmp_path, doc)
    new = api.assess(inv, list(api.load_rules().values()), baseline=old)
    assert new["schema_version"] == 3
    assert new["baseline"]["counts"]["new"] == 0
    current = tmp_path / "new.json"
    current.write_text(json.dumps(doc))
    out = api.diff_scans(str(old), str(current))
    assert out["new"] == [] and out["resolved"] == []
    broken = json.loads(old.read_text())
    del broken["results"][0]["finding_id"]
    old.write_text(json.dumps(broken))
    p = run_cli("diff", str(old), str(current))
    assert p.returncode == 2 and "results[0] lacks finding_id" in p.stderr.decode()


def test_not_applicable_is_summarised_counted_and_merged(tmp_path, scanned):
    """NOT_APPLICABLE results are groups with counts, not rows; every count still has them;
    --verbose-results gives the rows; a merge of results adds the groups up (once per scan)."""
    doc, inv = scanned
    groups = doc["not_applicable"]["groups"]
    total = doc["summary"]["results"]["NOT_APPLICABLE"]
    assert groups and doc["not_applicable"]["summarised"] is True
    assert not [r for r in doc["results"] if r["status"] == "NOT_APPLICABLE"]
    assert sum(g["count"] for g in groups) == total
    assert all(0 < len(g["examples"]) <= min(3, g["count"]) for g in groups)
    rules = list(api.load_rules().values())
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    verbose = api.assess(inv, rules, now=now, verbose_results=True)
    rows = [r for r in verbose["results"] if r["status"] == "NOT_APPLICABLE"]
    assert len(rows) == total and verbose["not_applicable"] == {"summarised": False, "groups": []}
    assert verbose["controls"] == doc["controls"] and verbose["measures"] == doc["measures"]
    for g in groups:  # each group is what its rows say, reason without the observed values
        mine = [
            r
            for r in rows
            if (r["rule_id"], r["resource_type"]) == (g["rule_id"], g["resource_type"])
        ]
        assert g["examples"][0] in {r["resource_id"] for r in mine}
    api.render(doc, ["json"], tmp_path / "a")
    _, merged = api.merge([tmp_path / "a" / "results.json"] * 2, rules, now=now)
    assert merged["summary"]["results"] == doc["summary"]["results"]  # the same scan: once
    assert merged["controls"] == doc["controls"]
    _, listed = api.merge([tmp_path / "a" / "results.json"], rules, now=now, verbose_results=True)
    assert listed["not_applicable"]["groups"] == groups  # summarised shards stay summarised
