"""The ARM template expression language, evaluated without Azure: functions give data, a symbol
of something fixed at deployment, or unknown (deferred or unresolved) — never a guess."""

from __future__ import annotations

import pytest

from bio2scan.collectors.arm.expressions import ExpressionError, is_expression, parse
from bio2scan.collectors.arm.parts import Scope
from bio2scan.collectors.arm.template import Template
from bio2scan.collectors.template_values import DEFERRED, UNRESOLVED, Sym, Unknown

DOC = {
    "parameters": {
        "env": {"type": "string", "defaultValue": "prod"},
        "count": {"type": "int", "defaultValue": 3},
        "names": {"type": "array", "defaultValue": ["a", "b"]},
        "cfg": {"type": "object", "defaultValue": {"Tier": "gold", "size": 2}},
        "noDefault": {"type": "string"},
        "secret": {"type": "securestring", "defaultValue": "Welkom01!"},
        "derived": {"type": "string", "defaultValue": "[concat(parameters('env'), '-x')]"},
    },
    "variables": {
        "prefix": "[concat('st', parameters('env'))]",
        "loop": "[variables('loop')]",
        "copy": [{"name": "disks", "count": 2, "input": {"lun": "[copyIndex('disks')]"}}],
    },
    "resources": [],
}


def ev(expr: str, **scope):
    t = Template(DOC, {}, "t.json", Scope(**scope), {}, lambda a, b: ({}, {}, ""))
    return t.ev.value(expr)


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("[parameters('env')]", "prod"),
        ("[parameters('ENV')]", "prod"),  # names are case-insensitive
        ("[parameters('derived')]", "prod-x"),
        ("[variables('prefix')]", "stprod"),
        ("[variables('disks')]", [{"lun": 0}, {"lun": 1}]),
        ("[concat('a', 'b', 1)]", "ab1"),
        ("[concat(parameters('names'), createArray('c'))]", ["a", "b", "c"]),
        ("[format('{0}-{1}-{0}', 'a', 2)]", "a-2-a"),
        ("[format('{{literal}} {0:D}', 5)]", "{literal} 5"),
        ("[toLower('AbC')]", "abc"),
        ("[toUpper('abc')]", "ABC"),
        ("[if(equals(parameters('env'), 'prod'), 'big', 'small')]", "big"),
        ("[if(true(), 'a', parameters('noDefault'))]", "a"),  # the other branch is not evaluated
        ("[not(equals(1, 2))]", True),
        ("[and(true(), false())]", False),
        ("[or(false(), true())]", True),
        ("[greater(parameters('count'), 2)]", True),
        ("[lessOrEquals(2, 2)]", True),
        ("[length(parameters('names'))]", 2),
        ("[empty('')]", True),
        ("[contains(parameters('cfg'), 'tier')]", True),
        ("[parameters('cfg').Tier]", "gold"),
        ("[parameters('cfg')['size']]", 2),
        ("[parameters('names')[1]]", "b"),
        ("[first(parameters('names'))]", "a"),
        ("[last(parameters('names'))]", "b"),
        ("[take(parameters('names'), 1)]", ["a"]),
        ("[skip(parameters('names'), 1)]", ["b"]),
        ("[range(1, 3)]", [1, 2, 3]),
        ("[union(createObject('a', 1), createObject('b', 2))]", {"a": 1, "b": 2}),
        ("[intersection(createArray(1, 2), createArray(2, 3))]", [2]),
        ("[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]),
        ("[replace('a-b', '-', '_')]", "a_b"),
        ("[substring('abcdef', 1, 3)]", "bcd"),
        ("[startsWith('Hello', 'he')]", True),
        ("[indexOf('abc', 'c')]", 2),
        ("[padLeft('7', 3, '0')]", "007"),
        ("[string(createObject('a', 1))]", '{"a":1}'),
        ("[int('12')]", 12),
        ("[bool('true')]", True),
        ("[json('{\"a\": [1]}')]", {"a": [1]}),
        ("[base64('ab')]", "YWI="),
        ("[coalesce(null(), 'x')]", "x"),
        ("[add(2, mul(3, 4))]", 14),
        ("[min(createArray(3, 1, 2))]", 1),
        ("[max(3, 9)]", 9),
        (
            "[items(createObject('b', 2, 'a', 1))]",
            [{"key": "a", "value": 1}, {"key": "b", "value": 2}],
        ),
        ("[tryGet(parameters('cfg'), 'missing')]", None),
        ("[join(parameters('names'), '+')]", "a+b"),
        ("[[notAnExpression]", "[notAnExpression]"),
        ("plain text", "plain text"),
        ("[uri('https://x.nl/a/main.json', 'nested/n.json')]", "https://x.nl/a/nested/n.json"),
    ],
)
def test_functions(expr, expected):
    assert ev(expr) == expected


def test_scope_functions_are_symbols_unless_given():
    rg = ev("[resourceGroup().location]")
    assert isinstance(rg, Sym)
    assert ev("[resourceGroup().location]", location="westeurope") == "westeurope"
    sub = ev("[subscription().subscriptionId]", subscription="s1")
    assert sub == "s1" and not isinstance(sub, Sym)


def test_resource_ids():
    scope = {"subscription": "s1", "resource_group": "rg1"}
    assert ev("[resourceId('Microsoft.Storage/storageAccounts', 'st1')]", **scope) == (
        "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/st1"
    )
    assert ev("[resourceId('rg2', 'Microsoft.Sql/servers/databases', 'srv', 'db')]", **scope) == (
        "/subscriptions/s1/resourceGroups/rg2/providers/Microsoft.Sql/servers/srv/databases/db"
    )
    assert ev("[resourceId('s2', 'rg2', 'Microsoft.Web/sites', 'app')]", **scope).startswith(
        "/subscriptions/s2/resourceGroups/rg2/"
    )
    assert ev(
        "[subscriptionResourceId('Microsoft.Security/pricings', 'VirtualMachines')]", **scope
    ) == ("/subscriptions/s1/providers/Microsoft.Security/pricings/VirtualMachines")
    assert ev("[tenantResourceId('Microsoft.Management/managementGroups', 'mg')]") == (
        "/providers/Microsoft.Management/managementGroups/mg"
    )
    ext = ev("[extensionResourceId('/x/y', 'Microsoft.Authorization/locks', 'l')]")
    assert ext == "/x/y/providers/Microsoft.Authorization/locks/l"
    unknown_sub = ev("[resourceId('Microsoft.Web/sites', 'app')]")
    assert isinstance(unknown_sub, Sym) and unknown_sub.endswith("/Microsoft.Web/sites/app")


def test_deployment_facts_are_symbols_or_deferred():
    u1, u2 = ev("[uniqueString(resourceGroup().id)]"), ev("[uniqueString(resourceGroup().id)]")
    assert isinstance(u1, Sym) and u1 == u2 and "/" not in u1  # stable, and fit for a name
    assert ev("[uniqueString('a')]") != ev("[uniqueString('b')]")
    ref = ev("[reference('st1').primaryEndpoints.blob]")
    assert isinstance(ref, Unknown) and ref.kind == DEFERRED
    keys = ev(
        "[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st1'), '2023-01-01').keys[0].value]"
    )
    assert isinstance(keys, Sym)  # a secret: it exists, its value never becomes data
    assert isinstance(ev("[guid('a', 'b')]"), Sym)
    assert ev("[length(uniqueString('a'))]").kind == DEFERRED  # a symbol's content is unknown
    cond = ev("[if(equals(resourceGroup().location, 'westeurope'), 'a', 'b')]")
    assert isinstance(cond, Unknown) and cond.kind == DEFERRED


def test_secure_parameters_are_never_data():
    value = ev("[concat('pw=', parameters('secret'))]")
    assert isinstance(value, Sym) and "Welkom01!" not in value


@pytest.mark.parametrize(
    "expr, words",
    [
        ("[parameters('noDefault')]", "no default value"),
        ("[parameters('nope')]", "no such parameter"),
        ("[variables('nope')]", "no such variable"),
        ("[variables('loop')]", "refers to itself"),
        ("[copyIndex()]", "not inside a copy loop"),
        ("[madeUp(1)]", "not supported"),
        ("[filter(createArray(1), x => x)]", ""),
        ("[concat('a']", "expected"),
        ("[parameters('cfg').missing]", "no property"),
        ("[parameters('names')[5]]", "outside the array"),
        ("[int('x')]", "int"),
    ],
)
def test_what_cannot_be_resolved_is_unresolved(expr, words):
    value = ev(expr)
    assert isinstance(value, Unknown) and value.kind == UNRESOLVED, value
    assert words in value.reason


def test_parse_limits_and_detection():
    assert is_expression("[x()]") and not is_expression("[[x()]") and not is_expression("x")
    with pytest.raises(ExpressionError):
        parse("concat(" * 200 + ")" * 200)
    with pytest.raises(ExpressionError):
        parse("'a" + "b" * 30000 + "'")


def test_reference_members_that_are_identities_are_symbols():
    pid = ev(
        "[reference(resourceId('Microsoft.Web/sites', 'app'), '2023-12-01', 'Full').identity.principalId]"
    )
    assert isinstance(pid, Sym) and pid.endswith(".identity.principalId}")
    ws = ev("[reference('law').customerId]")
    assert isinstance(ws, Sym)
    ip = ev("[reference('pip').ipAddress]")
    assert isinstance(ip, Unknown) and ip.kind == DEFERRED
    key = ev("[listKeys('st', '2023-01-01').keys[0].value]")
    assert isinstance(key, Sym) and key == "${listKeys('st','2023-01-01').keys[0].value}"
    assert ev("[concat('x', reference('a').b)]").kind == DEFERRED
