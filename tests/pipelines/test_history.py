"""The scan history: record, list, trend, diff; concurrent writers; interrupted scans leave no
record; migrations; PostgreSQL where a server can be started here."""

from __future__ import annotations

import copy
import datetime as dt
import glob
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

import pytest
from pipeline_support import ROOT, RULE, cli, estate, pod, results

from bio2scan import api
from bio2scan.history import HistoryError, open_history


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    d = estate(tmp_path_factory.mktemp("h"))
    rules = [api.load_rules()[RULE]]
    inv = api.collect("manifests", {"paths": [str(d)]}, rules=rules)
    return api.assess(inv, rules, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))


def _count(db, table="scans") -> int:
    with sqlite3.connect(db) as c:
        return c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_record_list_trend(tmp_path, doc):
    db = str(tmp_path / "h.db")
    sid, trend = api.record_history(db, doc, keep=2)
    assert sid == 1 and [s["id"] for s in trend["scans"]] == [1]
    later = copy.deepcopy(doc)
    later["scan"]["finished_at"] = "2026-06-02T00:00:00+00:00"
    for c in later["controls"]:
        if c["status"] == "non-compliant":
            c["status"] = "evidence-complete"
    api.record_history(db, later)
    sid, trend = api.record_history(db, doc, keep=2)
    assert sid == 3
    scans = trend["scans"]
    assert [s["id"] for s in scans] == [2, 3]  # oldest first, last 2
    s2 = scans[0]
    assert sum(s2["controls"].values()) == 93 and len(s2["per_control"]) == 93
    assert (
        s2["per_control"]["8.2"] == "evidence-complete"
        and scans[1]["per_control"]["8.2"] == "non-compliant"
    )
    assert sum(sum(t.values()) for t in s2["per_theme"].values()) == 93
    listed = api.list_scans(db)
    assert [s["id"] for s in listed] == [3, 2, 1]
    assert listed[0]["summary"] == doc["summary"] and listed[0]["complete"] is True
    with open_history(db) as h:
        assert h.schema_version() == 1
        assert len(h.findings(1)) == len(doc["results"])
    full = dict(doc, history=trend)
    api.validate_results(full)


def test_interrupted_write_leaves_no_record(tmp_path, doc):
    db = str(tmp_path / "h.db")
    api.record_history(db, doc)
    broken = copy.deepcopy(doc)
    del broken["results"][-1]["severity"]  # fails after the scan row and controls
    with pytest.raises(KeyError):
        api.record_history(db, broken)
    assert _count(db) == 1 and _count(db, "scan_controls") == 93
    assert _count(db, "scan_results") == len(doc["results"])


def test_killed_writer_leaves_no_record(tmp_path, doc):
    """SIGKILL in the middle of the transaction: the scan row written so far is gone."""
    db = str(tmp_path / "h.db")
    api.record_history(db, doc)
    code = (
        "import sys, time\n"
        "from bio2scan.history import open_history\n"
        "h = open_history(sys.argv[1])\n"
        "with h.transaction():\n"
        '    h._exec("INSERT INTO scans (started_at, finished_at, recorded_at, tool_version, "\n'
        '            "ruleset_digest, targets, complete, summary) VALUES "\n'
        "            \"('a', 'b', 'c', 'd', 'e', '[]', 1, '{}')\")\n"
        "    print('inside', flush=True)\n"
        "    time.sleep(60)\n"
    )
    p = subprocess.Popen(
        [sys.executable, "-c", code, db], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert p.stdout.readline().strip() == "inside"
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(10)
        p.stdout.close()
    assert _count(db) == 1
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    sid, _ = api.record_history(db, doc)  # the lock died with the process
    assert sid == 2


WRITER = """
import json, sys
from bio2scan import api
doc = json.load(open(sys.argv[2]))
for _ in range(int(sys.argv[3])):
    api.record_history(sys.argv[1], doc)
"""


def test_concurrent_writers(tmp_path, doc):
    db = str(tmp_path / "h.db")
    src = tmp_path / "doc.json"
    src.write_text(json.dumps(doc))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db, str(src), "5"],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert _count(db) == 20
    assert _count(db, "scan_results") == 20 * len(doc["results"])
    assert _count(db, "scan_controls") == 20 * 93
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert c.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1


def test_cli_history_and_diff(tmp_path):
    d = estate(tmp_path)
    db = str(tmp_path / "hist.db")
    args = ("scan", "manifests", str(d), "--rules", RULE, "--fail-on", "none", "--history", db)
    r = cli(*args, "-o", str(tmp_path / "a"))
    assert r.returncode == 0 and "history: scan 1 recorded" in r.stdout
    assert len(results(tmp_path / "a")["history"]["scans"]) == 1
    (d / "pod00.yaml").write_text(pod("pod00", "ns0", False))
    (d / "pod01.yaml").write_text(pod("pod01", "ns1", True))
    r = cli(*args, "-o", str(tmp_path / "b"), "-q", env={})
    assert r.returncode == 0 and r.stdout == ""
    assert [s["id"] for s in results(tmp_path / "b")["history"]["scans"]] == [1, 2]
    r = cli("history", "--db", db)
    assert r.returncode == 0 and len(r.stdout.strip().splitlines()) == 3
    r = cli("history", "--format", "json", env={"BIO2SCAN_HISTORY": db})
    assert [s["id"] for s in json.loads(r.stdout)] == [2, 1]
    r = cli("diff", "1", "2", "--db", db, "--format", "json")
    assert r.returncode == 1, r.stderr  # there is a new finding
    by_id = json.loads(r.stdout)
    assert [x["resource_id"] for x in by_id["new"]] == ["ns1/Pod/pod01"]
    assert [x["resource_id"] for x in by_id["resolved"]] == ["ns0/Pod/pod00"]
    assert by_id["new"][0]["before"] == "PASS" and by_id["new"][0]["after"] == "FAIL"
    by_file = api.diff_scans(str(tmp_path / "a/results.json"), str(tmp_path / "b/results.json"))
    assert {k: by_file[k] for k in ("new", "resolved", "changed")} == {
        k: by_id[k] for k in ("new", "resolved", "changed")
    }
    assert api.diff_scans("2", "2", db)["new"] == []
    r = cli("diff", "1", "9", "--db", db)
    assert r.returncode == 2 and "no scan with id 9" in r.stderr
    r = cli("diff", "1", "2")
    assert r.returncode == 2 and "--db" in r.stderr
    r = cli("history")
    assert r.returncode == 2
    r = cli("history", "--db", str(tmp_path / "typo.db"))
    assert r.returncode == 2 and "no such history database" in r.stderr
    assert not (tmp_path / "typo.db").exists()


def _postgres_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def test_postgres_missing_driver_message():
    """Without the optional driver a postgresql:// history is a one-line usage error (exit 2)
    that names the extra to install. The driver is hidden in a subprocess."""
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from bio2scan.cli import run\n"
        "sys.argv = ['bio2scan', 'history', '--db', 'postgresql://u:secret@localhost/db']\n"
        "run()\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "bio2scan: error: a postgresql:// history needs the PostgreSQL "
        "driver: pip install 'bio2scan[postgres]'"
    )


@pytest.mark.slow
def test_postgres_history(doc):
    pytest.importorskip("psycopg", reason="the optional driver (bio2scan[postgres]) is absent")
    bindir = _postgres_bin()
    if not bindir:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: use the postgres account
        if not shutil.which("runuser") or not _user_exists("postgres"):
            pytest.skip("running as root without a postgres account to start a server")
        as_user = ["runuser", "-u", "postgres", "--"]
    root = tempfile.mkdtemp(prefix="bio2scan-pg-")
    data, sock = os.path.join(root, "data"), os.path.join(root, "sock")
    os.mkdir(sock)
    if as_user:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = "54329"
    server = None
    try:
        subprocess.run(
            [*as_user, f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "bio2scan"],
            check=True,
            capture_output=True,
        )
        server = subprocess.Popen(
            [
                *as_user,
                f"{bindir}/postgres",
                "-D",
                data,
                "-k",
                sock,
                "-c",
                "listen_addresses=",
                "-p",
                port,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"postgresql://bio2scan@/postgres?host={sock}&port={port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                open_history(url).close()
                break
            except Exception:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        sid, trend = api.record_history(url, doc)
        sid2, trend = api.record_history(url, doc)
        assert sid2 == sid + 1 and [s["id"] for s in trend["scans"]] == [sid, sid2]
        with open_history(url) as h:
            assert h.schema_version() == 1 and len(h.findings(sid2)) == len(doc["results"])
            assert [s["id"] for s in h.scans()] == [sid2, sid]
        broken = copy.deepcopy(doc)
        del broken["results"][-1]["severity"]
        with pytest.raises(KeyError):
            api.record_history(url, broken)
        assert len(api.list_scans(url)) == 2
        secret_url = url.replace("bio2scan@", "bio2scan:hunter2@")  # trust auth ignores it
        with pytest.raises(HistoryError) as e:
            api.diff_scans("1", "99", secret_url)
        assert "hunter2" not in str(e.value) and "bio2scan:***@" in str(e.value)
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)
        shutil.rmtree(root, ignore_errors=True)


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def test_history_drivers_load_only_when_used():
    code = (
        "import sys\n"
        "from bio2scan import api, cli\n"
        "print(sorted(m for m in ('sqlite3', 'psycopg', 'bio2scan.history') "
        "if m in sys.modules))\n"
    )
    # coverage measurement of subprocesses (make test) stores its data with sqlite3: not ours
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_PROCESS")}
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
