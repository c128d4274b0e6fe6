"""The roll-up rules, one at a time, on small hand-made rule sets and results (real ``Rule`` and
``Result`` objects through the real ``bio2scan.assess.rollup``)."""

from __future__ import annotations

from typing import Any

from bio2scan.assess import rollup
from bio2scan.assess.rollup import compliance
from bio2scan.model import Link, Result, Rule, Severity, Source, Status

T = {"en": "A rule", "nl": "Een regel"}


def rule(rid: str, links: dict[str, str], severity: str = "high") -> Rule:
    """``links``: id → "direct" / "supporting" (controls and measures alike)."""
    controls = tuple(k for k in links if k.count(".") == 1)
    measures = tuple(k for k in links if k.count(".") == 2)
    return Rule(
        id=rid,
        title=T,
        rationale=T,
        remediation=T,
        severity=Severity(severity),
        resource_types=(rid.rsplit(".", 1)[0] + ".thing",),
        controls=controls,
        measures=measures,
        links={k: Link(v, f"why {k} for {rid}") for k, v in links.items()},
    )


def res(r: Rule, status: str, n: int = 1, waiver: dict[str, Any] | None = None) -> list[Result]:
    return [
        Result(
            r.id,
            f"{r.id}/res{i}",
            r.resource_types[0],
            f"res{i}",
            "scope",
            None,
            None,
            Status(status),
            r.severity,
            r.controls,
            r.measures,
            "message",
            (),
            Source(),
            waiver,
        )
        for i in range(n)
    ]


def assess(rules: list[Rule], results: list[Result], providers=("aws", "azure", "k8s"), decl=None):
    controls, measures = rollup(results, {r.id: r for r in rules}, providers, decl)
    return {c.id: c for c in controls}, {m.id: m for m in measures}


def test_one_pass_of_a_supporting_rule_is_no_compliance():
    r = rule("aws.x.hub", {"5.36": "supporting", "8.9": "supporting"})
    c, _ = assess([r], res(r, "PASS"))
    assert c["5.36"].status.value == "partially-evidenced"
    assert c["8.9"].status.value == "partially-evidenced"
    assert {"kind": "control", "id": "8.9", "status": "manual"} in c["8.9"].gaps


def test_evidence_complete_needs_direct_pass_for_every_technical_measure():
    mfa = rule("aws.x.mfa", {"5.17": "direct", "5.17.01": "direct"})
    pw = rule("aws.x.pw", {"5.17": "direct", "5.17.03": "direct"})
    c, m = assess([mfa], res(mfa, "PASS"))
    assert m["5.17.01"].status.value == "pass"
    assert c["5.17"].status.value == "partially-evidenced"
    assert {"kind": "measure", "id": "5.17.03", "status": "manual"} in c["5.17"].gaps
    c, m = assess([mfa, pw], res(mfa, "PASS") + res(pw, "PASS"))
    assert c["5.17"].status.value == "evidence-complete" and c["5.17"].gaps == ()
    assert c["5.17"].manual_measures == ("5.17.02",)  # organisational: listed, not blocking


def test_direct_fail_is_non_compliant_supporting_fail_is_not():
    d = rule("k8s.x.d", {"8.9": "direct"})
    s = rule("k8s.x.s", {"8.9": "supporting"})
    c, _ = assess([d, s], res(d, "PASS") + res(s, "FAIL"))
    assert c["8.9"].status.value == "evidence-complete"
    c, _ = assess([d, s], res(d, "FAIL") + res(s, "PASS"))
    assert c["8.9"].status.value == "non-compliant" and c["8.9"].basis == "direct-fail"


def test_info_rules_are_observations():
    info = rule("aws.x.kms_region", {"5.23": "supporting"}, severity="info")
    c, m = assess([info], res(info, "PASS", 3))
    assert c["5.23"].status.value == "manual" and m["5.23.01"].status.value == "manual"
    assert c["5.23"].evidence[0].rule == "aws.x.kms_region"  # still listed


def test_error_or_nothing_to_check_is_not_assessed():
    d = rule("aws.x.d", {"8.14": "direct"})
    c, _ = assess([d], res(d, "PASS") + res(d, "ERROR"))
    assert c["8.14"].status.value == "not-assessed" and c["8.14"].basis == "errors"
    c, _ = assess([d], res(d, "NOT_APPLICABLE"))
    assert c["8.14"].basis == "nothing-to-check"
    c, _ = assess([d], [])
    assert c["8.14"].status.value == "not-assessed"


def test_out_of_scope_names_the_providers_not_scanned():
    a = rule("aws.x.logs", {"8.15": "direct", "8.15.01": "direct"})
    z = rule("azure.x.logs", {"8.15": "direct", "8.15.01": "direct"})
    c, m = assess([a, z], [], providers=("k8s",))
    assert c["8.15"].status.value == "out-of-scope" and c["8.15"].out_of_scope == ("aws", "azure")
    assert m["8.15.01"].status.value == "out-of-scope"
    assert m["8.15.01"].providers == {"aws": "out-of-scope", "azure": "out-of-scope"}
    c, m = assess([a, z], res(a, "PASS"), providers=("aws",))
    assert m["8.15.01"].status.value == "pass" and m["8.15.01"].out_of_scope == ("azure",)
    assert c["8.15"].out_of_scope == ("azure",) and c["8.15"].status.value != "out-of-scope"


def test_measure_status_per_provider_worst_wins():
    a = rule("aws.x.tls", {"8.24": "direct", "8.24.04": "direct"})
    k = rule("k8s.x.tls", {"8.24": "direct", "8.24.04": "direct"})
    _, m = assess([a, k], res(a, "PASS") + res(k, "FAIL"))
    assert m["8.24.04"].status.value == "fail"
    assert m["8.24.04"].providers == {"aws": "pass", "k8s": "fail"}
    _, m = assess([a, k], res(a, "PASS") + res(k, "ERROR"))
    assert m["8.24.04"].status.value == "error"
    # nothing to check on k8s (no such resources) does not hold back AWS's pass
    _, m = assess([a, k], res(a, "PASS"))
    assert m["8.24.04"].status.value == "pass"
    assert m["8.24.04"].providers == {"aws": "pass", "k8s": "not-assessed"}


def test_waived_fails_give_accepted_risk_never_plain_complete():
    d = rule("k8s.x.d", {"8.9": "direct"})
    risk = {"id": "W1", "kind": "risk-acceptance"}
    c, _ = assess([d], res(d, "PASS") + res(d, "WAIVED", waiver=risk))
    assert c["8.9"].status.value == "compliant-with-accepted-risk" and c["8.9"].accepted_risk == 1
    # a not-applicable declaration is no evidence either way
    na = {"id": "W2", "kind": "not-applicable"}
    c, _ = assess([d], res(d, "WAIVED", waiver=na))
    assert c["8.9"].status.value == "not-assessed"


def test_partly_checkable_control_without_measures_keeps_its_organisational_part():
    d = rule("k8s.x.quota", {"8.6": "direct"})  # 8.6 capacity management: partly checkable
    c, _ = assess([d], res(d, "PASS"))
    assert c["8.6"].status.value == "partially-evidenced"
    assert c["8.6"].gaps == ({"kind": "aspect", "id": "organisational", "status": "manual"},)


def test_declared_not_applicable_measure():
    d = rule("k8s.x.d", {"8.1": "direct", "8.01.02": "direct"})
    decl = {"8.01.01": {"id": "VVT-1", "owner": "ciso", "reason": "no mobile devices"}}
    c, m = assess([d], res(d, "PASS"), decl=decl)
    assert m["8.01.01"].status.value == "not-applicable"
    assert m["8.01.01"].declaration["owner"] == "ciso"
    assert c["8.1"].status.value == "evidence-complete"  # 8.01.02 pass, 8.01.01 declared n/a
    c, m = assess(
        [d], res(d, "PASS"), decl={**decl, "8.01.02": {"id": "VVT-2", "owner": "o", "reason": "r"}}
    )
    assert c["8.1"].applicable is False


def test_compliance_share():
    counts = {"evidence-complete": 2, "compliant-with-accepted-risk": 1, "non-compliant": 1}
    counts |= {"partially-evidenced": 0, "manual": 80, "out-of-scope": 9}
    assert compliance(counts) == {"percent": 75.0, "compliant": 3, "counted": 4}
    assert compliance({"manual": 93})["percent"] == 0.0
