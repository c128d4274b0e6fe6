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
  (PostgreSQL: an advisory lock), so two processes opening a new store apply each once.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

from .errors import InputError, UsageError

DIALECTS = {
    "sqlite": {"id_primary_key": "INTEGER PRIMARY KEY AUTOINCREMENT"},
    "postgres": {"id_primary_key": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"},
}
_PG_LOCK = 0x62696F32  # "bio2": the advisory lock that serialises migrations
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

    def _migrate(self) -> None:
        with self.transaction():
            if self.dialect == "postgres":
                self._exec(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
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
                self._exec(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, _utcnow()),
                )

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
        with self.transaction():
            row = self._exec(
                "INSERT INTO scans (started_at, finished_at, evaluated_at, recorded_at, "
                "tool_version, ruleset_digest, targets, complete, summary) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                ),
            ).fetchone()
            scan_id = int(row[0])
            self.conn.cursor().executemany(
                self._sql(
                    "INSERT INTO scan_controls (scan_id, control_id, theme, status) "
                    "VALUES (?, ?, ?, ?)"
                ),
                [(scan_id, c["id"], c["theme"], c["status"]) for c in doc["controls"]],
            )
            self.conn.cursor().executemany(
                self._sql(
                    "INSERT INTO scan_results (scan_id, finding_id, rule_id, resource_id, "
                    "resource_type, scope, status, severity, waiver_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
                ),
                [
                    (
                        scan_id,
                        r["finding_id"],
                        r["rule_id"],
                        r["resource_id"],
                        r["resource_type"],
                        r["scope"],
                        r["status"],
                        r["severity"],
                        (r.get("waiver") or {}).get("id"),
                    )
                    for r in doc["results"]
                ],
            )
        return scan_id

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

    def findings(self, scan_id: int) -> dict[str, dict[str, Any]]:
        """Every stored result of one scan, by finding id."""
        if self._exec("SELECT 1 FROM scans WHERE id = ?", (int(scan_id),)).fetchone() is None:
            raise HistoryError(f"no scan with id {scan_id}", file=self.target)
        rows = self._exec(
            "SELECT finding_id, rule_id, resource_id, resource_type, scope, "
            "status, severity FROM scan_results WHERE scan_id = ?",
            (int(scan_id),),
        ).fetchall()
        keys = (
            "finding_id",
            "rule_id",
            "resource_id",
            "resource_type",
            "scope",
            "status",
            "severity",
        )
        return {row[0]: dict(zip(keys, row)) for row in rows}

    def trend(self, limit: int = 12) -> dict[str, Any]:
        """The ``history`` section of the results document: the last ``limit`` scans, oldest
        first, with control counts, the status of each control and counts per theme."""
        scans = list(reversed(self.scans(limit)))
        out = []
        for s in scans:
            per_control: dict[str, str] = {}
            per_theme: dict[str, dict[str, int]] = {}
            # statuses as stored: a store outlives results schema versions (version 1 had
            # "compliant"), so the counts take whatever statuses the scan recorded
            counts: dict[str, int] = {}
            for cid, theme, status in self._exec(
                "SELECT control_id, theme, status FROM scan_controls WHERE scan_id = ? "
                "ORDER BY control_id",
                (s["id"],),
            ).fetchall():
                per_control[cid] = status
                theme_counts = per_theme.setdefault(theme, {})
                theme_counts[status] = theme_counts.get(status, 0) + 1
                counts[status] = counts.get(status, 0) + 1
            out.append(
                {
                    "id": s["id"],
                    "finished_at": s["finished_at"],
                    "controls": counts,
                    "per_control": per_control,
                    "per_theme": per_theme,
                }
            )
        return {"scans": out}


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
            "a postgresql:// history needs the PostgreSQL driver: pip install 'bio2scan[postgres]'"
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
