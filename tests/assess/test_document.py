"""The results document's version: schema 3 is written (2 is still read); a version-1 document is refused where
its control statuses would be used (re-rendering, merging) and accepted where only its results
are (baseline, diff)."""

from __future__ import annotations

import datetime as dt
import json
import sys

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


def test_rows_carry_every_field_of_their_result_and_share_what_they_have_in_common():
    from bio2scan.assess.document import result_to_dict, rows
    from bio2scan.assess.rollup import count_results
    from bio2scan.model import Evidence, Result, Severity, Source, Status, finding_id

    src = Source(file="app.yaml", line=3)
    ctl, mea = ("8.9", "5.15"), ("C.08.09.01",)

    def result(n: int, status: Status, **extra) -> Result:
        ev = tuple(Evidence(f"spec.x{k}", [k] if k % 2 else "v", "== 1") for k in range(n % 3))
        return Result(f"k8s.r{n % 2}", f"ns/Pod/p{n}", "k8s.core.pod", f"p{n}", "c1", None,
                      "ns", status, Severity.HIGH, ctl, mea, f"m{n}", ev, src, **extra)  # fmt: skip

    results = [
        result(0, Status.PASS),
        result(1, Status.FAIL),
        result(2, Status.WAIVED, waiver={"id": "W-1", "kind": "risk-acceptance"}),
        result(3, Status.WAIVED, waiver={"id": "W-2", "kind": "not-applicable"}, change="new"),
        result(4, Status.ERROR, change="unchanged"),
    ]
    got = rows(results)
    for r, d in zip(results, got, strict=True):
        assert d == {
            "finding_id": finding_id(r.rule_id, r.scope, r.resource_id),
            "rule_id": r.rule_id,
            "resource_id": r.resource_id,
            "resource_type": r.resource_type,
            "resource_name": r.resource_name,
            "scope": r.scope,
            "region": r.region,
            "namespace": r.namespace,
            "status": r.status.value,
            "severity": r.severity.value,
            "controls": list(r.controls),
            "measures": list(r.measures),
            "message": r.message,
            "evidence": [e.to_dict() for e in r.evidence],
            "source": r.source.to_dict(),
            **({"waiver": dict(r.waiver)} if r.waiver is not None else {}),
            **({"change": r.change} if r.change is not None else {}),
        }
        assert d == result_to_dict(r)
        assert type(d["status"]) is str and type(d["severity"]) is str
        assert list(d) == list(result_to_dict(r))  # the schema's order, for every writer
    # rows share one key table (a row holds its values, not 15 keys as well): smaller than a
    # dict of the same items — 100,000 objects held ~170 MB less
    assert sys.getsizeof(got[0]) < sys.getsizeof(dict(got[0])) * 0.75
    assert got[0]["source"] is got[4]["source"] and got[0]["controls"] is got[3]["controls"]
    # equal evidence is one list, but only where equal means the same JSON: 1, True and 1.0
    # are equal in Python and must stay three values
    same = [result(3 * k, Status.PASS)._replace(evidence=(Evidence("a", v, "x"),)) for k, v in
            enumerate([1, True, 1.0, 1, True, 1.0, -0.0, 0.0, "1", None, None])]  # fmt: skip
    shared = rows(same)
    for r, d in zip(same, shared, strict=True):
        v = d["evidence"][0]["value"]
        assert type(v) is type(r.evidence[0].value) and json.dumps(v) == json.dumps(
            r.evidence[0].value
        )
    assert (
        shared[0]["evidence"] is shared[3]["evidence"]
        and shared[1]["evidence"] is shared[4]["evidence"]
    )
    assert shared[0]["evidence"] is not shared[1]["evidence"]
    assert shared[9]["evidence"] is shared[10]["evidence"]
    counts = count_results(iter(results))  # any iterable
    assert counts["k8s.r0"] == {"PASS": 1, "WAIVED": 1, "ACCEPTED": 1, "ERROR": 1}
    assert counts["k8s.r1"] == {"FAIL": 1, "WAIVED": 1}  # a declaration is no acceptance
