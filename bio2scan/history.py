"""The scan history: every scheduled scan appended to one store, for trends and diffs.

``open_history(target)``: a file path is an SQLite database (no server; the default), a
``postgresql://`` URL a PostgreSQL database (needs the optional ``bio2scan[postgres]`` extra,
psycopg 3, imported only then).

Why it is built this way:

* **One transaction per scan.** ``record()`` writes the scan row, its 93 control statuses and all
  its results in a single transaction, so a scan that is interrupted (killed, out of memory,
  disk full) leaves no partial record — readers see the whole scan or nothing.
* **Concurrent writers.** SQLite runs in WAL mode with a busy timeout and every write takes the
  write lock up front (``BEGIN IMMEDIATE``), so parallel cron jobs queue instead of failing or
  corrupting the file; PostgreSQL serialises by itself.
* **Versioned migrations.** ``history_sql/NNNN_*.sql`` (portable SQL; the few words that
  differ per dialect are ``{placeholders}`` filled from ``DIALECTS``) are applied in order, each in
  its own transaction, recorded in ``schema_version``; the migration step holds the write lock
  (PostgreSQL: an advisory lock), so two processes opening a new store apply each once. A
  migration may have a Python step (``_STEPS``) that runs in the same transaction.
* **A store that stays small** (version 3). A scan keeps its findings (FAIL, ERROR, WAIVED) and
  its counts per rule and per control, not a row per result. A finding's content (ids, status,
  severity, waiver, message and evidence — the evidence as redacted in the results document, so
  neither a secret nor a hash of one is ever stored) is stored once in ``finding_rows`` under a
  digest of that content; ``scan_findings`` links a scan to its rows. Scanning an unchanged
  estate again adds one scan row, its counts and one small link per finding.
* **Pruning** (``prune``): by age and by count, in one transaction that also deletes the finding
  rows no scan refers to any more; a prune that is killed half-way leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import re
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from typing import Any

from .errors import InputError, UsageError
from .history_rows import (
    _FINDING_KEYS,
    FINDING_STATUSES,
    _from_results,
    _older,
    finding_row,
    stored_trend_entry,
    trend_entry,
)

__all__ = ["FINDING_STATUSES", "History", "HistoryError", "open_history", "trend_entry"]

DIALECTS = {
    "sqlite": {
        "id_primary_key": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "without_rowid": " WITHOUT ROWID",
    },
    "postgres": {
        "id_primary_key": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "without_rowid": "",
    },
}
_CHUNK = 500  # parameters per IN (...) list: below every SQLite and PostgreSQL limit
_PG_LOCK = 0x62696F32  # "bio2": the advisory lock that serialises migrations and writers
BUSY_TIMEOUT_S = 60


class HistoryError(InputError):
    """The history store cannot be opened or read."""


def _migrations(dialect: str) -> list[tuple[int, str, str]]:
    folder = resources.files("bio2scan").joinpath("history_sql")
    out = []
    for f in folder.iterdir():
        m = re.match(r"^(\d{4})_.*\.sql$", f.name)
        if m:
            sql = f.read_text("utf-8")
            for key, value in DIALECTS[dialect].items():
                sql = sql.replace("{" + key + "}", value)
            out.append((int(m.group(1)), f.name, sql))
    return sorted(out)


def _statements(sql: str) -> list[str]:
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


class History:
    """One open history store. Use as a context manager, or call ``close()``."""

    def __init__(self, target: str, conn: Any, dialect: str) -> None:
        self.target, self.conn, self.dialect = target, conn, dialect
        self._migrate()

    # --- plumbing ---------------------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgres" else sql

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(self._sql(sql), params)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing; holds the write lock from the start (SQLite ``BEGIN IMMEDIATE``)."""
        self.conn.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _lock(self) -> None:
        """PostgreSQL: serialise writers that read before they write (migrations, the finding
        rows a scan links to, pruning) with a transaction-scoped advisory lock. SQLite holds its
        write lock from ``BEGIN IMMEDIATE`` already."""
        if self.dialect == "postgres":
            self._exec(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")

    def _migrate(self) -> None:
        applied: list[int] = []
        with self.transaction():
            self._lock()
            self._exec(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in self._exec("SELECT version FROM schema_version")}
            for version, name, sql in _migrations(self.dialect):
                if version in done:
                    continue
                for stmt in _statements(sql):
                    self._exec(stmt)
                step = _STEPS.get(version)
                if step is not None:
                    step(self)
                self._exec(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, _utcnow()),
                )
                applied.append(version)
        if 3 in applied and done and self.dialect == "sqlite":
            self._compact()

    def _compact(self) -> None:
        """Give the space of dropped rows back to the file system (SQLite ``VACUUM``, outside a
        transaction). Skipped when another process holds the store: the free pages are reused
        by the next scans anyway."""
        import sqlite3

        with contextlib.suppress(sqlite3.OperationalError):
            self.conn.execute("VACUUM")

    def schema_version(self) -> int:
        row = self._exec("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------------

    def record(self, doc: Mapping[str, Any]) -> int:
        """Append one results document as one scan; return its id."""
        scan = doc["scan"]
        rows: dict[str, tuple[Any, ...]] = {}
        counts: dict[tuple[str, str, str], int] = {}
        for r in doc["results"]:
            key = ("rule", r["rule_id"], r["status"])
            counts[key] = counts.get(key, 0) + 1
            if r["status"] in FINDING_STATUSES:
                row = finding_row(r)
                rows[row[0]] = row
        # NOT_APPLICABLE results summarised per rule (results schema 3) count as rows would
        for g in (doc.get("not_applicable") or {}).get("groups", ()):
            key = ("rule", g["rule_id"], "NOT_APPLICABLE")
            counts[key] = counts.get(key, 0) + int(g.get("count") or 0)
        for c in doc["controls"]:
            for status, n in (c.get("counts") or {}).items():
                if n:
                    counts[("control", c["id"], status)] = int(n)
        with self.transaction():
            self._lock()
            row = self._exec(
                "INSERT INTO scans (started_at, finished_at, evaluated_at, recorded_at, "
                "tool_version, ruleset_digest, targets, complete, summary, rules) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    scan["started_at"],
                    scan["finished_at"],
                    scan.get("evaluated_at"),
                    _utcnow(),
                    doc["tool"]["version"],
                    doc["ruleset"]["digest"],
                    json.dumps(scan.get("targets", []), sort_keys=True),
                    int(bool(doc["summary"]["complete"])),
                    json.dumps(doc["summary"], sort_keys=True),
                    json.dumps(sorted(doc.get("rules") or ())),
                ),
            ).fetchone()
            scan_id = int(row[0])
            self._many(
                "INSERT INTO scan_controls (scan_id, control_id, theme, status) VALUES (?, ?, ?, ?)",
                [(scan_id, c["id"], c["theme"], c["status"]) for c in doc["controls"]],
            )
            ids = self._row_ids(rows)
            self._many(
                "INSERT INTO scan_findings (scan_id, row_id) VALUES (?, ?)",
                [(scan_id, ids[d]) for d in rows],
            )
            self._many(
                "INSERT INTO scan_counts (scan_id, kind, subject, status, n) VALUES (?, ?, ?, ?, ?)",
                [(scan_id, *k, n) for k, n in counts.items()],
            )
        return scan_id

    def _many(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        if params:
            self.conn.cursor().executemany(self._sql(sql), params)

    def _row_ids(self, rows: Mapping[str, tuple[Any, ...]]) -> dict[str, int]:
        """The ids of the finding rows with these digests; the rows not stored yet are added."""
        ids = self._lookup(list(rows))
        missing = [rows[d] for d in rows if d not in ids]
        if missing:
            self._many(
                "INSERT INTO finding_rows (digest, finding_id, rule_id, resource_id, "
                "resource_type, scope, status, severity, waiver_id, message, evidence) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING",
                missing,
            )
            ids.update(self._lookup([row[0] for row in missing]))
        return ids

    def _lookup(self, digests: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in range(0, len(digests), _CHUNK):
            chunk = tuple(digests[i : i + _CHUNK])
            marks = ", ".join("?" * len(chunk))
            for digest, rid in self._exec(
                f"SELECT digest, id FROM finding_rows WHERE digest IN ({marks})", chunk
            ).fetchall():
                out[digest] = int(rid)
        return out

    def prune(
        self,
        *,
        max_age_days: int | None = None,
        max_scans: int | None = None,
        now: _dt.datetime | None = None,
        keep: tuple[int, ...] = (),
    ) -> dict[str, int]:
        """Delete the scans that finished more than ``max_age_days`` days before ``now`` and
        those beyond the ``max_scans`` most recently recorded (never the ids in ``keep``), then
        the finding rows that no scan refers to any more — all in one transaction. Returns the
        numbers of scans deleted and kept and of finding rows deleted."""
        now = now or _dt.datetime.now(_dt.UTC)
        with self.transaction():
            self._lock()
            scans = self._exec("SELECT id, finished_at FROM scans ORDER BY id DESC").fetchall()
            drop: set[int] = set()
            if max_scans is not None:
                drop.update(int(r[0]) for r in scans[max_scans:])
            if max_age_days is not None:
                cutoff = now - _dt.timedelta(days=max_age_days)
                drop.update(int(r[0]) for r in scans if _older(r[1], cutoff))
            drop.difference_update(keep)
            ordered = sorted(drop)
            for i in range(0, len(ordered), _CHUNK):
                chunk = tuple(ordered[i : i + _CHUNK])
                marks = ", ".join("?" * len(chunk))
                self._exec(f"DELETE FROM scans WHERE id IN ({marks})", chunk)
            rows = self._exec(
                "DELETE FROM finding_rows WHERE NOT EXISTS "
                "(SELECT 1 FROM scan_findings s WHERE s.row_id = finding_rows.id)"
            ).rowcount
        return {
            "scans_deleted": len(drop),
            "scans_kept": len(scans) - len(drop),
            "rows_deleted": rows,
        }

    # --- reading ----------------------------------------------------------------------------

    def scans(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Stored scans, newest first."""
        sql = (
            "SELECT id, started_at, finished_at, tool_version, ruleset_digest, targets, "
            "complete, summary FROM scans ORDER BY id DESC"
        )
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (int(limit),)
        out = []
        for row in self._exec(sql, params).fetchall():
            out.append(
                {
                    "id": int(row[0]),
                    "started_at": row[1],
                    "finished_at": row[2],
                    "tool_version": row[3],
                    "ruleset_digest": row[4],
                    "targets": json.loads(row[5]),
                    "complete": bool(row[6]),
                    "summary": json.loads(row[7]),
                }
            )
        return out

    def findings(self, scan_id: int, *, evidence: bool = False) -> dict[str, dict[str, Any]]:
        """The findings (FAIL, ERROR, WAIVED) of one scan, by finding id; with ``evidence``
        also their message and evidence (as redacted when the scan was written)."""
        if self._exec("SELECT 1 FROM scans WHERE id = ?", (int(scan_id),)).fetchone() is None:
            raise HistoryError(f"no scan with id {scan_id}", file=self.target)
        rows = self._exec(
            "SELECT f.finding_id, f.rule_id, f.resource_id, f.resource_type, f.scope, "
            "f.status, f.severity, f.waiver_id, f.message, f.evidence FROM scan_findings s "
            "JOIN finding_rows f ON f.id = s.row_id WHERE s.scan_id = ?",
            (int(scan_id),),
        ).fetchall()
        out = {}
        for row in rows:
            d = dict(zip(_FINDING_KEYS, row[:7]))
            if evidence:
                d["waiver_id"], d["message"] = row[7], row[8]
                d["evidence"] = json.loads(row[9]) if row[9] is not None else None
            out[row[0]] = d
        return out

    def counts(self, scan_id: int, kind: str = "rule") -> dict[str, dict[str, int]]:
        """Result counts of one scan per rule (``kind="rule"``) or control (``"control"``):
        subject → status → number (zeros left out)."""
        out: dict[str, dict[str, int]] = {}
        for subject, status, n in self._exec(
            "SELECT subject, status, n FROM scan_counts WHERE scan_id = ? AND kind = ?",
            (int(scan_id), kind),
        ).fetchall():
            out.setdefault(subject, {})[status] = int(n)
        return out

    def rules(self, scan_id: int) -> set[str]:
        """The ids of the rules scan ``scan_id`` ran (for a scan recorded before the store
        kept them: the rules that gave it a result)."""
        row = self._exec("SELECT rules FROM scans WHERE id = ?", (int(scan_id),)).fetchone()
        if row is None:
            raise HistoryError(f"no scan with id {scan_id}", file=self.target)
        if row[0] is not None:
            return set(json.loads(row[0]))
        return set(self.counts(scan_id))

    def trend(self, limit: int = 12, pending: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``history`` section of the results document: the last ``limit`` scans, oldest
        first, with control counts, the status of each control and counts per theme.

        ``pending``: a results document not recorded yet — the scan whose reports are being
        written (it is recorded only once they are): it is the last entry, with id
        ``"current"``."""
        if pending is not None and limit <= 1:
            return {"scans": [trend_entry(pending)]}
        scans = list(reversed(self.scans(limit - 1 if pending is not None else limit)))
        out = [
            stored_trend_entry(
                s,
                self._exec(
                    "SELECT control_id, theme, status FROM scan_controls WHERE scan_id = ? "
                    "ORDER BY control_id",
                    (s["id"],),
                ).fetchall(),
            )
            for s in scans
        ]
        if pending is not None:
            out.append(trend_entry(pending))
        return {"scans": out}


_STEPS: dict[int, Callable[[History], None]] = {3: _from_results}


def _utcnow() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def is_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def open_history(target: str, *, create: bool = True) -> History:
    """Open (and create or migrate) the store at ``target``: a path or a PostgreSQL URL.
    ``create=False`` (reading commands) refuses a SQLite file that does not exist yet, so a
    mistyped path is an error rather than an empty history."""
    if is_url(target):
        return History(_redact(target), _connect_postgres(target), "postgres")
    if "://" in target:
        raise UsageError(f"--history {target!r}: give a file path (SQLite) or a postgresql:// URL")
    import os
    import sqlite3

    if not create and not os.path.exists(target):
        raise HistoryError("no such history database", file=target)
    try:
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return History(target, conn, "sqlite")
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"cannot open the history database: {exc}", file=target) from None


def _connect_postgres(url: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise UsageError(
            "a postgresql:// history needs the PostgreSQL driver psycopg 3: "
            "pip install 'psycopg[binary]>=3.1'"
        ) from None
    try:
        return psycopg.connect(url, autocommit=True)
    except psycopg.Error as exc:
        raise HistoryError(
            f"cannot connect: {str(exc).splitlines()[0]}", file=_redact(url)
        ) from None


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
