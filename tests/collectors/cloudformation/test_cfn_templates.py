"""Whole templates through the collector: JSON templates with their lines, nested stacks read
from local files, resource conditions that cannot be decided, malformed resources, and
malformed intrinsic functions — each named, none passing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bio2scan import api
from bio2scan.collectors.cloudformation import aws_types, parse_parameters
from bio2scan.collectors.cloudformation.stack import Stack
from bio2scan.collectors.template_values import UNRESOLVED, Sym, Unknown
from bio2scan.errors import UsageError


def _collect(path: Path, *params: str):
    return api.collect("cloudformation", {"paths": [str(path)], "parameter": list(params)})


def test_a_json_template_has_the_line_of_each_resource(tmp_path):
    doc = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            f"Q{i}": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"q{i}"}}
            for i in range(3)
        },
    }
    text = json.dumps(doc, indent=4)
    (tmp_path / "t.json").write_text(text)
    inv = _collect(tmp_path / "t.json")
    lines = text.splitlines()
    for r in inv.resources:
        logical = r.id.split("#")[1]
        assert lines[r.source.line - 1].strip().startswith(f'"{logical}"')


def test_nested_stacks_from_local_files(tmp_path):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "child.yaml").write_text(
        "Parameters:\n  Name: {Type: String}\n  Region: {Type: String, Default: x}\n"
        "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n"
        "    Properties: {LogGroupName: !Sub '/${Name}/${AWS::Region}', RetentionInDays: 7}\n"
    )
    (tmp_path / "parent.yaml").write_text(
        "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n"
        "    Properties:\n      TemplateURL: net/child.yaml\n      Parameters: {Name: app}\n"
    )
    inv = _collect(tmp_path / "parent.yaml", "AWS::Region=eu-west-1")
    (res,) = inv.resources
    assert res.name == "/app/eu-west-1"
    assert res.id.endswith("child.yaml#Child/Logs") and res.source.file.endswith("child.yaml")
    (tmp_path / "loop.yaml").write_text(
        "Resources:\n  Self:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: loop.yaml}\n"
    )
    inv = _collect(tmp_path / "loop.yaml")
    assert any("deeper than 5 levels" in e.reason for e in inv.errors)


def test_resource_conditions_that_cannot_be_decided(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "Parameters:\n  Mode: {Type: String}\n"
        "Conditions:\n  Regional: !Equals [!Ref 'AWS::Region', eu-west-1]\n  Modal: !Equals [!Ref Mode, a]\n"
        "Resources:\n"
        "  A:\n    Type: AWS::SQS::Queue\n    Condition: Regional\n"
        "  B:\n    Type: AWS::SQS::Queue\n    Condition: Modal\n"
        "  C:\n    Type: AWS::SQS::Queue\n    Condition: Missing\n"
    )
    by = {r.id.split("#")[1]: r for r in _collect(tmp_path / "t.yaml").resources}
    assert "condition Regional" in by["A"].deferred["*"] and not by["A"].errors
    assert "Mode" in by["B"].errors["*"] and "C" in by and "*" in by["C"].errors
    by = {
        r.id.split("#")[1]: r
        for r in _collect(tmp_path / "t.yaml", "AWS::Region=eu-central-1", "Mode=a").resources
    }
    assert set(by) == {"B", "C"} and not by["B"].errors


def test_malformed_resources_are_named(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "Parameters:\n  P: 5\nResources:\n  NoType: {Properties: {}}\n  BadProps: {Type: AWS::SQS::Queue, Properties: [1]}\n"
        "  ByIf:\n    Type: AWS::SQS::Queue\n    Properties: !If [Undefined, {QueueName: a}, {QueueName: b}]\n  Odd: 7\n"
    )
    inv = _collect(tmp_path / "t.yaml")
    reasons = " | ".join(e.reason for e in inv.errors)
    for words in (
        "a parameter must be a mapping",
        "NoType: a resource needs a Type",
        "BadProps: Properties must be a mapping",
        "Odd: a resource must be a mapping",
    ):
        assert words in reasons, reasons
    by = {r.id.split("#")[1]: r for r in inv.resources}
    assert "*" in by["ByIf"].errors  # all of its properties are unknown


def test_the_unresolved_name_of_a_resource(tmp_path):
    (tmp_path / "t.yaml").write_text(
        "Parameters:\n  N: {Type: String}\nResources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Ref N}\n"
    )
    (res,) = _collect(tmp_path / "t.yaml").resources
    assert res.name == "${B}" and "Name" in res.errors


def test_parameters_on_the_command_line():
    assert parse_parameters(["A=1", "Subnets=a", "b", "C=x=y"]) == {
        "A": "1",
        "Subnets": "a,b",
        "C": "x=y",
    }
    assert parse_parameters("A=1") == {"A": "1"}
    for bad in (["novalue"], ["=x"]):
        with pytest.raises(UsageError):
            parse_parameters(bad)
    with pytest.raises(UsageError):
        api.collect("cloudformation", {"paths": []})


TEMPLATE = {
    "Parameters": {
        "L": {"Type": "CommaDelimitedList", "Default": "a,b"},
        "Obj": {"Type": "String", "Default": {"x": 1}},
    },
    "Mappings": {"M": {"k": {"v": "1"}}},
    "Conditions": {"C": {"Fn::Equals": ["a", "a"]}},
    "Resources": {
        "Q": {"Type": "AWS::SQS::Queue"},
        "R": {
            "Type": "AWS::IAM::Role",
            "Properties": {"RoleName": {"Fn::Sub": "${AWS::StackName}-r"}},
        },
    },
}


@pytest.mark.parametrize(
    "value",
    [
        {"Ref": 1},
        {"Fn::GetAtt": "Q"},
        {"Fn::GetAtt": ["Q", {"Ref": "Nope"}]},
        {"Fn::Sub": "${L}"},
        {"Fn::Join": "x"},
        {"Fn::Join": [{"Ref": "Nope"}, []]},
        {"Fn::Join": ["-", "notalist"]},
        {"Fn::Join": ["-", [["nested"]]]},
        {"Fn::Select": "x"},
        {"Fn::Select": ["one", ["a"]]},
        {"Fn::Split": "x"},
        {"Fn::Split": [{"Ref": "Nope"}, "a"]},
        {"Fn::Split": [",", 5]},
        {"Fn::FindInMap": "x"},
        {"Fn::FindInMap": [{"Ref": "Nope"}, "k", "v"]},
        {"Fn::FindInMap": ["Nope", "k", "v"]},
        {"Fn::If": "x"},
        {"Fn::ImportValue": {"Ref": "Nope"}},
        {"Fn::Cidr": "x"},
        {"Fn::Cidr": [{"Ref": "Nope"}, 1, 8]},
        {"Fn::Cidr": ["not-a-cidr", 1, 8]},
        {"Fn::Length": "x"},
        {"Fn::Length": {"Ref": "Nope"}},
        {"Fn::ToJsonString": {"a": {"Ref": "Nope"}}},
        {"Fn::Equals": ["a"]},
        {"Fn::Not": ["a", "b"]},
        {"Fn::And": []},
        {"Fn::Equals": [{"Ref": "Nope"}, "a"]},
        {"Ref": "Obj"},
    ],
)
def test_malformed_functions_are_unresolved(value):
    stack = Stack(TEMPLATE, {}, aws_types.ref_name, aws_types.getatt_is_ref)
    out = stack.resolve(value)
    assert isinstance(out, Unknown) and out.kind == UNRESOLVED, out


def test_odd_but_valid_values():
    stack = Stack(TEMPLATE, {"L": Sym("${Parent.L}")}, aws_types.ref_name, aws_types.getatt_is_ref)
    assert stack.resolve({"Ref": "L"}) == "${Parent.L}"  # a nested stack's parameter
    role = stack.resolve({"Ref": "R"})
    assert isinstance(role, Sym) and role == "${AWS::StackName}-r" and role.ref == "R"
    assert stack.resolve({"Fn::Cidr": [{"Ref": "AWS::Region"}, 1, 8]}).kind == "deferred"
    assert stack.resolve({"Fn::Base64": {"Ref": "AWS::Region"}}) == "${AWS::Region}"
    assert stack.resolve({"Fn::ToJsonString": [{"Ref": "AWS::Region"}]}) == '["${AWS::Region}"]'
    assert stack.resolve({"Fn::Join": [",", [True, 2.0]]}) == "true,2"
    assert stack.resolve({"Fn::Equals": [["a", "b"], ["a", "b"]]}) is True
    assert stack.resolve({"Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "AWS::Region"}]}) is True
    assert stack.resolve({"Fn::Equals": [{"a": 1}, {"a": 1}]}) is True
    assert stack._condition_expr("true") is True and stack._condition_expr(False) is False
    assert stack._condition_expr({"Fn::Sub": "x"}).kind == UNRESOLVED
    assert stack.resolve({"Fn::Or": [{"Condition": "C"}]}) is True
    assert stack.resolve({"Fn::If": ["C", {"Ref": "AWS::NoValue"}, 1]}) is not None


def test_yaml_dump_round_trip_of_the_estates_is_what_the_tests_use(tmp_path):
    # the mapping tests write templates with yaml.safe_dump: long forms only, read back the same
    doc = {
        "Resources": {
            "B": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"BucketName": {"Fn::Sub": "x-${AWS::Region}"}},
            }
        }
    }
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(doc))
    (res,) = _collect(tmp_path / "t.yaml").resources
    assert res.name == "x-${AWS::Region}"
