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


# Whether this process is bio2scan's own (the command line: ``own_process``), not a host that
# imported the library. Only then may a step switch process-wide settings (issue 10).
_OWNED = False


def own_process() -> None:
    """Say that this process is bio2scan's own: the command line's entry point (``cli.run``)
    calls it at its start. From then on, what survives a young-generation collection is moved
    out of the cyclic collector's sight (``gc.freeze``): a scan's objects (resources, results,
    rows: millions at 100,000 objects) live until the process exits, and each was looked at
    again in the older generations — 4.5 s of collections in a 100,000-object scan, which
    freed nothing. Cyclic garbage is still collected while it is young, where it is made
    (cloud SDKs, the steps not paused); only a cycle that straddles a collection stays. The
    steps that make most of a scan's objects and no cycles pause the collector
    (``collector_paused``)."""
    global _OWNED
    if not _OWNED:
        _OWNED = True
        gc.callbacks.append(_frozen_when_survived)


def _frozen_when_survived(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 0:
        gc.freeze()


def kept_to_exit(*objects: Any) -> None:
    """In bio2scan's own process (``own_process``), ``objects`` are kept until the process
    exits, in a cycle the collector no longer looks at (``gc.freeze``): the operating system
    takes their memory back at exit, instead of this process freeing millions of objects one
    by one while a CPU waits (a scan's results at 10,000 objects: 0.13 s). A library call
    frees them as usual: a host may run many scans."""
    if _OWNED:
        holder: list[Any] = [*objects]
        holder.append(holder)
        gc.freeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for a step that makes a great many objects and no
    cycles — reading manifests (``manifest_files.run_jobs``), evaluating and ordering the
    results (``api.assess``), the results document's rows (``assess.listing``), writing a
    report set (``outputs.render``) — in bio2scan's own process only: a library call leaves
    the host's collector alone. What the step made is then moved out of the collector's sight
    (``gc.freeze``): resumed, the collector would otherwise walk all of it at its next
    collection (1.3 s at 100,000 objects). Each step's claim to make no cycles is tested
    (cyclic garbage that does not grow with the input); a step nested in another is part of
    it. Used as a decorator, it pauses each call."""
    if not _OWNED or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


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
    directory: str | Path,
    jobs: Mapping[str, Writer],
    workers: int,
    ahead: Ahead | None = None,
    first: tuple[str, Callable[[str], object]] | None = None,
) -> Iterator[dict[str, Writer]]:
    """``jobs`` (file name → writer), written in forked children while the ``with`` block is
    entered; yields file name → writer for ``documents.write_set`` (see the module's doc).
    The files ``ahead`` started writing are not written again: their child is waited for
    after this process has written its share. Where children cannot be used, yields the
    other ``jobs`` unchanged; so it does for a name that is not a plain file name
    (``write_set`` refuses it before anything is written).

    ``first``: (a file name among ``jobs``, ``bind``): that file is written before the others
    start — taken from ``ahead`` when it writes it (waited for), else written here — and
    ``bind`` is called with its SHA-256, so that the other files can name it (a report set's
    results name the digest of its inventory). When it could not be written, ``bind`` is not
    called and its error is raised when ``write_set`` asks for it, as for any other file."""
    plain = {n: j for n, j in jobs.items() if _plain(n)}
    early = {n: plain[n] for n in ahead.names if n in plain} if ahead is not None else {}
    rest = {n: j for n, j in plain.items() if n not in early}
    private: Path | None = None
    takers: dict[str, Writer] = {}
    try:
        if first is not None and first[0] in plain:
            name, bind = first
            digest: object = None
            if ahead is not None and name in early:
                takers[name], digest = ahead.taken(name, early.pop(name))
            else:
                job = rest.pop(name)
                private = _private_dir(directory)
                if private is not None:  # (else written in write_set's turn, not named)
                    outcome = _write(private, name, {name: job})
                    takers[name] = _taker(private / name, job, outcome)
                    digest = outcome.get("ok")
            if isinstance(digest, str):
                bind(digest)
        side = usable(len(rest), workers)  # the other files, in children
        if side and private is None:
            private = _private_dir(directory)
        if side and private is not None:
            outcome = _run(private, rest, workers)
            takers.update({n: _taker(private / n, job, outcome.get(n)) for n, job in rest.items()})
        if ahead is not None and early:
            takers.update(ahead.takers(early))
        yield {name: takers.get(name, job) for name, job in jobs.items()}
    finally:
        if private is not None:
            shutil.rmtree(private, ignore_errors=True)


def _plain(name: str) -> bool:
    return bool(name) and "/" not in name and not name.startswith(".")


def _private_dir(directory: str | Path) -> Path | None:
    """A new directory for files written by children, inside ``directory`` (named like a
    staging directory of ``documents.write_set``); None when it cannot be made (``write_set``
    meets the same problem and says so)."""
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=directory))
    except OSError:
        return None


def _queue(jobs: int) -> int:
    """The read end of a pipe holding one byte per job (0, 1, …; at most a few dozen files)."""
    queue_r, queue_w = os.pipe()
    os.write(queue_w, bytes(range(jobs)))
    os.close(queue_w)
    return queue_r


class Ahead:
    """Files written ahead of the others, in one forked child. ``start(jobs)`` forks it; it
    waits until ``go()``, then writes them into a private directory inside ``directory`` while
    this process goes on; ``prepared(..., ahead=)`` takes them as it takes the files of its own
    children. A scan forks the child for its inventory's file right after collecting, before
    the results exist — so that the pages this process writes later (results, rows) are its own
    and not copied for the child — and lets it go once the evaluation leaves a CPU free (its
    forked share is back, ``engine.evaluate(..., released=)``): it then writes while this
    process takes that share's results in and rolls them up, on one CPU.

    Where a child cannot be used (``usable``), ``start`` does nothing and the files are written
    with the others. Used as a context manager: on leaving, a child still running is killed and
    whatever it wrote that was not taken is removed."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.names: tuple[str, ...] = ()  # the files being written ahead (once started)
        self._private: Path | None = None
        self._pid = 0
        self._report = -1
        self._go = -1
        self._outcome: dict[str, dict[str, Any]] | None = None  # once the child is waited for

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, jobs: Mapping[str, Writer]) -> bool:
        """Fork the child that writes ``jobs`` once ``go()`` is called (once); whether it was
        started."""
        jobs = {n: j for n, j in jobs.items() if _plain(n)}
        if self._private is not None or not jobs or not usable(2, default_workers()):
            return False
        private = _private_dir(self.directory)
        if private is None:  # written with the others, which meet the same problem and say so
            return False
        names = list(jobs)
        load_prctl()  # loaded before forking: the child only calls it
        queue_r = _queue(len(names))
        report_r, report_w = os.pipe()
        go_r, go_w = os.pipe()
        parent = os.getpid()
        gc.freeze()  # the child's collections leave this process's pages unwritten (shared)
        try:
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child (coverage does not follow a fork)
                os.close(report_r)
                os.close(go_w)
                die_with(parent)
                if os.read(go_r, 1) != b"g":  # never let go: closed, or this process died
                    os._exit(0)
                _child(queue_r, report_w, private, names, jobs, parent)
        except OSError:
            os.close(report_r)
            os.close(go_w)
            shutil.rmtree(private, ignore_errors=True)
            return False
        finally:
            gc.unfreeze()
            os.close(queue_r)
            os.close(report_w)
            os.close(go_r)
        self._private, self._pid, self._report, self._go = private, pid, report_r, go_w
        self.names = tuple(names)
        return True

    def go(self) -> None:
        """Let the child write (once; nothing when none was started)."""
        if self._go >= 0:
            with contextlib.suppress(OSError):  # a child that died: its files are written here
                os.write(self._go, b"g")
            os.close(self._go)
            self._go = -1

    def takers(self, jobs: Mapping[str, Writer]) -> dict[str, Writer]:
        """Wait for the child; for each of ``jobs`` written ahead, the writer that moves its
        file into place (or, where the child failed otherwise than with an ``OSError``,
        writes it with ``jobs``' own writer)."""
        self.go()  # (a caller that never let it go waits for it now)
        outcome = self._wait()
        private = self._private
        assert private is not None  # started: there are names
        return {
            n: _taker(private / n, job, outcome.get(n))
            for n, job in jobs.items()
            if n in self.names
        }

    def taken(self, name: str, job: Writer) -> tuple[Writer, str | None]:
        """Wait for the child; the writer that moves ``name`` into place (as ``takers``) and
        the SHA-256 the child wrote it with (None when the child did not write it)."""
        take = self.takers({name: job})[name]
        digest = (self._outcome or {}).get(name, {}).get("ok")
        return take, digest if isinstance(digest, str) else None

    def _wait(self) -> dict[str, dict[str, Any]]:
        """The child's outcomes, by file name (read once, when it has exited)."""
        if self._outcome is None:
            got: list[bytes] = []
            if self._report >= 0:
                try:
                    while data := os.read(self._report, 65536):  # until the child has exited
                        got.append(data)
                finally:
                    os.close(self._report)
                    self._report = -1
                    self._reap(kill=False)
            self._outcome = _outcomes(b"".join(got), list(self.names))
        return self._outcome

    def _reap(self, *, kill: bool) -> None:
        if self._pid:
            if kill:
                end_child(self._pid)
            else:
                with contextlib.suppress(OSError):
                    os.waitpid(self._pid, 0)
            self._pid = 0

    def close(self) -> None:
        """Kill the child if it still runs; remove what it wrote and was not taken."""
        if self._go >= 0:
            os.close(self._go)
            self._go = -1
        if self._report >= 0:
            os.close(self._report)
            self._report = -1
        self._reap(kill=True)
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)


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
    queue_r = _queue(len(names))
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
            end_child(pid)
        for fd in (queue_r, report_r, report_w):
            if fd >= 0:
                os.close(fd)
        gc.unfreeze()
    outcome.update(_outcomes(b"".join(got), names))
    return outcome


def _outcomes(report: bytes, names: list[str]) -> dict[str, dict[str, Any]]:
    """The children's report lines, by file name (a line that cannot be read is skipped: its
    file has no outcome and is written again)."""
    outcome: dict[str, dict[str, Any]] = {}
    for line in report.splitlines():
        with contextlib.suppress(ValueError, IndexError, TypeError):
            index, msg = json.loads(line)
            if isinstance(msg, dict):
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


def end_child(pid: int) -> None:
    """Kill a forked child of this process and reap it (one already gone: nothing to do)."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


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
