"""The results document's version: schema 3 is written (2 is still read); a version-1 document is refused where
its control statuses would be used (re-rendering, merging) and accepted where only its results
are (baseline, diff)."""

from __future__ import annotations

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
