"""Terraform's built-in functions as the evaluator implements them, against the results the
Terraform documentation gives (developer.hashicorp.com/terraform/language/functions), with edge
cases, wrong-type arguments (an error naming file, line and function — never a made-up value)
and unknown arguments (the result is unknown, known only after apply)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfeval import ARN, error_of, ev

from bio2scan.collectors.terraform.funcs import FUNCTIONS
from bio2scan.collectors.terraform.values import JsonDoc, Unknown, Unresolved

# (expression, the documented result)
DOCUMENTED = [
    # numbers
    ("abs(23)", 23),
    ("abs(0)", 0),
    ("abs(-12.4)", 12.4),
    ("ceil(5)", 5),
    ("ceil(5.1)", 6),
    ("floor(5)", 5),
    ("floor(4.9)", 4),
    ("max(12, 54, 3)", 54),
    ("max([12, 54, 3]...)", 54),
    ("min(12, 54, 3)", 3),
    ("min([12, 54, 3]...)", 3),
    ('parseint("100", 10)', 100),
    ('parseint("FF", 16)', 255),
    ('parseint("-10", 16)', -16),
    ('parseint("1011111011101111", 2)', 48879),
    ('parseint("aA", 62)', 656),
    ("signum(-13)", -1),
    ("signum(0)", 0),
    ("signum(344)", 1),
    # strings
    ('chomp("hello\\n")', "hello"),
    ('chomp("hello\\r\\n")', "hello"),
    ('chomp("hello\\n\\n")', "hello"),
    ('format("Hello, %s!", "Ander")', "Hello, Ander!"),
    ('format("There are %d lights", 4)', "There are 4 lights"),
    (
        'formatlist("Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"])',
        ["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"],
    ),
    (
        'formatlist("%s, %s!", "Salutations", ["Valentina", "Ander"])',
        ["Salutations, Valentina!", "Salutations, Ander!"],
    ),
    ('indent(2, "[\\n  foo,\\n  bar,\\n]\\n")', "[\n    foo,\n    bar,\n  ]\n  "),
    ('join("-", ["foo", "bar", "baz"])', "foo-bar-baz"),
    ('join(", ", ["foo", "bar", "baz"])', "foo, bar, baz"),
    ('join(", ", ["foo"])', "foo"),
    ('lower("HELLO")', "hello"),
    ('lower("АЛЛО!")', "алло!"),
    ('upper("hello")', "HELLO"),
    ('upper("алло!")', "АЛЛО!"),
    ('title("hello world")', "Hello World"),
    ('replace("1 + 2 + 3", "+", "-")', "1 - 2 - 3"),
    ('replace("hello world", "/w.*d/", "everybody")', "hello everybody"),
    ('split(",", "foo,bar,baz")', ["foo", "bar", "baz"]),
    ('split(",", "foo")', ["foo"]),
    ('split(",", "")', [""]),
    ('strrev("hello")', "olleh"),
    ('substr("hello world", 1, 4)', "ello"),
    ('substr("🤔🤷", 0, 1)', "🤔"),
    ('substr("hello world", -5, -1)', "world"),
    ('trim("?!hello?!", "!?")', "hello"),
    ('trim("foobar", "far")', "oob"),
    ('trim("   hello! world.!  ", "! ")', "hello! world."),
    ('trimprefix("helloworld", "hello")', "world"),
    ('trimprefix("helloworld", "cat")', "helloworld"),
    ('trimsuffix("helloworld", "world")', "hello"),
    ('trimspace("  hello\\n\\n")', "hello"),
    ('startswith("hello world", "hello")', True),
    ('startswith("hello world", "world")', False),
    ('endswith("hello world", "world")', True),
    ('endswith("hello world", "hello")', False),
    ('strcontains("hello world", "wor")', True),
    ('strcontains("hello world", "wod")', False),
    # collections
    ('alltrue(["true", true])', True),
    ("alltrue([true, false])", False),
    ("alltrue([])", True),
    ('anytrue(["true"])', True),
    ("anytrue([true, false])", True),
    ("anytrue([])", False),
    ('chunklist(["a", "b", "c", "d", "e"], 2)', [["a", "b"], ["c", "d"], ["e"]]),
    ('chunklist(["a", "b", "c", "d", "e"], 1)', [["a"], ["b"], ["c"], ["d"], ["e"]]),
    ('coalesce("a", "b")', "a"),
    ('coalesce("", "b")', "b"),
    ("coalesce(1, 2)", 1),
    ('coalesce(null, "x")', "x"),
    ('coalescelist(["a", "b"], ["c", "d"])', ["a", "b"]),
    ('coalescelist([], ["c", "d"])', ["c", "d"]),
    ('coalescelist([[], ["c", "d"]]...)', ["c", "d"]),
    ('compact(["a", "", "b", null, "c"])', ["a", "b", "c"]),
    ('concat(["a", ""], ["b", "c"])', ["a", "", "b", "c"]),
    ('contains(["a", "b", "c"], "a")', True),
    ('contains(["a", "b", "c"], "d")', False),
    ('distinct(["a", "b", "a", "c", "d", "b"])', ["a", "b", "c", "d"]),
    ('element(["a", "b", "c"], 1)', "b"),
    ('element(["a", "b", "c"], 3)', "a"),
    ('element(["a", "b", "c"], -1)', "c"),
    ('element(["a", "b", "c"], length(["a", "b", "c"]) - 1)', "c"),
    ('flatten([["a", "b"], [], ["c"]])', ["a", "b", "c"]),
    ('flatten([[["a", "b"], []], ["c"]])', ["a", "b", "c"]),
    ('index(["a", "b", "c"], "b")', 1),
    ('index(["one", "two", "two"], "two")', 1),
    ("keys({ a = 1, c = 2, d = 3 })", ["a", "c", "d"]),
    ("values({ a = 3, c = 2, d = 1 })", [3, 2, 1]),
    ("length([])", 0),
    ('length(["a", "b"])', 2),
    ('length({ "a" = "b" })', 1),
    ('length("hello")', 5),
    ('lookup({ a = "ay", b = "bee" }, "a", "what?")', "ay"),
    ('lookup({ a = "ay", b = "bee" }, "c", "what?")', "what?"),
    (
        'merge({ a = "b", c = "d" }, { e = "f", c = "z" })',
        {"a": "b", "c": "z", "e": "f"},
    ),
    (
        'merge({ a = "b" }, { a = [1, 2], c = "z" }, { d = 3 })',
        {"a": [1, 2], "c": "z", "d": 3},
    ),
    ("one([])", None),
    ('one(["hello"])', "hello"),
    ("range(3)", [0, 1, 2]),
    ("range(1, 4)", [1, 2, 3]),
    ("range(1, 8, 2)", [1, 3, 5, 7]),
    ("range(1, 4, 0.5)", [1, 1.5, 2, 2.5, 3, 3.5]),
    ("range(4, 1)", [4, 3, 2]),
    ("range(10, 5, -2)", [10, 8, 6]),
    ("reverse([1, 2, 3])", [3, 2, 1]),
    ('setintersection(["a", "b"], ["b", "c"], ["b", "d"])', ["b"]),
    ('setsubtract(["a", "b", "c"], ["a", "c"])', ["b"]),
    ('setunion(["a", "b"], ["b", "c"], ["d"])', ["a", "b", "c", "d"]),
    ('slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]),
    ('sort(["e", "d", "a", "x"])', ["a", "d", "e", "x"]),
    ("sum([10, 13, 6, 4.5])", 33.5),
    ('toset(["c", "b", "b"])', ["b", "c"]),
    ('tolist(["a", "b", "c"])', ["a", "b", "c"]),
    ('tomap({ "a" = 1, "b" = 2 })', {"a": 1, "b": 2}),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    # type conversions
    ('tostring("hello")', "hello"),
    ("tostring(1)", "1"),
    ("tostring(true)", "true"),
    ("tostring(null)", None),
    ("tonumber(1)", 1),
    ('tonumber("1")', 1),
    ('tonumber("-2.5e1")', -25.0),
    ("tonumber(null)", None),
    ("tobool(true)", True),
    ('tobool("true")', True),
    ("tobool(null)", None),
    # encoding and hashing
    ('jsonencode({ "hello" = "world" })', '{"hello":"world"}'),
    ('jsondecode("{\\"hello\\": \\"world\\"}")', {"hello": "world"}),
    ('jsondecode("true")', True),
    ('base64encode("Hello World")', "SGVsbG8gV29ybGQ="),
    ('base64decode("SGVsbG8gV29ybGQ=")', "Hello World"),
    ('md5("hello world")', "5eb63bbbe01eeed093cb22bb8f5acdc3"),
    ('sha1("hello world")', "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    (
        'sha256("hello world")',
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    ),
    (
        'sha512("hello world")',
        "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f"
        "989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f",
    ),
    # IP networks
    ('cidrhost("10.12.112.0/20", 16)', "10.12.112.16"),
    ('cidrhost("10.12.112.0/20", 268)', "10.12.113.12"),
    ('cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)', "fd00:fd12:3456:7890::22"),
    ('cidrhost("10.1.2.240/28", 1)', "10.1.2.241"),
    ('cidrhost("10.1.2.240/28", 14)', "10.1.2.254"),
    ('cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
    ('cidrsubnet("172.16.0.0/12", 4, 2)', "172.18.0.0/16"),
    ('cidrsubnet("10.1.2.0/24", 4, 15)', "10.1.2.240/28"),
    ('cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)', "fd00:fd12:3456:7800:a200::/72"),
    ('sensitive("x")', "x"),
    ('nonsensitive("x")', "x"),
]


@pytest.mark.parametrize(("text", "expected"), DOCUMENTED, ids=[t for t, _ in DOCUMENTED])
def test_documented_result(text, expected):
    got = ev(text)
    assert got == expected and type(got) is type(expected), f"{text} → {got!r}"


def test_every_implemented_function_is_checked_against_its_documentation():
    named = {t.split("(", 1)[0] for t, _ in DOCUMENTED} | {t.split("(", 1)[0] for t in EDGES}
    assert sorted(set(FUNCTIONS) - named) == []


# edge cases, with Terraform's result (from the documented rules for each function)
EDGES = {
    # range: start and step default, "until the result is equal to or beyond limit"
    "range(0)": [],
    "range(1, 4, -1)": [],
    "range(-3)": [0, -1, -2],
    # the remainder of the string after the offset; a negative offset counts from the end
    'substr("hello", 1, 100)': "ello",
    'substr("hello", -2, 1)': "l",
    # a set's elements in Terraform's order: strings lexically, numbers by value
    "toset([3, 1, 2, 1])": [1, 2, 3],
    'setunion(["b"], ["a"])': ["a", "b"],
    # jsonencode: minified, keys sorted, <>& escaped as Terraform does for 0.11 compatibility
    'jsonencode({ b = 1, a = [true, null, 1.5, "<&>"] })': '{"a":[true,null,1.5,"\\u003c\\u0026\\u003e"],"b":1}',
    'jsonencode("é")': '"é"',
    "jsonencode(10 / 2)": "5",
    # format verbs (Go's, as the format documentation lists them)
    'format("%5.2f|%-4d|%04d|%+d", 3.14159, 7, 42, 5)': " 3.14|7   |0042|+5",
    'format("%x %X %o %b %#x", 255, 255, 8, 5, 255)': "ff FF 10 101 0xff",
    'format("%04x", 10)': "000a",
    'format("%t %t", true, "false")': "true false",
    'format("%q", "a\\"b")': '"a\\"b"',
    'format("%v %v %v %v", "s", 1.5, true, null)': "s 1.5 true null",
    'format("%v", [1, "a"])': '[1,"a"]',
    'format("%#v", "a")': '"a"',
    'format("%v %g", 1234567, 100000)': "1.234567e+06 100000",
    'format("%e", 1234.5)': "1.234500e+03",
    'format("%[2]s %[1]s %s", "a", "b")': "b a b",
    'format("100%%")': "100%",
    'format("%.3s", "abcdef")': "abc",
    'formatlist("%s=%d", ["a", "b"], [1, 2])': ["a=1", "b=2"],
    'formatlist("%s", "x")': ["x"],
    "chunklist([1, 2, 3], 0)": [[1, 2, 3]],
    'title("hello wORLD o\'neil")': "Hello WORLD O'Neil",
    'split("", "ab")': ["a", "b"],
    'replace("a-b-c", "/(\\\\w)-/", "$1+")': "a+b+c",
    'lookup({ "1" = "one" }, 1)': "one",
    "merge()": {},
    "concat()": [],
    'distinct([1, 2, 1, "1"])': [1, 2, "1"],
    'contains(["1", 1], 1)': True,
    "contains([true], 1)": False,
    "index([1, true], true)": 1,
    'coalesce(null, "", "c")': "c",
    "one(null)": None,
    "tostring(1.5)": "1.5",
    'tonumber("12")': 12,
    'cidrsubnet("::/120", 4, 1)': "::10/124",
    'cidrhost("10.0.0.0/8", -1)': "10.255.255.255",
    'parseint("zz", 36)': 1295,
    'parseint("+7", 8)': 7,
    'indent(0, "a\\nb")': "a\nb",
    "element([1], 7)": 1,
    "keys({})": [],
}


@pytest.mark.parametrize(("text", "expected"), list(EDGES.items()), ids=list(EDGES))
def test_edge_case(text, expected):
    got = ev(text)
    assert got == expected and type(got) is type(expected), f"{text} → {got!r}"


# wrong arguments: Terraform reports an error; so must the evaluator, naming file, line and
# function, and marked as Terraform's own error (which try() and can() catch)
ERRORS = {
    'parseint("12", 2)': "cannot parse '12' as a base 2 integer",
    'parseint("0x1F", 16)': "cannot parse '0x1F' as a base 16 integer",
    'parseint("1_000", 10)': "cannot parse '1_000'",
    'parseint("1", 63)': "base must be between 2 and 62",
    'parseint("", 10)': "cannot parse ''",
    'tonumber("no")': "cannot convert 'no' to a number",
    'tonumber("1_000")': "cannot convert '1_000' to a number",
    'tonumber(" 12")': "cannot convert ' 12' to a number",
    'tonumber("inf")': "cannot convert 'inf' to a number",
    "tonumber(true)": "expected a number, got a bool",
    'tobool("no")': "cannot convert 'no' to bool",
    "tobool(1)": "cannot convert 1 to bool",
    "tostring([])": "cannot convert a collection to a string",
    'one(["hello", "goodbye"])': "either zero or one elements",
    'abs("x")': "cannot convert 'x' to a number",
    "max()": "empty",
    "sum([])": "cannot sum an empty list",
    'sum(["a"])': "cannot convert 'a' to a number",
    'slice(["a", "b"], 0, 5)': "outside the list of 2 elements",
    'slice(["a", "b"], 2, 1)': "outside the list",
    'slice(["a", "b"], -1, 1)': "outside the list",
    "element([], 0)": "empty list",
    'element(["a"], 1.5)': "1.5 is not a whole number",
    'index(["a"], "b")': "item not found",
    "chunklist([1], -1)": "must not be negative",
    'coalesce(null, "")': "no non-null, non-empty argument",
    "coalescelist([], [])": "no non-empty list argument",
    'zipmap(["a", "b"], [1])': "zip()",
    "length(5)": "cannot take the length of int",
    "length(null)": "cannot take the length of null",
    'lookup({ a = 1 }, "b")': "no key 'b'",
    'lookup("x", "a")': "expected a map or object, got str",
    'merge({ a = 1 }, "x")': "expected a map or object, got str",
    'concat(["a"], "b")': "expected a list, got str",
    'keys(["a"])': "expected a map or object, got a list",
    "alltrue([1])": "expected a bool, got 1",
    "range(0, 2000)": "more than 1024 numbers in a range",
    "range(1, 2, 0)": "step must not be zero",
    "range()": "one to three arguments",
    'format("%d", 1.5)': "1.5 is not a whole number",
    'format("%s", ["a"])': "cannot format a list with %s",
    'format("%s", null)': "null value cannot be formatted with %s",
    'format("%t", "yes")': "expected a bool, got 'yes'",
    'format("%s %s", "a")': "not enough arguments for format",
    'format("%y", 1)': "unsupported format verb %y",
    'format("50%")': "bad format verb",
    'format("%9999d", 1)': "format width too large",
    'formatlist("%s %s", ["a", "b"], ["c"])': "same length",
    'indent(-1, "a")': "must not be negative",
    'substr("abc", 5, 1)': "offset is greater than the length",
    'join(",", ["a", null])': "a null value where a string is required",
    'join(",", [["a"]])': "expected a string, got a list",
    'base64decode("a$$$")': "base64decode()",
    'base64decode("/w==")': "base64decode()",  # byte 0xff: not UTF-8
    'jsondecode("{")': "jsondecode()",
    'cidrnetmask("fd00::/8")': "only IPv4 prefixes have a netmask",
    'cidrsubnet("10.0.0.0/30", 4, 0)': "insufficient address space",
    'cidrsubnet("10.0.0.0/16", 4, 16)': "netnum out of range",
    'cidrhost("10.0.0.0/30", 4)': "host number out of range",
    'cidrhost("010.0.0.0/8", 1)': "cidrhost()",
    'cidrhost("nonsense", 1)': "cidrhost()",
    'replace("a", "/(/", "b")': "invalid regular expression",
}


@pytest.mark.parametrize(("text", "message"), list(ERRORS.items()), ids=list(ERRORS))
def test_wrong_arguments_are_terraform_errors_naming_file_line_and_function(text, message):
    err = error_of(text)
    fn = text.split("(", 1)[0]
    assert err.reason.startswith(f"t.tf:1: {fn}(): "), err.reason
    assert message in err.reason, err.reason
    assert err.error is True  # what try() and can() catch, as in Terraform


def test_results_too_large_are_refused_not_truncated():
    err = error_of('indent(999999, "a\\nb")')
    assert "result too large" in err.reason
    err = error_of('join("", [for i in range(1024) : format("%0999d", i)])')
    assert err.reason == "t.tf:1: join() result too large"
    assert err.error is False  # a limit of this scanner, not a Terraform error


# an unknown argument (known only after apply): the result is unknown, never a made-up value
UNKNOWN = [
    "upper(k)",
    'format("%s-x", k)',
    'join(",", ["a", k])',
    "length(k)",
    'lookup(k, "a", "d")',
    "merge({ a = 1 }, k)",
    'concat(["a"], k)',
    "flatten([[1], [k]])",  # k may be a list: how many elements is not known
    'contains(["a", k], "b")',  # "b" may be k
    'zipmap(["a", k], [1, 2])',
    'coalesce(k, "x")',
    "element([1, 2], k)",
    "cidrsubnet(k, 8, 1)",
    "sha256(k)",
    "tostring(k)",
    "timestamp()",
    "uuid()",
    "length(jsonencode({ a = k }))",
]


@pytest.mark.parametrize("text", UNKNOWN)
def test_unknown_argument_gives_an_unknown_result(text):
    got = ev(text, k=ARN)
    assert isinstance(got, Unknown), f"{text} → {got!r}"


def test_unknown_leaves_are_kept_where_the_function_only_passes_values_through():
    assert ev('contains(["a", k], "a")', k=ARN) is True  # found among the known ones
    assert ev("length([k, k])", k=ARN) == 2
    got = ev('lookup({ a = k }, "a")', k=ARN)
    assert got is ARN
    doc = ev('jsonencode({ Resource = k, Effect = "Allow" })', k=ARN)
    assert isinstance(doc, JsonDoc) and doc.value == {"Resource": ARN, "Effect": "Allow"}
    assert ev('compact([k, ""])', k=ARN) == [ARN]


def test_an_unresolved_argument_wins_over_an_unknown_one():
    got = ev('join(",", [k, nope])', k=ARN)
    assert isinstance(got, Unresolved) and "nope" in got.reason
    got = ev("merge(k, nope)", k=ARN)
    assert isinstance(got, Unresolved) and "nope" in got.reason


def test_unsupported_functions_are_unresolved_not_errors():
    err = error_of('regex("a+", "aaa")')
    assert err.reason == "t.tf:1: function regex() is not evaluated"
    assert err.error is False
    err = error_of('provider::aws::arn_parse("x")')
    assert "arn_parse() is not evaluated" in err.reason


def test_file_functions_read_only_the_configuration(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "policy.json").write_text('{"a": 1}', encoding="utf-8")
    (tmp_path / "conf" / "bin").write_bytes(b"\xff\xfe")
    (tmp_path / "secret").write_text("AKIA-not-for-reports", encoding="utf-8")
    (tmp_path / "conf" / "link").symlink_to(tmp_path / "secret")
    conf = str(tmp_path / "conf")
    assert ev('file("policy.json")', base_dir=conf) == '{"a": 1}'
    assert ev('jsondecode(file("policy.json")).a', base_dir=conf) == 1
    assert ev('filebase64("policy.json")', base_dir=conf) == "eyJhIjogMX0="
    assert ev('fileexists("policy.json")', base_dir=conf) is True
    assert ev('fileexists("nope.json")', base_dir=conf) is False
    missing = ev('file("nope.json")', base_dir=conf)
    assert isinstance(missing, Unresolved) and missing.error  # Terraform fails too
    assert "nope.json" in missing.reason
    # what a template reads lands in the reports: nothing outside the configuration
    for text in ('file("../secret")', 'file("link")', f'file("{tmp_path}/secret")'):
        got = ev(text, base_dir=conf)
        assert isinstance(got, Unresolved), text
        assert "outside the scanned configuration" in got.reason
        assert got.error is False  # and try() must not paper over it
    got = ev('fileexists("../secret")', base_dir=conf)
    assert isinstance(got, Unresolved)
    # a module may read below the root of the scanned configuration
    mod = tmp_path / "conf" / "modules" / "m"
    mod.mkdir(parents=True)
    assert ev('file("../../policy.json")', base_dir=str(mod), roots=(conf,)) == '{"a": 1}'
    got = ev('file("bin")', base_dir=conf)
    assert isinstance(got, Unresolved) and "not UTF-8" in got.reason
    got = ev('templatefile("policy.json", {})', base_dir=conf)
    assert isinstance(got, Unresolved) and "templatefile" in got.reason and not got.error
    got = ev("file(1 == 1)", base_dir=conf)
    assert isinstance(got, Unresolved) and "needs a path" in got.reason
