"""A share of the evaluation on a second core: a forked child process (POSIX only).

The evaluation is the one phase of a scan that runs on one core while the other idles
(collection and report writing use both): the child takes the last ``SHARE`` of each resource
type's resources. It is the smaller share because its results cost more on the way back: the
child packs and pickles them (~2 µs a result against ~9 µs to evaluate one), the parent loads
and rebuilds them after its own share; with these shares both finish together.

The child inherits the compiled rules and the indexed inventory (fork: nothing is copied or
pickled on the way in), evaluates its share and writes compact results, in chunks, to an
anonymous temporary file; the parent evaluates its own share meanwhile and reads the child's
after it has exited. Nothing is shared while both run, so the answers are those of one process.

The child is our own process: it pauses the cyclic garbage collector (it creates no cycles and
exits at once) and never runs the host's exit handlers (``os._exit``). Anything that goes
wrong in it — an exception, a full disk, a signal — gives a non-zero exit status or an
incomplete file, and the parent then evaluates the share itself: the split can only cost time,
never a result.
"""

from __future__ import annotations

import gc
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from ..model import Evidence, Resource, Result, Rule, Status, rule_result
from ..parallel import default_workers, die_with, load_prctl, usable
from .reads import Deferred, Unknown

CHUNK = 4096  # results per pickled chunk: small enough to stream, large enough to be cheap
_END = "end"
SHARE = 0.45  # of each resource type's resources, the child's (the last ones)
MIN_RESOURCES = 2_000  # below this many resources a child costs more than it saves


def can_fork() -> bool:
    """Can a share run in a forked child here (POSIX ``fork``)?"""
    return hasattr(os, "fork")


def wanted(resources: int) -> bool:
    """Whether a scan's evaluation of ``resources`` resources should be split: where the report
    writers fork too (``parallel.usable``: Linux, a second CPU this process may use, no other
    thread — one holding a lock at the fork would leave it held in the child) and with enough
    resources to pay for the child."""
    return resources >= MIN_RESOURCES and usable(2, default_workers())


def cut(n: int) -> int:
    """Where the child's share of ``n`` resources starts."""
    return n - int(n * SHARE)


class Child:
    """A forked child that writes ``produce()``'s items to a temporary file."""

    def __init__(self, pid: int, file: IO[bytes]) -> None:
        self.pid = pid
        self.file = file
        self.reaped = False

    def items(self) -> Iterator[Any] | None:
        """The child's items, in its order, once it has exited; ``None`` when it failed (a
        non-zero exit status, a signal) — the caller then does the share itself. A file that
        ends before the child's end mark raises ``EOFError`` while iterating."""
        _, status = os.waitpid(self.pid, 0)
        self.reaped = True
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            self.file.close()
            return None
        self.file.seek(0)
        return self._read()

    def _read(self) -> Iterator[Any]:
        try:
            while True:
                chunk = pickle.load(self.file)
                if chunk == _END:
                    return
                yield from chunk
        finally:
            self.file.close()

    def stop(self) -> None:
        """End a child that is still running (the parent was interrupted)."""
        if not self.reaped:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:  # pragma: no cover - already gone
                pass
            self.reaped = True
            self.file.close()


def start(produce: Callable[[], Iterable[Any]]) -> Child | None:
    """Fork a child that writes ``produce()``'s items and exits; ``None`` when no child could
    be started (the caller does the work itself)."""
    try:
        file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Child, or at the child's exit
    except OSError:
        return None
    load_prctl()  # loaded before forking: the child only calls it
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        file.close()
        return None
    if pid:
        return Child(pid, file)
    code = 1  # pragma: no cover - runs in the child, which coverage does not follow
    try:  # pragma: no cover
        die_with(parent)  # a child whose parent was killed stops too
        gc.disable()
        chunk: list[Any] = []
        for item in produce():
            chunk.append(item)
            if len(chunk) >= CHUNK:
                pickle.dump(chunk, file, protocol=pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, file, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(_END, file)
        file.flush()
        code = 0
    except BaseException:  # noqa: BLE001 # pragma: no cover - the parent redoes the share
        code = 1
    finally:  # pragma: no cover
        os._exit(code)


# --- compact results: what differs between the results of one resource ----------------------

_EVIDENCE: tuple[type[Evidence], ...] = (Evidence, Unknown, Deferred)
_EVIDENCE_CODE = {cls: n for n, cls in enumerate(_EVIDENCE)}
_STATUSES = tuple(Status)
_STATUS_CODE = {s: n for n, s in enumerate(_STATUSES)}
_new = tuple.__new__


def pack(r: Result) -> tuple[int, str, tuple[Any, ...]]:
    """The part of an engine result that is not its rule's or its resource's (status, message,
    evidence with its kind); everything else is rebuilt from the rule and the resource. Evidence
    of another kind (a collector's subclass) goes as it is (``-1``: pickled whole)."""
    return (
        _STATUS_CODE[r.status],
        r.message,
        tuple(
            (c, e.path, e.value, e.expected)
            if (c := _EVIDENCE_CODE.get(type(e), -1)) >= 0
            else (-1, e, None, None)
            for e in r.evidence
        ),
    )


def unpack(packed: tuple[int, str, tuple[Any, ...]], rule: Rule, res: Resource) -> Result:
    """The result ``pack`` was given, for ``rule`` on ``res``."""
    code, message, evidence = packed
    return rule_result(
        rule,
        res,
        _STATUSES[code],
        message,
        tuple(_new(_EVIDENCE[c], (p, v, x)) if c >= 0 else p for c, p, v, x in evidence),
    )


# --- the split: which share is whose, and the child's results back in order ------------------

# one resource type: its rules, each rule's result list, the resources
Part = tuple[list[Any], list[list[Result]], "list[Resource] | tuple[Resource, ...]"]
Run = Callable[[list[Any], list[Callable[[Result], None]], Any, Any, Any], None]


def packed(plan: list[Part], env: Any, run: Run) -> Iterator[Any]:
    """The forked child's share (the last ``SHARE`` of each type's resources), packed."""
    out: list[Any] = []

    def emit(r: Result) -> None:
        out.append(pack(r))

    for crs, _, resources in plan:
        share = resources[cut(len(resources)) :]
        for i in range(0, len(share), 256):
            run(crs, [emit] * len(crs), share[i : i + 256], env, None)
            yield from out
            out.clear()


def merge(
    child: Child,
    plan: list[Part],
    env: Any,
    progress: Any,
    run: Run,
    released: Callable[[], object] | None = None,
) -> None:
    """The child's results into their lists, in order; if the child failed, its share is
    evaluated here instead. ``released`` is called once the child has exited."""
    items = child.items()
    if released is not None:
        released()
    built: list[list[list[Result]]] | None = None
    if items is not None:
        try:
            built = []
            for crs, _, resources in plan:
                mine: list[list[Result]] = [[] for _ in crs]
                for res in resources[cut(len(resources)) :]:
                    for cr, lst in zip(crs, mine):
                        lst.append(unpack(next(items), cr.rule, res))
                built.append(mine)
            if next(items, None) is not None:
                raise ValueError("the child gave more results than it had work")
        except Exception:  # noqa: BLE001 - an incomplete or foreign file: do the share here
            built = None
    for n, (crs, lists, resources) in enumerate(plan):
        share = resources[cut(len(resources)) :]
        if built is None:
            run(crs, [lst.append for lst in lists], share, env, progress)
            continue
        for lst, theirs in zip(lists, built[n]):
            lst.extend(theirs)
        if progress is not None:
            for _ in share:
                progress(len(crs))
