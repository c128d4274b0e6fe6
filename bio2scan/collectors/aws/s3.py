"""S3 (listed globally, read per bucket in the bucket's own region): encryption, public access,
policy, versioning, logging, object lock, ACL, ownership, lifecycle and tags; and the account-wide
public access block (S3 Control).

Each detail call that answers "not configured" (``…NotFound…``, ``NoSuch…``) gives ``null``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from .calls import policy
from .service import Ctx, Kind, Service

_BUCKET_OPS = (
    "ListBuckets",
    "GetBucketLocation",
    "GetBucketEncryption",
    "GetPublicAccessBlock",
    "GetBucketPolicy",
    "GetBucketPolicyStatus",
    "GetBucketVersioning",
    "GetBucketLogging",
    "GetObjectLockConfiguration",
    "GetBucketAcl",
    "GetBucketOwnershipControls",
    "GetBucketLifecycleConfiguration",
    "GetBucketTagging",
)


def _region(location: Any) -> str:
    """GetBucketLocation's answer → region (``None`` is us-east-1, ``EU`` the old eu-west-1)."""
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else str(location)


def _buckets(ctx: Ctx) -> None:
    for bucket in ctx.pages("ListBuckets", "Buckets"):
        ctx.spawn(partial(_bucket, ctx, bucket))


def _bucket(ctx: Ctx, bucket: dict[str, Any]) -> None:
    name = bucket["Name"]
    data = dict(bucket)
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Region",
        lambda: (
            bucket.get("BucketRegion")
            or _region(ctx.call("GetBucketLocation", Bucket=name).get("LocationConstraint"))
        ),
    )
    if "Region" in errors:  # without its region no other call reaches the bucket reliably
        ctx.add(
            f"arn:aws:s3:::{name}",
            name,
            data,
            api="ListBuckets",
            region=None,
            errors=dict(errors, **{"*": errors["Region"]}),
        )
        return
    region = data["Region"]

    def get(op: str, **kw: Any) -> dict[str, Any]:
        return ctx.call(op, region=region, Bucket=name, **kw)

    tags: dict[str, Any] = {}
    reads: list[tuple[dict[str, Any], str, Any, tuple[str, ...]]] = [
        (
            data,
            "Encryption",
            lambda: get("GetBucketEncryption").get("ServerSideEncryptionConfiguration"),
            ("ServerSideEncryptionConfigurationNotFoundError",),
        ),
        (
            data,
            "PublicAccessBlock",
            lambda: get("GetPublicAccessBlock").get("PublicAccessBlockConfiguration"),
            ("NoSuchPublicAccessBlockConfiguration",),
        ),
        (
            data,
            "Policy",
            lambda: policy(get("GetBucketPolicy").get("Policy")),
            ("NoSuchBucketPolicy",),
        ),
        (
            data,
            "PolicyStatus",
            lambda: get("GetBucketPolicyStatus").get("PolicyStatus"),
            ("NoSuchBucketPolicy",),
        ),
        (data, "Versioning", lambda: _versioning(get("GetBucketVersioning")), ()),
        (data, "Logging", lambda: get("GetBucketLogging").get("LoggingEnabled"), ()),
        (
            data,
            "ObjectLock",
            lambda: get("GetObjectLockConfiguration").get("ObjectLockConfiguration"),
            ("ObjectLockConfigurationNotFoundError",),
        ),
        (data, "Acl", lambda: _acl(get("GetBucketAcl")), ()),
        (
            data,
            "OwnershipControls",
            lambda: get("GetBucketOwnershipControls").get("OwnershipControls"),
            ("OwnershipControlsNotFoundError",),
        ),
        (
            data,
            "Lifecycle",
            lambda: get("GetBucketLifecycleConfiguration").get("Rules"),
            ("NoSuchLifecycleConfiguration",),
        ),
        (tags, "Tags", lambda: get("GetBucketTagging").get("TagSet") or [], ("NoSuchTagSet",)),
    ]

    def add() -> None:
        ctx.add(
            f"arn:aws:s3:::{name}",
            name,
            data,
            api="ListBuckets",
            region=region,
            tags=tags.get("Tags") or [],
            errors=dict(sorted(errors.items())),  # the reads finish in any order
        )

    # the reads are independent of each other: each its own job, the bucket added after the
    # last; the keys are placed first so that the data keeps one order whatever finishes first
    for target, key, _fn, _absent in reads:
        target[key] = None
    ctx.fan_out(reads, errors, add)


def _versioning(answer: dict[str, Any]) -> dict[str, Any]:
    return {"Status": answer.get("Status"), "MFADelete": answer.get("MFADelete")}


def _acl(answer: dict[str, Any]) -> dict[str, Any]:
    return {"Owner": answer.get("Owner"), "Grants": answer.get("Grants") or []}


def _account_block(ctx: Ctx) -> None:
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "PublicAccessBlockConfiguration",
        lambda: ctx.call("s3control:GetPublicAccessBlock", AccountId=ctx.account.id).get(
            "PublicAccessBlockConfiguration"
        ),
        absent=("NoSuchPublicAccessBlockConfiguration",),
    )
    ctx.add(
        f"arn:aws:s3:{ctx.account.id}:account-public-access-block",
        ctx.account.id,
        data,
        api="s3control:GetPublicAccessBlock",
        region=None,
        errors=errors,
    )


SERVICES = (
    Service(
        "s3",
        "s3",
        regional=False,
        kinds=(
            Kind("aws.s3.bucket", _buckets, _BUCKET_OPS),
            Kind(
                "aws.s3.account_public_access_block",
                _account_block,
                ("s3control:GetPublicAccessBlock",),
            ),
        ),
        actions={
            "ListBuckets": "s3:ListAllMyBuckets",
            "GetBucketEncryption": "s3:GetEncryptionConfiguration",
            "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
            "GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
            "GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
            "s3control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
        },
    ),
)
