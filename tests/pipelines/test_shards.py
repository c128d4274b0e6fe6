"""N shards merged equal one unsharded scan of the same estate (manifests sharded by file)."""

from __future__ import annotations

import json

import pytest

from bio2scan import api

from pipeline_support import cli, estate, results

N = 3


def _essence(doc: dict) -> dict:
    """What must not depend on sharding: every result, every control, the summary."""
    keep = ("finding_id", "rule_id", "resource_id", "status", "severity", "message", "evidence",
            "source", "waiver")
    return {"results": [{k: r.get(k) for k in keep} for r in doc["results"]],
            "controls": doc["controls"], "summary": doc["summary"],
            "ruleset": doc["ruleset"]}


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    d = estate(root, n=30)
    full = root / "full"
    assert cli("scan", "manifests", str(d), "-q", "--fail-on", "none",
               "-o", str(full)).returncode == 0
    invs, docs = root / "invs", root / "docs"
    for i in range(N):
        r = cli("collect", "manifests", str(d), "--shard", f"{i}/{N}", "-q",
                "-o", str(invs / f"inv-{i}.json.gz"))
        assert r.returncode == 0, r.stderr
        r = cli("scan", "manifests", str(d), "--shard", f"{i}/{N}", "-q", "--fail-on", "none",
                "-o", str(docs / str(i)))
        assert r.returncode == 0, r.stderr
    return root, results(full)


def test_each_file_belongs_to_exactly_one_shard(sharded):
    root, full = sharded
    seen: list[str] = []
    for i in range(N):
        doc = results(root / "docs" / str(i))
        assert doc["scan"]["shard"] == f"{i}/{N}"
        files = {r["source"]["file"] for r in doc["results"] if r["source"].get("file")}
        assert files, f"shard {i} got no files: the test estate is too small"
        seen.extend(files)
    assert len(seen) == len(set(seen)) == 30


def test_merged_inventories_equal_one_unsharded_scan(sharded, tmp_path):
    root, full = sharded
    db = str(tmp_path / "h.db")
    r = cli("merge", str(root / "invs"), "-q", "--fail-on", "none", "--history", db,
            "-o", str(tmp_path / "m"))
    assert r.returncode == 0, r.stderr
    merged = results(tmp_path / "m")
    assert _essence(merged) == _essence(full)
    assert merged["scan"]["shard"] is None
    assert [s["id"] for s in api.list_scans(db)] == [1]          # one history entry
    assert (tmp_path / "m" / "inventory.json.gz").exists()


def test_merged_results_equal_one_unsharded_scan(sharded, tmp_path):
    """Merging results is exact for rules that look at one resource at a time (rules with
    ``needs`` may see related resources of another shard: merge inventories for those)."""
    root, full = sharded
    single = ",".join(rid for rid, r in full["rules"].items() if not r["needs"])
    d = root / "estate"
    args = ("--rules", single, "-q", "--fail-on", "none")
    assert cli("scan", "manifests", str(d), *args, "-o", str(tmp_path / "full")).returncode == 0
    files = []
    for i in range(N):
        out = tmp_path / f"s{i}"
        assert cli("scan", "manifests", str(d), *args, "--shard", f"{i}/{N}",
                   "-o", str(out)).returncode == 0
        files.append(str(out / "results.json"))
    r = cli("merge", *files, *args, "-o", str(tmp_path / "m"))
    assert r.returncode == 0, r.stderr
    merged = results(tmp_path / "m")
    assert _essence(merged) == _essence(results(tmp_path / "full"))
    assert merged["summary"]["results"]["FAIL"] > 0


def test_merge_refuses_mixed_and_incomplete_inputs(sharded, tmp_path):
    root, _ = sharded
    mixed = cli("merge", str(root / "invs" / "inv-0.json.gz"),
                str(root / "docs" / "1" / "results.json"), "-q", "-o", str(tmp_path / "x"))
    assert mixed.returncode == 2 and "one kind" in mixed.stderr
    short = cli("merge", str(root / "invs"), "--expect", str(N + 1), "--wait", "0", "-q",
                "-o", str(tmp_path / "x"))
    assert short.returncode == 2 and f"expected {N + 1} shard files, found {N}" in short.stderr
    other = json.loads((root / "docs" / "1" / "results.json").read_text())
    other["ruleset"]["digest"] = "sha256:other"
    (tmp_path / "other.json").write_text(json.dumps(other))
    r = cli("merge", str(root / "docs" / "0" / "results.json"), str(tmp_path / "other.json"),
            "-q", "-o", str(tmp_path / "x"))
    assert r.returncode == 2 and "another rule set" in r.stderr
