"""``aws_iam_policy_document`` rendered as the AWS provider renders it: its documented examples
(registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document)
give the same JSON, and the merging rules hold — an overriding statement replaces the one with
its Sid instead of standing beside it (a Deny in a source document must not seem to survive an
Allow that replaced it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfhelpers import by_name, collect, evaluate, write

from bio2scan.collectors.terraform.config import load
from bio2scan.collectors.terraform.values import JsonDoc, Unknown, Unresolved


def _docs(tmp_path, text: str, **inputs) -> dict:
    """Each data source's ``json`` (and ``minified_json``) as the configuration sees them."""
    names = [
        line.split('"')[3]
        for line in text.splitlines()
        if line.startswith('data "aws_iam_policy_document"')
    ]
    probe = "".join(
        f'resource "t_a" "{n}" {{\n  json = data.aws_iam_policy_document.{n}.json\n'
        f"  min  = data.aws_iam_policy_document.{n}.minified_json\n}}\n"
        for n in names
    )
    write(tmp_path, {"main.tf": text + probe})
    instances, _, _ = load(str(tmp_path), inputs, 1)
    return {i.name: (i.values["json"], i.values["min"]) for i in instances if i.type == "t_a"}


def _json(tmp_path, text: str, name: str, **inputs):
    doc, minified = _docs(tmp_path, text, **inputs)[name]
    if isinstance(doc, str):
        assert json.loads(minified) == json.loads(doc)
        assert "\n" not in minified and doc.startswith('{\n  "Version"')
        return json.loads(doc)
    return doc


BASIC = """
variable "s3_bucket_name" { default = "b" }
data "aws_iam_policy_document" "example" {
  statement {
    sid = "1"
    actions = [
      "s3:ListAllMyBuckets",
      "s3:GetBucketLocation",
    ]
    resources = [
      "arn:aws:s3:::*",
    ]
  }
  statement {
    actions = [
      "s3:ListBucket",
    ]
    resources = [
      "arn:aws:s3:::${var.s3_bucket_name}",
    ]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values = [
        "",
        "home/",
        "home/&{aws:username}/",
      ]
    }
  }
  statement {
    actions = [
      "s3:*",
    ]
    resources = [
      "arn:aws:s3:::${var.s3_bucket_name}/home/&{aws:username}",
      "arn:aws:s3:::${var.s3_bucket_name}/home/&{aws:username}/*",
    ]
  }
}
"""


def test_basic_example(tmp_path):
    assert _json(tmp_path, BASIC, "example") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "1",
                "Effect": "Allow",
                "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"],
                "Resource": "arn:aws:s3:::*",
            },
            {
                "Sid": "",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::b",
                # &{…} is the provider's escape for AWS's own ${…} policy variables
                "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
            },
            {
                "Sid": "",
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": [
                    "arn:aws:s3:::b/home/${aws:username}/*",
                    "arn:aws:s3:::b/home/${aws:username}",
                ],
            },
        ],
    }


def test_multiple_condition_keys_example_gives_the_documented_json(tmp_path):
    text = """
data "aws_iam_policy_document" "example_multiple_condition_keys" {
  statement {
    actions = [
      "kms:Decrypt",
      "kms:GenerateDataKey"
    ]
    resources = ["*"]
    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "kms:EncryptionContext:service"
      values   = ["pi"]
    }
    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "kms:EncryptionContext:aws:pi:service"
      values   = ["rds"]
    }
  }
}
"""
    doc, _ = _docs(tmp_path, text)["example_multiple_condition_keys"]
    # the documented JSON, character for character (key order, indentation, action order)
    assert doc == json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "",
                    "Effect": "Allow",
                    "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                    "Resource": "*",
                    "Condition": {
                        "ForAnyValue:StringEquals": {
                            "kms:EncryptionContext:service": "pi",
                            "kms:EncryptionContext:aws:pi:service": "rds",
                        }
                    },
                }
            ],
        },
        indent=2,
    )


def test_assume_role_policy_with_multiple_principals(tmp_path):
    text = """
variable "trusted_role_arn" { default = "arn:aws:iam::111122223333:role/r" }
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }
    principals {
      type        = "AWS"
      identifiers = [var.trusted_role_arn]
    }
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::111122223333:saml-provider/p", "cognito-identity.amazonaws.com"]
    }
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::444455556666:root"]
    }
  }
}
"""
    (st,) = _json(tmp_path, text, "assume")["Statement"]
    assert st["Principal"] == {
        "Service": "firehose.amazonaws.com",
        # two blocks of one type are merged, as the provider marshals them
        "AWS": ["arn:aws:iam::111122223333:role/r", "arn:aws:iam::444455556666:root"],
        "Federated": [
            "cognito-identity.amazonaws.com",
            "arn:aws:iam::111122223333:saml-provider/p",
        ],
    }


def test_principal_star_only_from_type_star(tmp_path):
    text = """
data "aws_iam_policy_document" "anyone" {
  statement {
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
data "aws_iam_policy_document" "aws_star" {
  statement {
    not_principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    not_actions   = ["iam:*"]
    not_resources = ["arn:aws:iam::*:role/&{aws:username}"]
  }
}
"""
    assert _json(tmp_path, text, "anyone")["Statement"][0]["Principal"] == "*"
    st = _json(tmp_path, text, "aws_star")["Statement"][0]
    assert st == {
        "Sid": "",
        "Effect": "Allow",
        "NotAction": "iam:*",
        "NotResource": "arn:aws:iam::*:role/${aws:username}",
        "NotPrincipal": {"AWS": "*"},
    }


SOURCES = """
data "aws_iam_policy_document" "source" {
  statement {
    actions   = ["ec2:*"]
    resources = ["*"]
  }
  statement {
    sid = "SidToOverride"
    actions   = ["s3:*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "source_document_example" {
  source_policy_documents = [data.aws_iam_policy_document.source.json]
  statement {
    sid = "SidToOverride"
    actions = ["s3:*"]
    resources = [
      "arn:aws:s3:::somebucket",
      "arn:aws:s3:::somebucket/*",
    ]
  }
}
data "aws_iam_policy_document" "override" {
  statement {
    sid = "SidToOverride"
    actions   = ["s3:*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "override_policy_document_example" {
  override_policy_documents = [data.aws_iam_policy_document.override.json]
  statement {
    actions   = ["ec2:*"]
    resources = ["*"]
  }
  statement {
    sid = "SidToOverride"
    actions = ["s3:*"]
    resources = [
      "arn:aws:s3:::somebucket",
      "arn:aws:s3:::somebucket/*",
    ]
  }
}
data "aws_iam_policy_document" "placeholder_source" {
  statement {
    sid       = "OverridePlaceholder"
    actions   = ["ec2:DescribeAccountAttributes"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "placeholder_override" {
  statement {
    sid       = "OverridePlaceholder"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "politik" {
  source_policy_documents   = [data.aws_iam_policy_document.placeholder_source.json]
  override_policy_documents = [data.aws_iam_policy_document.placeholder_override.json]
}
data "aws_iam_policy_document" "policy_one" {
  statement {
    sid    = "OverridePlaceHolderOne"
    effect = "Allow"
    actions   = ["s3:*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "policy_two" {
  statement {
    effect    = "Allow"
    actions   = ["ec2:*"]
    resources = ["*"]
  }
  statement {
    sid    = "OverridePlaceHolderTwo"
    effect = "Allow"
    actions   = ["iam:*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "policy_three" {
  statement {
    sid    = "OverridePlaceHolderOne"
    effect = "Deny"
    actions   = ["logs:*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "combined" {
  override_policy_documents = [
    data.aws_iam_policy_document.policy_one.json,
    data.aws_iam_policy_document.policy_two.json,
    data.aws_iam_policy_document.policy_three.json
  ]
  statement {
    sid    = "OverridePlaceHolderTwo"
    effect = "Deny"
    actions   = ["*"]
    resources = ["*"]
  }
}
"""


def _st(sid, action, resource, effect="Allow"):
    return {"Sid": sid, "Effect": effect, "Action": action, "Resource": resource}


def test_source_and_override_documents_merge_as_documented(tmp_path):
    docs = {n: json.loads(d) for n, (d, _) in _docs(tmp_path, SOURCES).items()}
    assert docs["source_document_example"]["Statement"] == [
        _st("", "ec2:*", "*"),
        _st("SidToOverride", "s3:*", ["arn:aws:s3:::somebucket/*", "arn:aws:s3:::somebucket"]),
    ]
    assert docs["override_policy_document_example"]["Statement"] == [
        _st("", "ec2:*", "*"),
        _st("SidToOverride", "s3:*", "*"),
    ]
    assert docs["politik"] == {
        "Version": "2012-10-17",
        "Statement": [_st("OverridePlaceholder", "s3:GetObject", "*")],
    }
    assert docs["combined"]["Statement"] == [
        _st("OverridePlaceHolderTwo", "iam:*", "*"),
        _st("OverridePlaceHolderOne", "logs:*", "*", "Deny"),
        _st("", "ec2:*", "*"),
    ]


def test_an_overridden_tls_deny_does_not_count(tmp_path):
    """Attacker's template: the organisation's baseline document denies plain HTTP (Sid
    "TLS"); the bucket's own statement reuses that Sid, which *replaces* the Deny. Before, both
    statements stood side by side, the Deny was still seen, and the TLS rule said PASS."""
    text = """
resource "aws_s3_bucket" "b" { bucket = "shop" }
data "aws_iam_policy_document" "baseline" {
  statement {
    sid       = "TLS"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.b.arn, "${aws_s3_bucket.b.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
data "aws_iam_policy_document" "p" {
  source_policy_documents = [data.aws_iam_policy_document.baseline.json]
  statement {
    sid       = "TLS"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.b.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111122223333:root"]
    }
  }
}
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = data.aws_iam_policy_document.p.json
}
"""
    inv = collect(write(tmp_path, {"main.tf": text}))
    bucket = by_name(inv, "aws.s3.bucket")["shop"]
    assert bucket.data["Policy"]["Statement"] == [
        {
            "Sid": "TLS",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::shop/*",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        }
    ]
    statuses = [
        r.status.value for r in evaluate(inv, "aws") if r.rule_id == "aws.s3.bucket_tls_only"
    ]
    assert statuses == ["FAIL"]


def test_merging_source_documents_keeps_every_statement(tmp_path):
    text = """
data "aws_iam_policy_document" "source_one" {
  statement {
    actions   = ["ec2:*"]
    resources = ["*"]
  }
  statement {
    sid = "UniqueSidOne"
    actions   = ["s3:*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "source_two" {
  statement {
    sid = "UniqueSidTwo"
    actions   = ["iam:*"]
    resources = ["*"]
  }
  statement {
    actions   = ["lambda:*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "combined" {
  policy_id = "merged"
  source_policy_documents = [
    data.aws_iam_policy_document.source_one.json,
    data.aws_iam_policy_document.source_two.json
  ]
}
data "aws_iam_policy_document" "clash" {
  source_policy_documents = [
    data.aws_iam_policy_document.source_one.json,
    data.aws_iam_policy_document.source_one.json
  ]
}
data "aws_iam_policy_document" "twice" {
  statement {
    sid     = "A"
    actions = ["s3:GetObject"]
  }
  statement {
    sid     = "A"
    actions = ["s3:PutObject"]
  }
}
"""
    docs = _docs(tmp_path, text)
    assert json.loads(docs["combined"][0]) == {
        "Version": "2012-10-17",
        "Id": "merged",
        "Statement": [
            _st("", "ec2:*", "*"),
            _st("UniqueSidOne", "s3:*", "*"),
            _st("UniqueSidTwo", "iam:*", "*"),
            _st("", "lambda:*", "*"),
        ],
    }
    # what the provider refuses is an error, not a guess at which statement wins
    for name, why in (
        ("clash", "duplicate Sid (UniqueSidOne) in source_policy_documents"),
        ("twice", "duplicate Sid (A)"),
    ):
        err = docs[name][0]
        assert isinstance(err, Unresolved) and err.reason == f"aws_iam_policy_document: {why}"


def test_conditions_with_the_same_key_are_joined_and_versions_upgrade(tmp_path):
    text = """
data "aws_iam_policy_document" "old" {
  version = "2008-10-17"
  statement {
    actions = ["s3:GetObject"]
  }
}
data "aws_iam_policy_document" "vpcs" {
  source_policy_documents = [data.aws_iam_policy_document.old.json]
  statement {
    effect  = "Deny"
    actions = ["s3:*"]
    condition {
      test     = "StringNotEquals"
      variable = "aws:SourceVpc"
      values   = ["vpc-a", "vpc-b"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "aws:SourceVpc"
      values   = ["vpc-c", "vpc-d"]
    }
  }
}
data "aws_iam_policy_document" "old_vars" {
  version = "2008-10-17"
  statement {
    resources = ["arn:aws:s3:::b/&{aws:username}"]
  }
}
"""
    docs = _docs(tmp_path, text)
    vpcs = json.loads(docs["vpcs"][0])
    assert vpcs["Version"] == "2012-10-17"
    assert vpcs["Statement"][1]["Condition"] == {
        "StringNotEquals": {"aws:SourceVpc": ["vpc-a", "vpc-b", "vpc-c", "vpc-d"]}
    }
    assert json.loads(docs["old"][0])["Version"] == "2008-10-17"
    err = docs["old_vars"][0]
    assert isinstance(err, Unresolved) and "not supported in version 2008-10-17" in err.reason


def test_unknown_parts_stay_unknown_inside_the_document(tmp_path):
    text = """
resource "aws_kms_key" "k" {}
data "aws_iam_policy_document" "kms" {
  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.k.arn]
    principals {
      type        = "AWS"
      identifiers = [aws_kms_key.k.arn, "arn:aws:iam::111122223333:root"]
    }
  }
}
data "aws_iam_policy_document" "dyn" {
  dynamic "statement" {
    for_each = aws_kms_key.k.tags_all
    content {
      actions = ["kms:*"]
    }
  }
}
data "aws_iam_policy_document" "from_var" {
  source_policy_documents = [var.base]
}
variable "base" {}
data "aws_iam_policy_document" "bad_json" {
  source_policy_documents = ["{not json"]
}
data "aws_iam_policy_document" "not_a_policy" {
  override_policy_documents = ["[1, 2]"]
}
data "aws_iam_policy_document" "bad_principal" {
  statement {
    principals {
      type = "AWS"
    }
  }
}
data "aws_iam_policy_document" "bad_condition" {
  statement {
    condition {
      test   = "Bool"
      values = ["true"]
    }
  }
}
"""
    docs = _docs(tmp_path, text)
    kms = docs["kms"][0]
    assert isinstance(kms, JsonDoc)
    st = kms.value["Statement"][0]
    assert isinstance(st["Resource"], Unknown) and st["Resource"].ref == "aws_kms_key.k"
    assert st["Principal"]["AWS"][1] == "arn:aws:iam::111122223333:root"
    assert isinstance(docs["dyn"][0], Unknown)
    assert isinstance(docs["from_var"][0], Unresolved) and "var.base" in docs["from_var"][0].reason
    reasons = {n: docs[n][0].reason for n in ("bad_json", "not_a_policy")}
    assert reasons == {
        "bad_json": "aws_iam_policy_document: source_policy_documents[0]: not a JSON document",
        "not_a_policy": (
            "aws_iam_policy_document: override_policy_documents[0]: not a JSON policy document"
        ),
    }
    # a bad block is an error where it stands: the rules that read it say ERROR
    st = docs["bad_principal"][0].value["Statement"][0]
    assert st["Principal"].reason == (
        "aws_iam_policy_document: a principals block needs a type and identifiers"
    )
    st = docs["bad_condition"][0].value["Statement"][0]
    assert st["Condition"].reason == (
        "aws_iam_policy_document: a condition block needs a test and a variable"
    )


def test_a_policy_that_cannot_be_worked_out_is_an_error_on_the_resource(tmp_path):
    text = """
variable "who" {}
resource "aws_s3_bucket" "b" { bucket = "b" }
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::b/*"]
    principals {
      type        = "AWS"
      identifiers = [var.who]
    }
  }
}
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.b.id
  policy = data.aws_iam_policy_document.p.json
}
"""
    inv = collect(write(tmp_path, {"main.tf": text}))
    b = by_name(inv, "aws.s3.bucket")["b"]
    assert b.errors == {
        "Policy.Statement[0].Principal.AWS": (
            "unresolved: var.who has no value (main.tf:2; give it with --var or --var-file)"
        )
    }
    res = [r for r in evaluate(inv, "aws") if r.rule_id == "aws.s3.bucket_policy_not_public"]
    assert [r.status.value for r in res] == ["ERROR"]
