"""The Entra collector through the real azure-core pipeline against the Graph and ARM stubs."""

from __future__ import annotations

import json
import logging
from collections import Counter

import pytest
from graph_fixture import ALICE, BOB, GA, GLASS, GUEST, SECRET_HINT, TENANT
from helpers import by_type, collect, servers

from bio2scan import api


def _results(inv, rules):
    return api.assess(inv, rules, verbose_results=True)["results"]


def _entra_rules(all_rules):
    return [r for r in all_rules.values() if r.id.startswith("azure.entra.")]


def test_whole_tenant_paged_each_api_once_and_nothing_written(tenant_estate, tokens, tmp_path):
    g_estate, a_estate = tenant_estate
    with servers(g_estate, a_estate, tmp_path, page_size=2) as (g, a, bundle):
        inv = collect(g, a, bundle)
        gets = [p for m, p, _ in g.requests]
        g_requests = list(g.requests)
        writes = g.writes()
    assert inv.errors == ()
    assert writes == [] and all(m == "GET" for m, _ in a.requests)
    types = Counter(r.type for r in inv.resources)
    assert types["azure.entra.conditional_access_policy"] == 5  # three pages of two
    assert sum(1 for p in gets if p.endswith("/conditionalAccess/policies")) == 3
    assert {r.scope for r in inv.resources} == {TENANT}
    # every request is different: each API once, pages by their skiptoken
    assert len(set(g_requests)) == len(g_requests)
    users = by_type(inv, "azure.entra.privileged_user")
    assert set(users) == {ALICE, BOB, GUEST, GLASS}
    assert users[BOB].name == "bob@teststad.nl"
    # Bob: eligible Global Administrator and, through the group, Privileged Role Administrator
    assert sorted(
        (r["roleName"], r["state"], bool(r["viaGroup"])) for r in users[BOB].data["roles"]
    ) == [
        ("Global Administrator", "eligible", False),
        ("Privileged Role Administrator", "active", True),
    ]
    ga = by_type(inv, "azure.entra.directory_role")[GA]
    assert {m["principalId"] for m in ga.data["members"]} == {ALICE, GLASS, BOB}
    tenant = by_type(inv, "azure.entra.tenant")[TENANT]
    assert tenant.data["licences"]["entraIdP2"] is True
    diag = by_type(inv, "azure.entra.diagnostic_settings")
    (d,) = diag.values()
    assert d.data["destinations"]  # the workspace and its tables were read through ARM


def test_only_the_types_the_rules_need(tenant_estate, tokens, tmp_path, all_rules):
    rules = [all_rules["azure.entra.guest_invite_restricted"]]
    with servers(*tenant_estate, tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
        paths = {p for _, p, _ in g.requests}
    assert {r.type for r in inv.resources} == {"azure.entra.authorization_policy"}
    assert paths == {"/v1.0/policies/authorizationPolicy"}
    assert a.requests == []


def test_throttling_is_retried_after_retry_after(tenant_estate, tokens, tmp_path):
    with servers(
        *tenant_estate, tmp_path, throttle={"/conditionalaccess/policies": 2}, retry_after=1
    ) as (g, a, bundle):
        inv = collect(g, a, bundle)
        tries = [p for _, p, q in g.requests if p.endswith("/policies") and "skiptoken" not in q]
    assert len(tries) == 3
    assert inv.errors == ()
    assert len(by_type(inv, "azure.entra.conditional_access_policy")) == 5


def test_persistent_throttling_is_a_throttled_error(tenant_estate, tokens, tmp_path):
    with servers(*tenant_estate, tmp_path, throttle={"/namedlocations": -1}) as (g, a, bundle):
        inv = collect(g, a, bundle, retries=1)
    assert [(e.resource_type, e.code) for e in inv.errors] == [
        ("azure.entra.named_location", "Throttled")
    ]
    assert "429" in inv.errors[0].reason


def test_missing_p1_licence_is_an_error_naming_the_licence(
    tenant_estate, tokens, tmp_path, all_rules
):
    rules = [all_rules[i] for i in ("azure.entra.ca_mfa_all_users", "azure.entra.ca_mfa_admins")]
    with servers(*tenant_estate, tmp_path, unlicensed={"/identity/conditionalaccess/": "P1"}) as (
        g,
        a,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=rules)
    (err,) = [e for e in inv.errors if e.resource_type == "azure.entra.conditional_access_policy"]
    assert err.code == "Unsupported"
    assert "Microsoft Entra ID P1" in err.reason and "NonPremium" in err.reason
    results = [r for r in _results(inv, rules) if r["resource_type"] == "azure.entra.tenant"]
    # security defaults are off in this tenant: without the policies nothing can pass
    assert {r["status"] for r in results} == {"ERROR"}
    assert all("Microsoft Entra ID P1" in r["message"] for r in results)


def test_missing_p2_licence_falls_back_without_pim(tenant_estate, tokens, tmp_path, all_rules):
    rules = [all_rules["azure.entra.admin_no_permanent_assignment"]]
    with servers(*tenant_estate, tmp_path, unlicensed={"/roleassignmentschedule": "P2"}) as (
        g,
        a,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=rules)
    assert inv.errors == ()
    alice = by_type(inv, "azure.entra.privileged_user")[ALICE]
    assert alice.data["pim"]["available"] is False
    assert "Microsoft Entra ID P2" in alice.data["pim"]["reason"]
    statuses = {r["status"] for r in _results(inv, rules)}
    assert statuses == {"NOT_APPLICABLE"}


def test_missing_permission_is_an_error_naming_it(tenant_estate, tokens, tmp_path, all_rules):
    rules = [
        all_rules[i]
        for i in ("azure.entra.app_secret_lifetime", "azure.entra.guest_invite_restricted")
    ]
    with servers(*tenant_estate, tmp_path, forbidden={"/applications"}) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    (err,) = inv.errors
    assert (err.resource_type, err.code) == ("azure.entra.application", "AccessDenied")
    assert "Application.Read.All" in err.reason and "Authorization_RequestDenied" in err.reason
    res = _results(inv, rules)
    apps = [r for r in res if r["rule_id"] == "azure.entra.app_secret_lifetime"]
    assert [r["status"] for r in apps] == ["ERROR"] and "Application.Read.All" in apps[0]["message"]
    assert {r["status"] for r in res if r["rule_id"] == "azure.entra.guest_invite_restricted"} == {
        "PASS"
    }


def test_eligible_holders_refused_leaves_no_pass_on_the_count(
    tenant_estate, tokens, tmp_path, all_rules
):
    rules = [all_rules["azure.entra.global_admin_count"], all_rules["azure.entra.admin_not_guest"]]
    with servers(*tenant_estate, tmp_path, forbidden={"/roleeligibilityscheduleinstances"}) as (
        g,
        a,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=rules)
    res = _results(inv, rules)
    count = [
        r
        for r in res
        if r["rule_id"] == "azure.entra.global_admin_count" and r["status"] != "NOT_APPLICABLE"
    ]
    assert count and {r["status"] for r in count} == {"ERROR"}
    assert any("RoleEligibilitySchedule.Read.Directory" in r["message"] for r in count)
    guest = [r for r in res if r["rule_id"] == "azure.entra.admin_not_guest"]
    assert "ERROR" in {r["status"] for r in guest}  # the user list is known to be incomplete


def test_wrong_token_marks_every_type_not_star(tenant_estate, tokens, tmp_path, monkeypatch):
    monkeypatch.setenv("AZURE_GRAPH_TOKEN", "not-the-token")
    with servers(*tenant_estate, tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle)
    graph_errors = [
        e
        for e in inv.errors
        if not e.resource_type.endswith(("diagnostic_settings", "role_change_alerts"))
    ]
    assert graph_errors and all(e.code == "AccessDenied" for e in graph_errors)
    assert "*" not in {e.resource_type for e in inv.errors}
    assert all("InvalidAuthenticationToken" in e.reason for e in graph_errors)


def test_tokens_and_secret_hints_never_in_any_output(
    tenant_estate, tokens, tmp_path, caplog, all_rules
):
    caplog.set_level(logging.DEBUG)
    rules = _entra_rules(all_rules)
    with servers(*tenant_estate, tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    api.save_inventory(tmp_path / "inv.json", inv)
    doc = api.assess(inv, rules, verbose_results=True)
    written = api.render(doc, ["json", "html", "md", "sarif", "junit", "csv"], tmp_path / "out")
    text = (tmp_path / "inv.json").read_text() + json.dumps(doc) + caplog.text
    text += "".join(p.read_text() for p in written.values())
    for secret in tokens:
        assert secret not in text
    assert f'"{SECRET_HINT}"' not in text and '"hint"' not in text
    app = next(r for r in inv.resources if r.type == "azure.entra.application")
    assert app.data["passwordCredentials"] == [
        {
            "keyId": "k-1",
            "displayName": "prod",
            "startDateTime": "2024-03-01T00:00:00Z",
            "endDateTime": "2026-03-01T00:00:00Z",
        }
    ]


def test_findings_name_policy_user_and_field(tenant_estate, tokens, tmp_path, all_rules):
    rules = _entra_rules(all_rules)
    with servers(*tenant_estate, tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    res = {(r["rule_id"], r["resource_name"]): r for r in _results(inv, rules)}
    # the phishing-resistant policy exists but is report-only: FAIL naming it and its state
    pr = res[("azure.entra.ca_phishing_resistant_admins", "Gemeente Teststad")]
    assert pr["status"] == "FAIL"
    assert any("ca-3" in e["path"] and e["path"].endswith(".state") for e in pr["evidence"])
    assert res[("azure.entra.admin_mfa_registered", "bob@teststad.nl")]["status"] == "FAIL"
    guest = res[("azure.entra.admin_not_guest", "lev_extern.nl#EXT#@teststad.onmicrosoft.com")]
    assert guest["status"] == "FAIL" and "userType" in guest["message"]
    assert (
        res[("azure.entra.ca_mfa_all_users", "Gemeente Teststad")]["status"] == "FAIL"
    )  # glass not declared
    assert (
        res[("azure.entra.alert_azure_role_changes", "Alerts on role-assignment changes")]["status"]
        == "PASS"
    )


def test_permissions_are_read_only_and_least_privilege(all_rules):
    col = api.collectors()["entra"]
    out = col.permissions(set(api.needed_types(_entra_rules(all_rules))))
    perms = out["graph_application_permissions"]
    assert all(".Read" in p and "Write" not in p for p in perms)
    assert "Policy.Read.All" in perms and "Policy.Read.AuthenticationMethod" not in perms
    assert {"RoleEligibilitySchedule.Read.Directory", "AuditLog.Read.All"} <= set(perms)
    assert out["licences"]["Microsoft Entra ID P2"]
    one = col.permissions({"azure.entra.authorization_policy"})
    assert one["graph_application_permissions"] == ["Policy.Read.All"] and one["arm_actions"] == []


def test_scan_azure_with_entra_adds_the_tenant(tenant_estate, tokens, tmp_path):
    with servers(*tenant_estate, tmp_path) as (g, a, bundle):
        options = {
            "arm_endpoint": a.url,
            "graph_endpoint": g.url,
            "ca_bundle": bundle,
            "tenant": TENANT,
        }
        without = api.collect("azure", options)
        with_entra = api.collect("azure", {**options, "entra": True})
    assert not any(r.type.startswith("azure.entra.") for r in without.resources)
    assert any(r.type == "azure.entra.conditional_access_policy" for r in with_entra.resources)


@pytest.mark.slow
def test_cli_scan_entra(tenant_estate, tokens, tmp_path):
    import subprocess
    import sys

    with servers(*tenant_estate, tmp_path) as (g, a, bundle):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "bio2scan",
                "scan",
                "entra",
                "--tenant",
                TENANT,
                "--graph-endpoint",
                g.url,
                "--arm-endpoint",
                a.url,
                "--ca-bundle",
                bundle,
                "--fail-on",
                "none",
                "--format",
                "json",
                "-o",
                str(tmp_path / "out"),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert proc.returncode == 0, proc.stderr
    doc = api.load_results(tmp_path / "out" / "results.json")
    assert any(r["rule_id"].startswith("azure.entra.") for r in doc["results"])
    assert all(t not in proc.stdout + proc.stderr for t in tokens)
    perms = subprocess.run(
        [sys.executable, "-m", "bio2scan", "permissions", "entra", "--rules", "azure.entra.ca_*"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert perms.returncode == 0 and "Policy.Read.All" in perms.stdout
