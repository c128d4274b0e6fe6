"""The Entra collector's client defences, through the real azure-core pipeline against the Graph
and ARM stubs: where the token may go (never to another host, by nextLink or redirect),
Retry-After, and every kind of refusal or broken answer turned into a collection error that
names what was missing — 401 (the token), 403 (a permission), a licence — never a PASS."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from graph_fixture import ALICE, BOB, GROUP, SUB, TENANT, WS, arm_estate, graph_estate
from helpers import by_type, collect, servers
from stubs.arm import ArmServer
from stubs.graph import GraphServer

from bio2scan import api

AUTHZ = "azure.entra.authorization_policy"
GRAPH_TYPES_ONE = ["azure.entra.guest_invite_restricted"]  # reads authorizationPolicy only


def _rules(all_rules, *ids):
    return [all_rules[i] for i in ids]


@contextmanager
def _with_foreign(tmp_path: Path, **graph_opts):
    """The tenant's stubs plus a foreign server on another port (another host for the client),
    trusted by the same CA bundle, that records what reached it."""
    with GraphServer(
        graph_estate(), token="foreign-token", cert_name="foreign.localhost"
    ) as foreign:
        opts = {k: (v(foreign.url) if callable(v) else v) for k, v in graph_opts.items()}
        with GraphServer(graph_estate(), **opts) as g, ArmServer(arm_estate()) as a:
            bundle = tmp_path / "bundle.pem"
            bundle.write_bytes(
                b"".join(Path(x).read_bytes() for x in (g.ca_file, a.ca_file, foreign.ca_file))
            )
            yield g, a, foreign, str(bundle)


def test_a_next_link_to_another_host_is_not_followed(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, "azure.entra.ca_exclusions_break_glass_only")
    with _with_foreign(
        tmp_path, page_size=2, next_base=lambda url: {"/conditionalaccess/policies": url}
    ) as (g, a, foreign, bundle):
        inv = collect(g, a, bundle, rules=rules)
    assert foreign.requests == [] and foreign.auth_seen == []  # not a byte went there
    (err,) = [e for e in inv.errors if e.resource_type == "azure.entra.conditional_access_policy"]
    assert err.code == "Error"
    assert err.reason.startswith("GET /identity/conditionalAccess/policies: @odata.nextLink leads")
    assert "another host (127.0.0.1:" in err.reason
    # the first page is not taken for the whole collection: nothing of it, and every rule ERROR
    assert not by_type(inv, "azure.entra.conditional_access_policy")
    res = api.assess(inv, rules)["results"]
    assert {r["status"] for r in res} == {"ERROR"}


def test_a_redirect_to_another_host_is_not_followed(tokens, tmp_path, all_rules):
    with _with_foreign(tmp_path, redirects=lambda url: {"/policies/authorizationpolicy": url}) as (
        g,
        a,
        foreign,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=_rules(all_rules, *GRAPH_TYPES_ONE))
    assert foreign.requests == [] and foreign.auth_seen == []  # not even a token-less request
    (err,) = inv.errors
    assert (err.resource_type, err.code) == (AUTHZ, "Error")
    assert "not sent: https://127.0.0.1:" in err.reason and "not the endpoint's host" in err.reason


def test_retry_after_is_waited_for(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, *GRAPH_TYPES_ONE)
    with servers(
        graph_estate(), arm_estate(), tmp_path, throttle={"/authorizationpolicy": 1}, retry_after=1
    ) as (g, a, bundle):
        t0 = time.monotonic()
        inv = collect(g, a, bundle, rules=rules)
        elapsed = time.monotonic() - t0
        tries = [p for _, p, _ in g.requests]
    assert inv.errors == () and by_type(inv, AUTHZ)
    assert tries == ["/v1.0/policies/authorizationPolicy"] * 2
    assert elapsed >= 1.0  # Retry-After: 1 was honoured, not retried at once


def _err(text: str, code: str) -> str:
    import json

    return json.dumps({"error": {"code": code, "message": text, "innerError": {}}})


FAULTS = [
    # (status, body, headers) → (code, words in the reason)
    (
        (
            401,
            _err("Lifetime validation failed, the token is expired.", "InvalidAuthenticationToken"),
            {},
        ),
        (
            "AccessDenied",
            "GET /policies/authorizationPolicy: the token was refused (expired, or not issued for "
            "this endpoint) (HTTP 401 InvalidAuthenticationToken: Lifetime validation failed",
        ),
    ),
    (
        (
            403,
            _err(
                "Insufficient privileges to complete the operation.", "Authorization_RequestDenied"
            ),
            {},
        ),
        (
            "AccessDenied",
            "GET /policies/authorizationPolicy: the identity lacks the Graph application permission "
            "Policy.Read.All (HTTP 403 Authorization_RequestDenied",
        ),
    ),
    (
        (403, _err("This request requires a premium license for the tenant.", "Forbidden"), {}),
        (
            "Unsupported",
            "the tenant lacks the licence Microsoft Entra ID P1/P2 (HTTP 403 Forbidden",
        ),
    ),
    (
        (404, _err("Resource not found.", "Request_ResourceNotFound"), {}),
        ("NotFound", "GET /policies/authorizationPolicy: HTTP 404 Request_ResourceNotFound"),
    ),
    ((500, "<html>gateway exploded</html>", {"Content-Type": "text/html"}), ("Error", "HTTP 500")),
    (
        (504, _err("upstream timed out", "GatewayTimeout"), {}),
        ("Timeout", "HTTP 504 GatewayTimeout"),
    ),
    ((408, "", {}), ("Timeout", "HTTP 408")),
    ((400, _err("Invalid filter clause", "BadRequest"), {}), ("Error", "HTTP 400 BadRequest")),
    ((200, "[1, 2]", {}), ("Error", "the answer is not a JSON object")),
    (
        (200, "certainly not json", {"Content-Type": "text/plain"}),
        ("Error", "the answer is not JSON"),
    ),
    ((200, '{"value": ' + "[" * 100_000, {}), ("Error", "the answer is not JSON")),  # too deep
]


@pytest.mark.parametrize(
    ("fault", "expected"), FAULTS, ids=[str(f[0][0]) + ":" + f[1][0] for f in FAULTS]
)
def test_every_refusal_or_broken_answer_is_an_error_naming_what(
    tokens, tmp_path, all_rules, fault, expected
):
    rules = _rules(all_rules, *GRAPH_TYPES_ONE)
    with servers(
        graph_estate(), arm_estate(), tmp_path, faults={"/policies/authorizationpolicy": fault}
    ) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules, retries=0)
    (err,) = inv.errors
    code, words = expected
    assert (err.resource_type, err.code, err.scope) == (AUTHZ, code, TENANT)
    assert words in err.reason, err.reason
    assert err.api == "GET /policies/authorizationPolicy"
    res = api.assess(inv, rules)["results"]
    assert [r["status"] for r in res] == ["ERROR"]


def test_a_slow_answer_times_out(tokens, tmp_path, all_rules):
    with servers(graph_estate(), arm_estate(), tmp_path, delay={"/authorizationpolicy": 3}) as (
        g,
        a,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=_rules(all_rules, *GRAPH_TYPES_ONE), retries=0, timeout=1)
    (err,) = inv.errors
    assert err.code == "Timeout" and err.reason.startswith(
        "GET /policies/authorizationPolicy: timed out"
    )


def test_nobody_listening_is_an_error(tokens, tmp_path, all_rules):
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing answers there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    inv = api.collect(  # default retries: a refused connection is not retried
        "entra",
        {"tenant": TENANT, "graph_endpoint": f"https://127.0.0.1:{port}"},
        rules=_rules(all_rules, *GRAPH_TYPES_ONE),
    )
    (err,) = inv.errors
    assert err.code == "Refused" and f"connection refused (127.0.0.1:{port})" in err.reason
    assert time.monotonic() - t0 < 3


def test_the_tenant_is_found_when_not_given(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, *GRAPH_TYPES_ONE)
    with servers(graph_estate(), arm_estate(), tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules, tenant=None)
        first = g.requests[0]
    assert first == ("GET", "/v1.0/organization", "$select=id")
    assert {r.scope for r in inv.resources} == {TENANT}
    with servers(graph_estate(), arm_estate(), tmp_path, forbidden={"/organization"}) as (
        g,
        a,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=rules, tenant=None)
    assert inv.resources == ()
    (err,) = inv.errors
    assert (err.resource_type, err.scope, err.code) == (AUTHZ, "*", "AccessDenied")
    assert "Organization.Read.All" in err.reason


def test_another_shards_tenant_is_not_read(tokens, tmp_path, all_rules):
    from bio2scan.collectors.base import Shard

    rules = _rules(all_rules, *GRAPH_TYPES_ONE)
    other = next(Shard(i, 2) for i in range(2) if not Shard(i, 2).owns(TENANT))
    with servers(graph_estate(), arm_estate(), tmp_path) as (g, _a, bundle):
        inv = api.collect(
            "entra",
            {"tenant": TENANT, "graph_endpoint": g.url, "ca_bundle": bundle},
            rules=rules,
            shard=str(other),
        )
        asked = list(g.requests)
    assert asked == [] and inv.resources == () and inv.errors == ()


def test_a_malformed_answer_is_an_error_not_a_crash(tokens, tmp_path, all_rules):
    estate = graph_estate()
    estate["/roleManagement/directory/roleDefinitions"] = [{"displayName": "no id"}]
    rules = _rules(all_rules, "azure.entra.global_admin_count", "azure.entra.admin_not_guest")
    with servers(estate, arm_estate(), tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    assert sorted((e.resource_type, e.code) for e in inv.errors) == [
        ("azure.entra.directory_role", "Error"),
        ("azure.entra.privileged_user", "Error"),
    ]
    assert all(e.reason == "KeyError: 'id'" for e in inv.errors)


ROLES = ("azure.entra.global_admin_count", "azure.entra.admin_mfa_registered")


def test_role_reads_refused_at_each_step(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, *ROLES)
    # the role definitions themselves: nothing about roles or their holders
    with servers(graph_estate(), arm_estate(), tmp_path, forbidden={"/roledefinitions"}) as (
        g,
        a,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=rules)
    assert sorted(e.resource_type for e in inv.errors) == [
        "azure.entra.directory_role",
        "azure.entra.privileged_user",
    ]
    assert all("RoleManagement.Read.Directory" in e.reason for e in inv.errors)
    # PIM refused for a missing permission (not a licence): the direct assignments are read,
    # but the picture is incomplete — no PASS on it
    with servers(
        graph_estate(),
        arm_estate(),
        tmp_path,
        forbidden={"/roleassignmentscheduleinstances"},
    ) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
        asked = {p for _, p, _ in g.requests}
    assert "/v1.0/roleManagement/directory/roleAssignments" in asked
    role = by_type(inv, "azure.entra.directory_role")["62e90394-69f5-4237-9190-012177145e10"]
    assert "RoleAssignmentSchedule.Read.Directory" in role.errors["members"]
    assert role.data["pim"]["available"] is False
    (err,) = inv.errors
    assert err.resource_type == "azure.entra.privileged_user"
    assert err.reason.startswith(
        "role holders incomplete: GET /roleManagement/directory/roleAssignmentScheduleInstances"
    )
    # and when the fallback is refused too: errors, nothing made up
    with servers(
        graph_estate(),
        arm_estate(),
        tmp_path,
        forbidden={"/roleassignmentscheduleinstances", "/roleassignments"},
    ) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    assert sorted((e.resource_type, e.api) for e in inv.errors) == [
        ("azure.entra.directory_role", "GET /roleManagement/directory/roleAssignments"),
        ("azure.entra.privileged_user", "GET /roleManagement/directory/roleAssignments"),
    ]
    assert not by_type(inv, "azure.entra.directory_role")


def test_group_members_refused_make_the_roles_they_hold_incomplete(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, *ROLES)
    with servers(graph_estate(), arm_estate(), tmp_path, forbidden={f"/groups/{GROUP}/"}) as (
        g,
        a,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=rules)
    incomplete = [r for r in by_type(inv, "azure.entra.directory_role").values() if r.errors]
    assert incomplete and all("GroupMember.Read.All" in r.errors["members"] for r in incomplete)
    assert [e.resource_type for e in inv.errors] == ["azure.entra.privileged_user"]
    assert "GroupMember.Read.All" in inv.errors[0].reason


def test_per_user_reads_refused_are_errors_on_that_user(tokens, tmp_path, all_rules):
    estate = graph_estate()
    estate[f"/users/{BOB}"] = {**estate[f"/users/{BOB}"], "accountEnabled": False}
    del estate[f"/reports/authenticationMethods/userRegistrationDetails/{BOB}"]
    del estate[f"/reports/authenticationMethods/userRegistrationDetails/{ALICE}"]
    rules = _rules(
        all_rules, "azure.entra.admin_mfa_registered", "azure.entra.admin_recent_sign_in"
    )
    with servers(estate, arm_estate(), tmp_path, unlicensed={"/users/": "P1"}) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    users = by_type(inv, "azure.entra.privileged_user")
    alice, bob = users[ALICE], users[BOB]
    # the user object itself refused: every rule on that user ERROR
    assert alice.errors["*"].startswith("GET /users/{id}: the tenant lacks the licence")
    assert bob.errors["*"].startswith("GET /users/{id}: the tenant lacks the licence")
    # the account could not be read, so a missing report cannot be put down to a disabled
    # account: an error too
    assert bob.errors["registration"].startswith("GET /reports/authenticationMethods/")
    assert alice.errors["registration"].startswith(
        "GET /reports/authenticationMethods/userRegistrationDetails/{id}: HTTP 404"
    )
    res = {(r["rule_id"], r["resource_id"]): r["status"] for r in api.assess(inv, rules)["results"]}
    assert res[("azure.entra.admin_mfa_registered", ALICE)] == "ERROR"
    assert res[("azure.entra.admin_recent_sign_in", ALICE)] == "ERROR"


def test_registration_report_missing_for_a_disabled_account_is_no_error(
    tokens, tmp_path, all_rules
):
    estate = graph_estate()
    estate[f"/users/{BOB}"] = {**estate[f"/users/{BOB}"], "accountEnabled": False}
    del estate[f"/reports/authenticationMethods/userRegistrationDetails/{BOB}"]
    rules = _rules(all_rules, "azure.entra.admin_mfa_registered")
    with servers(estate, arm_estate(), tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    bob = by_type(inv, "azure.entra.privileged_user")[BOB]
    assert bob.data["registration"] is None and "registration" not in bob.errors


def test_apps_and_service_principals_refused(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, "azure.entra.app_write_permission_owner")
    # the app registrations refused: each service principal says its app owners are unknown
    with servers(graph_estate(), arm_estate(), tmp_path, forbidden={"/applications"}) as (
        g,
        a,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=rules)
    sps = by_type(inv, "azure.entra.service_principal")
    assert sps and all(
        r.errors == {"applicationOwners": "app registrations could not be read"}
        for r in sps.values()
    )
    # one service principal refused: an error on that one
    with servers(graph_estate(), arm_estate(), tmp_path, forbidden={"/serviceprincipals/f7f7"}) as (
        g,
        a,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=rules)
    sp = next(iter(by_type(inv, "azure.entra.service_principal").values()))
    assert sp.errors["*"].startswith("GET /servicePrincipals/{id}: the identity lacks")
    # Microsoft Graph's own service principal not visible: the permissions cannot be read
    estate = graph_estate()
    estate["/servicePrincipals"] = []
    with servers(estate, arm_estate(), tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    (err,) = inv.errors
    assert (err.resource_type, err.code) == ("azure.entra.service_principal", "NotFound")
    assert "Microsoft Graph service principal is not visible" in err.reason
    # the tenant's licences refused after the organisation was read
    with servers(graph_estate(), arm_estate(), tmp_path, forbidden={"/subscribedskus"}) as (
        g,
        a,
        bundle,
    ):
        inv = collect(g, a, bundle, rules=_rules(all_rules, "azure.entra.ca_mfa_all_users"))
    assert [(e.resource_type, e.api) for e in inv.errors] == [
        ("azure.entra.tenant", "GET /subscribedSkus")
    ]


# --- the ARM side: diagnostic settings, their destinations, alert rules ------------------------
LOGS = ("azure.entra.logs_retained", "azure.entra.logs_exported")
ALERTS = ("azure.entra.alert_azure_role_changes", "azure.entra.alert_directory_role_changes")
SA_KEPT = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/kept"
SA_CUT = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/cut"
SA_GONE = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/gone"


def _storage_estate() -> dict:
    estate = arm_estate()
    estate["resources"] += [
        {"id": sid, "name": sid.rsplit("/", 1)[-1], "type": "Microsoft.Storage/storageAccounts"}
        for sid in (SA_KEPT, SA_CUT)
    ]
    diag = estate["paths"]["/providers/microsoft.aadiam/diagnosticSettings"]["value"]
    for sid in (SA_KEPT, SA_CUT, SA_GONE):
        diag.append(
            {
                "name": sid.rsplit("/", 1)[-1],
                "properties": {
                    "storageAccountId": sid,
                    "logs": [{"category": "AuditLogs", "enabled": True}],
                },
            }
        )
    estate["paths"][f"{SA_CUT}/managementPolicies/default"] = {
        "properties": {
            "policy": {
                "rules": [
                    {
                        "name": "old-off",
                        "enabled": False,
                        "definition": {
                            "actions": {
                                "baseBlob": {"delete": {"daysAfterModificationGreaterThan": 1}}
                            }
                        },
                    },
                    {
                        "name": "cut",
                        "type": "Lifecycle",
                        "definition": {
                            "actions": {
                                "baseBlob": {
                                    "delete": {"daysAfterCreationGreaterThan": 30},
                                    "tierToCool": {"daysAfterModificationGreaterThan": 5},
                                },
                                "version": {"delete": {"daysAfterCreationGreaterThan": 2}},
                            }
                        },
                    },
                ]
            }
        }
    }
    return estate


def test_log_destinations_and_their_retention(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, *LOGS)
    with servers(graph_estate(), _storage_estate(), tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    assert inv.errors == ()
    (diag,) = by_type(inv, "azure.entra.diagnostic_settings").values()
    dests = diag.data["destinations"]
    assert dests[SA_KEPT.lower()] == {"kind": "storage", "id": SA_KEPT, "deleteAfterDays": None}
    # deleted 30 days after creation: that counts (only 'after modification' did)
    assert dests[SA_CUT.lower()]["deleteAfterDays"] == 30
    # a setting that points at a storage account that is not there keeps nothing
    assert dests[SA_GONE.lower()] == {
        "kind": "storage",
        "id": SA_GONE,
        "error": "the storage account does not exist",
    }
    assert dests[WS.lower()]["tables"]["AuditLogs"] == {
        "retentionInDays": 90,
        "totalRetentionInDays": 400,
        "archiveRetentionInDays": None,
    }


def test_a_workspace_or_table_refused_is_a_destination_error(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, *LOGS)
    estate = arm_estate()
    del estate["paths"][f"{WS}/tables/SigninLogs"]
    with servers(graph_estate(), estate, tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    (diag,) = by_type(inv, "azure.entra.diagnostic_settings").values()
    assert diag.data["destinations"][WS.lower()]["tables"]["SigninLogs"] is None  # not yet there
    with _arm(tmp_path, arm_estate(), forbidden={"/tables/auditlogs"}) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    (diag,) = by_type(inv, "azure.entra.diagnostic_settings").values()
    err = diag.data["destinations"][WS.lower()]["error"]
    assert err.startswith(
        "GET {workspace}/tables/{SigninLogs,AuditLogs}: the identity lacks the ARM action"
    )
    res = {r["rule_id"]: r["status"] for r in api.assess(inv, rules)["results"]}
    assert res["azure.entra.logs_retained"] == "ERROR"


def _arm(tmp_path, estate, **arm_opts):
    @contextmanager
    def ctx():
        with GraphServer(graph_estate()) as g, ArmServer(estate, page_size=50, **arm_opts) as a:
            bundle = tmp_path / "bundle.pem"
            bundle.write_bytes(Path(g.ca_file).read_bytes() + Path(a.ca_file).read_bytes())
            yield g, a, str(bundle)

    return ctx()


def test_diagnostic_settings_refused(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, *LOGS, *ALERTS)
    with _arm(tmp_path, arm_estate(), forbidden={"microsoft.aadiam"}) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    assert sorted(e.resource_type for e in inv.errors) == [
        "azure.entra.diagnostic_settings",
        "azure.entra.role_change_alerts",
    ]
    assert all(
        "the identity lacks the ARM action microsoft.aadiam/diagnosticSettings/read" in e.reason
        for e in inv.errors
    )
    res = api.assess(inv, rules)["results"]
    assert {r["status"] for r in res} == {"ERROR"}


def test_alert_rule_reads_and_their_refusals(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, *ALERTS)
    estate = arm_estate()
    with _arm(tmp_path, estate, forbidden={"/scheduledqueryrules"}) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    (alerts,) = by_type(inv, "azure.entra.role_change_alerts").values()
    assert alerts.data["subscriptions"] == [{"subscriptionId": SUB, "displayName": "teststad-prod"}]
    assert alerts.data["auditLogWorkspaces"] == [WS]
    assert len(alerts.data["activityLogAlerts"]) == 1
    assert alerts.errors["scheduledQueryRules"].startswith(
        "GET /subscriptions/{id}/providers/Microsoft.Insights/scheduledQueryRules: the identity lacks"
    )
    # Sentinel not onboarded on the workspace (404): no rules, not an error; refused: an error
    assert alerts.data["sentinelRules"] == [] and "sentinelRules" not in alerts.errors
    with _arm(tmp_path, arm_estate(), forbidden={"securityinsights"}) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    (alerts,) = by_type(inv, "azure.entra.role_change_alerts").values()
    assert "Microsoft.SecurityInsights/alertRules/read" in alerts.errors["sentinelRules"]


def test_the_subscription_list_refused(tokens, tmp_path, all_rules):
    rules = _rules(all_rules, *ALERTS)
    estate = arm_estate()
    estate["subscriptions"][0]["tenantId"] = "another-tenant"  # not this tenant's: left out
    with _arm(tmp_path, estate) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    (alerts,) = by_type(inv, "azure.entra.role_change_alerts").values()
    assert alerts.data["subscriptions"] == [] and alerts.data["activityLogAlerts"] == []
    with _arm(tmp_path, arm_estate(), throttle={"/subscriptions": -1}) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules, retries=0)
    (err,) = inv.errors
    assert (err.resource_type, err.code, err.api) == (
        "azure.entra.role_change_alerts",
        "Throttled",
        "GET /subscriptions",
    )


@pytest.mark.parametrize(
    ("target", "status"),
    [
        (SA_CUT, "FAIL"),  # deleted 30 days after creation: it said PASS ("kept forever")
        (SA_GONE, "ERROR"),  # the account is not there: it said PASS
        (SA_KEPT, "PASS"),  # no lifecycle rule: kept
    ],
)
def test_log_retention_in_a_storage_account(tokens, tmp_path, all_rules, target, status):
    estate = _storage_estate()
    estate["paths"]["/providers/microsoft.aadiam/diagnosticSettings"]["value"] = [
        {
            "name": "only",
            "properties": {
                "storageAccountId": target,
                "logs": [
                    {"category": "SignInLogs", "enabled": True},
                    {"category": "AuditLogs", "enabled": True},
                ],
            },
        }
    ]
    rules = _rules(all_rules, "azure.entra.logs_retained")
    with servers(graph_estate(), estate, tmp_path) as (g, a, bundle):
        inv = collect(g, a, bundle, rules=rules)
    (res,) = api.assess(inv, rules)["results"]
    assert res["status"] == status, res["message"]
