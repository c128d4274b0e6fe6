"""N shards merged equal one unsharded scan of the same estate (manifests sharded by file)."""

from __future__ import annotations

import json

import pytest
from pipeline_support import cli, estate, results

from bio2scan import api
from bio2scan.documents import write_json

N = 3


def _essence(doc: dict) -> dict:
    """What must not depend on sharding: every result, every control, the summary."""
    keep = (
        "finding_id",
        "rule_id",
        "resource_id",
        "status",
        "severity",
        "message",
        "evidence",
        "source",
        "waiver",
    )
    return {
        "results": [{k: r.get(k) for k in keep} for r in doc["results"]],
        "controls": doc["controls"],
        "summary": doc["summary"],
        "ruleset": doc["ruleset"],
    }


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    """The estate, its unsharded results, and per shard an inventory (through the CLI's
    ``collect --shard``) and a results document (through the API, to keep the test fast)."""
    root = tmp_path_factory.mktemp("shards")
    d = estate(root, n=30)
    # one fixed set of rules for every run (rule packs may change while the suite runs)
    chosen = [r for rid, r in sorted(api.load_rules().items()) if rid.startswith("k8s.")]
    rules = ",".join(r.id for r in chosen)
    (root / "rules.txt").write_text(rules)
    opts = {"paths": [str(d)]}
    _, full = api.scan("manifests", opts, rules=chosen)
    for i in range(N):
        r = cli(
            "collect",
            "manifests",
            str(d),
            "--shard",
            f"{i}/{N}",
            "-q",
            "--rules",
            rules,
            "-o",
            str(root / "invs" / f"inv-{i}.json.gz"),
        )
        assert r.returncode == 0, r.stderr
        _, doc = api.scan("manifests", opts, rules=chosen, shard=f"{i}/{N}")
        write_json(root / "docs" / str(i) / "results.json", doc)
    return root, full, chosen


def test_each_file_belongs_to_exactly_one_shard(sharded):
    root, _full, _ = sharded
    seen: list[str] = []
    for i in range(N):
        doc = results(root / "docs" / str(i))
        assert doc["scan"]["shard"] == f"{i}/{N}"
        files = {r["source"]["file"] for r in doc["results"] if r["source"].get("file")}
        assert files, f"shard {i} got no files: the test estate is too small"
        seen.extend(files)
    assert len(seen) == len(set(seen)) == 30


def test_merged_inventories_equal_one_unsharded_scan(sharded, tmp_path):
    root, full, _ = sharded
    db = str(tmp_path / "h.db")
    r = cli(
        "merge",
        str(root / "invs"),
        "-q",
        "--fail-on",
        "none",
        "--history",
        db,
        "--rules",
        (root / "rules.txt").read_text(),
        "-o",
        str(tmp_path / "m"),
    )
    assert r.returncode == 0, r.stderr
    merged = results(tmp_path / "m")
    assert _essence(merged) == _essence(full)
    assert merged["scan"]["shard"] is None
    assert [s["id"] for s in api.list_scans(db)] == [1]  # one history entry
    assert (tmp_path / "m" / "inventory.json.gz").exists()


def test_merged_results_equal_one_unsharded_scan(sharded):
    """Merging results is exact for rules that look at one resource at a time (rules with
    ``needs`` may see related resources of another shard: merge inventories for those)."""
    root, _, chosen = sharded
    single = [r for r in chosen if not r.needs]
    opts = {"paths": [str(root / "estate")]}
    _, full = api.scan("manifests", opts, rules=single)
    files = []
    for i in range(N):
        _, doc = api.scan("manifests", opts, rules=single, shard=f"{i}/{N}")
        files.append(write_json(root / f"single-{i}.json", doc) and root / f"single-{i}.json")
    inv, merged = api.merge(files, single)
    assert inv is None
    assert _essence(merged) == _essence(full)
    assert merged["summary"]["results"]["FAIL"] > 0
    api.validate_results(merged)


def test_merge_refuses_mixed_and_incomplete_inputs(sharded, tmp_path):
    root, _, _ = sharded
    mixed = cli(
        "merge",
        str(root / "invs" / "inv-0.json.gz"),
        str(root / "docs" / "1" / "results.json"),
        "-q",
        "-o",
        str(tmp_path / "x"),
    )
    assert mixed.returncode == 2 and "one kind" in mixed.stderr
    short = cli(
        "merge",
        str(root / "invs"),
        "--expect",
        str(N + 1),
        "--wait",
        "0",
        "-q",
        "-o",
        str(tmp_path / "x"),
    )
    assert short.returncode == 2 and f"--expect {N + 1}, but the shards are of {N}" in short.stderr
    other = api.load_results(root / "docs" / "1" / "results.json")
    other["ruleset"]["digest"] = "sha256:other"
    (tmp_path / "other.json").write_text(json.dumps(other))
    r = cli(
        "merge",
        str(root / "docs" / "0" / "results.json"),
        str(tmp_path / "other.json"),
        "-q",
        "-o",
        str(tmp_path / "x"),
    )
    assert r.returncode == 2 and "another rule set" in r.stderr


@pytest.mark.parametrize("kind", ["invs", "docs"])
def test_merge_of_some_shards_names_the_missing_and_exits_3(sharded, tmp_path, kind):
    """1 of 3 shards is not the estate: never `complete: true`, exit 3 even with
    --allow-incomplete or the old --fail-on-error."""
    root, _, _ = sharded
    first = (
        root / "invs" / "inv-0.json.gz" if kind == "invs" else root / "docs" / "0" / "results.json"
    )
    rules = (root / "rules.txt").read_text()
    out = tmp_path / "m"
    base = ("merge", str(first), "--rules", rules, "--fail-on", "none", "-o", str(out))
    for extra in ((), ("--allow-incomplete",), ("--fail-on-error",)):
        r = cli(*base, *extra)
        assert r.returncode == 3, r.stderr
        doc = results(out)
        assert doc["summary"]["complete"] is False
        assert doc["coverage"]["shards"] == {
            "count": N,
            "present": [f"0/{N}"],
            "missing": [f"{i}/{N}" for i in range(1, N)],
        }
        assert f"shards 1/{N}, 2/{N}" in r.stdout  # the summary names them too
    # the same shard twice cannot be merged: which one is right?
    twice = tmp_path / f"copy-{first.name}"
    twice.write_bytes(first.read_bytes())
    r = cli(*base, str(twice))
    assert r.returncode == 2 and f"shard 0/{N} appears twice" in r.stderr


def test_merge_with_expect_goes_on_after_the_wait_and_names_what_is_missing(sharded, tmp_path):
    """Inputs without shard numbers (two unsharded inventories) and --expect 3: after the wait
    the merge reports what it has, names the missing input and exits 3."""
    root, _, _ = sharded
    incoming = tmp_path / "in"
    incoming.mkdir()
    for i in range(2):
        inv = json.loads(
            __import__("gzip").decompress((root / "invs" / f"inv-{i}.json.gz").read_bytes())
        )
        del inv["meta"]["shard"]
        (incoming / f"inv-{i}.json").write_text(json.dumps(inv))
    out = tmp_path / "m"
    r = cli(
        "merge",
        str(incoming),
        "--expect",
        "3",
        "--wait",
        "0",
        "--rules",
        (root / "rules.txt").read_text(),
        "--fail-on",
        "none",
        "-q",
        "-o",
        str(out),
    )
    assert r.returncode == 3, r.stderr
    assert results(out)["coverage"]["shards"]["missing"] == ["input 3 of 3"]


def test_merge_waits_for_the_last_shard(sharded, tmp_path):
    """The merge step of an Indexed Job may start first: it waits for --expect files."""
    import os
    import shutil
    import subprocess
    import sys
    import time

    from pipeline_support import ROOT

    root, full, _ = sharded
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    env = dict(os.environ, NO_COLOR="1")
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bio2scan",
            "merge",
            str(incoming),
            "--expect",
            str(N),
            "--wait",
            "60",
            "-q",
            "--fail-on",
            "none",
            "--rules",
            (root / "rules.txt").read_text(),
            "-o",
            str(tmp_path / "m"),
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.0)
        assert p.poll() is None, p.stderr.read()  # still waiting
        for f in sorted((root / "invs").iterdir()):  # written atomically, as shards do
            shutil.copy(f, incoming / f".{f.name}.tmp")
            os.replace(incoming / f".{f.name}.tmp", incoming / f.name)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, err
    assert _essence(results(tmp_path / "m")) == _essence(full)


def test_merge_of_results_written_before_the_coverage_section(sharded, tmp_path):
    """Results documents of an older bio2scan have no ``coverage``: what their results and
    collection errors tell stands in (resources behind results, errors per scope)."""
    root, _, chosen = sharded
    files = []
    for i in range(N):
        doc = api.load_results(root / "docs" / str(i) / "results.json")
        del doc["coverage"], doc["summary"]["notices"]
        if i == 0:
            doc["collection_errors"].append(
                {"provider": "k8s", "resource_type": "*", "scope": "gone", "reason": "refused"}
            )
        files.append(write_json(tmp_path / f"old-{i}.json", doc) and tmp_path / f"old-{i}.json")
    _, merged = api.merge(files, chosen)
    api.validate_results(merged)
    cov = merged["coverage"]
    assert cov["resources"] == 30 and cov["unread"] == ["gone"]
    assert api.exit_code(merged, "none", allow_incomplete=True) == 3
