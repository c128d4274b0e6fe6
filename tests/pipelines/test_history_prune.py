"""The history store stays small: findings only, stored once across scans, pruned by age and
count (command, config file), old stores migrated; a killed prune changes nothing."""

from __future__ import annotations

import copy
import datetime as dt
import json
import signal
import sqlite3
import subprocess
import sys

import pytest
from pipeline_support import ROOT, RULE, cli, estate, write

from bio2scan import api
from bio2scan.history import DIALECTS, FINDING_STATUSES, _migrations, _statements, open_history

NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    d = estate(tmp_path_factory.mktemp("h"))
    rules = [api.load_rules()[RULE], api.load_rules()["k8s.pod.host_pid"]]
    inv = api.collect("manifests", {"paths": [str(d)]}, rules=rules)
    return api.assess(inv, rules, now=NOW)


def _count(db, table) -> int:
    with sqlite3.connect(db) as c:
        return c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _finding_count(doc) -> int:
    return sum(r["status"] in FINDING_STATUSES for r in doc["results"])


def _aged(doc, days: int):
    d = copy.deepcopy(doc)
    d["scan"]["finished_at"] = (NOW - dt.timedelta(days=days)).isoformat()
    return d


def test_unchanged_findings_are_stored_once_changed_ones_again(tmp_path, doc):
    db = str(tmp_path / "h.db")
    n = _finding_count(doc)
    for _ in range(3):
        api.record_history(db, doc)
    assert _count(db, "finding_rows") == n and _count(db, "scan_findings") == 3 * n
    changed = copy.deepcopy(doc)
    fail = next(r for r in changed["results"] if r["status"] == "FAIL")
    fail["evidence"] = [{"path": "x", "value": "other"}]
    sid, _ = api.record_history(db, changed)
    assert _count(db, "finding_rows") == n + 1  # one new row: the changed evidence
    with open_history(db) as h:
        assert h.findings(sid, evidence=True)[fail["finding_id"]]["evidence"] == fail["evidence"]
        assert h.findings(1, evidence=True)[fail["finding_id"]]["evidence"] != fail["evidence"]


def test_prune_by_count_and_age_deletes_unreferenced_rows(tmp_path, doc):
    db = str(tmp_path / "h.db")
    changed = copy.deepcopy(doc)
    for r in changed["results"]:
        if r["status"] == "FAIL":
            r["message"] = "changed"
    for days, d in ((40, doc), (35, changed), (20, doc), (1, doc)):
        api.record_history(db, _aged(d, days))
    n = _finding_count(doc)
    assert _count(db, "finding_rows") == 2 * n
    out = api.prune_history(db, max_age_days=30, now=NOW)
    assert out == {"scans_deleted": 2, "scans_kept": 2, "rows_deleted": n}
    assert [s["id"] for s in api.list_scans(db)] == [4, 3]
    assert _count(db, "finding_rows") == n and _count(db, "scan_findings") == 2 * n
    assert _count(db, "scan_controls") == 2 * 93
    out = api.prune_history(db, max_scans=1, now=NOW)
    assert out == {"scans_deleted": 1, "scans_kept": 1, "rows_deleted": 0}
    with open_history(db) as h:
        assert h.findings(4).keys() == {
            r["finding_id"] for r in doc["results"] if r["status"] in FINDING_STATUSES
        }
        assert h.counts(3) == {}  # its counts went with it
    assert api.prune_history(db, max_scans=1, max_age_days=1000, now=NOW)["scans_deleted"] == 0
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []


def test_unreadable_finish_time_is_never_too_old(tmp_path, doc):
    db = str(tmp_path / "h.db")
    odd = copy.deepcopy(doc)
    odd["scan"]["finished_at"] = "yesterday"
    api.record_history(db, odd)
    assert api.prune_history(db, max_age_days=1, now=NOW)["scans_deleted"] == 0


KILLED_PRUNE = """
import sys, time
from bio2scan.history import open_history
h = open_history(sys.argv[1])
seen = []
def trace(sql):
    seen.append(sql.split()[0:3])
    if sql.startswith("DELETE FROM finding_rows"):
        print("inside", [s for s in seen if s[:2] == ["DELETE", "FROM"]], flush=True)
        time.sleep(60)
h.conn.set_trace_callback(trace)
h.prune(max_scans=1)
"""


def test_killed_prune_leaves_the_store_as_it_was(tmp_path, doc):
    """SIGKILL after the scans were deleted and before the rows were: nothing is lost, the
    store is consistent, and the next prune does the whole job."""
    db = str(tmp_path / "h.db")
    changed = copy.deepcopy(doc)
    for r in changed["results"]:
        r["message"] = "changed"
    for d in (doc, changed, doc):
        api.record_history(db, d)
    before = (_count(db, "finding_rows"), _count(db, "scan_findings"))
    p = subprocess.Popen(
        [sys.executable, "-c", KILLED_PRUNE, db], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        line = p.stdout.readline()
        assert line.startswith("inside") and "['DELETE', 'FROM', 'scans']" in line, line
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(10)
        p.stdout.close()
    assert [s["id"] for s in api.list_scans(db)] == [3, 2, 1]
    assert (_count(db, "finding_rows"), _count(db, "scan_findings")) == before
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    out = api.prune_history(db, max_scans=1)
    assert out["scans_deleted"] == 2 and out["rows_deleted"] == _finding_count(doc)


def _v2_store(db: str, doc) -> None:
    """A store as bio2scan wrote it before version 3: every result a row of scan_results."""
    c = sqlite3.connect(db, isolation_level=None)
    c.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)"
    )
    for version, name, sql in _migrations("sqlite")[:2]:
        for stmt in _statements(sql):
            c.execute(stmt)
        c.execute("INSERT INTO schema_version VALUES (?, ?, 'then')", (version, name))
    for rules in (json.dumps(sorted(doc["rules"])), None):
        sid = c.execute(
            "INSERT INTO scans (started_at, finished_at, recorded_at, tool_version, "
            "ruleset_digest, targets, complete, summary, rules) VALUES (?, ?, 'r', 'v', 'd', "
            "'[]', 1, ?, ?) RETURNING id",
            (doc["scan"]["started_at"], doc["scan"]["finished_at"],
             json.dumps(doc["summary"]), rules),
        ).fetchone()[0]  # fmt: skip
        c.executemany(
            "INSERT INTO scan_controls VALUES (?, ?, ?, ?)",
            [(sid, x["id"], x["theme"], x["status"]) for x in doc["controls"]],
        )
        c.executemany(
            "INSERT INTO scan_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(sid, r["finding_id"], r["rule_id"], r["resource_id"], r["resource_type"],
              r["scope"], r["status"], r["severity"], None) for r in doc["results"]],
        )  # fmt: skip
    c.close()


def test_migration_keeps_listed_scans_findings_and_counts(tmp_path, doc):
    db = str(tmp_path / "old.db")
    _v2_store(db, doc)
    listed = api.list_scans(db)
    with open_history(db) as h:
        assert h.schema_version() == 3
        assert [s["id"] for s in h.scans()] == [s["id"] for s in listed] == [2, 1]
        for sid in (1, 2):
            assert h.findings(sid).keys() == {
                r["finding_id"] for r in doc["results"] if r["status"] in FINDING_STATUSES
            }
            assert sum(sum(v.values()) for v in h.counts(sid).values()) == len(doc["results"])
            assert h.rules(sid) == set(doc["rules"])  # scan 2 had none stored: from counts
        assert h.trend(5)["scans"][-1]["per_control"]["8.2"]
    with sqlite3.connect(db) as c:
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "scan_results" not in tables
    assert _count(db, "finding_rows") == _finding_count(doc)  # the two scans share the rows
    assert api.record_history(db, doc)[0] == 3


def test_dialects_fill_every_placeholder():
    for dialect in DIALECTS:
        for _, name, sql in _migrations(dialect):
            assert "{" not in sql, (dialect, name)


def test_cli_prune_and_config_retention(tmp_path, doc):
    d = estate(tmp_path)
    db = tmp_path / "hist.db"
    cfg = write(
        tmp_path / "config.yaml",
        "history: hist.db\nhistory_keep: 5\nhistory_retention:\n  max_scans: 2\n",
    )
    for i in range(3):
        r = cli("scan", "manifests", str(d), "--rules", RULE, "--config", str(cfg),
                "--fail-on", "none", "-o", str(tmp_path / f"out{i}"))  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert f"history: scan {i + 1} recorded" in r.stdout
    assert [s["id"] for s in api.list_scans(str(db))] == [3, 2]  # the config's retention
    r = cli("history", "--db", str(db))
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 3
    r = cli("history", "prune", "--db", str(db), "--max-scans", "1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("history: 1 scan(s) deleted, 1 kept")
    api.record_history(str(db), doc)
    api.record_history(str(db), doc)
    r = cli("history", "prune", "--config", str(cfg))  # the config's retention and store
    assert r.returncode == 0 and r.stdout.startswith("history: 1 scan(s) deleted, 2 kept")
    assert [s["id"] for s in api.list_scans(str(db))] == [5, 4]
    api.record_history(str(db), _aged(doc, 400))
    r = cli("history", "prune", "--db", str(db), "--max-age", "365")  # BIO2SCAN_NOW: 2026-06-30
    assert r.returncode == 0 and r.stdout.startswith("history: 1 scan(s) deleted, 2 kept")
    for args, expect in (
        (("--db", str(db)), "give --max-age DAYS and/or --max-scans N"),
        (("--db", str(db), "--max-scans", "0"), "0 is not in the range x>=1"),
        (("--max-age", "3",), "give --db"),
        (("--db", str(tmp_path / "typo.db"), "--max-age", "3"), "no such history database"),
    ):  # fmt: skip
        r = cli("history", "prune", *args)
        assert r.returncode == 2 and expect in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_config_retention_is_checked(tmp_path):
    for text, expect in (
        ("history_retention:\n  max_scans: 0\n", ":2 (history_retention.max_scans)"),
        ("history_retention:\n  keep: 3\n", "keep"),
        ("history_retention: {}\n", "history_retention"),
    ):
        cfg = write(tmp_path / "c.yaml", text)
        r = cli("history", "prune", "--config", str(cfg), "--db", str(tmp_path / "h.db"))
        assert r.returncode == 2 and expect in r.stderr, (text, r.stderr)


def test_failed_prune_after_a_scan_is_a_warning_not_a_lost_scan(tmp_path, doc, caplog):
    """The retention prune runs after the scan is committed; if it fails (here: the database
    refuses deletes), the scan stays recorded and the prune changes nothing."""
    db = str(tmp_path / "h.db")
    api.record_history(db, doc)
    with sqlite3.connect(db) as c:
        c.execute(
            "CREATE TRIGGER keep BEFORE DELETE ON scans BEGIN SELECT RAISE(ABORT, 'kept'); END"
        )
    done = api.finish(
        copy.deepcopy(doc), ["json"], tmp_path / "out", history=db, retention={"max_scans": 1}
    )
    assert done.scan_id == 2 and [s["id"] for s in api.list_scans(db)] == [2, 1]
    assert "scan 2 recorded; pruning failed" in caplog.text and "kept" in caplog.text
    assert _count(db, "scan_findings") == 2 * _finding_count(doc)
