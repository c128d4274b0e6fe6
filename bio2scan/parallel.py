"""Writing a set of report files at once: this process and ``workers - 1`` child processes
forked from it (Linux) take the files one at a time, in the order given (the slowest first),
until none is left. A child shares the results document with its parent (copy-on-write):
nothing is pickled to hand it over, and a child that writes several files copies the pages it
touches once. This process writes too rather than wait: one child fewer copies the pages of a
large document (at 100,000 objects the copying of two children cost more system time than
the writing saved).

    with prepared(directory, {"results.json": write_json, "report.html": write_html}, 2) as files:
        documents.write_set(directory, files)     # every file is already written when it asks

Each file is written into a private directory inside ``directory`` (named like a staging
directory of ``documents.write_set``, so one left by a killed run is removed the same way); a
child reports over a pipe: the SHA-256 of what it wrote, or the errno, text and file of the
``OSError`` it met. ``write_set`` then asks for each file as it always does; the file is moved
into its staging directory, or that same ``OSError`` is raised there — a full disk reads as it
does when the file is written in one go, and the previous report set stays. A file whose
writer failed in any other way (an exception that is a bug, a child killed by a signal) is
written again when ``write_set`` asks: an error is then exactly the in-process one.

Not used (the files are written one after the other, as ``write_set`` calls them) with fewer
than two files or workers, off Linux (``fork`` is unsafe on macOS and absent on Windows), or
when the process runs other threads (a lock one of them holds would stay held in the child).
A child dies with its parent (``PR_SET_PDEATHSIG``): a killed scan leaves no writer behind.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

# a file's writer: called with the path to write, returns the SHA-256 of what it wrote (or None)
Writer = Callable[[Path], "str | None"]
STAGING = ".bio2scan-staging-"  # documents.write_set's prefix: stale ones are removed alike


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def usable(files: int, workers: int) -> bool:
    return (
        files > 1
        and workers > 1
        and sys.platform.startswith("linux")
        and threading.active_count() == 1
    )


@contextlib.contextmanager
def prepared(
    directory: str | Path, jobs: Mapping[str, Writer], workers: int
) -> Iterator[dict[str, Writer]]:
    """``jobs`` (file name → writer), written in forked children while the ``with`` block is
    entered; yields file name → writer for ``documents.write_set`` (see the module's doc).
    Where children cannot be used, yields ``jobs`` unchanged; so it does for a name that is
    not a plain file name (``write_set`` refuses it before anything is written)."""
    plain = {n: j for n, j in jobs.items() if n and "/" not in n and not n.startswith(".")}
    if not usable(len(plain), workers):
        yield dict(jobs)
        return
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        private = Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=directory))
    except OSError:  # write_set meets the same problem and says so
        yield dict(jobs)
        return
    try:
        outcome = _run(private, plain, workers)
        yield {
            name: _taker(private / name, job, outcome.get(name)) if name in plain else job
            for name, job in jobs.items()
        }
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _taker(done: Path, job: Writer, outcome: dict[str, Any] | None) -> Writer:
    def take(path: Path) -> str | None:
        if outcome is None or not ("ok" in outcome or "errno" in outcome):
            return job(path)  # the child failed otherwise: write it here (its error is ours)
        if "errno" in outcome:  # what the child met, as if met here
            name = outcome.get("filename")
            if name == str(done):
                name = str(path)
            args = (outcome["errno"], outcome["strerror"], *([name] if name else []))
            raise OSError(*args)
        os.replace(done, path)
        digest = outcome["ok"]
        return digest if isinstance(digest, str) else None

    return take


def _run(private: Path, jobs: Mapping[str, Writer], workers: int) -> dict[str, dict[str, Any]]:
    """Fork ``workers - 1`` children; they and this process take the jobs one at a time from a
    queue (a pipe holding one byte per job, in order: a one-byte read is atomic, so each job
    goes to one taker); a child reports every job it took as one line on a shared pipe
    (shorter than ``PIPE_BUF``, so lines never interleave). Returns the outcomes by name; a job
    whose outcome never came (its child was killed) has none."""
    load_prctl()  # loaded before forking: the children only call it
    names = list(jobs)
    queue_r, queue_w = os.pipe()
    os.write(queue_w, bytes(range(len(names))))  # at most a few dozen formats
    os.close(queue_w)
    report_r, report_w = os.pipe()
    parent = os.getpid()
    pids: list[int] = []
    got: list[bytes] = []
    outcome: dict[str, dict[str, Any]] = {}
    gc.freeze()  # a child's collections leave the document's pages unwritten (shared)
    try:
        for _ in range(min(workers, len(names)) - 1):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child (coverage does not follow a fork)
                os.close(report_r)
                _child(queue_r, report_w, private, names, jobs, parent)
            pids.append(pid)
        os.close(report_w)
        report_w = -1
        while taken := os.read(queue_r, 1):  # this process takes its share too
            outcome[names[taken[0]]] = _write(private, names[taken[0]], jobs)
        while data := os.read(report_r, 65536):  # until every child has exited
            got.append(data)
        for pid in pids:
            os.waitpid(pid, 0)
        pids.clear()
    finally:
        for pid in pids:  # interrupted: no child outlives us
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        for fd in (queue_r, report_r, report_w):
            if fd >= 0:
                os.close(fd)
        gc.unfreeze()
    for line in b"".join(got).splitlines():
        with contextlib.suppress(ValueError, IndexError, TypeError):
            index, msg = json.loads(line)
            outcome[names[index]] = msg
    return outcome


def _write(private: Path, name: str, jobs: Mapping[str, Writer]) -> dict[str, Any]:
    """Write one file into ``private``: ``{"ok": digest}``, the ``OSError`` met as errno, text
    and file, or ``{}`` for any other exception (the file is then written again, in
    ``write_set``'s turn, so that a bug's error is exactly the in-process one)."""
    target = private / name
    try:
        digest = jobs[name](target)
        with open(target, "rb+") as fh:
            os.fsync(fh.fileno())
        return {"ok": digest if isinstance(digest, str) else None}
    except OSError as exc:
        if isinstance(exc.errno, int):
            filename = exc.filename
            return {
                "errno": exc.errno,
                "strerror": exc.strerror or str(exc),
                "filename": filename if isinstance(filename, str) else None,
            }
        return {}
    except Exception:  # noqa: BLE001 - written again in write_set's turn
        return {}  # (an interrupt is not caught: it ends this process's writing)


def _child(
    queue: int,
    report: int,
    private: Path,
    names: list[str],
    jobs: Mapping[str, Writer],
    parent: int,
) -> None:  # pragma: no cover - runs in the child
    """In a child: take jobs until the queue is empty, write each, report how each went; exit
    (never return)."""
    try:
        die_with(parent)
        while taken := os.read(queue, 1):
            index = taken[0]
            line = json.dumps([index, _write(private, names[index], jobs)]).encode() + b"\n"
            if len(line) < select.PIPE_BUF:
                os.write(report, line)
    finally:
        os._exit(0)


def load_prctl() -> Any:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):  # pragma: no cover
        return None


def die_with(parent: int) -> None:  # pragma: no cover - runs in the child
    """In a forked child: be killed when ``parent`` dies (``PR_SET_PDEATHSIG``; call
    ``load_prctl`` in the parent before forking), or exit if it is gone already."""
    prctl = load_prctl()
    if prctl is not None:
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)
