"""Reading a configuration statically: parsing, expressions, variables, count/for_each, modules,
and what cannot be known (Unknown → deferred, Unresolved → errors), bounded on hostile input."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfhelpers import by_name, collect, write

from bio2scan.collectors.terraform import hcl
from bio2scan.collectors.terraform.config import load
from bio2scan.errors import UsageError


def _values(tmp_path, text, **inputs):
    write(tmp_path, {"main.tf": text})
    instances, loader, _ = load(str(tmp_path), inputs, 1)
    return {i.address: i.values for i in instances}, loader.problems


def test_parse_errors_name_the_line():
    for text, line in (
        ('resource "a" "b" {\n  x = 1\n  y =\n}\n', 3),
        ('resource "a" "b" {\n  x = 1\n  x = 2\n}\n', 3),
        ('x = "${unterminated"\n', 1),
        ("a = {\n  b = [1, 2\n}\n", 3),
    ):
        with pytest.raises(hcl.HclError) as exc:
            hcl.parse_text(text)
        assert exc.value.line == line, (text, exc.value.message)


def test_strings_heredocs_and_escapes(tmp_path):
    vals, _ = _values(
        tmp_path,
        'variable "n" { default = "x" }\n'
        'resource "t_a" "a" {\n'
        '  s = "a\\tb\\u00e9 $${lit} ${var.n}"\n'
        "  h = <<-EOT\n"
        "    {\n"
        '      "k": "${var.n}"\n'
        "    }\n"
        "  EOT\n"
        "}\n",
    )
    v = vals["t_a.a"]
    assert v["s"] == "a\tbé ${lit} x"
    assert v["h"] == '{\n  "k": "x"\n}\n'


def test_expressions_functions_and_for(tmp_path):
    vals, _ = _values(
        tmp_path,
        """
locals {
  m     = { b = 2, a = 1 }
  ports = [for k, v in local.m : v * 10 if k != "c"]
  inv   = { for k, v in local.m : "p${v}" => k }
  net   = cidrsubnet("10.0.0.0/16", 8, 3)
  cond  = length(local.ports) > 1 ? "many" : "few"
  merged = merge({ a = 1 }, { b = 2 }, null)
  tried = try(local.m.missing, "fallback")
  doc   = jsondecode(jsonencode({ x = [1, true, null] }))
}
resource "t_a" "a" {
  ports  = local.ports
  inv    = local.inv
  net    = local.net
  cond   = local.cond
  merged = local.merged
  tried  = local.tried
  doc    = local.doc
  up     = upper(format("%s-%03d", "n", 7))
  spl    = [for s in split(",", "a,b") : s]
}
""",
    )
    v = vals["t_a.a"]
    assert v["ports"] == [10, 20]  # map keys in lexical order, as Terraform iterates them
    assert v["inv"] == {"p1": "a", "p2": "b"}
    assert v["net"] == "10.0.3.0/24"
    assert v["cond"] == "many"
    assert v["merged"] == {"a": 1, "b": 2}
    assert v["tried"] == "fallback"
    assert v["doc"] == {"x": [1, True, None]}
    assert v["up"] == "N-007"
    assert v["spl"] == ["a", "b"]


def test_count_for_each_and_dynamic(tmp_path):
    vals, _ = _values(
        tmp_path,
        """
variable "zones" { default = { a = "10.0.1.0/24", b = "10.0.2.0/24" } }
resource "t_a" "c" {
  count = 2
  name  = "c${count.index}"
}
resource "t_a" "e" {
  for_each = var.zones
  cidr     = each.value
  name     = "e-${each.key}"
  dynamic "rule" {
    for_each = [22, 443]
    iterator = p
    content {
      port = p.value
    }
  }
}
resource "t_a" "none" {
  count = 0
}
""",
    )
    assert vals["t_a.c[0]"]["name"] == "c0" and vals["t_a.c[1]"]["name"] == "c1"
    assert vals['t_a.e["a"]']["cidr"] == "10.0.1.0/24"
    assert vals['t_a.e["b"]']["rule"] == [{"port": 22}, {"port": 443}]
    assert not [a for a in vals if a.startswith("t_a.none")]


def test_references_are_values_or_known_after_apply(tmp_path):
    from bio2scan.collectors.terraform.values import Unknown

    vals, _ = _values(
        tmp_path,
        """
resource "aws_s3_bucket" "b" { bucket = "logs" }
resource "aws_kms_key" "k" {}
resource "t_a" "a" {
  by_name = aws_s3_bucket.b.id
  arn     = aws_kms_key.k.arn
  text    = "${aws_kms_key.k.arn}/x"
}
""",
    )
    v = vals["t_a.a"]
    assert v["by_name"] == "logs"  # id of a bucket is its configured name
    assert isinstance(v["arn"], Unknown) and v["arn"].ref == "aws_kms_key.k"
    assert isinstance(v["text"], Unknown) and v["text"].text == "${aws_kms_key.k.arn}/x"


def test_variables_from_files_and_options(tmp_path):
    write(
        tmp_path,
        {
            "main.tf": """
variable "env" {}
variable "ports" { type = list(number) }
variable "size" {
  type    = number
  default = 1
}
resource "aws_s3_bucket" "b" {
  bucket = "data-${var.env}-${var.size}"
  tags   = { ports = join(",", var.ports) }
}
""",
            "terraform.tfvars": 'env = "test"\nports = [1]\n',
            "prod.tfvars.json": '{"env": "prod"}',
        },
    )
    inv = collect(
        tmp_path, var_file=[str(tmp_path / "prod.tfvars.json")], var=["ports=[22, 443]", "size=3"]
    )
    bucket = by_name(inv, "aws.s3.bucket")["data-prod-3"]
    assert bucket.tags == {"ports": "22,443"}
    with pytest.raises(UsageError, match="no variable 'nope'"):
        collect(tmp_path, var=["nope=1"])
    (tmp_path / "bad.tfvars").write_text("env = \n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"bad.tfvars:1"):
        collect(tmp_path, var_file=[str(tmp_path / "bad.tfvars")])


def test_unresolved_variable_is_an_error_on_the_paths_that_use_it(tmp_path):
    write(
        tmp_path,
        {
            "main.tf": """
variable "enc" {}
resource "aws_ebs_volume" "v" {
  availability_zone = "eu-west-1a"
  encrypted         = var.enc
  tags              = { Name = "v" }
}
"""
        },
    )
    inv = collect(tmp_path)
    vol = by_name(inv, "aws.ec2.volume")["v"]
    assert vol.errors["Encrypted"].startswith("unresolved: var.enc has no value (main.tf:2")
    from tfhelpers import evaluate

    res = [r for r in evaluate(inv, "aws") if r.rule_id == "aws.ec2.volume_encrypted"]
    assert [r.status.value for r in res] == ["ERROR"]
    assert "var.enc" in res[0].message


def test_local_modules_with_count_and_outputs(tmp_path):
    write(
        tmp_path,
        {
            "main.tf": """
module "net" {
  source = "./modules/net"
  count  = 2
  name   = "sg-${count.index}"
}
resource "t_a" "out" { ids = module.net[*].id }
""",
            "modules/net/main.tf": """
variable "name" {}
resource "aws_security_group" "this" {
  name = var.name
  tags = { Name = var.name }
}
output "id" { value = aws_security_group.this.id }
""",
        },
    )
    instances, loader, _ = load(str(tmp_path), {}, 1)
    addrs = {i.address: i for i in instances}
    assert "module.net[1].aws_security_group.this" in addrs
    assert addrs["module.net[1].aws_security_group.this"].file == "modules/net/main.tf"
    out = addrs["t_a.out"].values["ids"]
    assert [u.ref for u in out] == [
        "module.net[0].aws_security_group.this",
        "module.net[1].aws_security_group.this",
    ]
    assert not loader.problems


def test_bad_input_is_named_and_the_rest_still_scanned(tmp_path):
    write(
        tmp_path,
        {
            "good.tf": """
resource "aws_s3_bucket" "b" { bucket = "still-checked" }
resource "aws_route_table" "rt" { vpc_id = "vpc-1" }
module "remote" { source = "terraform-aws-modules/vpc/aws" }
module "gone" { source = "./missing" }
resource "t_a" "u" { x = module.remote.vpc_id }
""",
            "broken.tf": 'resource "aws_s3_bucket" "c" {\n  bucket = \n}\n',
        },
    )
    inv = collect(tmp_path)
    assert "still-checked" in by_name(inv, "aws.s3.bucket")
    reasons = sorted(e.reason.removeprefix(f"{tmp_path}/") for e in inv.errors)
    assert reasons[0] == "broken.tf:2: syntax error: expected an expression"
    assert any(r.startswith("good.tf:4: module.remote: source") for r in reasons)
    assert any(r.startswith("good.tf:5: module.gone: source './missing'") for r in reasons)
    assert all(e.resource_type == "*" and e.provider == "aws" for e in inv.errors)
    assert any(
        n.code == "not-checked"
        and n.kind == "aws_route_table"
        and n.file.endswith("/good.tf")
        and n.line == 3
        for n in inv.notices
    )


def test_cycles_and_hostile_input_are_bounded(tmp_path):
    deep = "x = " + "[" * 3000 + "]" * 3000 + "\n"
    with pytest.raises(hcl.HclError):
        hcl.parse_text(deep)
    vals, _ = _values(
        tmp_path,
        """
locals {
  a = local.b
  b = local.a
  big = range(100000000)
}
resource "t_a" "a" {
  cyc = local.a
  big = local.big
  n   = format("%0999999999d", 1)
}
""",
    )
    v = vals["t_a.a"]
    assert "cycle" in v["cyc"].reason
    assert "too many" in v["big"].reason
    assert "too large" in v["n"].reason


def test_not_a_directory_or_plan(tmp_path):
    (tmp_path / "x.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(UsageError, match="not a Terraform plan"):
        collect(tmp_path / "x.txt")
    with pytest.raises(UsageError, match="no such file"):
        collect(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match=r"no \.tf files"):
        collect(tmp_path / "empty")
