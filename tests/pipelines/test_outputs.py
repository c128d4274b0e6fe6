"""Check before work, write atomically after (issue 13.4): every place a scan writes is checked
before collection starts; the reports are replaced as one set; the history entry comes last;
an interrupted run leaves the previous complete set."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from pipeline_support import ROOT, RULE, cli, estate, results

BASE = ("--rules", RULE, "--fail-on", "none")


def _snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def _scans(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return int(c.execute("SELECT COUNT(*) FROM scans").fetchone()[0])


# --- before the scan --------------------------------------------------------------------------
# The manifests collector reads standard input ("-"); given an empty pipe it stops with "no
# input". A check that runs before collection answers first — with its own message.


def _before_collection(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    r = cli("scan", "manifests", "-", *BASE, *args, cwd=cwd, input="")
    assert r.returncode == 2, r.stderr
    assert "no input" not in r.stderr, "the collector ran before the check"
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    return r


def test_bad_output_dir_is_refused_before_collection(tmp_path):
    (tmp_path / "a-file").write_text("x")
    r = _before_collection("-o", "a-file", cwd=tmp_path)
    assert "--output-dir a-file: exists and is not a directory" in r.stderr
    r = _before_collection("-o", "a-file/reports", cwd=tmp_path)
    assert "--output-dir a-file/reports: cannot be created" in r.stderr


def test_bad_history_target_is_refused_before_collection(tmp_path):
    (tmp_path / "a-file").write_text("x")
    r = _before_collection("--history", "a-file/h.db", "-o", "out", cwd=tmp_path)
    assert "a-file/h.db" in r.stderr
    r = _before_collection("--history", "mysql://db/x", "-o", "out", cwd=tmp_path)
    assert "postgresql://" in r.stderr
    assert not (tmp_path / "out").exists()  # nothing written on the way


def test_bad_waivers_baseline_config_evidence_are_refused_before_collection(tmp_path):
    (tmp_path / "w.yaml").write_text("waivers: [{id: X}]\n")
    (tmp_path / "b.json").write_text("{}")
    (tmp_path / "c.yaml").write_text("fail_on: hgih\n")
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "old.txt").write_text("x")
    assert "w.yaml" in _before_collection("--waivers", "w.yaml", cwd=tmp_path).stderr
    assert "b.json" in _before_collection("--baseline", "b.json", cwd=tmp_path).stderr
    assert "c.yaml:1" in _before_collection("--config", "c.yaml", cwd=tmp_path).stderr
    assert (
        "--evidence-dir pack" in _before_collection("--evidence-dir", "pack", cwd=tmp_path).stderr
    )


def test_collect_checks_its_output_file_first(tmp_path):
    (tmp_path / "a-file").write_text("x")
    r = cli("collect", "manifests", "-", "-o", "a-file/inv.json", cwd=tmp_path, input="")
    assert r.returncode == 2, r.stderr
    assert "--output a-file/inv.json (directory a-file): exists and is not a directory" in r.stderr
    (tmp_path / "dir").mkdir()
    r = cli("collect", "manifests", "-", "-o", "dir", cwd=tmp_path, input="")
    assert r.returncode == 2 and "is a directory" in r.stderr


# --- after the scan ---------------------------------------------------------------------------


def test_reports_replace_the_previous_set_as_a_whole(tmp_path):
    d = estate(tmp_path, n=3)
    out = tmp_path / "out"
    r = cli("scan", "manifests", str(d), *BASE, "--format", "json,html,csv", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert {"results.json", "report.html", "results.csv"} <= set(_snapshot(out))
    # a second scan with fewer formats: the old HTML and CSV (of another scan) are gone
    r = cli("scan", "manifests", str(d), *BASE, "--format", "json", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert set(_snapshot(out)) == {"results.json", "inventory.json.gz", ".bio2scan-set"}
    # rendering the same scan again in another format adds to its set
    r = cli("report", str(out / "results.json"), "--format", "md", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert {"results.json", "report.md", "inventory.json.gz"} <= set(_snapshot(out))
    # no staging directory is left behind, and files of the user's own stay
    (out / "notes.txt").write_text("mine")
    r = cli("scan", "manifests", str(d), *BASE, "-o", str(out))
    assert (out / "notes.txt").read_text() == "mine"
    assert not [p for p in out.iterdir() if p.name.startswith(".bio2scan-staging-")]


def test_a_new_evaluation_replaces_a_set_with_the_same_key(tmp_path):
    # Two evaluations of one inventory at one fixed time share the set key (times, targets,
    # rule set) but not their waivers: the second, in fewer formats, must not leave the first's
    # HTML beside its own results as if they were one scan's.
    d = estate(tmp_path, n=3)
    inv, out = tmp_path / "inv.json", tmp_path / "out"
    assert cli("collect", "manifests", str(d), "-o", str(inv)).returncode == 0
    now = ("--now", "2026-12-01T00:00:00Z")
    r = cli("evaluate", str(inv), *BASE, *now, "--format", "json,html", "-o", str(out))
    assert r.returncode == 0, r.stderr
    key = json.loads((out / ".bio2scan-set").read_text())["key"]
    r = cli("evaluate", str(inv), *BASE, *now, "--format", "json", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert json.loads((out / ".bio2scan-set").read_text())["key"] == key  # the same key
    assert set(_snapshot(out)) == {"results.json", ".bio2scan-set"}  # and still a new set


def test_a_report_that_cannot_be_written_leaves_no_history_entry(tmp_path):
    d = estate(tmp_path, n=3)
    out, db = tmp_path / "out", tmp_path / "h.db"
    r = cli("scan", "manifests", str(d), *BASE, "--format", "json,md", "-o", str(out))
    assert r.returncode == 0, r.stderr
    before = _snapshot(out)
    (out / "report.html").mkdir()  # the HTML report cannot take its place
    r = cli(
        "scan", "manifests", str(d), *BASE, "--format", "json,md,html", "--history", str(db),
        "-o", str(out),
    )  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert "cannot write the reports" in r.stderr and "internal error" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert _snapshot(out) == before  # the previous set, untouched: no new results.json
    assert _scans(db) == 0  # and no history entry for reports that do not exist


KILLER = """
import os, sys, time
from bio2scan.render import csvfmt

original = csvfmt.CsvRenderer.write

def slow(self, document, lang, fh):
    digest = original(self, document, lang, fh)
    open(os.environ["RENDERING"], "w").close()  # the other reports are rendered: kill me now
    time.sleep(120)
    return digest

csvfmt.CsvRenderer.write = slow
from bio2scan.cli import run

sys.argv = ["bio2scan", *sys.argv[1:]]
run()
"""


def test_kill_9_while_rendering_leaves_the_previous_complete_set(tmp_path):
    d = estate(tmp_path, n=6)
    out, db = tmp_path / "out", tmp_path / "h.db"
    args = ("scan", "manifests", str(d), *BASE, "--format", "json,html,md,csv")
    r = cli(*args, "--history", str(db), "-o", str(out))
    assert r.returncode == 0, r.stderr
    before = _snapshot(out)
    assert _scans(db) == 1
    (d / "pod00.yaml").write_text((d / "pod01.yaml").read_text().replace("pod01", "pod00"))
    marker = tmp_path / "rendering"
    env = dict(os.environ, NO_COLOR="1", RENDERING=str(marker))
    p = subprocess.Popen(
        [sys.executable, "-c", KILLER, *args, "--history", str(db), "-o", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert p.poll() is None, p.stderr.read() if p.stderr else ""
            assert time.monotonic() < deadline, "the scan never reached rendering"
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        if p.stderr:
            p.stderr.close()
    assert p.returncode == -signal.SIGKILL
    assert _snapshot(out) == before  # every report of the previous scan, and nothing else
    assert _scans(db) == 1  # no history entry for the killed scan
    # a run killed while it wrote its staging directory leaves that behind, out of the way:
    # the next run removes it (its process is gone) and writes a whole new set
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    stale = out / f".bio2scan-staging-{int(gone.stdout)}-x"
    stale.mkdir()
    (stale / "results.json").write_text("{half")
    r = cli(*args, "--history", str(db), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert not [x for x in out.iterdir() if x.name.startswith(".bio2scan-staging-")]
    doc = results(out)
    assert _scans(db) == 2 and [s["id"] for s in doc["history"]["scans"]] == [1, "current"]
    set_ = json.loads((out / ".bio2scan-set").read_text())["files"]
    assert set(set_) == {n for n in _snapshot(out) if not n.startswith(".")}


def test_a_new_history_beside_new_reports(tmp_path):
    """`--history out/h.db -o out` on the very first run: the directory is made, not refused."""
    d = estate(tmp_path, n=2)
    r = cli("scan", "manifests", str(d), *BASE, "--history", "out/h.db", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert _scans(tmp_path / "out" / "h.db") == 1


def test_a_full_disk_while_streaming_leaves_the_previous_set(tmp_path):
    """The reports are streamed into the staging directory; when the file system refuses a
    write half-way (here: RLIMIT_FSIZE, the kernel's per-process file size limit, which makes
    ``write`` fail with EFBIG exactly where a full disk fails with ENOSPC), the scan stops with
    one line, the previous set stays as it was and nothing half-written is left behind."""
    d = estate(tmp_path, n=3)
    out, db = tmp_path / "out", tmp_path / "h.db"
    args = ("scan", "manifests", str(d), *BASE, "--format", "json,html,csv,sarif,junit")
    r = cli(*args, "-o", str(out))
    assert r.returncode == 0, r.stderr
    before = _snapshot(out)
    estate(tmp_path, n=60)  # a larger estate: every report grows past the limit below
    limit = max(len(b) for b in before.values()) + 2_000

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    e = dict(os.environ, NO_COLOR="1")
    e.pop("BIO2SCAN_HISTORY", None)
    p = subprocess.run(
        [sys.executable, "-m", "bio2scan", *args, "-o", str(out), "--history", str(db)],
        capture_output=True,
        text=True,
        env=e,
        preexec_fn=small_disk,
        timeout=120,
    )
    assert p.returncode == 2, p.stderr
    assert "cannot write the reports" in p.stderr and "File too large" in p.stderr
    assert "previous ones are unchanged" in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert _snapshot(out) == before  # every report of the previous scan, byte for byte
    assert not [x for x in out.iterdir() if x.name.startswith(".bio2scan-staging-")]
    assert not db.exists() or _scans(db) == 0  # no history entry for reports never written
    r = cli(*args, "-o", str(out))  # room again: the new set replaces the old one whole
    assert r.returncode == 0, r.stderr
    manifest = json.loads((out / ".bio2scan-set").read_text())
    for name, digest in manifest["sha256"].items():  # hashed while written
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert len(results(out)["results"]) == 60
