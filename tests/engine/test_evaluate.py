"""Statuses from evaluation: "could not look" is ERROR, never PASS."""

from __future__ import annotations

from dataclasses import replace

import pytest
from engine_support import NOW, inventory, resource, rule, run

from bio2scan.engine import compile_rule, evaluate
from bio2scan.engine.functions import REGISTRY, function
from bio2scan.model import CollectionError, Source, Status

CHECK = {"assert": {"path": "spec.enabled", "equals": True}}
GC_SEEN: list[bool] = []


def test_pass_and_fail_with_evidence_and_message():
    ok, bad = run(
        CHECK,
        resource({"spec": {"enabled": True}}, rid="ok"),
        resource({"spec": {"enabled": False}}, rid="bad"),
    )
    assert (ok.status, bad.status) == (Status.PASS, Status.FAIL)
    assert bad.evidence[0].path == "spec.enabled" and bad.evidence[0].value is False
    assert bad.message == "spec.enabled = False (expected equals True)"
    assert bad.controls == ("8.9",) and bad.rule_id == "test.svc.rule"


def test_resource_error_on_a_path_the_rule_reads_is_error():
    r = resource({"spec": {"enabled": True}}, errors={"spec.enabled": "AccessDenied: GetThing"})
    (res,) = run(CHECK, r)
    assert res.status is Status.ERROR
    assert "AccessDenied" in res.message and res.evidence[0].path == "spec.enabled"


def test_resource_error_elsewhere_does_not_block_and_star_blocks_all():
    r = resource({"spec": {"enabled": True}}, errors={"other": "Timeout"})
    assert run(CHECK, r)[0].status is Status.PASS
    r = resource({"spec": {"enabled": True}}, errors={"*": "could not describe"})
    assert run(CHECK, r)[0].status is Status.ERROR


def test_collection_error_gives_one_error_result_per_rule_never_pass():
    err = CollectionError(
        provider="test",
        resource_type="test.svc.thing",
        scope="acct",
        reason="no permission",
        code="AccessDenied",
        api="svc:ListThings",
        region="eu-west-1",
    )
    r1 = rule(CHECK, rid="test.svc.one")
    r2 = rule(CHECK, rid="test.svc.two")
    other = rule(CHECK, rid="test.svc.other", types=("test.svc.else",))
    results = evaluate(
        inventory(errors=(err,)), [compile_rule(r1), compile_rule(r2), compile_rule(other)], now=NOW
    )
    assert [(r.rule_id, r.status) for r in results] == [
        ("test.svc.one", Status.ERROR),
        ("test.svc.two", Status.ERROR),
    ]
    e = results[0]
    assert "AccessDenied" in e.message and "no permission" in e.message
    assert e.scope == "acct" and e.region == "eu-west-1" and e.evidence[0].path == "svc:ListThings"


def test_several_collection_errors_of_one_type_and_scope_are_several_findings():
    """Two unreadable files, two refused calls, two problems of one file without a line: each is
    its own ERROR result with its own id (``finding_id`` is unique in a results document; a
    merge or baseline keyed on it would otherwise drop one). The same error twice is one."""

    def err(reason="r", **kw):
        return CollectionError(provider="test", resource_type="*", scope="c", reason=reason, **kw)

    errors = (
        err(api="read a.yaml", file="a.yaml", line=4),
        err(api="read b.yaml", file="b.yaml", line=2),
        err(api="read b.yaml", file="b.yaml", line=2),  # recorded twice: one error
        err(api="svc:ListThings"),
        err(api="svc:ListOthers"),
        err("nested stack N1 not read", api="cloudformation:template", file="t.yaml"),
        err("nested stack N2 not read", api="cloudformation:template", file="t.yaml"),
        err(),
    )
    results = evaluate(inventory(errors=errors), [compile_rule(rule(CHECK))], now=NOW)
    assert [r.resource_id for r in results] == [
        "c:test.svc.thing@a.yaml:4",
        "c:test.svc.thing@b.yaml:2",
        "c:test.svc.thing@svc:ListThings",
        "c:test.svc.thing@svc:ListOthers",
        "c:test.svc.thing@t.yaml",
        "c:test.svc.thing@t.yaml#2",
        "c:test.svc.thing",
    ]
    assert {r.status for r in results} == {Status.ERROR}
    assert len({r.finding_id for r in results}) == len(results)
    assert results[0].source == Source(api="read a.yaml", file="a.yaml", line=4)


def test_collection_errors_beyond_the_bound_share_one_error_result_per_scope():
    """An unreadable file gives an ERROR result for every rule and type it might have held: the
    ERROR results per rule, type and scope are bounded (``LISTED_ERRORS`` of their own, then one
    that counts the rest), or a few KB of broken files make millions of results. The errors
    listed on their own are the first by resource id, whatever order they were recorded in; the
    one that counts the rest is ERROR, names how many and the first of them."""
    from bio2scan.engine.unread import LISTED_ERRORS

    def err(name, scope="c", rtype="*"):
        return CollectionError(
            provider="test",
            resource_type=rtype,
            scope=scope,
            reason=f"{name}: YAML syntax error",
            api=f"read {name}",
            file=name,
            line=2,
        )

    many = [err(f"f{n:03d}.yaml") for n in range(LISTED_ERRORS + 15)]
    errors = [*many, err("g.yaml", scope="d"), err("h.yaml", rtype="test.svc.else")]
    rules = [
        compile_rule(rule(CHECK, rid="test.svc.one", types=("test.svc.thing", "test.svc.else"))),
        compile_rule(rule(CHECK, rid="test.svc.two")),
    ]
    results = evaluate(inventory(errors=tuple(errors)), rules, now=NOW)
    assert {r.status for r in results} == {Status.ERROR}
    assert len({r.finding_id for r in results}) == len(results)
    ids = sorted((r.rule_id, r.resource_id) for r in results)
    listed = [f"c:test.svc.thing@f{n:03d}.yaml:2" for n in range(LISTED_ERRORS)]
    for rid in ("test.svc.one", "test.svc.two"):
        mine = [i for r, i in ids if r == rid and i.startswith("c:test.svc.thing")]
        assert mine == sorted([*listed, "c:test.svc.thing@(more)"])
        assert (rid, "d:test.svc.thing@g.yaml:2") in ids
    # the type's own error and the file errors: 11 + 15 - 10 = 16 counted together
    else_ids = [i for r, i in ids if i.startswith("c:test.svc.else")]
    assert len(else_ids) == LISTED_ERRORS + 1 and "c:test.svc.else@h.yaml:2" not in else_ids
    (more,) = [
        r for r in results if r.rule_id == "test.svc.two" and r.resource_id.endswith("@(more)")
    ]
    assert more.evidence[0].value == 15 and more.scope == "c"
    assert more.message.startswith("not collected (Error): 15 more collection errors")
    assert "f010.yaml: YAML syntax error" in more.message  # the first of those counted
    (more_else,) = [r for r in results if r.resource_id == "c:test.svc.else@(more)"]
    assert more_else.evidence[0].value == 16
    # recorded in another order: the same results
    again = evaluate(inventory(errors=tuple(reversed(errors))), rules, now=NOW)
    assert sorted(again) == sorted(results)


def test_a_file_named_like_the_count_of_errors_keeps_its_own_finding():
    from bio2scan.engine.unread import LISTED_ERRORS

    errors = tuple(
        CollectionError(provider="test", resource_type="*", scope="c", reason="r", file=f)
        for f in ["(more)", *(f"z{n}" for n in range(LISTED_ERRORS + 2))]
    )
    results = evaluate(inventory(errors=errors), [compile_rule(rule(CHECK))], now=NOW)
    assert "c:test.svc.thing@(more)" in {r.resource_id for r in results}
    assert "c:test.svc.thing@(more)#2" in {r.resource_id for r in results}
    assert len({r.finding_id for r in results}) == len(results) == LISTED_ERRORS + 1


def test_collection_error_of_another_provider_or_wildcard_type():
    other = CollectionError(provider="aws", resource_type="*", scope="x", reason="r")
    mine = CollectionError(provider="test", resource_type="*", scope="x", reason="r")
    r = compile_rule(rule(CHECK))
    assert evaluate(inventory(errors=(other,)), [r]) == []
    assert [x.status for x in evaluate(inventory(errors=(mine,)), [r])] == [Status.ERROR]


def test_a_function_that_raises_gives_error():
    if "test_explodes" not in REGISTRY:

        @function("test_explodes", kind="value", value="any")
        def explodes(value):
            """Raises, for the test."""
            raise RuntimeError("boom")

    (res,) = run({"assert": {"path": "spec", "call": "test_explodes"}}, resource({"spec": 1}))
    assert res.status is Status.ERROR and "RuntimeError: boom" in res.message


def test_an_extractor_that_raises_gives_error_for_every_rule_using_it():
    if "test_bad_extractor" not in REGISTRY:

        @function("test_bad_extractor", kind="extractor", reads=(), yields="mapping")
        def bad(resource):
            """Raises, for the test."""
            raise KeyError("nope")

    c = {"subject": "test_bad_extractor", "assert": {"path": "x", "equals": 1}}
    rules = [compile_rule(rule(c, rid=f"test.svc.r{i}")) for i in range(2)]
    out = evaluate(inventory(resource({})), rules)
    assert [r.status for r in out] == [Status.ERROR, Status.ERROR]
    assert "KeyError" in out[0].message


def test_an_extractor_that_raises_leaves_no_cycles_to_the_collector():
    """The extractor's exception is given to every rule that uses it without being raised
    again: raised once per rule, it gathered each raise's frames, which held it — cycles only
    the cyclic collector frees (about 5 objects per rule and workload here, 4,980 in all). The
    value known only after deployment keeps its NOT_APPLICABLE."""
    import gc

    from bio2scan.engine.functions import KnownAfterDeployment

    if "test_raises_each" not in REGISTRY:

        @function("test_raises_each", kind="extractor", reads=(), yields="mapping")
        def raises_each(resource):
            """Raises, for the test: ``later`` as a template's value, else a broken spec."""
            if resource.id == "later":
                raise KnownAfterDeployment("spec", "known after apply")
            raise ValueError("spec.template is missing")

    c = {"subject": "test_raises_each", "assert": {"path": "x", "equals": 1}}
    rules = [compile_rule(rule(c, rid=f"test.svc.r{i}")) for i in range(20)]
    resources = [resource({}, rid=f"w{i}") for i in range(50)] + [resource({}, rid="later")]
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        out = evaluate(inventory(*resources), rules)
        garbage = gc.collect()
    finally:
        if was:
            gc.enable()
    assert len(out) == 20 * 51
    broken = [r for r in out if r.resource_id != "later"]
    assert {r.status for r in broken} == {Status.ERROR}
    assert {r.message for r in broken} == {
        "evaluation failed: ValueError: spec.template is missing"
    }
    later = [r for r in out if r.resource_id == "later"]
    assert {r.status for r in later} == {Status.NOT_APPLICABLE}
    assert "known only after deployment: spec (known after apply)" in later[0].message
    assert garbage < 50  # before: 4,980


def test_extractor_none_is_not_applicable_and_prefix_is_in_evidence():
    c = {
        "subject": "pod_spec",
        "assert": {"for_each": "containers", "assert": {"path": "image", "matches": "@sha256:"}},
    }
    deploy = {
        "kind": "Deployment",
        "spec": {"template": {"spec": {"containers": [{"image": "nginx"}]}}},
    }
    (res,) = run(c, resource(deploy, rtype="k8s.apps.deployment"), types=("k8s.apps.deployment",))
    assert res.status is Status.FAIL
    assert res.evidence[0].path == "spec.template.spec.containers[0].image"
    (res,) = run(
        c,
        resource({"kind": "ConfigMap"}, rtype="k8s.core.configmap"),
        types=("k8s.core.configmap",),
    )
    assert res.status is Status.NOT_APPLICABLE


def test_live_only_on_a_file_resource_is_not_applicable():
    from_file = resource({"spec": {"enabled": False}}, source=Source(file="a.yaml", line=3))
    live = resource({"spec": {"enabled": False}}, rid="live")
    out = run(CHECK, from_file, live, live_only=True)
    assert [r.status for r in out] == [Status.NOT_APPLICABLE, Status.FAIL]
    assert "live" in out[0].message


def test_applies_if():
    check = {"applies_if": {"path": "kind", "equals": "public"}, **CHECK}
    out = run(
        check,
        resource({"kind": "private", "spec": {}}, rid="a"),
        resource({"kind": "public", "spec": {"enabled": True}}, rid="b"),
        resource({"kind": "public", "spec": {"enabled": False}}, rid="c"),
        resource({"kind": "public", "spec": {}}, rid="d"),
    )
    statuses = [r.status for r in out]
    assert statuses == [Status.NOT_APPLICABLE, Status.PASS, Status.FAIL, Status.ERROR]
    assert out[0].message.startswith("does not apply: kind = 'private'")
    assert out[3].message == "cannot decide: spec.enabled is absent (needed: equals True)"


def test_results_come_rule_by_rule_in_type_and_inventory_order():
    a = rule(CHECK, rid="test.svc.a", types=("test.svc.y", "test.svc.x"))
    b = rule(CHECK, rid="test.svc.b", types=("test.svc.x",))
    inv = inventory(
        resource({}, rid="x1", rtype="test.svc.x"),
        resource({}, rid="y1", rtype="test.svc.y"),
        resource({}, rid="x2", rtype="test.svc.x"),
    )
    out = evaluate(inv, [compile_rule(a), compile_rule(b)], now=NOW)
    assert [(r.rule_id, r.resource_id) for r in out] == [
        ("test.svc.a", "y1"),
        ("test.svc.a", "x1"),
        ("test.svc.a", "x2"),
        ("test.svc.b", "x1"),
        ("test.svc.b", "x2"),
    ]


def test_evidence_is_capped():
    data = {"items": [{"v": i} for i in range(50)]}
    (res,) = run({"assert": {"path": "items[*].v", "lt": 0}}, resource(data))
    assert res.status is Status.FAIL and len(res.evidence) == 20
    assert res.message.endswith("and 17 more")


def test_evaluation_never_switches_the_garbage_collector():
    """No process-wide side effect: the cyclic collector stays as the host set it, also
    *during* evaluation (another thread of the host may be allocating), and loading or
    writing a document does not touch it either (issue 10)."""
    import gc

    from bio2scan import documents

    seen = GC_SEEN
    seen.clear()
    if "test_gc_probe" not in REGISTRY:

        @function("test_gc_probe", kind="subject", reads=())
        def probe(obj, env):
            """Records whether the collector is on while the engine runs."""
            GC_SEEN.append(gc.isenabled())
            return True

    run({"assert": {"call": "test_gc_probe"}}, resource({}))
    assert gc.isenabled() and seen and all(seen)
    gc.disable()
    try:
        run(CHECK, resource({}))
        documents.dumps({"results": []})
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert not hasattr(documents, "gc_paused")


@pytest.mark.parametrize("field", ["subject", "assert"])
def test_compile_rule_errors(field):
    from bio2scan.engine import ConditionError

    check = (
        {"subject": "no_such_extractor", **CHECK}
        if field == "subject"
        else {"applies_if": {"path": "a", "exists": True}}
    )
    with pytest.raises(ConditionError) as info:
        compile_rule(rule(check))
    assert info.value.field == ("check.subject" if field == "subject" else "check")


def test_a_value_known_only_after_deployment_is_not_applicable_never_pass():
    """Infrastructure templates: a value the rule reads that exists only after apply gives
    NOT_APPLICABLE with the reason; an unresolved one (in ``errors``) stays ERROR; a deferred
    path the rule does not read changes nothing."""
    src = Source(file="main.tf", line=3)
    later = replace(resource({}, rid="later", source=src), deferred={"spec": "after apply"})
    other = replace(
        resource({"spec": {"enabled": True}}, rid="other", source=src),
        deferred={"arn": "known after apply"},
    )
    missing = resource({}, rid="missing", source=src, errors={"spec": "unresolved: var.x"})
    a, b, c = run(CHECK, later, other, missing)
    assert a.status is Status.NOT_APPLICABLE and "known only after deployment" in a.message
    assert b.status is Status.PASS
    assert c.status is Status.ERROR


def test_errors_and_deferred_values_are_matched_on_the_path_the_rule_reads():
    """An error or deferred value concerns a rule that reads the same path, a part of it or the
    whole it lies in — not one that reads a sibling field."""
    src = Source(file="t.json", line=1)
    data = {"spec": {"enabled": True, "other": 1}, "list": [{"a": 1}]}
    cases = [
        ({"spec.other": "x"}, Status.PASS),  # a sibling of spec.enabled
        ({"spec.enabled": "x"}, Status.NOT_APPLICABLE),
        ({"spec": "x"}, Status.NOT_APPLICABLE),  # the whole it lies in
        ({"*": "x"}, Status.NOT_APPLICABLE),
        ({"['spec'].enabled": "x"}, Status.NOT_APPLICABLE),  # any spelling of the path
    ]
    for deferred, expect in cases:
        r = replace(resource(data, source=src), deferred=deferred)
        assert run(CHECK, r)[0].status is expect, deferred
    each = {"assert": {"for_each": "list", "assert": {"path": "a", "equals": 1}}}
    r = replace(resource(data, source=src), deferred={"list[0].a": "later"})
    assert run(each, r)[0].status is Status.NOT_APPLICABLE
    r = resource(data, source=src, errors={"list[0]": "unresolved"})
    assert run(each, r)[0].status is Status.ERROR


def test_a_function_meeting_a_deferred_value_gives_not_applicable_never_a_verdict():
    """Subject functions read what no path in the rule names; the engine checks what they
    declare they read: a deferred value there is NOT_APPLICABLE (as a deferred path would be),
    an unreadable one ERROR, one elsewhere in the resource nothing."""
    from bio2scan.engine.reads import Read

    @function("test_reads_rules", kind="subject", reads=(Read("rules", "list"),))
    def reads_rules(obj, env):
        return bool(obj.get("rules")), []

    try:
        src = Source(file="t.json", line=1)
        check = {"assert": {"call": "test_reads_rules"}}
        later = replace(
            resource({"rules": [1], "name": "n"}, source=src),
            deferred={"rules[1].cidr": "an SSM parameter"},
        )
        (res,) = run(check, later)
        assert res.status is Status.NOT_APPLICABLE
        assert res.message == "known only after deployment: rules[1].cidr (an SSM parameter)"
        elsewhere = replace(resource({"rules": [1]}, source=src), deferred={"name": "later"})
        assert run(check, elsewhere)[0].status is Status.PASS
        broken = resource({"rules": [1]}, errors={"rules": "unresolved: x"})
        assert run(check, broken)[0].status is Status.ERROR
    finally:
        REGISTRY.pop("test_reads_rules", None)
