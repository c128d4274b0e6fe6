"""Files an attacker may have written: every scan bounded, every oddity one collection error
(naming the file), nothing outside the scanned tree read, the scanner's own output never read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bio2scan import api

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: ns}\nspec:\n"
    "  containers: [{name: a, image: a:1}]\n"
)


def _collect(*paths, **opts):
    return api.collect("manifests", {"paths": [str(p) for p in paths], **opts})


def _errors(inv, name):
    return [e.reason for e in inv.errors if name in e.reason]


def _bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n" + "".join(
        "  " + ln + "\n" for ln in lines
    )


def _run_with_timeout(code: str, seconds: float) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter; a hang fails the test instead of hanging it."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=seconds, check=False
    )


def test_alias_bomb_is_a_bounded_error(tmp_path):
    f = tmp_path / "bomb.yaml"
    f.write_text(_bomb())
    assert len(f.read_bytes()) < 800
    (tmp_path / "ok.yaml").write_text(POD % "ok")
    code = (
        "import json, resource\nfrom bio2scan import api\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"inv = api.collect('manifests', {{'paths': [{str(tmp_path)!r}]}})\n"
        "print(json.dumps([[r.id for r in inv.resources], [e.reason for e in inv.errors],"
        " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before]))\n"
    )
    t0 = time.monotonic()
    p = _run_with_timeout(code, 60)
    assert p.returncode == 0, p.stderr
    ids, errors, rss_kib = json.loads(p.stdout)
    assert time.monotonic() - t0 < 30
    assert ids == ["ns/Pod/ok"]
    assert len(errors) == 1 and "bomb.yaml" in errors[0] and "alias" in errors[0]
    assert rss_kib < 200 * 1024  # what reading the bomb added to the peak


def test_fifo_named_yaml_is_refused_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "x.yaml")
    (tmp_path / "ok.yaml").write_text(POD % "ok")
    for target in (tmp_path, tmp_path / "x.yaml"):  # in a walk and named explicitly
        code = (
            "from bio2scan import api\n"
            f"inv = api.collect('manifests', {{'paths': [{str(target)!r}]}})\n"
            "print([e.reason for e in inv.errors], len(inv.resources))\n"
        )
        p = _run_with_timeout(code, 30)
        assert p.returncode == 0, p.stderr
        assert "x.yaml: not a regular file (a FIFO)" in p.stdout


def test_symlinks_are_followed_only_inside_the_tree(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(POD % "outside")
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "real.yaml").write_text(POD % "inside")
    (tree / "zero.yaml").symlink_to("/dev/zero")
    (tree / "out.yaml").symlink_to(outside / "secret.yaml")
    (tree / "outdir").symlink_to(outside, target_is_directory=True)
    (tree / "alias.yaml").symlink_to(tree / "sub" / "real.yaml")
    (tree / "loop").symlink_to(tree, target_is_directory=True)
    code = (
        "from bio2scan import api\n"
        f"inv = api.collect('manifests', {{'paths': [{str(tree)!r}]}})\n"
        "print(sorted(r.id for r in inv.resources)); print([e.reason for e in inv.errors])\n"
    )
    p = _run_with_timeout(code, 60)
    assert p.returncode == 0, p.stderr
    ids, errors = p.stdout.splitlines()
    assert ids == "['ns/Pod/inside']"  # the alias inside the tree is the same object: once
    for name in ("zero.yaml", "out.yaml", "outdir"):
        assert f"{tree / name}: symlink leads outside the scanned tree" in errors


def test_deep_nesting_and_size_limits_are_errors(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata:\n  x: " + "[" * 300 + "]" * 300
    )
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (2 * 1024 * 1024) + "\n" + POD % "big")
    inv = _collect(tmp_path, max_depth=50, max_file_mib=1)
    assert any("nested deeper than 50 levels" in e for e in _errors(inv, "deep.yaml"))
    assert any("larger than 1 MiB" in e for e in _errors(inv, "big.yaml"))


def test_object_limit_stops_reading_with_an_error(tmp_path):
    (tmp_path / "many.yaml").write_text("".join("---\n" + POD % f"p{i}" for i in range(5)))
    inv = _collect(tmp_path, max_objects=3)
    assert len(inv.resources) == 3
    assert any("more than 3 objects" in e.reason for e in inv.errors)


def test_the_output_never_feeds_the_input(tmp_path):
    (tmp_path / "app.yaml").write_text(POD % "app")
    out = tmp_path / "bio2scan-report"
    first = api.scan if hasattr(api, "scan") else None
    assert first is not None
    inv = _collect(tmp_path)
    doc = api.assess(inv, list(api.load_rules().values()))
    out.mkdir()
    (out / "results.json").write_text(json.dumps(doc))
    (tmp_path / "elsewhere.json").write_text(json.dumps(inv.to_dict()))
    again = _collect(tmp_path, exclude=[str(out)])
    assert [r.id for r in again.resources] == [r.id for r in inv.resources]
    assert not again.errors
    skipped = [n for n in again.notices if n.code == "skipped"]
    assert [Path(n.file).name for n in skipped] == ["elsewhere.json"]  # by its kind marker
    # without the exclusion the report is recognised by its kind too
    third = _collect(tmp_path)
    assert [r.id for r in third.resources] == [r.id for r in inv.resources]


def test_reserved_key_in_a_manifest_is_ignored(tmp_path):
    (tmp_path / "p.yaml").write_text(
        (POD % "p") + "x-bio2scan: {controlledBy: ns/ReplicaSet/fake}\n"
    )
    (r,) = _collect(tmp_path).resources
    assert "x-bio2scan" not in r.data


@pytest.mark.parametrize(
    "text",
    [
        "a: [",
        "{{ .Values }}",
        "- null\n- 1",
        "apiVersion: v1\nkind: List\nitems: [null, 3, {kind: Pod}]",
        "kind: [x]\n",
        "apiVersion: 1\nkind: Pod\nmetadata: {name: [a]}\n",
        "!!binary notbase64",
        "x: !!int abc",
        "\t\x07",
        "&a [*a]",
        "<<: [1, 2]",
    ],
)
def test_odd_documents_never_raise(tmp_path, text):
    (tmp_path / "odd.yaml").write_text(text)
    inv = _collect(tmp_path / "odd.yaml")
    assert inv.errors or inv.notices or inv.resources is not None


def test_many_broken_files_give_a_bounded_number_of_results(tmp_path, all_rules):
    """Every unreadable file is a collection error, and every rule that might have judged what
    it held is ERROR for it; but the ERROR results do not grow with the number of such files
    (``engine.unread.LISTED_ERRORS`` per rule, type and scope, then one that counts the rest).
    Before, 5,000 broken two-line files (293 KB) gave 3 million results and 6 GB of memory."""
    from bio2scan.engine.unread import LISTED_ERRORS

    rules = [r for r in all_rules.values() if r.provider == "k8s"]

    def scan(n: int) -> tuple[dict, int]:
        d = tmp_path / str(n)
        d.mkdir()
        (d / "ok.yaml").write_text(POD % "ok")
        for i in range(n):
            (d / f"b{i:04d}.yaml").write_text("kind: Pod\nmetadata: {name: a\n")
        inv = api.collect("manifests", {"paths": [str(d)]}, rules=rules)
        return api.assess(inv, rules), len(inv.errors)

    few, few_errors = scan(LISTED_ERRORS + 2)
    many, many_errors = scan(300)
    assert (few_errors, many_errors) == (LISTED_ERRORS + 2, 300)
    assert len(many["collection_errors"]) == 300  # each is still listed, with its file
    assert len(many["results"]) == len(few["results"])
    # the readable pod is judged as before, beside the errors
    assert many["summary"]["results"]["PASS"] == few["summary"]["results"]["PASS"] > 0
    counted = [r for r in many["results"] if r["resource_id"].endswith("@(more)")]
    assert counted and {r["evidence"][0]["value"] for r in counted} == {300 - LISTED_ERRORS}
    assert {r["status"] for r in counted} == {"ERROR"}


def test_reading_hostile_files_leaves_no_cycles_to_the_collector(tmp_path):
    """The command line reads manifests with the cyclic collector paused (in its own process,
    ``manifest_files.run_jobs``; a worker never runs it): that is sound only because reading
    makes no cyclic garbage, whatever a file holds — a cycle per broken file would then stay
    until the scan ends. Ten copies of each kind of broken file leave no more cycles than
    one of each (none, in fact, beyond a few made once)."""
    import gc

    kinds = {
        "syntax.yaml": "kind: Pod\nmetadata: {name: a\n",
        "tabs.yaml": "\t\x07",
        "dup.yaml": "apiVersion: v1\nkind: Pod\nkind: Pod\n",
        "self.yaml": "&a [*a]",
        "selfmap.yaml": "&m {a: *m, b: [*m, &s [*s]]}",
        "self-broken.yaml": "&a [*a, {x: ]",
        "merge.yaml": "<<: [1, 2]",
        "tag.yaml": "x: !!int abc",
        "binary.yaml": "!!binary notbase64",
        "deep.yaml": "x: " + "[" * 300 + "]" * 300,
        "bomb.yaml": _bomb(),
        "json.json": '{"kind": "Pod", "metadata": {"name": "a"}, "kind": "Pod"}',
        "broken.json": '{"kind": "Pod", "metadata": ',
        "utf.yaml": b"kind: Pod\nmetadata: {name: \xff\xfe}\n",
        "nul.yaml": b"kind: Pod\x00\n",
        "list.yaml": "apiVersion: v1\nkind: List\nitems: [null, 3, {kind: Pod}]",
        "template.yaml": "{{ .Values }}",
        "ok.yaml": POD % "ok",
    }

    def garbage(copies: int) -> tuple[int, int]:
        d = tmp_path / str(copies)
        d.mkdir()
        for i in range(copies):
            for name, text in kinds.items():
                f = d / f"{i}-{name}"
                f.write_bytes(text if isinstance(text, bytes) else text.encode())
        gc.collect()
        was = gc.isenabled()
        gc.disable()
        try:
            inv = _collect(d)
            return gc.collect(), len(inv.errors)
        finally:
            if was:
                gc.enable()

    once, errors_once = garbage(1)
    ten, errors_ten = garbage(10)
    assert errors_once >= 10 and errors_ten == 10 * errors_once  # each broken file: an error
    assert ten <= once + 5, (once, ten)
