"""Two unreadable templates or configurations in one scan are two collection errors, each naming
its file and line, and each gives its own ERROR finding per rule (ids unique in the document)."""

from __future__ import annotations

import pytest

from bio2scan import api

ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
BAD = {
    # target, provider, {file: content}, {file: line of the error}
    "cloudformation": (
        "aws",
        {
            "a.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B:\n'
            "    Type: AWS::S3::Bucket\n    Properties: [\n",
            "b.json": '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {',
        },
        {"a.yaml": 5, "b.json": 1},
    ),
    "arm": (
        "azure",
        {
            "a.json": '{"$schema": "' + ARM_SCHEMA + '",\n "resources": [',
            "b.json": '{"$schema": "' + ARM_SCHEMA + '",\n "resources": [}',
        },
        {"a.json": 2, "b.json": 2},
    ),
    "terraform": (
        "aws",
        {
            "a.tf": 'resource "aws_s3_bucket" "a" {\n  bucket = \n',
            "b.tf": 'resource "aws_s3_bucket" "b" {{{\n',
        },
        {"a.tf": 2, "b.tf": 1},
    ),
}


@pytest.mark.parametrize("target", sorted(BAD))
def test_each_bad_file_is_its_own_error_finding(tmp_path, target):
    provider, files, lines = BAD[target]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    key = "path" if target == "terraform" else "paths"  # terraform reads one directory
    inv = api.collect(target, {key: [str(tmp_path)]})
    got = {(e.file, e.line) for e in inv.errors}
    assert {(str(tmp_path / n), ln) for n, ln in lines.items()} <= got, inv.errors
    rules = api.select_rules(api.load_rules(), providers=[provider])
    doc = api.assess(inv, rules)
    api.validate_results(doc)
    ids = [r["finding_id"] for r in doc["results"]]
    assert len(ids) == len(set(ids))
    errors = [r for r in doc["results"] if r["status"] == "ERROR"]
    assert {r["source"].get("file") for r in errors} >= {str(tmp_path / n) for n in files}
