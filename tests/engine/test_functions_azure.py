"""The Azure rule functions, directly (rule cases cover them through the engine too)."""

from __future__ import annotations

import datetime as _dt

import pytest

from bio2scan.engine.conditions import compile_condition
from bio2scan.engine.env import Env, Index
from bio2scan.engine.functions import azure as az
from bio2scan.engine.functions import azure_exposure as azx
from bio2scan.model import CollectionError, Inventory, Resource, ScanMeta

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


def _env(subject: Resource, *related: Resource, errors=()) -> Env:
    inv = Inventory(ScanMeta("t", "t", "t"), (subject, *related), tuple(errors))
    env = Env(Index(inv), NOW)
    env.enter(subject)
    return env


def _res(rtype: str, rid: str, data: dict, scope: str = "s1") -> Resource:
    return Resource(type=rtype, id=rid, name=rid.rsplit("/", 1)[-1], scope=scope, data=data)


@pytest.mark.parametrize(
    "policy,guideline,level",
    [
        (
            {"policyType": "Predefined", "policyName": "AppGwSslPolicy20220101S"},
            "2025",
            "voldoende",
        ),
        (
            {"policyType": "Predefined", "policyName": "AppGwSslPolicy20220101"},
            "2025",
            "uitfaseren",
        ),
        ({"policyType": "Predefined", "policyName": "AppGwSslPolicy20220101"}, "2021", "voldoende"),
        (
            {"policyType": "Predefined", "policyName": "AppGwSslPolicy20170401S"},
            "2025",
            "onvoldoende",
        ),
        (None, "2025", "onvoldoende"),
        ({"policyType": "CustomV2", "minProtocolVersion": "TLSv1_3"}, "2025", "voldoende"),
        (
            {
                "policyType": "Custom",
                "minProtocolVersion": "TLSv1_2",
                "cipherSuites": ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"],
            },
            "2025",
            "voldoende",
        ),
    ],
)
def test_appgw_rating(policy, guideline, level):
    assert az.appgw_rating(policy, guideline)[0] == level


def test_appgw_unknown_or_unrateable_policy_raises():
    with pytest.raises(ValueError):
        az.appgw_rating({"policyType": "Predefined", "policyName": "AppGwSslPolicy1999"})
    with pytest.raises(ValueError):
        az.appgw_rating({"policyType": "Custom", "minProtocolVersion": "TLSv1_2"})


def test_tls_version_lists():
    assert az.azure_tls_versions_at_least("TLSv1.2,TLSv1.3")
    assert not az.azure_tls_versions_at_least("TLSv1.1, TLSv1.2")
    assert not az.azure_tls_versions_at_least("")
    assert not az.azure_tls_versions_at_least(None)


def _rule(**p):
    base = {
        "access": "Allow",
        "direction": "Inbound",
        "sourceAddressPrefix": "*",
        "destinationPortRange": "22",
    }
    base.update(p)
    return {"name": "r", "properties": base}


@pytest.mark.parametrize(
    "rule,ports,hit",
    [
        (_rule(), [22], True),
        (_rule(destinationPortRange="1000-2000"), [22, 1433], True),
        (_rule(destinationPortRange=None, destinationPortRanges=["80", "443"]), [22], False),
        (_rule(sourceAddressPrefix="10.0.0.0/8"), [22], False),
        (
            _rule(sourceAddressPrefix=None, sourceAddressPrefixes=["10.0.0.0/8", "0.0.0.0/0"]),
            [22],
            True,
        ),
        (_rule(access="Deny"), [22], False),
        (_rule(direction="Outbound"), [22], False),
        (_rule(destinationPortRange="*"), [], True),
        (_rule(destinationPortRange="0-65535"), [], True),
        (_rule(destinationPortRange="22"), [], False),
    ],
)
def test_nsg_rule_exposes(rule, ports, hit):
    ok, ev = azx.azure_nsg_rule_exposes(rule, None, ports)
    assert ok is hit and ev


def test_tag_in_is_case_insensitive_and_star_matches_any():
    obj = {"tags": {"Classification": "Vertrouwelijk"}}
    assert az.azure_tag_in(obj, None, "classification", ["vertrouwelijk"])[0]
    assert az.azure_tag_in(obj, None, "classification", ["*"])[0]
    assert not az.azure_tag_in(obj, None, "owner", ["*"])[0]
    assert not az.azure_tag_in({}, None, "classification", ["*"])[0]


def test_flow_logged_matches_ids_case_insensitively():
    vnet = _res("azure.network.virtual_network", "/subscriptions/s1/resourceGroups/rg/x/vnet", {})
    on = _res(
        "azure.network.flow_log",
        "fl",
        {
            "properties": {
                "enabled": True,
                "targetResourceId": "/SUBSCRIPTIONS/s1/resourcegroups/RG/x/VNET",
            }
        },
    )
    assert az.azure_flow_logged(vnet.data, _env(vnet, on))[0]
    assert not az.azure_flow_logged(vnet.data, _env(vnet))[0]
    other_scope = _res("azure.network.flow_log", "fl", on.data, scope="s2")
    assert not az.azure_flow_logged(vnet.data, _env(vnet, other_scope))[0]


def test_locked_by_subscription_resource_group_or_resource():
    rid = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Sql/servers/sql1"
    res = _res("azure.sql.server", rid, {})
    for scope, level, ok in (
        ("/subscriptions/s1", "CanNotDelete", True),
        ("/subscriptions/s1/resourceGroups/RG", "ReadOnly", True),
        (rid, "CanNotDelete", True),
        ("/subscriptions/s1/resourceGroups/rg2", "CanNotDelete", False),
        (
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Sql/servers/sql10",
            "CanNotDelete",
            False,
        ),
    ):
        lock = _res(
            "azure.authorization.lock",
            f"{scope}/providers/Microsoft.Authorization/locks/l",
            {"properties": {"level": level}},
        )
        assert az.azure_locked({}, _env(res, lock), ["CanNotDelete", "ReadOnly"])[0] is ok, scope


def test_owner_count_errors_when_assignments_unreadable():
    sub = _res("azure.resources.subscription", "/subscriptions/s1", {"subscriptionId": "s1"})
    err = CollectionError(
        "azure", "azure.authorization.role_assignment", "s1", "HTTP 403", "AccessDenied"
    )
    node = compile_condition({"call": "azure_owner_count", "args": {"max": 3}}, {})
    truth, ev = node(sub.data, "", _env(sub, errors=[err]))
    assert truth is None and "role_assignment not collected" in ev[0].expected
    assert az.azure_owner_count(sub.data, _env(sub), min=0, max=3)[0]
    assert not az.azure_owner_count(sub.data, _env(sub), min=1)[0]


def test_activity_log_retention_paths():
    log = _res(
        "azure.insights.activity_log",
        "al",
        {
            "logProfiles": [],
            "diagnosticSettings": [
                {
                    "properties": {
                        "workspaceId": "WS",
                        "logs": [{"category": "Administrative", "enabled": True}],
                    }
                }
            ],
        },
    )
    ws = _res(
        "azure.operationalinsights.workspace",
        "ws",
        {"properties": {"retentionInDays": 730}, "activityTable": None},
        scope="s2",
    )
    assert not az.azure_activity_log_retained(log.data, _env(log, ws), days=1096)[0]
    assert az.azure_activity_log_retained(log.data, _env(log, ws), days=730)[0]
    off = _res(
        "azure.insights.activity_log",
        "al",
        {
            "diagnosticSettings": [
                {
                    "properties": {
                        "workspaceId": "ws",
                        "logs": [{"category": "Administrative", "enabled": False}],
                    }
                }
            ]
        },
    )
    assert not az.azure_activity_log_retained(off.data, _env(off, ws), days=1)[0]
