"""Growth of the scan history: how many bytes each scan of an unchanged estate adds.

    .venv/bin/python bench/history.py --workloads 2000 --scans 5
    .venv/bin/python bench/history.py --workloads 10000 --scans 5 --legacy --json

Assesses a generated estate once (``bench/workloads.estate``: workloads with fresh pod specs,
their ServiceAccounts, PDBs, NetworkPolicies and EC2 instances, every built-in rule), then
records that results document ``--scans`` times into a new SQLite history, as cron would after
scanning an estate that did not change. Prints the results per scan, the findings kept per scan,
the size after the first scan and the median growth of each later scan (SQLite file, after a WAL
checkpoint), per scan and per 10,000 results, and the time ``record`` takes. ``--legacy`` also
measures the store as it was before schema version 3 (a row per result) for comparison.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _size(db: str) -> int:
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return os.path.getsize(db)


def _legacy_record(db: str, doc: dict) -> None:
    """A scan as schema version 2 stored it: a scan_results row for every result."""
    from bio2scan.history import _migrations, _statements

    c = sqlite3.connect(db, isolation_level=None)
    if not c.execute("SELECT 1 FROM sqlite_master WHERE name = 'scans'").fetchone():
        for _v, _n, sql in _migrations("sqlite")[:2]:
            for stmt in _statements(sql):
                c.execute(stmt)
    c.execute("BEGIN")
    sid = c.execute(
        "INSERT INTO scans (started_at, finished_at, recorded_at, tool_version, ruleset_digest, "
        "targets, complete, summary, rules) VALUES (?, ?, 'r', 'v', 'd', '[]', 1, ?, ?) "
        "RETURNING id",
        (doc["scan"]["started_at"], doc["scan"]["finished_at"], json.dumps(doc["summary"]),
         json.dumps(sorted(doc["rules"]))),
    ).fetchone()[0]  # fmt: skip
    c.executemany(
        "INSERT INTO scan_controls VALUES (?, ?, ?, ?)",
        [(sid, x["id"], x["theme"], x["status"]) for x in doc["controls"]],
    )
    c.executemany(
        "INSERT INTO scan_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(sid, r["finding_id"], r["rule_id"], r["resource_id"], r["resource_type"], r["scope"],
          r["status"], r["severity"], None) for r in doc["results"]],
    )  # fmt: skip
    c.execute("COMMIT")
    c.close()


def _measure(record, doc: dict, scans: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bio2scan-hist-") as tmp:
        db = str(Path(tmp) / "history.db")
        sizes, times = [], []
        for _ in range(scans):
            t0 = time.perf_counter()
            record(db, doc)
            times.append(time.perf_counter() - t0)
            sizes.append(_size(db))
    growth = [b - a for a, b in itertools.pairwise(sizes)]
    per_scan = statistics.median(growth) if growth else float("nan")
    n = len(doc["results"])
    return {
        "first_scan_bytes": sizes[0],
        "growth_per_scan_bytes": round(per_scan),
        "growth_per_10k_results_kb": round(per_scan / n * 10_000 / 1024, 1),
        "growth_per_100k_results_mb": round(per_scan / n * 100_000 / 1024**2, 2),
        "record_median_s": round(statistics.median(times), 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workloads", type=int, default=2000)
    ap.add_argument("--scans", type=int, default=5)
    ap.add_argument("--legacy", action="store_true", help="also measure the version 2 layout")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import workloads

    from bio2scan import api
    from bio2scan.history import FINDING_STATUSES
    from bio2scan.model import Inventory, ScanMeta

    rules = list(api.load_rules().values())
    inv = Inventory(
        ScanMeta("bench", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"),
        tuple(workloads.estate(args.workloads)),
    )
    doc = api.assess(inv, rules)
    out: dict = {
        "workloads": args.workloads,
        "resources": len(inv.resources),
        "results": len(doc["results"]),
        "findings": sum(r["status"] in FINDING_STATUSES for r in doc["results"]),
        "scans": args.scans,
    }
    out["store"] = _measure(lambda db, d: api.record_history(db, d), doc, args.scans)
    if args.legacy:
        out["legacy_v2"] = _measure(_legacy_record, doc, args.scans)
    if args.json:
        print(json.dumps(out))
    else:
        print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
