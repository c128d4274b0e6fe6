"""The evaluation on two cores: this process and a forked child (POSIX only).

The evaluation is cut into units (``UNIT`` resources of one type) that this process takes from
the front and the child from the back, a few at a time, until they meet (``sharing.Claims``):
the split follows what each unit really costs, so both finish within a unit or two of each
other whatever the size (a fixed share of 45 % left the parent waiting a second at 100,000
objects, where the child's way back costs more). The child sends each unit's results as soon as
they are made, compact (status, message, evidence with its kind: ~2 µs a result against ~9 µs
to evaluate one), one frame per unit over a pipe; this process rebuilds them from its own rules
and resources between its own units. Once they meet only appending the child's lists is left.

The child inherits the compiled rules and the indexed inventory (fork: nothing is copied or
pickled on the way in). Nothing is shared while both run but the counter of units, so the
answers are those of one process.

The child is our own process: it pauses the cyclic garbage collector (it creates no cycles and
exits at once) and never runs the host's exit handlers (``os._exit``). Anything that goes
wrong in it — an exception, a full disk, a signal — leaves units it did not send, and this
process evaluates those itself: the split can only cost time, never a result.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any

from ..model import Evidence, Resource, Result, Rule, Status, rule_result
from ..parallel import default_workers, usable
from ..sharing import shared
from .reads import Deferred, Unknown

UNIT = 64  # resources of one type per unit of work: small enough to balance, large to be cheap
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


# --- the split: units taken from both ends, the child's results back in order -------------

# one resource type: its rules, each rule's result list, the resources
Part = tuple[list[Any], list[list[Result]], "list[Resource] | tuple[Resource, ...]"]
Run = Callable[[list[Any], list[Callable[[Result], None]], Any, Any, Any], None]


def units(plan: list[Part]) -> list[tuple[int, int, int]]:
    """The plan cut into units: (part, first resource, end), in the plan's order."""
    return [
        (p, start, min(start + UNIT, len(resources)))
        for p, (_, _, resources) in enumerate(plan)
        for start in range(0, len(resources), UNIT)
    ]


def evaluate(
    plan: list[Part],
    env: Any,
    run: Run,
    progress: Callable[[int], None] | None = None,
    released: Callable[[], object] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> bool:
    """Every part of ``plan`` evaluated by this process and a forked child (``sharing.shared``:
    units from both ends), each rule's results appended to its list in the order of the
    resources; ``released`` is called once the child has exited, ``meanwhile`` once the child
    has started (by this process, before its first unit). False when no child could be started
    (nothing was done, neither called: the caller evaluates the plan itself)."""
    work = units(plan)
    theirs: dict[int, list[list[Result]]] = {}

    def mine(u: int) -> None:
        p, start, end = work[u]
        crs, lists, resources = plan[p]
        run(crs, [lst.append for lst in lists], resources[start:end], env, progress)

    def packed(u: int) -> bytes:  # (in the child)
        p, start, end = work[u]
        crs, _, resources = plan[p]
        out: list[Any] = []

        def emit(r: Result) -> None:
            out.append(pack(r))

        run(crs, [emit] * len(crs), resources[start:end], env, None)
        return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)

    def rebuilt(u: int, payload: memoryview) -> None:
        p, start, end = work[u]
        crs, _, resources = plan[p]
        try:
            results = iter(pickle.loads(payload))
            lists: list[list[Result]] = [[] for _ in crs]
            for res in resources[start:end]:
                for cr, lst in zip(crs, lists):
                    lst.append(unpack(next(results), cr.rule, res))
            if next(results, None) is not None:
                raise ValueError("more results than the unit has")
        except Exception:  # noqa: BLE001 - a foreign or broken frame: the unit is done here
            return
        theirs[u] = lists

    first = shared(len(work), 1, mine, packed, rebuilt, meanwhile)
    if first is None:
        return False
    if released is not None:
        released()
    for u in range(first, len(work)):
        built = theirs.pop(u, None)
        if built is None:  # the child did not send it (it failed): done here
            mine(u)
            continue
        p, start, end = work[u]
        crs, lists, _ = plan[p]
        for lst, results in zip(lists, built):
            lst.extend(results)
        if progress is not None:
            for _ in range(end - start):
                progress(len(crs))
    return True
