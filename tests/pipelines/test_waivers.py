"""Waivers: validation (file, line, field), matching, expiry on a fixed clock, stale and
expiring listings, the government-measure rule, and ``bio2scan waivers check``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pipeline_support import RULE, cli, estate, write

from bio2scan import api
from bio2scan.errors import InputError, WaiverError
from bio2scan.waivers import end_of_day, eu_end_of_day

UTC = dt.UTC


def _waivers(tmp_path, body: str):
    return write(tmp_path / "waivers.yaml", body)


def _assess(tmp_path, waivers, now, rules=None):
    d = estate(tmp_path)
    chosen = rules or [api.load_rules()[RULE]]
    inv = api.collect("manifests", {"paths": [str(d)], "cluster": "c1"}, rules=chosen)
    return api.assess(inv, chosen, waivers=waivers, now=now)


NA = """\
    waivers:
      - id: W-NS0
        rules: [k8s.pod.privileged_*]
        resources: ["ns0/Pod/*"]
        owner: team-a@example.nl
        approver: ciso@example.nl
        reason: device plugin needs the host
        reference: RISK-1
        expires: 2026-06-30
        kind: not-applicable
      - id: W-TEAM
        rule: k8s.pod.privileged_container
        tags: {team: t1}
        scopes: [c1]
        owner: team-b@example.nl
        reason: vendor appliance
        expires: 2026-12-31
        kind: not-applicable
      - id: W-STALE
        rules: k8s.pod.privileged_container
        resources: [nowhere/Pod/x]
        owner: o
        reason: r
        expires: 2027-01-01
        kind: not-applicable
      - id: W-OTHER
        rules: acme.nothing.*
        owner: o
        reason: r
        expires: 2027-01-01
    """


def test_expiry_is_end_of_day_in_amsterdam():
    assert end_of_day(dt.date(2026, 6, 30)) == dt.datetime(2026, 6, 30, 22, tzinfo=UTC)  # CEST
    assert end_of_day(dt.date(2026, 1, 31)) == dt.datetime(2026, 1, 31, 23, tzinfo=UTC)  # CET
    # the day before and the day of the switch to and from summer time
    assert end_of_day(dt.date(2026, 3, 28)) == dt.datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert end_of_day(dt.date(2026, 3, 29)) == dt.datetime(2026, 3, 29, 22, tzinfo=UTC)
    assert end_of_day(dt.date(2026, 10, 24)) == dt.datetime(2026, 10, 24, 22, tzinfo=UTC)
    assert end_of_day(dt.date(2026, 10, 25)) == dt.datetime(2026, 10, 25, 23, tzinfo=UTC)


def test_fallback_without_tz_database_agrees_with_zoneinfo():
    day = dt.date(2024, 1, 1)
    while day < dt.date(2031, 1, 1):
        assert eu_end_of_day(day) == end_of_day(day), day
        day += dt.timedelta(days=1)


def test_matching_expiry_stale_and_listing(tmp_path):
    w = _waivers(tmp_path, NA)
    # 21:59:59 UTC on 30 June is 23:59:59 in Amsterdam: W-NS0 still applies
    doc = _assess(tmp_path, w, dt.datetime(2026, 6, 30, 21, 59, 59, tzinfo=UTC))
    by_res = {r["resource_id"]: r for r in doc["results"]}
    fails = {i for i in range(12) if i % 3 == 0}  # pods 0, 3, 6, 9
    for i in range(12):
        r = by_res[f"ns{i % 3}/Pod/pod{i:02d}"]
        if i not in fails:
            assert r["status"] == "PASS" and "waiver" not in r  # PASS is never waived
        elif i % 3 == 0 and f"ns{i % 3}" == "ns0":
            assert r["status"] == "WAIVED"
            assert r["waiver"] == {
                "id": "W-NS0",
                "owner": "team-a@example.nl",
                "approver": "ciso@example.nl",
                "reason": "device plugin needs the host",
                "reference": "RISK-1",
                "expires": "2026-06-30",
                "kind": "not-applicable",
            }
    sec = doc["waivers"]
    assert sec["applied"] == 4 and sec["expired"] == []
    # W-TEAM matched (pods 3 and 9) though W-NS0 came first; W-OTHER covers no rule of the scan
    assert [x["id"] for x in sec["stale"]] == ["W-STALE"]
    assert [x["id"] for x in sec["expiring_soon"]] == ["W-NS0"]
    assert doc["summary"]["results"]["WAIVED"] == 4 and doc["summary"]["results"]["FAIL"] == 0
    api.validate_results(doc)

    # one second later (00:00 in Amsterdam) it has expired: pods 0 and 6 (team t0) FAIL again,
    # 3 and 9 (team t1) are now caught by W-TEAM
    doc = _assess(tmp_path, w, dt.datetime(2026, 6, 30, 22, 0, 0, tzinfo=UTC))
    status = {
        r["resource_id"]: (r["status"], (r.get("waiver") or {}).get("id"))
        for r in doc["results"]
        if r["resource_id"].endswith(("00", "03", "06", "09"))
    }
    assert status == {
        "ns0/Pod/pod00": ("FAIL", None),
        "ns0/Pod/pod03": ("WAIVED", "W-TEAM"),
        "ns0/Pod/pod06": ("FAIL", None),
        "ns0/Pod/pod09": ("WAIVED", "W-TEAM"),
    }
    assert [x["id"] for x in doc["waivers"]["expired"]] == ["W-NS0"]
    assert api.exit_code(doc, "high") == 1
    api.validate_results(doc)
    bad = dict(doc, waivers=dict(doc["waivers"], expired=[{"id": "x"}]))
    with pytest.raises(InputError, match="waivers"):
        api.validate_results(bad)


@pytest.mark.parametrize(
    "drop,field",
    [("owner", "owner"), ("reason", "reason"), ("expires", "expires"), ("rules", "rules")],
)
def test_missing_required_field_is_an_input_error(tmp_path, drop, field):
    lines = [ln for ln in NA.splitlines()[:10] if not ln.strip().startswith(f"{drop}:")]
    w = _waivers(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(WaiverError) as e:
        api.load_waivers(w)
    assert e.value.file == str(w) and e.value.line == 2
    assert e.value.field == f"waivers[0].{field}"
    assert field in str(e.value)


@pytest.mark.parametrize(
    "value,needle",
    [
        ("2026-02-30", "not a calendar date"),
        ("'next year'", "not a date"),
        ("2026-06-30T10:00:00", "not a date"),
    ],
)
def test_bad_expiry(tmp_path, value, needle):
    w = _waivers(tmp_path, NA.replace("expires: 2026-06-30", f"expires: {value}"))
    with pytest.raises(WaiverError) as e:
        api.load_waivers(w)
    assert needle in str(e.value) and e.value.line == 9
    if "calendar" not in needle:
        assert e.value.field == "waivers[0].expires"


def test_unknown_key_duplicate_id_and_bad_kind(tmp_path):
    w = _waivers(tmp_path, NA.replace("reference: RISK-1", "ticket: RISK-1"))
    with pytest.raises(WaiverError, match="ticket"):
        api.load_waivers(w)
    w = _waivers(tmp_path, NA.replace("id: W-TEAM", "id: W-NS0"))
    with pytest.raises(WaiverError, match="duplicate waiver id") as e:
        api.load_waivers(w)
    assert e.value.line == 11
    w = _waivers(tmp_path, NA.replace("kind: not-applicable", "kind: accepted", 1))
    with pytest.raises(WaiverError) as e:
        api.load_waivers(w)
    assert e.value.field == "waivers[0].kind"


def test_government_measures_cannot_be_risk_accepted(tmp_path):
    rule = api.load_rules()[RULE]
    assert rule.measures, "the test needs a rule that carries a government measure"
    w = _waivers(tmp_path, NA.replace("kind: not-applicable", "kind: risk-acceptance", 1))
    with pytest.raises(WaiverError) as e:
        _assess(tmp_path, w, dt.datetime(2026, 6, 1, tzinfo=UTC))
    msg = str(e.value)
    assert "W-NS0" in msg and RULE in msg and rule.measures[0] in msg
    assert e.value.field == "waivers[0].kind" and e.value.line == 10
    # the default kind is risk-acceptance: W-OTHER covers no rule with a measure, so it is fine
    assert "kind" not in NA.split("W-OTHER")[1]


def test_waivers_check(tmp_path):
    w = _waivers(tmp_path, NA)
    report = api.check_waivers(w, days=30, now=dt.datetime(2026, 6, 15, tzinfo=UTC))
    assert [x["id"] for x in report["expiring"]] == ["W-NS0"] and report["expired"] == []
    assert report["unknown_rules"] == [{"id": "W-OTHER", "pattern": "acme.nothing.*"}]
    report = api.check_waivers(w, now=dt.datetime(2026, 7, 1, tzinfo=UTC))
    assert [x["id"] for x in report["expired"]] == ["W-NS0"]
    ra = _waivers(tmp_path, NA.replace("kind: not-applicable", "kind: risk-acceptance", 1))
    with pytest.raises(WaiverError, match="cannot be risk-accepted"):
        api.check_waivers(ra)


def test_waivers_check_cli(tmp_path):
    w = _waivers(tmp_path, NA)
    ok = cli("waivers", "check", str(w), "--days", "5", "--now", "2026-01-01T00:00:00Z")
    assert ok.returncode == 0, ok.stderr
    assert "4 waiver(s), valid" in ok.stdout and "matches no installed rule" in ok.stdout
    soon = cli(
        "waivers",
        "check",
        str(w),
        "--days",
        "30",
        "--format",
        "json",
        "--now",
        "2026-06-15T00:00:00Z",
    )
    assert soon.returncode == 1
    assert [x["id"] for x in json.loads(soon.stdout)["expiring"]] == ["W-NS0"]
    bad = _waivers(tmp_path, NA.replace("        owner: team-b@example.nl\n", ""))
    res = cli("waivers", "check", str(bad))
    assert res.returncode == 2
    assert res.stderr.strip() == (
        f"bio2scan: error: {bad}:11 (waivers[1].owner): 'owner' is required"
    )


def test_schemas_are_valid_and_printed():
    import jsonschema

    from bio2scan.documents import schema

    for name in ("waivers", "results"):
        jsonschema.Draft202012Validator.check_schema(schema(name))
    r = cli("schema", "waivers")
    assert r.returncode == 0 and json.loads(r.stdout)["title"] == "bio2scan waivers file"


BROAD = """\
    waivers:
      - id: W-ALL
        rules: ["*"]
        owner: o
        reason: acceptance environment
        expires: 9999-12-31
        kind: not-applicable
"""


def test_a_waiver_for_every_rule_must_say_so_and_is_listed(tmp_path):
    w = _waivers(tmp_path, BROAD)
    with pytest.raises(WaiverError, match="matches every rule") as e:
        api.load_waivers(w)
    assert e.value.field == "waivers[0].rules" and e.value.line == 3
    for spelled in ('rules: ["*.*"]', 'rules: ["k8s.*", "*"]'):
        with pytest.raises(WaiverError, match="all_rules: true"):
            api.load_waivers(_waivers(tmp_path, BROAD.replace('rules: ["*"]', spelled)))
    ok = _waivers(tmp_path, BROAD.replace('rules: ["*"]', "all_rules: true"))
    doc = _assess(tmp_path, ok, dt.datetime(2026, 6, 1, tzinfo=UTC))
    assert doc["summary"]["results"]["FAIL"] == 0 and doc["summary"]["results"]["WAIVED"] == 4
    assert [w["id"] for w in doc["waivers"]["all_rules"]] == ["W-ALL"]
    api.validate_results(doc)
    out = tmp_path / "r"
    api.render(doc, ["md", "html"], out, lang="en")
    assert (
        "W-ALL" in (out / "report.md").read_text()
        and "covers every rule" in (out / "report.md").read_text()
    )
    with pytest.raises(WaiverError, match="give one or the other"):
        api.load_waivers(
            _waivers(tmp_path, BROAD.replace('["*"]', "[k8s.pod.x]\n        all_rules: true"))
        )


def test_far_future_expiry_does_not_expire(tmp_path):
    w = api.load_waivers(_waivers(tmp_path, BROAD.replace('rules: ["*"]', "all_rules: true")))
    (waiver,) = w.waivers
    assert waiver.active(dt.datetime(9000, 1, 1, tzinfo=UTC))
    assert w.expiring(dt.datetime(2026, 1, 1, tzinfo=UTC), 30) == []
    assert end_of_day(dt.date(9999, 12, 31)) > dt.datetime(9999, 12, 30, tzinfo=UTC)


DECLARE = """\
    waivers:
      - id: VVT-1
        measures: ["8.01.01", "8.01.02"]
        owner: ciso@example.nl
        reason: no mobile devices process information of these systems
        reference: VvT 2026 annex, item 2
        expires: 2027-12-31
        kind: not-applicable
"""


def test_measures_declared_not_applicable(tmp_path):
    w = _waivers(tmp_path, DECLARE)
    doc = _assess(tmp_path, w, dt.datetime(2026, 6, 1, tzinfo=UTC))
    measures = {m["id"]: m for m in doc["measures"]}
    for mid in ("8.01.01", "8.01.02"):
        assert measures[mid]["status"] == "not-applicable"
        assert measures[mid]["declaration"]["owner"] == "ciso@example.nl"
    assert next(c for c in doc["controls"] if c["id"] == "8.1")["applicable"] is False
    assert doc["summary"]["results"]["WAIVED"] == 0  # a declaration waives no result
    assert [d["id"] for d in doc["waivers"]["declarations"]] == ["VVT-1"]
    soa = api.renderers()["soa-csv"].render(doc, "en")
    assert '"measure","8.01.01","8.1",' in soa and "no mobile devices" in soa
    # expired: no longer declared
    later = _assess(tmp_path, w, dt.datetime(2028, 1, 1, tzinfo=UTC))
    assert {m["id"]: m for m in later["measures"]}["8.01.01"]["status"] == "manual"


@pytest.mark.parametrize(
    "edit,words,field",
    [
        (
            ("kind: not-applicable", "kind: risk-acceptance"),
            "only be declared not applicable",
            "waivers[0].measures",
        ),
        (('"8.01.02"', '"8.08.06"'), "is a v1.2 number", "waivers[0].measures[1]"),
        (('"8.01.02"', '"8.24.03"'), "removed", "waivers[0].measures[1]"),
        (('"8.01.02"', '"8.1.2"'), "does not match", "waivers[0].measures[1]"),
    ],
)
def test_bad_measure_declarations(tmp_path, edit, words, field):
    w = _waivers(tmp_path, DECLARE.replace(*edit))
    with pytest.raises(WaiverError, match=words) as e:
        api.load_waivers(w)
    assert e.value.field == field and e.value.file == str(w)
