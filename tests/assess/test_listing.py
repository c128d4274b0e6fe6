"""The one pass over the results (``assess.listing``) gives what the separate passes gave: the
rows of ``result_to_dict`` in the results' order, the NOT_APPLICABLE groups of
``summarise_not_applicable`` below (first examples in the results' order), the counts of
``count_results``. Results are made resource by resource, as the engine makes them, and then
sorted by rule, so that the pass visits them in another order than it lists them."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from bio2scan.assess.document import result_to_dict
from bio2scan.assess.listing import add_to_group, listing, seed_groups
from bio2scan.assess.rollup import count_results
from bio2scan.model import Evidence, Result, Severity, Source, Status


def summarise_not_applicable(
    results: Iterable[Result], groups: Iterable[Mapping[str, Any]] = ()
) -> tuple[list[Result], list[dict[str, Any]]]:
    """The separate pass the one pass replaced: the results without their NOT_APPLICABLE ones,
    and those summarised per rule, resource type and reason, added to ``groups``."""
    out = seed_groups(groups)
    kept: list[Result] = []
    for r in results:
        if r.status is not Status.NOT_APPLICABLE:
            kept.append(r)
        else:
            add_to_group(out, r)
    return kept, [out[k] for k in sorted(out)]


RULES = (("k8s.a", Severity.HIGH), ("k8s.b", Severity.LOW), ("k8s.c", Severity.CRITICAL))
VALUES = ["x", 1, True, 1.0, None, {"k": 1}, [1], 0, False]


def _results(n: int) -> list[Result]:
    out = []
    for i in range(n):  # resource by resource, all rules of one resource together
        src = Source(file=f"f{i % 7}.yaml", line=i)
        name = f"p{i:04d}"
        for k, (rule_id, severity) in enumerate(RULES):
            j = i * 3 + k
            status = [Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.WAIVED, Status.ERROR][
                j % 5
            ]
            waiver = None
            if status is Status.WAIVED:
                kind = "not-applicable" if j % 7 == 3 else "risk-acceptance"
                waiver = {"id": f"W-{j % 5}", "kind": kind}
            ev = tuple(
                Evidence(f"spec.v{m}", VALUES[(j + m) % len(VALUES)], "== 1") for m in range(j % 3)
            )
            reason = f"does not apply: spec.t{j % 2} = 1" if j % 5 else "known only after it"
            out.append(
                Result(
                    rule_id,
                    f"ns/Pod/{name}",
                    "k8s.core.pod",
                    name,
                    f"c{i % 2}",
                    None,
                    "ns",
                    status,
                    severity,
                    ("8.9",),
                    (),
                    reason if status is Status.NOT_APPLICABLE else f"m{j}",
                    ev,
                    src,
                    waiver,
                    "new" if j % 6 == 0 else None,
                )
            )
    out.sort(key=lambda r: (r.rule_id, r.scope, r.resource_id))
    return out


def test_one_pass_gives_the_rows_groups_and_counts_of_the_separate_passes():
    results = _results(700)  # 2,100 results: enough to be visited in the order of memory
    kept, groups = summarise_not_applicable(results)
    got = listing(results)
    assert got.rows == [result_to_dict(r) for r in kept]
    assert json.dumps(got.rows) == json.dumps([result_to_dict(r) for r in kept])
    assert [list(d) for d in got.rows] == [list(result_to_dict(r)) for r in kept]
    assert got.groups == groups and any(len(g["examples"]) == 3 for g in groups)
    assert got.counts == count_results(results)
    assert any(c["ACCEPTED"] for c in got.counts.values())
    statuses = Counter(r.status for r in results)
    assert got.statuses == {s.value: statuses[s] for s in Status} and statuses[Status.ERROR]
    failed = Counter(r.severity.value for r in results if r.status is Status.FAIL)
    assert got.failed == {s.value: failed.get(s.value, 0) for s in Severity}
    # equal evidence is one list where equal means the same JSON: 1, True and 1.0 stay apart
    for d, r in zip(got.rows, kept, strict=True):
        assert [type(e["value"]) for e in d["evidence"]] == [type(e.value) for e in r.evidence]
    by_json: dict[str, list[int]] = {}
    for d in got.rows:
        by_json.setdefault(json.dumps(d["evidence"]), []).append(id(d["evidence"]))
    assert any(len(set(ids)) == 1 and len(ids) > 1 for ids in by_json.values())


def test_every_result_is_listed_with_verbose_results_and_shard_groups_add_up():
    results = _results(400)
    got = listing(results, summarise=False)
    assert got.rows == [result_to_dict(r) for r in results] and got.groups == []
    before = listing(results[:600]).groups  # a shard summarised before
    merged = listing(results[600:], before)
    assert merged.groups == summarise_not_applicable(results[600:], before)[1]
    na = sum(r.status is Status.NOT_APPLICABLE for r in results)
    assert merged.statuses["NOT_APPLICABLE"] == na
    shown = listing(results[600:], before, summarise=False)
    assert shown.groups == summarise_not_applicable((), before)[1]
    assert shown.statuses["NOT_APPLICABLE"] == na


def _facts_by_a_pass(rows: list[dict[str, Any]]) -> tuple[Any, ...]:
    """The facts as a report gathers them from rows read from a file (a plain list)."""
    from bio2scan.render.view import ResultFacts

    f = ResultFacts(list(rows))
    return (dict(f.per_rule), f.findings, f.shown, dict(f.errors), f.waived, f.scopes, f.soa)


def test_the_rows_carry_the_facts_the_reports_would_gather_from_them():
    """The reports read the findings, waivers, scopes and per-rule counts of the rows; the
    listing gathers them as it makes the rows (``resultrows.Rows``), and they are what a
    pass over the same rows as a plain list (a document read from a file) gives — summarised
    or every NOT_APPLICABLE result listed, waivers of both kinds, errors, several scopes."""
    from bio2scan.render.view import ResultFacts
    from bio2scan.resultrows import Rows, row_facts

    results = _results(700)
    for summarise in (True, False):
        rows = listing(results, summarise=summarise).rows
        assert type(rows) is Rows
        assert row_facts(list(rows)) == rows.facts  # (what a pass over plain rows gathers)
        f = ResultFacts(rows)
        made = (dict(f.per_rule), f.findings, f.shown, dict(f.errors), f.waived, f.scopes, f.soa)
        assert made == _facts_by_a_pass(rows)
        per_rule, findings, _, errors, waived, scopes, _ = made
        assert all(r["status"] in ("FAIL", "ERROR", "WAIVED") for r in findings)
        assert errors and len(waived) > 1 and scopes == ["c0", "c1"]
        assert ("NOT_APPLICABLE" in per_rule["k8s.a"]) is not summarise
        assert all("ACCEPTED" not in c for c in per_rule.values())
        assert [r for r in rows if r["status"] in ("FAIL", "ERROR", "WAIVED")] == findings
    # a rule whose only results are summarised has no rows, and no counts
    na = [r for r in results if r.rule_id == "k8s.b"][:1]
    na = [r._replace(status=Status.NOT_APPLICABLE, message="does not apply: x") for r in na]
    assert ResultFacts(listing(na).rows).per_rule == {}


def test_rows_alike_are_equal_in_what_a_report_writes_of_their_shape_and_place():
    """The listing's ``RowIndex``: rows of one shape have equal rule, status, severity, lists
    and message and the very same evidence list; rows of one place equal resource fields and
    source. Equal rows are joined (a shape recurs; every resource is one place), and a source
    shared by two resources does not join them."""
    shared = Source(api="ListPods", region="r1")
    results = []
    for r in _results(700):
        if r.status is Status.PASS:  # the same message for the same evidence: alike
            r = r._replace(message="m")
        if r.resource_id.endswith(("p0001", "p0002")):
            r = r._replace(source=shared)
        results.append(r)
    results.sort(key=lambda r: (r.rule_id, r.scope, r.resource_id))
    for summarise in (True, False):
        rows = listing(results, summarise=summarise).rows
        alike = rows.alike
        assert len(alike.shapes) == len(alike.places) == len(rows)
        assert -1 not in alike.shapes and -1 not in alike.places
        shapes: dict[int, list[dict[str, Any]]] = {}
        places: dict[int, list[dict[str, Any]]] = {}
        for r, s, p in zip(rows, alike.shapes, alike.places, strict=True):
            shapes.setdefault(s, []).append(r)
            places.setdefault(p, []).append(r)
        shape_keys = ("rule_id", "status", "severity", "controls", "measures", "message")
        for group in shapes.values():
            first = group[0]
            assert all(r["evidence"] is first["evidence"] for r in group)
            assert all([r[k] for k in shape_keys] == [first[k] for k in shape_keys] for r in group)
        place_keys = ("resource_type", "resource_id", "resource_name", "scope", "region")
        for group in places.values():
            first = group[0]
            assert all(
                [r[k] for k in (*place_keys, "namespace", "source")]
                == [first[k] for k in (*place_keys, "namespace", "source")]
                for r in group
            )
        assert len(places) == 700 and any(len(g) > 2 for g in shapes.values())
        joined = {  # rows equal in their shape's fields and list are one shape
            (*(str(r[k]) for k in shape_keys), id(r["evidence"])): set() for r in rows
        }
        for r, s in zip(rows, alike.shapes, strict=True):
            joined[(*(str(r[k]) for k in shape_keys), id(r["evidence"]))].add(s)
        assert all(len(s) == 1 for s in joined.values())
