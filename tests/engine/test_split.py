"""The evaluation split over a forked child process (engine/split.py) gives exactly the results
of one process: the same statuses, messages, evidence (with its kind: read, unknown, deferred)
and order — and when the child dies, the parent does its share itself."""

from __future__ import annotations

import os
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
