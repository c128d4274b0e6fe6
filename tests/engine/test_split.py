"""The evaluation split over a forked child process (engine/split.py) gives exactly the results
of one process: the same statuses, messages, evidence (with its kind: read, unknown, deferred)
and order — and when the child dies, the parent does its share itself."""

from __future__ import annotations

import os
import sys
from dataclasses import replace

import pytest
from engine_support import NOW, resource, rule

from bio2scan import api
from bio2scan.engine import compile_rule, evaluate
from bio2scan.engine.cases import case_resource
from bio2scan.engine.functions import REGISTRY, function
from bio2scan.engine.split import can_fork
from bio2scan.model import CollectionError, Inventory, ScanMeta, Status

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs os.fork")

PARENT = os.getpid()


def _estate() -> tuple[Inventory, list]:
    """Every shipped rule's own test resources (and their related ones) in one inventory,
    each under its own id, with two collection errors."""
    rules = list(api.load_rules().values())
    resources = []
    for r in rules:
        for n, case in enumerate(r.tests):
            base = f"{r.id}/{n}"
            resources.append(case_resource(r, case["resource"], base))
            resources += [
                case_resource(r, rel, f"{base}/related-{i}")
                for i, rel in enumerate(case.get("related", ()))
            ]
    resources = [replace(x, id=f"{i}:{x.id}") for i, x in enumerate(resources)]
    errors = (
        CollectionError("k8s", "k8s.core.pod", "test", "forbidden", "Forbidden", api="pods"),
        CollectionError("aws", "*", "test", "throttled", "Throttling", api="ec2"),
    )
    meta = ScanMeta("test", NOW.isoformat(), NOW.isoformat())
    return Inventory(meta, tuple(resources), errors), [compile_rule(r) for r in rules]


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x == y
        assert [type(e) for e in x.evidence] == [type(e) for e in y.evidence]


def test_a_split_evaluation_gives_the_results_of_one_process():
    inv, compiled = _estate()
    one = evaluate(inv, compiled, now=NOW, split=False)
    counted: list[int] = []
    two = evaluate(inv, compiled, now=NOW, split=True, progress=counted.append)
    _same(one, two)
    # not vacuous: the estate has every status and every kind of evidence
    assert {r.status for r in one} == set(Status) - {Status.WAIVED}
    kinds = {type(e).__name__ for r in one for e in r.evidence}
    assert {"Evidence", "Unknown", "Deferred"} <= kinds
    # progress counts the child's share too
    assert sum(counted) == sum(1 for r in one if "@" not in r.resource_id)


def _register_exit_in_child():
    if "test_split_exit_in_child" in REGISTRY:
        return

    @function("test_split_exit_in_child", kind="subject", reads=())
    def exit_in_child(obj, env):
        """Ends the process when it runs in the forked child (a crash half-way)."""
        if os.getpid() != PARENT:
            os._exit(3)
        return True


def test_when_the_child_dies_the_parent_does_its_share():
    _register_exit_in_child()
    things = [resource({"spec": {"on": i % 3 == 0}}, rid=f"r{i}") for i in range(40)]
    inv = Inventory(ScanMeta("t", NOW.isoformat(), NOW.isoformat()), tuple(things))
    rules = [
        compile_rule(rule({"assert": {"path": "spec.on", "equals": True}}, rid="t.s.a")),
        compile_rule(rule({"assert": {"call": "test_split_exit_in_child"}}, rid="t.s.b")),
    ]
    one = evaluate(inv, rules, now=NOW, split=False)
    two = evaluate(inv, rules, now=NOW, split=True)
    _same(one, two)
    assert [r.status for r in two[:6]] == [Status.PASS, Status.FAIL, Status.FAIL] * 2


def _register_exit_late(pid_file):
    _PID_FILE[0] = str(pid_file)
    if "test_split_exit_late" in REGISTRY:
        return

    @function("test_split_exit_late", kind="subject", reads=())
    def exit_late(obj, env):
        """Notes each process that evaluates; ends the forked child at resource 1500 (after it
        has sent the units it took before, from the back)."""
        if os.getpid() not in _PIDS:
            _PIDS.add(os.getpid())
            with open(_PID_FILE[0], "a") as fh:
                fh.write(f"{os.getpid()}\n")
        if os.getpid() != PARENT and obj.get("n") == 1500:
            os._exit(3)
        return True


def test_when_the_child_dies_half_way_what_it_sent_is_kept_and_the_rest_done_here(tmp_path):
    """The child sends each unit as it is done; when it dies in the middle of its share, the
    units it sent are kept and those it took but did not send are evaluated here: the results
    are those of one process, in the same order."""
    from bio2scan.engine import split

    _register_exit_late(tmp_path / "pids")
    _PIDS.clear()
    things = [resource({"spec": {"on": i % 3 == 0}, "n": i}, rid=f"r{i:04d}") for i in range(2000)]
    inv = Inventory(ScanMeta("t", NOW.isoformat(), NOW.isoformat()), tuple(things))
    rules = [
        compile_rule(rule({"assert": {"path": "spec.on", "equals": True}}, rid="t.s.a")),
        compile_rule(rule({"assert": {"call": "test_split_exit_late"}}, rid="t.s.b")),
    ]
    one = evaluate(inv, rules, now=NOW, split=False)
    assert len(split.units([(rules, [[], []], things)])) > 20
    two = evaluate(inv, rules, now=NOW, split=True)
    _same(one, two)
    assert len(set((tmp_path / "pids").read_text().split())) == 2  # the child did take part
    assert [r.resource_id for r in two[:3]] == ["r0000", "r0001", "r0002"]


def test_split_only_where_a_child_pays():
    """Below ``MIN_RESOURCES``, with another thread running (a lock it holds at the fork would
    stay held in the child) or on one CPU, the evaluation is not split."""
    import threading

    from bio2scan.engine import split

    assert not split.wanted(split.MIN_RESOURCES - 1)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not split.wanted(10 * split.MIN_RESOURCES)
    finally:
        stop.set()
        t.join()
    if len(os.sched_getaffinity(0)) > 1 and sys.platform.startswith("linux"):
        assert split.wanted(split.MIN_RESOURCES)


_PIDS: set[int] = set()  # the processes that have noted themselves in _PID_FILE
_PID_FILE = [""]


def _register_pid_recorder():
    if "test_split_record_pid" in REGISTRY:
        return

    @function("test_split_record_pid", kind="subject", reads=())
    def record_pid(obj, env):
        """Notes each process that evaluates (the parent, and the child when split)."""
        if os.getpid() not in _PIDS:
            _PIDS.add(os.getpid())
            with open(_PID_FILE[0], "a") as fh:
                fh.write(f"{os.getpid()}\n")
        return True


def test_a_scan_splits_its_evaluation(tmp_path):
    """``api.assess`` of an inventory large enough splits the evaluation: a second process
    evaluates part of it, and the results are those of one process."""
    from bio2scan.engine import split

    if not split.wanted(split.MIN_RESOURCES):
        pytest.skip("no second CPU for this process, or not Linux")
    pid_file = tmp_path / "pids"
    _PID_FILE[0] = str(pid_file)
    _register_pid_recorder()
    _PIDS.clear()
    n = split.MIN_RESOURCES + 10
    things = [resource({"spec": {"on": i % 4 == 0}}, rid=f"r{i}") for i in range(n)]
    inv = Inventory(ScanMeta("t", NOW.isoformat(), NOW.isoformat()), tuple(things))
    rules = [
        rule({"assert": {"path": "spec.on", "equals": True}}, rid="t.s.a"),
        rule({"assert": {"call": "test_split_record_pid"}}, rid="t.s.b"),
    ]
    doc = api.assess(inv, rules, now=NOW)
    pids = pid_file.read_text().split()
    assert len(set(pids)) == 2 and str(os.getpid()) in pids
    one = evaluate(inv, [compile_rule(r) for r in rules], now=NOW, split=False)
    assert doc["summary"]["results"]["PASS"] == sum(r.status is Status.PASS for r in one)
    assert doc["summary"]["results"]["FAIL"] == sum(r.status is Status.FAIL for r in one) > 0


def test_released_once_the_evaluation_needs_one_process_only():
    """``released`` (a scan lets its inventory's writer go then): without a child at once,
    before any rule runs; with one, once the child has exited and before its results are
    unpacked (its share not yet counted) — never twice."""
    inv, compiled = _estate()
    counted: list[int] = []
    seen: list[int] = []
    evaluate(
        inv, compiled, now=NOW, split=False, progress=counted.append,
        released=lambda: seen.append(sum(counted)),
    )  # fmt: skip
    assert seen == [0]
    total = sum(counted)
    counted.clear()
    seen.clear()
    evaluate(
        inv, compiled, now=NOW, split=True, progress=counted.append,
        released=lambda: seen.append(sum(counted)),
    )  # fmt: skip
    assert len(seen) == 1 and 0 < seen[0] < total == sum(counted)


def test_meanwhile_runs_once_in_this_process_while_the_child_evaluates():
    """``meanwhile`` (a scan makes its report writers ready then): with a child, once, in this
    process, before its first unit (nothing counted yet) and while the child is at work;
    without one, once before the evaluation. The results are those of one process."""
    inv, compiled = _estate()
    one = evaluate(inv, compiled, now=NOW, split=False)
    for split in (False, True):
        counted: list[int] = []
        seen: list[tuple[int, int]] = []
        got = evaluate(
            inv, compiled, now=NOW, split=split, progress=counted.append,
            meanwhile=lambda seen=seen, counted=counted: seen.append((os.getpid(), sum(counted))),
        )  # fmt: skip
        assert seen == [(PARENT, 0)]
        _same(one, got)
