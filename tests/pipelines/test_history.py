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


def test_summarised_not_applicable_results_are_counted(tmp_path):
    """results schema 3 folds NOT_APPLICABLE rows into groups; the store's per-rule counts
    still hold them, so a trend of "what was not checked" does not drop to zero."""
    d = estate(tmp_path, n=3)
    (d / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ns0}\ntype: Opaque\n"
        "data: {a: Yg==}\n"
    )
    all_rules = api.load_rules()
    rules = [all_rules[RULE], all_rules["k8s.secret.tls_key_strength"]]
    inv = api.collect("manifests", {"paths": [str(d)]}, rules=rules)
    doc = api.assess(inv, rules, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    assert doc["not_applicable"]["groups"]
    assert not any(r["status"] == "NOT_APPLICABLE" for r in doc["results"])
    db = str(tmp_path / "h.db")
    sid, _ = api.record_history(db, doc)
    with open_history(db) as h:
        counts = h.counts(sid)
    assert counts["k8s.secret.tls_key_strength"] == {"NOT_APPLICABLE": 1}
    assert sum(n for c in counts.values() for n in c.values()) == sum(
        doc["summary"]["results"].values()
    )


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
    found = [r for r in doc["results"] if r["status"] in ("FAIL", "ERROR", "WAIVED")]
    assert found and len(found) < len(doc["results"])  # PASSes too, which are only counted
    with open_history(db) as h:
        assert h.schema_version() == 3
        kept = h.findings(1, evidence=True)
        assert kept.keys() == {r["finding_id"] for r in found}
        for r in found:
            assert kept[r["finding_id"]]["evidence"] == r["evidence"]
            assert kept[r["finding_id"]]["status"] == r["status"]
        per_rule: dict = {}
        for r in doc["results"]:
            per_rule.setdefault(r["rule_id"], {}).setdefault(r["status"], 0)
            per_rule[r["rule_id"]][r["status"]] += 1
        assert h.counts(1) == per_rule
        per_control = {
            c["id"]: {k: v for k, v in c["counts"].items() if v}
            for c in doc["controls"]
            if any(c["counts"].values())
        }
        assert per_control and h.counts(1, "control") == per_control
        assert h.rules(1) == set(doc["rules"])
    full = dict(doc, history=trend)
    api.validate_results(full)


def test_interrupted_write_leaves_no_record(tmp_path, doc):
    db = str(tmp_path / "h.db")
    api.record_history(db, doc)
    broken = copy.deepcopy(doc)
    del broken["controls"][-1]["theme"]  # fails after the scan row is written
    with pytest.raises(KeyError):
        api.record_history(db, broken)
    assert _count(db) == 1 and _count(db, "scan_controls") == 93
    assert _count(db, "scan_findings") == _count(db, "finding_rows") > 0


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
    found = sum(r["status"] in ("FAIL", "ERROR", "WAIVED") for r in doc["results"])
    assert _count(db, "scan_findings") == 20 * found
    assert _count(db, "finding_rows") == found  # the same findings: stored once
    assert _count(db, "scan_controls") == 20 * 93
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert c.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 3


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
    # the report's trend shows the scan it belongs to, recorded only after it was written
    assert [s["id"] for s in results(tmp_path / "b")["history"]["scans"]] == [1, "current"]
    r = cli("history", "--db", db)
    assert r.returncode == 0 and len(r.stdout.strip().splitlines()) == 3
    r = cli("history", "--format", "json", env={"BIO2SCAN_HISTORY": db})
    assert [s["id"] for s in json.loads(r.stdout)] == [2, 1]
    r = cli("diff", "1", "2", "--db", db, "--format", "json")
    assert r.returncode == 1, r.stderr  # there is a new finding
    by_id = json.loads(r.stdout)
    assert [x["resource_id"] for x in by_id["new"]] == ["ns1/Pod/pod01"]
    assert [x["resource_id"] for x in by_id["resolved"]] == ["ns0/Pod/pod00"]
    # the history keeps findings only: a PASS before is "no finding" (None), in both diffs
    assert by_id["new"][0]["before"] is None and by_id["new"][0]["after"] == "FAIL"
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
        "driver psycopg 3: pip install 'psycopg[binary]>=3.1'"
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
            found = [r for r in doc["results"] if r["status"] in ("FAIL", "ERROR", "WAIVED")]
            assert h.schema_version() == 3 and len(h.findings(sid2)) == len(found)
            assert h.findings(sid2, evidence=True) == h.findings(sid, evidence=True)
            n_rows = h._exec("SELECT COUNT(*) FROM finding_rows").fetchone()[0]
            assert n_rows == len(found)  # recorded twice, stored once
            assert h.rules(sid2) == set(doc["rules"])
            assert [s["id"] for s in h.scans()] == [sid2, sid]
        broken = copy.deepcopy(doc)
        del broken["controls"][-1]["theme"]
        with pytest.raises(KeyError):
            api.record_history(url, broken)
        assert len(api.list_scans(url)) == 2
        out = api.prune_history(url, max_scans=1)  # the rows are shared: none deleted
        assert out == {"scans_deleted": 1, "scans_kept": 1, "rows_deleted": 0}
        api.record_history(url, dict(doc, results=[]))
        out = api.prune_history(url, max_scans=1)  # now no scan refers to them
        assert out == {"scans_deleted": 1, "scans_kept": 1, "rows_deleted": len(found)}
        _pg_migration(url, doc)
        secret_url = url.replace("bio2scan@", "bio2scan:hunter2@")  # trust auth ignores it
        with pytest.raises(HistoryError) as e:
            api.diff_scans("1", "99", secret_url)
        assert "hunter2" not in str(e.value) and "bio2scan:***@" in str(e.value)
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)
        shutil.rmtree(root, ignore_errors=True)


def _pg_migration(url: str, doc) -> None:
    """A PostgreSQL store of schema version 2 (a row per result) opens as version 3 with its
    scans, findings and per-rule counts."""
    import psycopg

    from bio2scan.history import FINDING_STATUSES, _migrations, _statements

    with psycopg.connect(url, autocommit=True) as c:
        c.execute("CREATE DATABASE old")
    old = url.replace("/postgres?", "/old?")
    with psycopg.connect(old, autocommit=True) as c:
        c.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL)"
        )
        for version, name, sql in _migrations("postgres")[:2]:
            for stmt in _statements(sql):
                c.execute(stmt)
            c.execute("INSERT INTO schema_version VALUES (%s, %s, 'then')", (version, name))
        sid = c.execute(
            "INSERT INTO scans (started_at, finished_at, recorded_at, tool_version, "
            "ruleset_digest, targets, complete, summary) VALUES ('s', 'f', 'r', 'v', 'd', "
            "'[]', 1, %s) RETURNING id",
            (json.dumps(doc["summary"]),),
        ).fetchone()[0]
        with c.cursor() as cur:
            cur.executemany(
                "INSERT INTO scan_controls VALUES (%s, %s, %s, %s)",
                [(sid, x["id"], x["theme"], x["status"]) for x in doc["controls"]],
            )
            cur.executemany(
                "INSERT INTO scan_results VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(sid, r["finding_id"], r["rule_id"], r["resource_id"], r["resource_type"],
                  r["scope"], r["status"], r["severity"], None) for r in doc["results"]],
            )  # fmt: skip
    with open_history(old) as h:
        assert h.schema_version() == 3 and [s["id"] for s in h.scans()] == [sid]
        assert h.findings(sid).keys() == {
            r["finding_id"] for r in doc["results"] if r["status"] in FINDING_STATUSES
        }
        assert h.rules(sid) == {r["rule_id"] for r in doc["results"]}
        assert sum(sum(v.values()) for v in h.counts(sid).values()) == len(doc["results"])
        gone = h._exec("SELECT to_regclass('scan_results')").fetchone()[0]
        assert gone is None


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


def test_diff_compares_only_rules_that_ran_in_both_scans(tmp_path):
    """A narrower --rules is not a fix: findings of a rule that did not run in the later scan
    are neither resolved nor new; the rules are listed as not compared (files and history)."""
    d = estate(tmp_path)
    db = str(tmp_path / "hist.db")
    two = f"{RULE},k8s.pod.host_pid"
    r = cli("scan", "manifests", str(d), "--rules", two, "--fail-on", "none", "-q",
            "--history", db, "-o", str(tmp_path / "a"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert any(x["status"] == "FAIL" for x in results(tmp_path / "a")["results"])
    (d / "pod00.yaml").write_text(pod("pod00", "ns0", False))  # one real fix
    r = cli("scan", "manifests", str(d), "--rules", "k8s.pod.host_pid", "--fail-on", "none",
            "-q", "--history", db, "-o", str(tmp_path / "b"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    for a, b, kw in (
        (str(tmp_path / "a/results.json"), str(tmp_path / "b/results.json"), {}),
        ("1", "2", {"db": db}),
    ):
        out = api.diff_scans(a, b, **kw)
        assert out["resolved"] == [] and out["new"] == [] and out["changed"] == []
        assert out["not_compared"] == {"only_a": [RULE], "only_b": []}
        assert out["compared_rules"] == 1
        back = api.diff_scans(b, a, **kw)
        assert back["new"] == [] and back["not_compared"] == {"only_a": [], "only_b": [RULE]}
    r = cli("diff", "1", "2", "--db", db)
    assert r.returncode == 0, r.stderr
    assert "0 new, 0 resolved, 0 changed (1 rule(s) compared)" in r.stdout
    assert f"not compared: 1 rule(s) ran only in 1: {RULE}" in r.stdout
    # a scan recorded before the store kept its rules: the rules with results stand in
    with sqlite3.connect(db) as c:
        c.execute("UPDATE scans SET rules = NULL")
    assert api.diff_scans("1", "2", db)["not_compared"]["only_a"] == [RULE]
