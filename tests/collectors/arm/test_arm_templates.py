"""ARM templates resolved as far as they can be before deployment — copy loops, conditions,
child, extension and nested-deployment resources, parameter files — with every resource at its
file and line, and bad input named and recorded while the rest is scanned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli

from bio2scan import api
from bio2scan.errors import InputError

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
SUB, RG = "11111111-aaaa-4aaa-8aaa-111111111111", "rg-t"


def template(resources: list[Any], **extra: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": resources, **extra}


def storage(name: Any, **props: Any) -> dict[str, Any]:
    return {
        "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": "2023-05-01",
        "name": name,
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "properties": props,
    }


def collect(tmp_path: Path, doc: dict[str, Any], name: str = "t.json", **opts: Any):
    (tmp_path / name).write_text(json.dumps(doc, indent=2))
    return api.collect(
        "arm", {"paths": [str(tmp_path / name)], "subscription": SUB, "resource_group": RG, **opts}
    )


def by_name(inv) -> dict[str, Any]:
    return {r.name: r for r in inv.resources}


def test_resource_copy_with_property_copy_and_lines(tmp_path):
    acct = storage(
        "[concat('st', copyIndex(1))]",
        networkAcls={
            "defaultAction": "Deny",
            "copy": [
                {
                    "name": "ipRules",
                    "count": 2,
                    "input": {"value": "[concat('10.0.0.', copyIndex('ipRules'))]"},
                }
            ],
        },
    )
    acct["copy"] = {"name": "accts", "count": 3}
    inv = collect(tmp_path, template([storage("first"), acct]))
    names = by_name(inv)
    assert set(names) == {"first", "st1", "st2", "st3"}
    assert names["st2"].data["properties"]["networkAcls"]["ipRules"] == [
        {"value": "10.0.0.0"},
        {"value": "10.0.0.1"},
    ]
    text = (tmp_path / "t.json").read_text().splitlines()
    line = names["st3"].source.line
    assert text[line - 1].strip() == "{" and '"copy"' in "\n".join(text[line : line + 30])
    assert names["first"].source.line < line


def test_a_copy_count_known_only_at_deployment(tmp_path):
    acct = storage("[concat('st', copyIndex())]")
    acct["copy"] = {"name": "accts", "count": "[length(reference('x').items)]"}
    inv = collect(tmp_path, template([acct]))
    (res,) = inv.resources
    assert "*" in res.deferred and "copies" in res.deferred["*"]


def test_conditions(tmp_path):
    off, on, later = storage("stoff"), storage("ston"), storage("stlater")
    off["condition"] = "[equals(parameters('env'), 'test')]"
    on["condition"] = "[equals(parameters('env'), 'prod')]"
    later["condition"] = "[equals(resourceGroup().location, 'westeurope')]"
    doc = template([off, on, later], parameters={"env": {"type": "string", "defaultValue": "prod"}})
    names = by_name(collect(tmp_path, doc))
    assert set(names) == {"ston", "stlater"}
    assert "condition" in names["stlater"].deferred["*"]
    names = by_name(collect(tmp_path, doc, location="westeurope"))
    assert not names["stlater"].deferred


def test_children_nested_and_top_level_land_under_their_parent(tmp_path):
    acct = storage("st1")
    acct["resources"] = [
        {
            "type": "blobServices",
            "apiVersion": "2023-05-01",
            "name": "default",
            "properties": {"isVersioningEnabled": True},
        }
    ]
    vault = {
        "type": "Microsoft.KeyVault/vaults",
        "apiVersion": "2023-07-01",
        "name": "kv1",
        "location": "westeurope",
        "properties": {"tenantId": "t", "sku": {"family": "A", "name": "standard"}},
    }
    secret = {
        "type": "Microsoft.KeyVault/vaults/secrets",
        "apiVersion": "2023-07-01",
        "name": "kv1/db",
        "properties": {"value": "hunter2-in-a-template", "attributes": {"enabled": True}},
    }
    old_diag = {  # the older form of an extension resource: …/providers/… in type and name
        "type": "Microsoft.KeyVault/vaults/providers/diagnosticSettings",
        "apiVersion": "2017-05-01-preview",
        "name": "kv1/Microsoft.Insights/audit",
        "properties": {"logs": [{"category": "AuditEvent", "enabled": True}]},
    }
    rule = {
        "type": "Microsoft.Network/networkSecurityGroups/securityRules",
        "apiVersion": "2023-11-01",
        "name": "nsg1/ssh",
        "properties": {
            "access": "Allow",
            "direction": "Inbound",
            "sourceAddressPrefix": "*",
            "destinationPortRange": "22",
            "protocol": "Tcp",
        },
    }
    nsg = {
        "type": "Microsoft.Network/networkSecurityGroups",
        "apiVersion": "2023-11-01",
        "name": "nsg1",
        "location": "westeurope",
        "properties": {},
    }
    inv = collect(tmp_path, template([acct, vault, secret, old_diag, nsg, rule]))
    names = by_name(inv)
    assert names["st1"].data["blobService"]["properties"]["isVersioningEnabled"] is True
    kv = names["kv1"].data
    assert kv["secrets"][0]["name"] == "db" and "value" not in kv["secrets"][0]["properties"]
    assert kv["diagnosticSettings"][0]["name"] == "audit"
    assert names["nsg1"].data["properties"]["securityRules"][0]["name"] == "ssh"
    assert "hunter2" not in json.dumps(inv.to_dict())
    assert not inv.errors


def test_defaults_for_what_the_template_leaves_out(tmp_path):
    inv = collect(tmp_path, template([storage("st1")]))
    data = inv.resources[0].data
    assert data["properties"]["supportsHttpsTrafficOnly"] is True
    assert data["blobService"]["properties"]["deleteRetentionPolicy"] == {"enabled": False}
    assert data["managementPolicy"] is None


def test_nested_deployments_inner_outer_and_linked(tmp_path):
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "more.json").write_text(
        json.dumps(
            template([storage("[parameters('n')]")], parameters={"n": {"type": "string"}}), indent=2
        )
    )
    inner = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "inner",
        "properties": {
            "mode": "Incremental",
            "expressionEvaluationOptions": {"scope": "inner"},
            "parameters": {"n": {"value": "[concat(variables('p'), 'inner')]"}},
            "template": template(
                [storage("[parameters('n')]")], parameters={"n": {"type": "string"}}
            ),
        },
    }
    outer = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "outer",
        "properties": {
            "mode": "Incremental",
            "template": template([storage("[concat(variables('p'), 'outer')]")]),
        },
    }
    linked = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "linked",
        "properties": {
            "mode": "Incremental",
            "templateLink": {"relativePath": "nested/more.json"},
            "parameters": {"n": {"value": "stlinked"}},
        },
    }
    missing = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "missing",
        "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.nl/t.json"}},
    }
    inv = collect(tmp_path, template([inner, outer, linked, missing], variables={"p": "st"}))
    names = by_name(inv)
    assert set(names) == {"stinner", "stouter", "stlinked"}
    assert names["stlinked"].source.file.endswith("nested/more.json")
    (err,) = inv.errors
    assert err.resource_type == "*" and err.code == "NotFound"
    assert "t.json:" in err.reason and "https://example.nl/t.json" in err.reason


def test_subscription_templates_and_subscription_records(tmp_path):
    doc = template(
        [
            {
                "type": "Microsoft.Security/pricings",
                "apiVersion": "2024-01-01",
                "name": "VirtualMachines",
                "properties": {"pricingTier": "Free"},
            },
            {
                "type": "Microsoft.Security/securityContacts",
                "apiVersion": "2020-01-01-preview",
                "name": "default",
                "properties": {"emails": "a@b.nl"},
            },
            {
                "type": "Microsoft.Insights/diagnosticSettings",
                "apiVersion": "2021-05-01-preview",
                "name": "activity",
                "properties": {"logs": []},
            },
        ]
    )
    doc["$schema"] = (
        "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
    )
    inv = collect(tmp_path, doc)
    types = {r.type: r for r in inv.resources}
    assert (
        types["azure.security.pricing"].id
        == f"/subscriptions/{SUB}/providers/Microsoft.Security/pricings/VirtualMachines"
    )
    assert types["azure.security.contacts"].data["contacts"][0]["properties"]["emails"] == "a@b.nl"
    assert types["azure.insights.activity_log"].data["diagnosticSettings"][0]["name"] == "activity"


def test_parameter_files(tmp_path):
    doc = template(
        [storage("[parameters('name')]", minimumTlsVersion="[parameters('tls')]")],
        parameters={
            "name": {"type": "string"},
            "tls": {"type": "string"},
            "pw": {"type": "securestring"},
        },
    )
    (tmp_path / "p.json").write_text(
        json.dumps(
            {
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
                "parameters": {
                    "name": {"value": "stfromfile"},
                    "tls": {"value": "TLS1_0"},
                    "pw": {"reference": {"keyVault": {"id": "/x"}, "secretName": "s"}},
                },
            }
        )
    )
    inv = collect(tmp_path, doc, parameters=[str(tmp_path / "p.json")], parameter=["tls=TLS1_2"])
    (res,) = inv.resources
    assert res.name == "stfromfile" and res.data["properties"]["minimumTlsVersion"] == "TLS1_2"
    (tmp_path / "bad.json").write_text('{"parameters": {"name": {"val": 1}}}')
    with pytest.raises(InputError) as e:
        collect(tmp_path, doc, parameters=[str(tmp_path / "bad.json")])
    assert "bad.json" in str(e.value) and "parameters.name" in str(e.value)


def test_cli_bad_input_is_named_and_the_rest_is_scanned(tmp_path):
    d = tmp_path / "arm"
    d.mkdir()
    (d / "good.json").write_text(json.dumps(template([storage("stgood")]), indent=2))
    (d / "broken.json").write_text('{\n  "$schema": "x",\n  "resources": [\n}\n')
    (d / "odd.json").write_text(
        json.dumps(
            template([{"type": "Microsoft.Made/up", "apiVersion": "1", "name": "x"}]), indent=2
        )
    )
    (d / "unresolved.json").write_text(
        json.dumps(
            template(
                [storage("stun", minimumTlsVersion="[parameters('tls')]")],
                parameters={"tls": {"type": "string"}},
            ),
            indent=2,
        )
    )
    (d / "good.parameters.json").write_text('{"parameters": {}}')  # not a template: skipped
    out = tmp_path / "out"
    p = run_cli(
        "scan",
        "arm",
        "arm",
        "--format",
        "json,sarif",
        "-o",
        str(out),
        "--fail-on",
        "none",
        cwd=tmp_path,
    )
    assert p.returncode == 3, p.stderr  # the broken file: incomplete, the rest still scanned
    doc = api.load_results(out / "results.json")
    reasons = [e["reason"] for e in doc["collection_errors"]]
    assert any(r.startswith("arm/broken.json:4: JSON syntax error") for r in reasons), reasons
    assert len(reasons) == 1
    from bio2scan.documents import load_inventory

    notes = [n.to_dict() for n in load_inventory(out / "inventory.json.gz").notices]
    assert {
        "code": "not-checked",
        "provider": "azure",
        "file": "arm/odd.json",
        "line": 5,
        "kind": "Microsoft.Made/up",
        "name": "x",
        "reason": "bio2scan has no mapping for this resource type",
    } in notes
    assert {n["file"] for n in notes if n["code"] == "skipped"} == {"arm/good.parameters.json"}
    by = {(r["rule_id"], r["resource_name"]): r for r in doc["results"]}
    assert by[("azure.storage.minimum_tls", "stun")]["status"] == "ERROR"
    assert "parameters('tls')" in by[("azure.storage.minimum_tls", "stun")]["message"]
    assert by[("azure.storage.secure_transfer", "stgood")]["status"] == "PASS"
    sarif = json.loads((out / "results.sarif").read_text())
    regions = {
        loc["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1]: loc[
            "physicalLocation"
        ]["region"]["startLine"]
        for run in sarif["runs"]
        for res in run["results"]
        for loc in res.get("locations", [])
        if "physicalLocation" in loc
    }
    assert regions["good.json"] == 5  # the line of the resource's opening brace
    p = run_cli("scan", "arm", "arm/none.json", "-o", "o2", cwd=tmp_path)
    assert p.returncode == 2 and b"none.json" in p.stderr and b"Traceback" not in p.stderr


def test_a_link_built_from_the_deployments_own_uri(tmp_path):
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "st.json").write_text(
        json.dumps(template([storage("stbyuri")]), indent=2)
    )
    link = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "byuri",
        "properties": {
            "mode": "Incremental",
            "templateLink": {
                "uri": "[uri(deployment().properties.templateLink.uri, 'nested/st.json')]"
            },
        },
    }
    inv = collect(tmp_path, template([link]))
    assert [r.name for r in inv.resources] == ["stbyuri"] and not inv.errors


def test_literal_secrets_never_reach_the_inventory(tmp_path):
    sql = {
        "type": "Microsoft.Sql/servers",
        "apiVersion": "2021-11-01",
        "name": "sql1",
        "location": "westeurope",
        "properties": {
            "administratorLogin": "dba",
            "administratorLoginPassword": "Welkom01!-literal",
        },
    }
    site = {
        "type": "Microsoft.Web/sites",
        "apiVersion": "2023-12-01",
        "name": "app1",
        "location": "westeurope",
        "properties": {
            "siteConfig": {
                "appSettings": [
                    {"name": "DB_PASSWORD", "value": "hunter2-literal"},
                    {
                        "name": "STORAGE",
                        "value": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0LWtleQ==",
                    },
                    {"name": "MODE", "value": "production"},
                ],
                "minTlsVersion": "1.2",
            }
        },
    }
    inv = collect(tmp_path, template([sql, site]))
    text = json.dumps(inv.to_dict())
    for secret in ("Welkom01!-literal", "hunter2-literal", "c2VjcmV0LWtleQ"):
        assert secret not in text
    assert "production" in text and "dba" in text  # the rest stays
    site_data = by_name(inv)["app1"].data
    assert site_data["config"]["properties"]["minTlsVersion"] == "1.2"
