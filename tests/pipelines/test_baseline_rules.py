"""The baseline and diff rules on hand-made results: what is new, unchanged, resolved, changed —
including the cases a manifest estate cannot produce (ERROR now, rule no longer selected)."""

from __future__ import annotations

from bio2scan.assess import result_to_dict
from bio2scan.baseline import compare, diff
from bio2scan.model import Result, Severity, Source, Status


def _r(rule: str, res: str, status: str, severity: str = "high") -> Result:
    return Result(
        rule,
        res,
        "k8s.core.pod",
        res,
        "c1",
        None,
        "ns",
        Status(status),
        Severity(severity),
        ("8.2",),
        (),
        "",
        (),
        Source(),
    )


def _doc(*results: Result) -> dict:
    return {
        "scan": {"finished_at": "2026-01-01T00:00:00+00:00"},
        "results": [result_to_dict(r) for r in results],
    }


def test_compare():
    base = _doc(
        _r("a", "1", "FAIL"),
        _r("a", "2", "FAIL"),
        _r("a", "3", "WAIVED"),
        _r("a", "4", "PASS"),
        _r("a", "5", "FAIL"),
        _r("gone", "1", "FAIL"),
        _r("a", "6", "FAIL"),
        _r("a", "9", "FAIL"),
    )
    now = [
        _r("a", "1", "FAIL"),  # unchanged
        _r("a", "2", "PASS"),  # resolved
        _r("a", "3", "FAIL"),  # waiver expired: unchanged, not new
        _r("a", "4", "FAIL"),  # PASS → FAIL: new
        _r("a", "5", "ERROR"),  # could not look: not resolved
        _r("a", "7", "FAIL"),  # never seen: new
        _r("a", "8", "PASS"),  # never seen, passing: new (not a finding)
        # the rule no longer applies (its applies_if label was removed): resolved, but says so
        _r("a", "9", "NOT_APPLICABLE")._replace(message="does not apply: metadata.labels.tier"),
    ]
    # a/6 vanished from the estate: resolved; rule "gone" is not in this scan: not resolved
    out, sec = compare(now, base, "base.json", ["a"])
    change = {r.resource_id: r.change for r in out}
    assert change == {
        "1": "unchanged",
        "2": "unchanged",
        "3": "unchanged",
        "4": "new",
        "5": "unchanged",
        "7": "new",
        "8": "new",
        "9": "unchanged",
    }
    assert sec["counts"] == {"new": 2, "unchanged": 2, "resolved": 3}
    got = [(d["resource_id"], d["now"], d["now_message"]) for d in sec["resolved"]]
    assert got == [
        ("2", "PASS", ""),  # fixed
        ("6", None, None),  # gone from the estate
        ("9", "NOT_APPLICABLE", "does not apply: metadata.labels.tier"),  # not a fix
    ]
    assert all(d["status"] == "FAIL" and d["change"] == "resolved" for d in sec["resolved"])
    assert sec["generated_at"] == "2026-01-01T00:00:00+00:00" and sec["file"] == "base.json"


def test_diff():
    def rows(*results: Result) -> dict:
        return {
            r.finding_id: {
                "finding_id": r.finding_id,
                "rule_id": r.rule_id,
                "resource_id": r.resource_id,
                "resource_type": r.resource_type,
                "scope": r.scope,
                "status": r.status.value,
                "severity": r.severity.value,
            }
            for r in results
        }

    a = rows(
        _r("a", "1", "FAIL"),
        _r("a", "2", "FAIL"),
        _r("a", "3", "FAIL"),
        _r("a", "4", "PASS"),
        _r("a", "5", "FAIL"),
        _r("a", "6", "PASS"),
    )
    b = rows(
        _r("a", "1", "FAIL"),
        _r("a", "2", "WAIVED"),
        _r("a", "3", "ERROR"),
        _r("a", "4", "FAIL"),
        _r("a", "7", "FAIL"),
        _r("a", "6", "PASS", "low"),
    )
    d = diff(a, b)
    assert [(x["resource_id"], x["before"], x["after"]) for x in d["new"]] == [
        ("4", "PASS", "FAIL"),
        ("7", None, "FAIL"),
    ]
    assert [(x["resource_id"], x["before"], x["after"]) for x in d["resolved"]] == [
        ("5", "FAIL", None)
    ]
    assert [(x["resource_id"], x["before"], x["after"]) for x in d["changed"]] == [
        ("2", "FAIL", "WAIVED"),
        ("3", "FAIL", "ERROR"),
        ("6", "PASS", "PASS"),
    ]


def test_exit_code_fail_on_new_and_min_compliance():
    from bio2scan import api

    def doc(*results: dict, complete: int = 1, non: int = 0, risk: int = 0) -> dict:
        return {
            "results": list(results),
            "baseline": {},
            "summary": {
                "complete": True,
                "controls": {
                    "evidence-complete": complete,
                    "compliant-with-accepted-risk": risk,
                    "non-compliant": non,
                    "partially-evidenced": 0,
                    "not-assessed": 0,
                    "out-of-scope": 7,
                    "manual": 80,
                },
            },
        }

    old_high = {"status": "FAIL", "severity": "high", "change": "unchanged"}
    new_low = {"status": "FAIL", "severity": "low", "change": "new"}
    new_high = {"status": "FAIL", "severity": "high", "change": "new"}
    assert api.exit_code(doc(old_high), "high") == 1
    assert api.exit_code(doc(old_high), "high", fail_on_new=True) == 0
    assert api.exit_code(doc(old_high, new_low), "high", fail_on_new=True) == 0
    assert api.exit_code(doc(old_high, new_low), "low", fail_on_new=True) == 1
    assert api.exit_code(doc(new_high), "high", fail_on_new=True) == 1
    # evidence-complete or compliant-with-accepted-risk among the controls that are neither
    # manual nor out of scope
    assert api.compliance(doc(complete=2, risk=1, non=1)) == 75.0
    assert api.exit_code(doc(complete=2, risk=1, non=1), "none", min_compliance=75) == 0
    assert api.exit_code(doc(complete=2, risk=1, non=1), "none", min_compliance=75.1) == 1
    assert api.exit_code(doc(complete=0, non=0), "none", min_compliance=1) == 1
    assert api.compliance(doc(complete=1, non=2)) == 33.33
