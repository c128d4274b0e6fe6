"""Writing a set of report files at once: each file in a child process forked from the one that
holds the results document (Linux), at most ``workers`` at a time, in the order given (the
slowest first). A child shares the document with its parent (copy-on-write): nothing is copied
or pickled to hand it over.

    with prepared(directory, {"results.json": write_json, "report.html": write_html}, 2) as files:
        documents.write_set(directory, files)     # every file is already written when it asks

A child writes its file into a private directory inside ``directory`` (named like a staging
directory of ``documents.write_set``, so one left by a killed run is removed the same way) and
reports over a pipe: the SHA-256 of what it wrote, or the errno, text and file of the
``OSError`` it met. ``write_set`` then asks for each file as it always does; the file is moved
into its staging directory, or that same ``OSError`` is raised there — a full disk reads as it
does when the file is written in this process, and the previous report set stays. A child that
fails in any other way (an exception that is a bug, a signal) leaves its file to this process,
which writes it itself when ``write_set`` asks: an error is then exactly the in-process one.

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
    Where children cannot be used, yields ``jobs`` unchanged."""
    if not usable(len(jobs), workers):
        yield dict(jobs)
        return
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        private = Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=directory))
    except OSError:  # write_set meets the same problem and says so
        yield dict(jobs)
        return
    try:
        outcome = _run(private, jobs, workers)
        yield {name: _taker(private / name, job, outcome.get(name)) for name, job in jobs.items()}
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
    """Fork a child per job, ``workers`` at a time; wait for all; their outcomes by name."""
    _prctl()  # loaded before forking: the children only call it
    pending = list(jobs)
    running: dict[int, tuple[int, str, list[bytes]]] = {}  # read end → (pid, name, received)
    outcome: dict[str, dict[str, Any]] = {}
    parent = os.getpid()
    gc.freeze()  # a child's collections leave the document's pages unwritten (shared)
    try:
        while pending or running:
            while pending and len(running) < workers:
                name = pending.pop(0)
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child (coverage does not follow a fork)
                    os.close(r)
                    _child(w, private / name, jobs[name], parent)
                os.close(w)
                running[r] = (pid, name, [])
            ready, _, _ = select.select(list(running), [], [])
            for r in ready:
                data = os.read(r, 65536)
                pid, name, got = running[r]
                if data:
                    got.append(data)
                    continue
                os.close(r)
                del running[r]
                os.waitpid(pid, 0)
                with contextlib.suppress(ValueError):
                    outcome[name] = json.loads(b"".join(got) or b"{}")
    finally:
        for r, (pid, _name, _got) in running.items():  # interrupted: no child outlives us
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(r)
        gc.unfreeze()
    return outcome


def _child(w: int, target: Path, job: Writer, parent: int) -> None:  # pragma: no cover
    """In the child: write ``target``, tell the parent how it went, exit (never return)."""
    try:
        _die_with(parent)
        msg: dict[str, Any] = {}
        try:
            digest = job(target)
            with open(target, "rb+") as fh:
                os.fsync(fh.fileno())
            msg = {"ok": digest if isinstance(digest, str) else None}
        except OSError as exc:
            if not isinstance(exc.errno, int):
                raise
            name = exc.filename
            msg = {
                "errno": exc.errno,
                "strerror": exc.strerror or str(exc),
                "filename": name if isinstance(name, str) else None,
            }
        except BaseException:  # noqa: BLE001 - the parent writes this file itself
            msg = {}
        os.write(w, json.dumps(msg).encode())
    finally:
        os._exit(0)


def _prctl() -> Any:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):  # pragma: no cover
        return None


def _die_with(parent: int) -> None:  # pragma: no cover - runs in the child
    prctl = _prctl()
    if prctl is not None:
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)
