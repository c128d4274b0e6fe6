"""Credentials and accounts the way AWS users expect them.

The default credential chain, one account per ``--profile``, or a role assumed in each account of
``--accounts`` / of the AWS Organization (``--organization``) from the base credentials, with an
optional external id. Assumed-role credentials refresh themselves before they expire, so a long
scan does not fail half-way. Every client shares one botocore ``Config``: adaptive retries (8
retries, client-side rate limiting on throttling), bounded timeouts, and a connection pool as
large as the worker pool. ``AWS_ENDPOINT_URL`` is read by botocore itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ... import __version__
from .calls import AwsError, classify

SESSION_NAME = "bio2scan"
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60


def _env_number(name: str, default: float) -> float:
    try:
        return max(0.1, float(os.environ.get(name, default)))
    except ValueError:
        return default


def max_attempts() -> int:
    """botocore's ``retries.max_attempts``: 8, which botocore counts as retries after the first
    request (adaptive backoff). ``BIO2SCAN_AWS_MAX_ATTEMPTS`` lowers it for tests or raises it
    for accounts that are throttled hard."""
    try:
        return max(1, int(os.environ.get("BIO2SCAN_AWS_MAX_ATTEMPTS", "8")))
    except ValueError:
        return 8


def config(max_workers: int) -> Any:
    from botocore.config import Config

    return Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts()},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=_env_number("BIO2SCAN_AWS_READ_TIMEOUT", READ_TIMEOUT),
        max_pool_connections=max(10, max_workers),
        user_agent_extra=f"bio2scan/{__version__}",
    )


def base_session(profile: str | None = None) -> Any:
    import boto3

    return boto3.Session(profile_name=profile) if profile else boto3.Session()


def home_region(session: Any) -> str:
    return session.region_name or os.environ.get("AWS_REGION") or "us-east-1"


def _call(count: Callable[[str], None], api: str, fn: Callable[[], Any]) -> Any:
    count(api)
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        raise classify(exc, api) from None


def identify(session: Any, cfg: Any, count: Callable[[str], None]) -> str:
    """The account id of the session's credentials (sts:GetCallerIdentity, needs no permission)."""
    sts = session.client("sts", region_name=home_region(session), config=cfg)
    return str(_call(count, "sts:GetCallerIdentity", sts.get_caller_identity)["Account"])


def organization_accounts(session: Any, cfg: Any, count: Callable[[str], None]) -> list[str]:
    """The ACTIVE accounts of the AWS Organization (call from the management or a delegated
    administrator account)."""
    org = session.client("organizations", region_name=home_region(session), config=cfg)
    ids: list[str] = []
    try:
        for page in org.get_paginator("list_accounts").paginate():
            count("organizations:ListAccounts")
            ids.extend(
                str(a["Id"])
                for a in page.get("Accounts", [])
                if a.get("Status", "ACTIVE") == "ACTIVE"
            )
    except Exception as exc:  # noqa: BLE001
        raise classify(exc, "organizations:ListAccounts") from None
    return ids


def assume(
    base: Any,
    account_id: str,
    role: str,
    external_id: str | None,
    cfg: Any,
    count: Callable[[str], None],
    partition: str = "aws",
) -> Any:
    """A session in ``account_id`` through ``role``; its credentials refresh themselves."""
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    role_arn = role if role.startswith("arn:") else f"arn:{partition}:iam::{account_id}:role/{role}"
    sts = base.client("sts", region_name=home_region(base), config=cfg)
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
    if external_id:
        params["ExternalId"] = external_id

    def fetch() -> dict[str, str]:
        c = _call(count, "sts:AssumeRole", lambda: sts.assume_role(**params))["Credentials"]
        return {
            "access_key": c["AccessKeyId"],
            "secret_key": c["SecretAccessKey"],
            "token": c["SessionToken"],
            "expiry_time": c["Expiration"].isoformat(),
        }

    creds = RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role"
    )
    core = botocore.session.get_session()
    core._credentials = creds  # botocore has no public setter for refreshable credentials
    return boto3.Session(botocore_session=core, region_name=home_region(base))


def enabled_regions(session: Any, cfg: Any, count: Callable[[str], None]) -> list[str]:
    """The regions enabled for the account (opted-in or not requiring opt-in)."""
    ec2 = session.client("ec2", region_name=home_region(session), config=cfg)
    answer = _call(count, "ec2:DescribeRegions", lambda: ec2.describe_regions(AllRegions=False))
    regions = sorted(
        r["RegionName"]
        for r in answer.get("Regions", [])
        if r.get("OptInStatus", "opt-in-not-required") != "not-opted-in"
    )
    if not regions:
        raise AwsError(
            "Error", "NoRegions", "DescribeRegions returned no region", "ec2:DescribeRegions"
        )
    return regions
