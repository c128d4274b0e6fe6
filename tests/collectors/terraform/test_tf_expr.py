"""Expression evaluation as Terraform does it: operators, conditionals, for expressions, splats,
templates, indexing and ``try``/``can``. What is known only after apply stays unknown (never a
made-up value); what Terraform would refuse is an error naming the file; what this scanner
cannot work out (a variable without a value) is unresolved, and ``try`` does not hide it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfeval import ARN, error_of, ev

from bio2scan.collectors.terraform.values import JsonDoc, Unknown, Unresolved

MISSING = Unresolved("unresolved: var.x has no value (main.tf:1; give it with --var)")
OBJS = [{"id": "a", "port": 22, "tags": {"n": "x"}}, {"id": "b", "port": 443, "tags": {}}]

VALUES = {
    # arithmetic and comparison (numbers and strings that are numbers)
    "1 + 2 * 3": 7,
    "(1 + 2) * 3": 9,
    "7 / 2": 3.5,
    "8 / 2": 4,
    "7 % 3": 1,
    "-7 % 3": -1,  # the sign of the dividend, as Terraform (Go) computes a remainder
    "7 % -3": 1,
    "5.5 % 2": 1.5,
    '"3" + 4': 7,
    '"1.5" * 2': 3.0,
    "-(3)": -3,
    "!true": False,
    "2 > 1 && 1 >= 1": True,
    "1 < 1 || 1 <= 0": False,
    "false && nope": False,  # known false: the other side does not matter
    "true || nope": True,
    # equality: no conversion between types
    '1 == "1"': False,
    "1 == 1.0": True,
    '"true" == true': False,
    "null == null": True,
    "[1, 2] == [1, 2]": True,
    '{ a = 1 } != { a = "1" }': True,
    # conditionals
    'true ? "yes" : "no"': "yes",
    'false ? "yes" : "no"': "no",
    'length([]) > 0 ? "some" : "none"': "none",
    # for expressions (maps in key order, as Terraform iterates them)
    '[for s in ["a", "b"] : upper(s)]': ["A", "B"],
    '[for i, s in ["a", "b"] : "${i}${s}"]': ["0a", "1b"],
    '[for k, v in { b = 2, a = 1 } : "${k}=${v}"]': ["a=1", "b=2"],
    "{ for k, v in { b = 2, a = 1 } : v => k }": {"1": "a", "2": "b"},
    "[for n in [1, 2, 3, 4] : n * 10 if n % 2 == 0]": [20, 40],
    '{ for s in ["x", "y", "x"] : s => s... }': {"x": ["x", "x"], "y": ["y"]},
    "[for o in objs : o.port]": [22, 443],
    # splats
    "objs[*].id": ["a", "b"],
    "objs.*.port": [22, 443],
    "objs[*].tags": [{"n": "x"}, {}],
    "null[*]": [],
    "one_obj[*].id": ["c"],
    # indexing
    '["a", "b"][1]': "b",
    '["a", "b"]["1"]': "b",
    '{ a = { b = "c" } }["a"].b': "c",
    '{ "1" = "one" }[1]': "one",
    # templates
    '"a-${"b"}-${1 + 1}-${true}-${1.5}"': "a-b-2-true-1.5",
    '"${["x"]}"': ["x"],  # a lone interpolation is the value itself, as in Terraform
    '"$${not} %%{not}"': "${not} %{not}",
    # try and can: Terraform's own errors are caught
    'try(objs[5].id, "fallback")': "fallback",
    'try({ a = 1 }.b, "fallback")': "fallback",
    'try(tonumber("x"), 0)': 0,
    'try("a${null}", "fallback")': "fallback",
    'try("${null}", "fallback")': None,  # a lone interpolation is the value: null, no error
    "try(1, 2)": 1,
    "can(objs[0].id)": True,
    "can(objs[9].id)": False,
    "can(regex_missing_function == 1) ? 1 : 1": 1,
}

NAMES = {"objs": OBJS, "one_obj": {"id": "c"}, "regex_missing_function": 1}


@pytest.mark.parametrize(("text", "expected"), list(VALUES.items()), ids=list(VALUES))
def test_value(text, expected):
    got = ev(text, **NAMES)
    assert got == expected and type(got) is type(expected), f"{text} → {got!r}"


# Terraform refuses these: an error (which try() catches), naming the file
ERRORS = {
    '1 + "a"': "+ needs numbers",
    "true + 1": "+ needs numbers",
    "1 / 0": "division by zero",
    "1 % 0": "modulo by zero",
    '!"x"': "! needs a bool",
    '-"x"': "- needs a number",
    "1 && true": "&& needs bools",
    '"x" ? 1 : 2': "condition is not a bool",
    "null ? 1 : 2": "condition is not a bool",
    '"a-${null}"': "cannot put a null value into a string",
    '"a-${[1]}"': "cannot put a list into a string",
    '"a-${{ b = 1 }}"': "cannot put a object into a string",
    '["a"][1]': "index 1 out of range (1 elements)",
    '["a"][-1]': "index -1 out of range",
    '["a"]["x"]': "list index 'x' is not a whole number",
    '{ a = 1 }["b"]': "no element 'b'",
    "{ a = 1 }[[1]]": "map key must be a string",
    '"abc"[0]': "cannot index a string",
    "{ a = 1 }.b": "no attribute 'b'",
    '"abc".length': ".length of a string",
    "null.a": ".a of a null value",
    "{ a = 1, a = 2 }": "duplicate object key 'a'",
    '{ (["k"]) = 1 }': "object key must be a string",
    '[for s in "abc" : s]': "for expression over a string",
    '{ for s in ["a", "a"] : s => 1 }': "duplicate key 'a' in for expression",
    '{ for s in ["a"] : null => s }': "a for expression key must be a string, not a null value",
    '{ for s in ["a"] : [s] => s }': "a for expression key must be a string, not a list",
    'upper(["a"]...)': None,  # fine: checked below as a value
}


@pytest.mark.parametrize(
    ("text", "message"),
    [(t, m) for t, m in ERRORS.items() if m],
    ids=[t for t, m in ERRORS.items() if m],
)
def test_terraform_errors_are_errors(text, message):
    err = error_of(text)
    assert err.reason == f"t.tf: {message}" or err.reason.startswith(f"t.tf: {message}"), err.reason
    assert err.error is True


def test_expanding_arguments():
    assert ev('upper(["a"]...)') == "A"
    err = error_of('upper("a"...)')
    assert err.reason == "t.tf:1: ... needs a list" and err.error
    assert ev("max(k...)", k=ARN) is ARN


# an unknown operand (known only after apply) gives an unknown result, never a made-up value
UNKNOWNS = [
    "k + 1",
    "-k",
    "!k",
    'k == "x"',
    '[k] == ["x"]',  # equal only if k turns out to be "x"
    '{ a = k } != { a = "x" }',
    'k ? "yes" : "no"',
    "k && true",
    "true && k",
    '"${k}/*"',
    "[for s in k : s]",
    "{ for s in k : s => s }",
    '[for s in ["a", "b"] : s if s == k]',
    '{ for s in ["a"] : k => s }',
    "k[0]",
    "k.attr",
    "k[*].id",
    'try(k, "fallback")',
    "can(k)",
]


@pytest.mark.parametrize("text", UNKNOWNS)
def test_unknown_operand_gives_unknown(text):
    got = ev(text, k=ARN)
    assert isinstance(got, Unknown), f"{text} → {got!r}"


def test_unknown_values_keep_where_they_come_from():
    got = ev('"${k}/*"', k=ARN)
    assert (got.origin, got.ref, got.text) == (
        "aws_kms_key.k.arn",
        "aws_kms_key.k",
        "${aws_kms_key.k.arn}/*",
    )
    got = ev("k.attr", k=ARN)
    assert (got.origin, got.ref) == ("aws_kms_key.k.arn.attr", "aws_kms_key.k")
    # a collection with an unknown element keeps its known parts
    assert ev("[k, 1][1]", k=ARN) == 1
    assert ev("[for x in [k, 2] : x]", k=ARN) == [ARN, 2]
    assert ev("length([for x in [k, 2] : x])", k=ARN) == 2
    doc = ev("jsonencode({ r = k })", k=ARN)
    assert isinstance(doc, JsonDoc)
    err = error_of("jsonencode({ r = k }).r", k=ARN)
    assert err.reason == "t.tf: .r of a JSON string"


def test_unresolved_wins_over_unknown_and_spreads():
    for text in ("k + x", "x + k", '"${k}${x}"', "[for s in x : s]", "x ? 1 : 2", "x[0]", "x.a"):
        got = ev(text, k=ARN, x=MISSING)
        assert got is MISSING, text
    got = ev("[x, k] == [1, 2]", k=ARN, x=MISSING)
    assert isinstance(got, Unresolved) and "var.x" in got.reason


def test_try_does_not_make_up_a_value_for_what_the_scanner_cannot_work_out():
    # var.x has no value here, but Terraform would have one: its try() never falls back, so
    # the fallback is not the value — the result stays unresolved (ERROR), never PASS
    got = ev("try(x, true)", x=MISSING)
    assert got is MISSING
    got = ev("try(x.enabled, true)", x=MISSING)
    assert got is MISSING
    got = ev('can(x) ? "a" : "b"', x=MISSING)
    assert got is MISSING
    got = ev('try(regex("^a", "abc"), "none")')  # a function this evaluator does not run
    assert isinstance(got, Unresolved) and "regex() is not evaluated" in got.reason
    got = ev("try(undeclared.value, 1)")
    assert isinstance(got, Unresolved) and "undeclared" in got.reason
    # every argument failing is Terraform's error too
    err = error_of("try([][0], {}.a)")
    assert err.reason == "t.tf: no argument of try() could be evaluated" and err.error


def test_try_passes_a_partly_unknown_value_and_falls_back_past_an_error():
    got = ev('try([k, "x"], [])', k=ARN)
    assert got == [ARN, "x"]
    assert ev("try([][0], k)", k=ARN) is ARN


def test_template_directives_are_not_evaluated_but_said_so():
    got = ev('"%{ if true }yes%{ endif }"')
    assert isinstance(got, Unresolved) and "template directive" in got.reason
    assert got.error is False  # a limit of this scanner: try() must not fall back past it


def test_heredocs(tmp_path):
    got = ev('<<EOT\n{"Resource": "${k}/*"}\nEOT', k=ARN)
    assert isinstance(got, Unknown) and got.text == '{"Resource": "${aws_kms_key.k.arn}/*"}\n'
    assert ev("<<-EOT\n    a\n      b\n    EOT") == "a\n  b\n"


def test_deep_nesting_is_bounded():
    from bio2scan.collectors.terraform.expr import Scope, evaluate

    assert isinstance(ev("[" * 100 + "]" * 100), list)
    tree: tuple = ("L", 1)
    for _ in range(20_000):  # deeper than any parse gives (the parser stops at 256)
        tree = ("B", "+", tree, ("L", 1))
    got = evaluate(tree, Scope(lambda n, ln: None, "t.tf"))
    assert isinstance(got, Unresolved) and got.reason == "t.tf: expression nested too deeply"
