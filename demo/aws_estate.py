"""The demo's AWS section: one account seeded into moto (in process), scanned by the real ``aws``
collector in two regions.

The estate (``stubs.awsestate.demo``) is a tidy landing zone in eu-west-1 and a
forgotten pilot in eu-central-1: an admin user without MFA, a public bucket, SSH open to the
internet, an unencrypted public database, a Lambda function with a password in its environment
(the inventory keeps only a fingerprint of it). moto lacks Access Analyzer, the Inspector account
status, backup selections and the snapshot public-access setting: those rules report ERROR with
the reason, as they would against an account that denies the call.
"""

from __future__ import annotations

import os

from bio2scan import api
from bio2scan.model import Inventory

REGIONS = ["eu-west-1", "eu-central-1"]
ACCOUNT = "123456789012"


def collect(rules: list) -> Inventory:
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(var, None)
    import boto3
    from moto import mock_aws
    from stubs.aws import aws_shaped_gaps
    from stubs.awsestate import demo

    with mock_aws(), aws_shaped_gaps():
        demo(boto3.Session(region_name=REGIONS[0]), REGIONS, ACCOUNT)
        return api.collect("aws", {"regions": REGIONS}, rules=rules)


if __name__ == "__main__":
    inv = collect([r for r in api.load_rules().values() if r.provider == "aws"])
    print(
        f"{len(inv.resources)} resources, {len(inv.errors)} collection errors, "
        f"{sum(inv.meta.api_calls.values())} API calls"
    )
