"""Reading templates within bounds: YAML with CloudFormation's short forms and nothing that can
run code or explode, JSON with the line of every key, and a limit that is hit is an error that
names the line."""

from __future__ import annotations

import json

import pytest

from bio2scan.collectors import template_source as ts
from bio2scan.collectors.cloudformation.stack import yaml_tag
from bio2scan.collectors.template_source import TemplateError, json_lines, load_json, load_yaml


def _yaml(text: str):
    return load_yaml(text, yaml_tag)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("!Ref Env", {"Ref": "Env"}),
        ("!Sub 'x-${Env}'", {"Fn::Sub": "x-${Env}"}),
        ("!Sub ['x-${A}', {A: 1}]", {"Fn::Sub": ["x-${A}", {"A": 1}]}),
        ("!GetAtt Key.Arn", {"Fn::GetAtt": ["Key", "Arn"]}),
        ("!GetAtt Stack.Outputs.Name", {"Fn::GetAtt": ["Stack", "Outputs.Name"]}),
        ("!GetAtt [Key, Arn]", {"Fn::GetAtt": ["Key", "Arn"]}),
        ("!If [C, a, b]", {"Fn::If": ["C", "a", "b"]}),
        ("!Join ['-', [a, b]]", {"Fn::Join": ["-", ["a", "b"]]}),
        ("!Select [0, [a]]", {"Fn::Select": [0, ["a"]]}),
        ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
        ("!FindInMap [M, a, b]", {"Fn::FindInMap": ["M", "a", "b"]}),
        ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
        (
            "!And [!Condition A, !Condition B]",
            {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]},
        ),
        ("!Or [!Condition A]", {"Fn::Or": [{"Condition": "A"}]}),
        ("!Not [!Condition A]", {"Fn::Not": [{"Condition": "A"}]}),
        ("!ImportValue shared-vpc", {"Fn::ImportValue": "shared-vpc"}),
        ("!GetAZs ''", {"Fn::GetAZs": ""}),
        ("!Base64 text", {"Fn::Base64": "text"}),
        ("!Cidr [10.0.0.0/16, 2, 8]", {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}),
    ],
)
def test_short_forms_become_long_forms(text, expected):
    assert _yaml(f"v: {text}\n")[0] == {"v": expected}


def test_an_unknown_tag_is_refused_with_its_line():
    with pytest.raises(TemplateError) as e:
        _yaml("a: 1\nb: !Python os.system\n")
    assert e.value.line == 2 and "!Python" in e.value.message


@pytest.mark.parametrize(
    "text, words, line",
    [
        ("a: &x [1, 2]\nb: *x\n", "alias", 2),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", "merge", 3),
        ("c:\n  <<: {x: 1}\n", "merge", 2),
        ("a: !!binary aGVsbG8=\n", "binary", 1),
        ("a: !!python/object:os.system ls\n", "tag", 1),
        ("a: 1\n---\nb: 2\n", "more than one", 2),
        ("a: 1\na: 2\n", "duplicate", 2),
        ("a: [1, 2\n", "syntax", 1),
    ],
)
def test_what_cloudformation_refuses_is_refused(text, words, line):
    with pytest.raises(TemplateError) as e:
        _yaml(text)
    assert words in e.value.message.lower() and e.value.line == line


def test_a_billion_laughs_stops_at_the_first_alias():
    lol = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
    )
    with pytest.raises(TemplateError) as e:
        _yaml(lol)
    assert e.value.line == 2


def test_dates_stay_text_and_yaml_1_1_scalars_keep_their_type():
    doc, _ = _yaml("AWSTemplateFormatVersion: 2010-09-09\nn: 0x10\nb: yes\nq: '1'\nz: ~\n")
    assert doc == {
        "AWSTemplateFormatVersion": "2010-09-09",
        "n": 16,
        "b": True,
        "q": "1",
        "z": None,
    }


def test_depth_and_size_limits(monkeypatch, tmp_path):
    deep = "a: " + "[" * (ts.MAX_DEPTH + 2) + "]" * (ts.MAX_DEPTH + 2) + "\n"
    with pytest.raises(TemplateError, match="nested"):
        _yaml(deep)
    with pytest.raises(TemplateError, match="nested"):
        load_json('{"a": ' + "[" * (ts.MAX_DEPTH + 2) + "]" * (ts.MAX_DEPTH + 2) + "}")
    monkeypatch.setattr(ts, "MAX_NODES", 50)
    with pytest.raises(TemplateError, match="more than 50 values"):
        _yaml("a: [" + ", ".join(["1"] * 60) + "]\n")
    monkeypatch.setattr(ts, "MAX_BYTES", 10)
    big = tmp_path / "big.yaml"
    big.write_text("a: 12345678901\n")
    with pytest.raises(TemplateError, match="limit"):
        ts.read_text(big)


def test_binary_and_non_utf8_files_are_refused(tmp_path):
    (tmp_path / "b.json").write_bytes(b"\x00\x01{}")
    (tmp_path / "l.yaml").write_bytes(b"a: \xff\n")
    with pytest.raises(TemplateError, match="binary"):
        ts.read_text(tmp_path / "b.json")
    with pytest.raises(TemplateError, match="UTF-8"):
        ts.read_text(tmp_path / "l.yaml")


def test_yaml_lines_of_keys():
    text = "Resources:\n  A:\n    Type: x\n\n  B:\n    Type: y\n    Properties:\n      P: [1, 2]\n"
    _, lines = _yaml(text)
    assert lines[("Resources", "A")] == 2
    assert lines[("Resources", "B")] == 5
    assert lines[("Resources", "B", "Properties", "P")] == 8


def test_json_lines_match_where_the_keys_are_written():
    doc = {
        "Resources": {
            f"R{i}": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"Tags": [{"Key": "a", "Value": "b"}]},
            }
            for i in range(30)
        },
        "Outputs": {"X": {"Value": "y"}},
    }
    text = json.dumps(doc, indent=2)
    data, lines = load_json(text)
    assert data == doc
    written = text.splitlines()
    for i in range(30):
        line = lines[("Resources", f"R{i}")]
        assert written[line - 1].strip().startswith(f'"R{i}"')
    arr = lines[("Resources", "R3", "Properties", "Tags", 0)]
    assert written[arr - 1].strip() == "{"


def test_json_lines_handle_escapes_and_one_line_files():
    text = '{"a\\"b": {"c": ["x]", {"d": 1}]}, "e": 2}'
    lines = json_lines(text)
    assert lines[('a"b',)] == 1 and lines[('a"b', "c", 1)] == 1 and lines[("e",)] == 1


@pytest.mark.parametrize(
    "text, words, line",
    [
        ('{\n  "a": 1,\n  "a": 2\n}', "duplicate", 3),
        ('{\n  "a": 1,\n  "b": \n}', "syntax", 4),
        ('{\n  "a": [1, 2,\n}', "syntax", 3),
    ],
)
def test_json_errors_name_the_line(text, words, line):
    with pytest.raises(TemplateError) as e:
        load_json(text)
    assert words in e.value.message.lower() and e.value.line == line


def test_json_comments_are_read_where_allowed():
    text = '{\n  // a comment with "quotes" and a { brace\n  "a": "http://x/*y*/",\n  /* block\n */ "b": 1\n}'
    data, lines = load_json(text, comments=True)
    assert data == {"a": "http://x/*y*/", "b": 1}
    assert lines[("b",)] == 5
    with pytest.raises(TemplateError):
        load_json(text)
