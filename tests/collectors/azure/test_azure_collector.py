"""The Azure collector with the real azure-mgmt clients against the local ARM server."""

from __future__ import annotations

import json
import logging
from collections import Counter

import pytest
from arm_fixture import SUB_A, SUB_B, SUB_C
from stubs.arm import ArmServer

from bio2scan import api
from bio2scan.collectors.base import Shard


def _collect(arm: ArmServer, rules=None, **opts):
    options = {"arm_endpoint": arm.url, "ca_bundle": arm.ca_file, "retries": 2, **opts}
    shard = options.pop("shard", None)
    return api.collect("azure", options, rules=rules, shard=shard, max_workers=4)


def _by_type(inv, rtype):
    return {r.name: r for r in inv.resources if r.type == rtype}


def test_every_subscription_paged_and_each_api_once(arm_estate, arm_env):
    with ArmServer(arm_estate, page_size=2) as arm:
        inv = _collect(arm)
        gets = [p for m, p in arm.requests]
    assert set(inv.meta.targets[0].scopes) == {SUB_A, SUB_B, SUB_C}
    assert sorted(_by_type(inv, "azure.storage.account")) == [f"stdata{i}" for i in range(5)]
    account = _by_type(inv, "azure.storage.account")["stdata0"]
    assert account.scope == SUB_A and account.region == "westeurope"
    assert account.data["properties"]["supportsHttpsTrafficOnly"] is True
    assert account.data["blobService"]["properties"]["isVersioningEnabled"] is True
    assert account.data["managementPolicy"] is None  # 404 on a never-configured policy = none
    assert account.tags == {"owner": "team-data"}
    site = _by_type(inv, "azure.web.site")["app-portal"]
    assert site.scope == SUB_B and site.data["config"]["properties"]["ftpsState"] == "Disabled"
    # five accounts at two per page: the list of subscription A took three pages
    assert sum(1 for p in gets if p.endswith(f"{SUB_A}/resources")) == 3
    repeats = {p: n for p, n in Counter(gets).items() if n > 1}
    assert repeats == {
        "/subscriptions": 2,
        f"/subscriptions/{SUB_A}/resources": 3,  # pages
        f"/subscriptions/{SUB_A}/providers/Microsoft.Security/pricings": 2,
    }
    assert inv.errors == ()
    assert all(("POST", p) not in arm.requests for p in gets)


def test_only_the_types_the_rules_need(arm_estate, arm_env, all_rules):
    rules = [r for r in all_rules.values() if r.id.startswith("azure.storage.")]
    assert rules
    with ArmServer(arm_estate) as arm:
        inv = _collect(arm, rules=rules)
        paths = [p.lower() for _, p in arm.requests]
    assert {r.type for r in inv.resources} <= {
        t for r in rules for t in (*r.resource_types, *r.needs)
    }
    assert not any("microsoft.web" in p or "microsoft.keyvault" in p for p in paths)


def test_forbidden_type_gives_error_results_and_the_scan_finishes(arm_estate, arm_env, all_rules):
    rules = [
        r for r in all_rules.values() if r.id.startswith(("azure.keyvault.", "azure.storage."))
    ]
    with ArmServer(arm_estate, forbidden={"/providers/microsoft.keyvault/"}) as arm:
        inv = _collect(arm, rules=rules)
    vault = _by_type(inv, "azure.keyvault.vault")["kv-prod"]
    assert "AuthorizationFailed" in vault.errors["properties"]
    doc = api.assess(inv, rules)
    kv = [r for r in doc["results"] if r["rule_id"].startswith("azure.keyvault.")]
    assert kv and all(r["status"] == "ERROR" for r in kv)
    assert any("AuthorizationFailed" in r["message"] for r in kv)
    st = [r for r in doc["results"] if r["rule_id"].startswith("azure.storage.")]
    assert {r["status"] for r in st} >= {"PASS", "FAIL"}


def test_unregistered_provider_is_a_collection_error(arm_estate, arm_env, all_rules):
    rules = [r for r in all_rules.values() if "azure.security.pricing" in r.resource_types]
    assert rules
    with ArmServer(arm_estate, unregistered={f"{SUB_B}/providers/microsoft.security"}) as arm:
        inv = _collect(arm, rules=rules)
    errs = [e for e in inv.errors if e.resource_type == "azure.security.pricing"]
    assert [(e.scope, e.code) for e in errs] == [(SUB_B, "NotFound")]
    assert "SubscriptionNotRegistered" in errs[0].reason
    doc = api.assess(inv, rules)
    b = [r for r in doc["results"] if r["scope"] == SUB_B]
    assert b and all(r["status"] == "ERROR" for r in b)
    assert any(r["status"] == "PASS" for r in doc["results"] if r["scope"] == SUB_A)


def test_throttling_is_retried_after_retry_after(arm_estate, arm_env):
    site_config = "microsoft.web/sites/app-portal/config/web"
    with ArmServer(arm_estate, throttle={site_config: 2}, retry_after=1) as arm:
        inv = _collect(arm)
        tries = [p for _, p in arm.requests if p.lower().endswith(site_config)]
    site = _by_type(inv, "azure.web.site")["app-portal"]
    assert len(tries) == 3 and not site.errors
    assert site.data["config"]["properties"]["minTlsVersion"] == "1.2"


def test_persistent_throttling_is_a_throttled_error(arm_estate, arm_env):
    with ArmServer(
        arm_estate, throttle={f"{SUB_C}/providers/microsoft.security/pricings": -1}, retry_after=0
    ) as arm:
        inv = _collect(arm, retries=1)
    errs = [e for e in inv.errors if e.scope == SUB_C]
    assert [(e.resource_type, e.code) for e in errs] == [("azure.security.pricing", "Throttled")]
    assert "429" in errs[0].reason


def test_listing_denied_marks_every_listed_type(arm_estate, arm_env):
    with ArmServer(arm_estate, forbidden={f"/subscriptions/{SUB_B}/resources"}) as arm:
        inv = _collect(arm)
    listed = {e.resource_type for e in inv.errors if e.scope == SUB_B}
    assert {"azure.web.site", "azure.storage.account", "azure.keyvault.vault"} <= listed
    assert {e.code for e in inv.errors} == {"AccessDenied"}
    assert _by_type(inv, "azure.storage.account")  # subscription A still collected


def test_token_and_secret_values_never_recorded(arm_estate, arm_env, caplog, tmp_path, all_rules):
    caplog.set_level(logging.DEBUG)
    with ArmServer(arm_estate) as arm:
        inv = _collect(arm)
    path = tmp_path / "inv.json"
    api.save_inventory(path, inv)
    doc = api.assess(inv, [r for r in all_rules.values() if r.provider == "azure"])
    text = path.read_text() + json.dumps(doc) + caplog.text
    assert arm_env not in text
    assert "hunter2" not in text
    vault = _by_type(inv, "azure.keyvault.vault")["kv-prod"]
    assert vault.data["secrets"][0]["properties"]["attributes"]["exp"] == 1900000000


def test_wrong_token_is_access_denied(arm_estate, arm_env, monkeypatch):
    monkeypatch.setenv("AZURE_ACCESS_TOKEN", "not-the-token")
    with ArmServer(arm_estate) as arm:
        inv = _collect(arm)
    assert inv.resources == ()
    assert [(e.resource_type, e.code) for e in inv.errors] == [("*", "AccessDenied")]


def test_tls_is_verified(arm_estate, arm_env):
    with ArmServer(arm_estate) as arm:
        inv = api.collect("azure", {"arm_endpoint": arm.url, "retries": 0})
    assert inv.resources == ()
    assert inv.errors[0].resource_type == "*" and "CERTIFICATE" in inv.errors[0].reason.upper()


def test_subscription_filter(arm_estate, arm_env):
    with ArmServer(arm_estate) as arm:
        inv = _collect(arm, subscriptions=[f"{SUB_B},00000000-dead-4bee-8f00-000000000000"])
    assert {r.scope for r in inv.resources} == {SUB_B}
    assert [(e.scope, e.code) for e in inv.errors] == [
        ("00000000-dead-4bee-8f00-000000000000", "NotFound")
    ]


def test_shards_split_subscriptions(arm_estate, arm_env):
    scopes = []
    with ArmServer(arm_estate) as arm:
        for i in range(2):
            inv = _collect(arm, shard=Shard(i, 2))
            scopes.append({r.scope for r in inv.resources})
            assert inv.meta.shard == f"{i}/2"
    assert scopes[0] | scopes[1] == {SUB_A, SUB_B, SUB_C}
    assert not scopes[0] & scopes[1]
    for i, s in enumerate(scopes):
        assert all(Shard(i, 2).owns(x) for x in s)


def test_permissions_name_reader_and_the_actions(all_rules):
    col = api.collectors()["azure"]
    rules = [r for r in all_rules.values() if r.provider == "azure"]
    out = col.permissions(set(api.needed_types(rules)))
    assert out["role"] == "Reader" and out["dataActions"] == []
    assert "Microsoft.Storage/storageAccounts/blobServices/read" in out["actions"]
    assert all(a.endswith(("/read", "/Read")) for a in out["actions"])


@pytest.mark.slow
def test_cli_collect(arm_estate, arm_env, tmp_path):
    import subprocess
    import sys

    with ArmServer(arm_estate) as arm:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "bio2scan",
                "collect",
                "azure",
                "--arm-endpoint",
                arm.url,
                "--ca-bundle",
                arm.ca_file,
                "--subscriptions",
                SUB_A,
                "-o",
                str(tmp_path / "inv.json"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "inv.json").read_text())
    assert {r["scope"] for r in doc["resources"]} == {SUB_A}
    assert arm_env not in (tmp_path / "inv.json").read_text() + proc.stdout + proc.stderr


def test_timeouts_are_recorded(arm_estate, arm_env):
    slow = {
        f"{SUB_C}/providers/microsoft.security/pricings": 2.5,
        "microsoft.web/sites/app-portal/config/web": 2.5,
    }
    with ArmServer(arm_estate, delay=slow) as arm:
        inv = _collect(arm, retries=0, timeout=1)
    assert [(e.resource_type, e.code) for e in inv.errors if e.scope == SUB_C] == [
        ("azure.security.pricing", "Timeout")
    ]
    site = _by_type(inv, "azure.web.site")["app-portal"]
    assert "timed out" in site.errors["config"]
    assert site.data["properties"]["httpsOnly"] is True


@pytest.mark.slow
def test_cli_scan_incomplete_exit_code(arm_estate, arm_env, tmp_path):
    import subprocess
    import sys

    with ArmServer(arm_estate, forbidden={f"/subscriptions/{SUB_B}/resources"}) as arm:
        base = [
            sys.executable,
            "-m",
            "bio2scan",
            "scan",
            "azure",
            "--arm-endpoint",
            arm.url,
            "--ca-bundle",
            arm.ca_file,
            "--rules",
            "azure.storage.*",
            "--fail-on",
            "none",
            "--format",
            "json",
            "-o",
            str(tmp_path),
        ]
        strict = subprocess.run(base, capture_output=True, text=True, timeout=120)
        allowed = subprocess.run(
            base + ["--allow-incomplete"], capture_output=True, text=True, timeout=120
        )
    assert strict.returncode == 3, strict.stderr  # incomplete: 3 by default
    assert allowed.returncode == 0, allowed.stderr  # subscription A was read: a gap, not blind
    doc = api.load_results(tmp_path / "results.json")
    errs = [r for r in doc["results"] if r["status"] == "ERROR"]
    assert any(r["scope"] == SUB_B and "AuthorizationFailed" in r["message"] for r in errs)
    # in subscription A only the accounts without a blob service document are incomplete
    assert all("blobServices/default" in r["message"] for r in errs if r["scope"] == SUB_A)
