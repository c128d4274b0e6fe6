"""The edges of ARM templates: symbolic (languageVersion 2.0) and ``existing`` resources, typed
parameters on the command line, limits, the nested-deployment scope, children the live collector
does not read, and the functions' odd arguments — each resolved, named, or unresolved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bio2scan import api
from bio2scan.collectors.arm.parts import Scope
from bio2scan.collectors.arm.template import Template
from bio2scan.collectors.template_values import DEFERRED, UNRESOLVED, Sym, Unknown

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def collect(tmp_path: Path, resources: Any, **extra: Any):
    doc = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": resources}
    doc.update(extra.pop("doc", {}))
    (tmp_path / "t.json").write_text(json.dumps(doc, indent=1))
    return api.collect(
        "arm",
        {"paths": [str(tmp_path / "t.json")], "subscription": "s", "resource_group": "rg", **extra},
    )


def st(name: Any, **props: Any) -> dict[str, Any]:
    return {
        "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": "2023-05-01",
        "name": name,
        "location": "w",
        "properties": props,
    }


def test_symbolic_and_existing_resources(tmp_path):
    inv = collect(
        tmp_path,
        {"acct": st("stsym"), "old": {**st("stold"), "existing": True}},
        doc={"languageVersion": "2.0"},
    )
    assert [r.name for r in inv.resources] == ["stsym"]


def test_typed_parameters_on_the_command_line(tmp_path):
    params = {
        "n": {"type": "int"},
        "b": {"type": "bool"},
        "a": {"type": "array"},
        "o": {"type": "object"},
        "bad": {"type": "int", "defaultValue": 1},
        "pw": {"type": "securestring"},
    }
    res = st(
        "[concat('st', string(parameters('n')), string(parameters('b')), parameters('a')[1], parameters('o').k)]",
        minimumTlsVersion="[parameters('pw')]",
    )
    inv = collect(
        tmp_path,
        [res],
        doc={"parameters": params},
        parameter=["n=3", "b=true", 'a=["x","y"]', 'o={"k": "z"}'],
    )
    (r,) = inv.resources
    assert r.name == "st3Trueyz"
    assert "pw" in r.errors.get("properties.minimumTlsVersion", "")
    inv = collect(
        tmp_path,
        [st("[string(parameters('bad'))]")],
        doc={"parameters": params},
        parameter=["bad=x"],
    )
    assert "not a valid int" in inv.resources[0].errors["*"]


def test_limits_and_malformed_resources(tmp_path):
    big = st("[concat('st', copyIndex())]")
    big["copy"] = {"name": "c", "count": 801}
    nameless = {"type": "[parameters('nope')]", "apiVersion": "1", "name": "x"}
    wrong_name = st("a/b")
    inv = collect(
        tmp_path,
        [big, "not an object", nameless, wrong_name],
        doc={"parameters": {"t": {"type": "string", "defaultValue": "x"}}},
    )
    reasons = " | ".join(e.reason for e in inv.errors)
    assert "copy count 801 is more than ARM's limit of 800" in reasons
    assert "a resource must be an object" in reasons and "needs a literal type" in reasons
    (r,) = inv.resources
    assert "does not fit the type" in r.errors["*"]


def test_nested_deployment_to_another_resource_group_and_depth(tmp_path):
    dep = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "other",
        "resourceGroup": "rg-other",
        "properties": {
            "mode": "Incremental",
            "template": {
                "$schema": SCHEMA,
                "contentVersion": "1.0.0.0",
                "resources": [st("stother")],
            },
        },
    }
    (r,) = collect(tmp_path, [dep]).resources
    assert "/resourceGroups/rg-other/" in r.id
    inner: dict[str, Any] = {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": [st("stdeep")],
    }
    for i in range(10):
        inner = {
            "$schema": SCHEMA,
            "contentVersion": "1.0.0.0",
            "resources": [
                {
                    "type": "Microsoft.Resources/deployments",
                    "apiVersion": "1",
                    "name": f"d{i}",
                    "properties": {"template": inner},
                }
            ],
        }
    inv = collect(tmp_path, inner["resources"])
    assert any("deeper than 8 levels" in e.reason for e in inv.errors) and not inv.resources


def test_children_the_live_collector_does_not_read_and_parents_outside(tmp_path):
    acct = st("st1")
    acct["resources"] = [
        {"type": "blobServices", "apiVersion": "1", "name": "other", "properties": {}},
        {"type": "fileServices", "apiVersion": "1", "name": "default", "properties": {}},
    ]
    orphan = {
        "type": "Microsoft.Sql/servers/firewallRules",
        "apiVersion": "1",
        "name": "elsewhere/all",
        "properties": {},
    }
    rule = {
        "type": "Microsoft.Network/networkSecurityGroups/securityRules",
        "apiVersion": "1",
        "name": "nsgx/r",
        "properties": {},
    }
    diag = {
        "type": "Microsoft.Insights/diagnosticSettings",
        "apiVersion": "1",
        "name": "d",
        "scope": "Microsoft.Web/sites/elsewhere",
        "properties": {},
    }
    inv = collect(tmp_path, [acct, orphan, rule, diag])
    why = {n.name: n.reason for n in inv.notices}
    assert why["other"] == "only the 'default' blobService is read"
    assert why["default"] == "bio2scan has no mapping for this resource type"
    assert why["all"] == why["r"] == "its parent is not defined in this template"
    assert why["d"] == "the resource it extends is not defined in this template"


def test_site_config_child_and_inline_config_merge(tmp_path):
    site = {
        "type": "Microsoft.Web/sites",
        "apiVersion": "2023-12-01",
        "name": "app",
        "location": "w",
        "properties": {"siteConfig": {"minTlsVersion": "1.0", "ftpsState": "FtpsOnly"}},
        "resources": [
            {
                "type": "config",
                "apiVersion": "1",
                "name": "web",
                "properties": {"minTlsVersion": "1.2"},
            }
        ],
    }
    (r,) = collect(tmp_path, [site]).resources
    assert r.data["config"]["properties"] == {"minTlsVersion": "1.2", "ftpsState": "FtpsOnly"}


def test_an_explicit_file_that_is_not_a_template_and_bad_parameter_files(tmp_path):
    (tmp_path / "x.json").write_text('{"a": 1}')
    inv = api.collect("arm", {"paths": [str(tmp_path / "x.json")]})
    assert [e.reason.split(": ", 1)[1] for e in inv.errors] == [
        "not an ARM template (no $schema of a deployment template)"
    ]
    (tmp_path / "p.json").write_text('{"parameters": [1]}')
    (tmp_path / "q.json").write_text('{"parameters": ')
    from bio2scan.errors import InputError

    for f in ("p.json", "q.json"):
        with pytest.raises(InputError) as e:
            api.collect(
                "arm", {"paths": [str(tmp_path / "x.json")], "parameters": str(tmp_path / f)}
            )
        assert f in str(e.value)


def ev(expr: str) -> Any:
    doc = {
        "parameters": {"o": {"type": "object", "defaultValue": {"a": [1, {"b": 2}]}}},
        "resources": [],
    }
    return Template(
        doc,
        {},
        "t.json",
        Scope(subscription="s", resource_group="rg"),
        {},
        lambda a, b: ({}, {}, ""),
    ).ev.value(expr)


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("[concat('x', true())]", "xTrue"),
        ("[concat('x', createObject('a', 1))]", 'x{"a":1}'),
        ("[concat('x', null())]", "x"),
        ("[if(or(false(), equals(1, 1)), 'y', 'n')]", "y"),
        ("[not('true')]", False),
        ("[coalesce(null(), null())]", None),
        ("[contains('Hello', 'ELL')]", True),
        ("[contains(createArray(1, 2), 2)]", True),
        ("[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]),
        ("[intersection(createObject('a', 1, 'b', 2), createObject('a', 1, 'b', 3))]", {"a": 1}),
        ("[string(true())]", "True"),
        ("[bool(1)]", True),
        ("[tryGet(parameters('o'), 'a', 1, 'b')]", 2),
        ("[tryGet(parameters('o'), 'a', 9)]", None),
        ("[parameters('o')['A']]", [1, {"b": 2}]),
        ("[first(createArray())]", None),
        ("[lastIndexOf('abcabc', 'c')]", 5),
        ("[endsWith('abc', 'BC')]", True),
        ("[uriComponent('a b')]", "a%20b"),
        ("[uriComponentToString('a%20b')]", "a b"),
        ("[base64ToString('YWI=')]", "ab"),
        ("[sub(5, 2)]", 3),
        ("[div(7, 2)]", 3),
        ("[mod(7, 2)]", 1),
        ("[objectKeys(createObject('a', 1))]", ["a"]),
        ("[array('x')]", ["x"]),
        ("[environment().name]", "AzureCloud"),
        ("[tenant().tenantId]", "${tenantId}"),
    ],
)
def test_more_functions(expr, expected):
    assert ev(expr) == expected


@pytest.mark.parametrize(
    "expr, kind",
    [
        ("[concat('a', 1, 2) ]", None),
        ("[if(true())]", UNRESOLVED),
        ("[if('maybe', 1, 2)]", UNRESOLVED),
        ("[if(parameters('nope'), 1, 2)]", UNRESOLVED),
        ("[and(parameters('nope'), equals(resourceGroup().location, 'w'))]", UNRESOLVED),
        ("[or(equals(resourceGroup().location, 'w'), false())]", DEFERRED),
        ("[toLower(1, 2)]", UNRESOLVED),
        ("[length(1)]", UNRESOLVED),
        ("[createObject('a')]", UNRESOLVED),
        ("[bool('maybe')]", UNRESOLVED),
        ("[resourceId(parameters('nope'), 'Microsoft.Web/sites', 'a')]", UNRESOLVED),
        ("[resourceId('a', 'b')]", UNRESOLVED),
        ("[extensionResourceId('x', 'y')]", UNRESOLVED),
        ("[extensionResourceId(parameters('nope'), 'y', 'z')]", UNRESOLVED),
        ("[parameters(parameters('nope'))]", UNRESOLVED),
        ("[variables(1, 2)]", UNRESOLVED),
        ("[copyIndex(parameters('nope'))]", UNRESOLVED),
        ("[createArray(1)[resourceGroup().location]]", DEFERRED),
        ("[resourceGroup().location[0]]", DEFERRED),
        ("[createArray(1).x]", UNRESOLVED),
        ("[dateTimeAdd(utcNow(), 'P1D')]", DEFERRED),
        ("[map(createArray(1), x => x)]", UNRESOLVED),
        ("[uniqueString(parameters('nope'))]", UNRESOLVED),
        ("['a' 'b']", UNRESOLVED),
        ("[,]", UNRESOLVED),
    ],
)
def test_odd_arguments(expr, kind):
    value = ev(expr)
    if kind is None:
        assert value == "a12"
    else:
        assert isinstance(value, Unknown) and value.kind == kind, value


def test_keys_with_expressions_and_escapes():
    assert ev({"[concat('k', '1')]": "v", "plain": "[['x']"}) == {"k1": "v", "plain": "['x']"}
    assert isinstance(ev({"[parameters('nope')]": 1}), Unknown)
    assert isinstance(ev("[resourceGroup().id]"), str) and not isinstance(
        ev("[resourceGroup().id]"), Sym
    )


@pytest.mark.parametrize(
    "count, kind, words",
    [
        ("[subscription().displayName]", DEFERRED, "known at deployment"),  # a symbol
        ("three", UNRESOLVED, "is not a number"),
        ("[parameters('nope')]", UNRESOLVED, "nope"),
    ],
)
def test_a_copy_count_that_is_not_a_number_before_deployment(tmp_path, count, kind, words):
    """Looks like one resource: the loop may make any number of them. Every rule on it waits
    (deferred) or says ERROR (unresolved); none passes on the one copy that is shown."""
    loop = st("[concat('st', copyIndex())]")
    loop["copy"] = {"name": "c", "count": count}
    inv = collect(tmp_path, [loop])
    (res,) = inv.resources
    where = res.deferred if kind == DEFERRED else res.errors
    assert "*" in where and words in where["*"], (res.deferred, res.errors)


def test_a_name_that_cannot_be_resolved_keeps_the_resource_out_of_joins(tmp_path):
    """A child whose parent name is unresolved names the reason; the parent is not given a
    child it may not have."""
    child = {
        "type": "Microsoft.Storage/storageAccounts/blobServices",
        "apiVersion": "2023-05-01",
        "name": "[concat(parameters('nope'), '/default')]",
        "properties": {"deleteRetentionPolicy": {"enabled": True, "days": 7}},
    }
    inv = collect(tmp_path, [st("stjoin"), child])
    acct = next(r for r in inv.resources if r.name == "stjoin")
    assert acct.data["blobService"]["properties"]["deleteRetentionPolicy"] == {"enabled": False}
    (notice,) = inv.notices
    assert notice.reason.startswith("its parent cannot be named: unresolved: parameters('nope')")
    diag = {
        "type": "Microsoft.Insights/diagnosticSettings",
        "apiVersion": "2021-05-01-preview",
        "name": "d",
        "scope": "[parameters('nope')]",
        "properties": {"logs": [{"categoryGroup": "audit", "enabled": True}]},
    }
    inv = collect(tmp_path, [st("stjoin"), diag])
    (notice,) = inv.notices
    assert "nope" in notice.reason, notice.reason


def test_a_service_bus_minimum_tls_left_out_waits_for_deployment(tmp_path):
    """A template that leaves `minimumTlsVersion` out gets what Azure chooses at deployment —
    not a verdict on a value nobody stated; a stated old version still FAILs (the twin)."""
    rules = [api.load_rules()["azure.servicebus.minimum_tls"]]

    def verdict(props: dict[str, Any]) -> Any:
        ns = {
            "type": "Microsoft.ServiceBus/namespaces",
            "apiVersion": "2022-10-01-preview",
            "name": "bus",
            "location": "w",
            "sku": {"name": "Standard"},
            "properties": props,
        }
        inv = collect(tmp_path, [ns])
        (res,) = api.assess(inv, rules, verbose_results=True)["results"]
        return res

    later = verdict({})
    assert later["status"] == "NOT_APPLICABLE"
    assert "known only after deployment" in later["message"]
    assert verdict({"minimumTlsVersion": "1.0"})["status"] == "FAIL"
    assert verdict({"minimumTlsVersion": "1.2"})["status"] == "PASS"
