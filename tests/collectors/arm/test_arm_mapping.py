"""The ARM mapping, slot by slot: every child the live azure collector reads for a tracked type
(``azure/kinds.py``) lands under its key when a template declares it — nested, or top level
with a parent name — and diagnostic settings land on every type that carries them; every
documented default applies only where the template is silent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bio2scan import api
from bio2scan.collectors.arm.shapes import CHILD_DEFAULTS, CHILD_SLOTS, PROPERTY_DEFAULTS
from bio2scan.collectors.azure.kinds import DIAGNOSTICS, KINDS

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _scan(tmp_path: Path, resources: list[dict[str, Any]]):
    doc = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": resources}
    (tmp_path / "t.json").write_text(json.dumps(doc))
    return api.collect(
        "arm", {"paths": [str(tmp_path / "t.json")], "subscription": "s", "resource_group": "rg"}
    )


def _parent_name(arm_type: str) -> str:
    return "/".join(["p"] * (arm_type.count("/")))


SLOTS = sorted(CHILD_SLOTS.items())


@pytest.mark.parametrize("child_type, slot", SLOTS, ids=[s[0] for s in SLOTS])
@pytest.mark.parametrize("nested", [True, False])
def test_every_child_lands_under_its_key(tmp_path, child_type, slot, nested):
    kind, child, fixed = slot
    short = child_type.rsplit("/", 1)[1]
    name = fixed or "one"
    props = (
        {"value": "on"} if child.flatten else {"marker": 1, **dict.fromkeys(child.drop, "secret")}
    )
    parent = {
        "type": kind.arm_type,
        "apiVersion": "1",
        "name": _parent_name(kind.arm_type),
        "location": "westeurope",
        "properties": {},
    }
    if nested:
        parent["resources"] = [
            {"type": short, "apiVersion": "1", "name": name, "properties": props}
        ]
        resources = [parent]
    else:
        resources = [
            parent,
            {
                "type": f"{kind.arm_type}/{short}",
                "apiVersion": "1",
                "name": f"{parent['name']}/{name}",
                "properties": props,
            },
        ]
    inv = _scan(tmp_path, resources)
    assert not inv.errors, [e.reason for e in inv.errors]
    (res,) = [r for r in inv.resources if r.type == kind.name]
    got = res.data[child.key]
    if child.flatten:
        assert got == {name: "on"}
    elif child.many:
        assert got[0]["name"] == name and got[0]["properties"]["marker"] == 1
        assert all(k not in got[0]["properties"] for k in child.drop)
    else:
        assert got["name"] == name and got["properties"]["marker"] == 1


DIAG_KINDS = [k for k in KINDS if DIAGNOSTICS in k.children]


@pytest.mark.parametrize("kind", DIAG_KINDS, ids=[k.name for k in DIAG_KINDS])
def test_diagnostic_settings_land_on_their_resource(tmp_path, kind):
    name = _parent_name(kind.arm_type)
    diag = {
        "type": "Microsoft.Insights/diagnosticSettings",
        "apiVersion": "2021-05-01-preview",
        "name": "d",
        "scope": f"[resourceId('{kind.arm_type}', {', '.join(repr(n) for n in name.split('/'))})]",
        "properties": {"logs": [{"categoryGroup": "allLogs", "enabled": True}]},
    }
    parent = {
        "type": kind.arm_type,
        "apiVersion": "1",
        "name": name,
        "location": "westeurope",
        "properties": {},
    }
    inv = _scan(tmp_path, [parent, diag])
    (res,) = [r for r in inv.resources if r.type == kind.name]
    assert res.data["diagnosticSettings"][0]["name"] == "d" and not inv.errors


DEFAULTS = [(t, p, v) for t, d in PROPERTY_DEFAULTS.items() for p, v in d.items()]


@pytest.mark.parametrize("rtype, path, value", DEFAULTS, ids=[f"{d[0]}:{d[1]}" for d in DEFAULTS])
def test_property_defaults_only_where_the_template_is_silent(tmp_path, rtype, path, value):
    kind = next(k for k in KINDS if k.name == rtype)
    # a value of the default's type that differs from it
    set_to: Any = (
        (not value)
        if isinstance(value, bool)
        else value + 1
        if isinstance(value, int)
        else "set-by-template"
    )
    props: dict[str, Any] = {}
    d = props
    for part in path.split(".")[:-1]:
        d = d.setdefault(part, {})
    d[path.split(".")[-1]] = set_to
    for given, expected in (({}, value), (props, set_to)):
        res = _scan(
            tmp_path,
            [
                {
                    "type": kind.arm_type,
                    "apiVersion": "2023-05-01",
                    "name": "x",
                    "location": "w",
                    "properties": given,
                }
            ],
        ).resources[0]
        got: Any = res.data["properties"]
        for part in path.split("."):
            got = got[part]
        assert got == expected


CHILD_DEFAULT_CASES = sorted(CHILD_DEFAULTS.items())


@pytest.mark.parametrize(
    "key, default", CHILD_DEFAULT_CASES, ids=[f"{k[0]}:{k[1]}" for k, _ in CHILD_DEFAULT_CASES]
)
def test_child_defaults(tmp_path, key, default):
    rtype, child_key = key
    kind = next(k for k in KINDS if k.name == rtype)
    name = _parent_name(kind.arm_type)
    res = _scan(
        tmp_path,
        [
            {
                "type": kind.arm_type,
                "apiVersion": "1",
                "name": name,
                "location": "w",
                "properties": {},
            }
        ],
    ).resources[0]
    assert res.data[child_key]["properties"] == default["properties"]
    assert res.data[child_key]["id"].endswith(
        next(c.suffix for c in kind.children if c.key == child_key)
    )


def test_a_child_without_a_default_is_deferred(tmp_path):
    res = _scan(
        tmp_path,
        [
            {
                "type": "Microsoft.Web/sites",
                "apiVersion": "1",
                "name": "app",
                "location": "w",
                "properties": {},
            }
        ],
    ).resources[0]
    assert "config" in res.deferred and "config" not in res.data


def test_a_default_that_changed_with_the_api_version(tmp_path):
    def https(api: str) -> Any:
        res = _scan(
            tmp_path,
            [
                {
                    "type": "Microsoft.Storage/storageAccounts",
                    "apiVersion": api,
                    "name": "st",
                    "location": "w",
                    "properties": {},
                }
            ],
        )
        return res.resources[0].data["properties"]["supportsHttpsTrafficOnly"]

    assert (
        https("2018-07-01") is False and https("2019-04-01") is True and https("2023-05-01") is True
    )
