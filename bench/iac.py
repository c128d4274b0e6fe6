"""Terraform scan speed: a generated root module of N resources in F files, scanned with the
built-in rules (collect + evaluate, as ``bio2scan scan terraform`` does; no rendering).

    .venv/bin/python bench/iac.py                      # 1 000 resources, 5 runs: warm median
    .venv/bin/python bench/iac.py --resources 5000 --runs 3 --keep /tmp/tf-bench

The configuration is realistic rather than minimal: variables and locals, ``for_each`` over a
map, security groups with inline rules and separate ``aws_security_group_rule``s, buckets with
their public access block, policy (``jsonencode``), encryption and versioning resources,
instances referring to groups, log groups, IAM roles with ``jsonencode`` trust policies. The
first run is cold (the parser grammar is built and cached); the median of the others is warm.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEAD = """
variable "environment" {
  type    = string
  default = "bench"
}

variable "admin_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}

locals {
  tags = { environment = var.environment, owner = "platform" }
}

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = merge(local.tags, { Name = "main" })
}
"""

# each block is ~8 resources' worth; {i} distinguishes them
BLOCK = """
resource "aws_security_group" "app_{i}" {{
  name        = "app-{i}-${{var.environment}}"
  description = "application {i}"
  vpc_id      = aws_vpc.main.id
  tags        = merge(local.tags, {{ Name = "app-{i}" }})

  ingress {{
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }}
  egress {{
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_security_group_rule" "ssh_{i}" {{
  type              = "ingress"
  security_group_id = aws_security_group.app_{i}.id
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_blocks       = var.admin_cidrs
}}

resource "aws_s3_bucket" "data_{i}" {{
  bucket = "data-{i}-${{var.environment}}"
  tags   = local.tags
}}

resource "aws_s3_bucket_public_access_block" "data_{i}" {{
  bucket                  = aws_s3_bucket.data_{i}.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_policy" "data_{i}" {{
  bucket = aws_s3_bucket.data_{i}.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["${{aws_s3_bucket.data_{i}.arn}}/*"]
      Condition = {{ Bool = {{ "aws:SecureTransport" = "false" }} }}
    }}]
  }})
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "data_{i}" {{
  bucket = aws_s3_bucket.data_{i}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "aws:kms"
    }}
  }}
}}

resource "aws_instance" "app_{i}" {{
  for_each               = toset(["a", "b"])
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [aws_security_group.app_{i}.id]
  metadata_options {{
    http_tokens = "required"
  }}
  tags = merge(local.tags, {{ Name = "app-{i}-${{each.key}}" }})
}}

resource "aws_cloudwatch_log_group" "app_{i}" {{
  name              = "/app/{i}"
  retention_in_days = 365
}}
"""
PER_BLOCK = 9  # resource instances per block (the instance block has two)


def generate(directory: Path, resources: int, files: int) -> int:
    blocks = max(1, resources // PER_BLOCK)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf").write_text(HEAD, encoding="utf-8")
    per_file = -(-blocks // files)
    for f in range(files):
        part = "".join(
            BLOCK.format(i=i) for i in range(f * per_file, min(blocks, (f + 1) * per_file))
        )
        (directory / f"app{f:02d}.tf").write_text(part, encoding="utf-8")
    return blocks * PER_BLOCK + 1


def scan(directory: Path) -> tuple[float, int, int]:
    from bio2scan import api
    from bio2scan.collectors.base import CollectRequest
    from bio2scan.collectors.terraform import TerraformCollector
    from bio2scan.engine.evaluate import evaluate

    t0 = time.perf_counter()
    inv = TerraformCollector().collect(
        CollectRequest(options={"path": str(directory)}, max_workers=4)
    )
    rules = api.compile_rules([r for r in api.load_rules().values() if r.provider == "aws"])
    results = evaluate(inv, rules)
    return time.perf_counter() - t0, len(inv.resources), len(results)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", help="write the configuration here and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(args.keep) if args.keep else Path(tmp) / "tf"
        made = generate(where, args.resources, args.files)
        times = []
        for n in range(args.runs):
            seconds, mapped, results = scan(where)
            times.append(seconds)
            print(f"run {n + 1}: {seconds:.2f} s  ({mapped} resources mapped, {results} results)")
        warm = times[1:] or times
        print(
            f"{made} Terraform resources in {args.files} files: warm median "
            f"{statistics.median(warm):.2f} s (cold {times[0]:.2f} s)"
        )


if __name__ == "__main__":
    main()
