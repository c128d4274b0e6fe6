"""KMS (regional): customer-managed keys with rotation status and default key policy. Keys that
AWS manages (``KeyManager = AWS``) are skipped: their owner cannot change them."""

from __future__ import annotations

from functools import partial
from typing import Any

from .calls import policy
from .service import Ctx, Kind, Service


def _keys(ctx: Ctx) -> None:
    for key in ctx.pages("ListKeys", "Keys"):
        ctx.spawn(partial(_key, ctx, key))


def _key(ctx: Ctx, key: dict[str, Any]) -> None:
    meta = ctx.call("DescribeKey", KeyId=key["KeyId"]).get("KeyMetadata") or {}
    if meta.get("KeyManager") == "AWS":
        return
    data = dict(meta)
    errors: dict[str, str] = {}
    symmetric = (
        meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        and meta.get("Origin", "AWS_KMS") == "AWS_KMS"
    )
    if symmetric and meta.get("KeyState") not in ("PendingDeletion", "PendingReplicaDeletion"):
        ctx.detail(
            data,
            errors,
            "RotationEnabled",
            lambda: ctx.call("GetKeyRotationStatus", KeyId=key["KeyId"]).get("KeyRotationEnabled"),
        )
    else:  # rotation does not exist for asymmetric, HMAC, imported or dying keys
        data["RotationEnabled"] = None
    ctx.detail(
        data,
        errors,
        "Policy",
        lambda: policy(
            ctx.call("GetKeyPolicy", KeyId=key["KeyId"], PolicyName="default").get("Policy")
        ),
    )
    ctx.add(
        str(meta.get("Arn") or key.get("KeyArn") or key["KeyId"]),
        key["KeyId"],
        data,
        api="DescribeKey",
        errors=errors,
    )


SERVICES = (
    Service(
        "kms",
        "kms",
        kinds=(
            Kind(
                "aws.kms.key",
                _keys,
                ("ListKeys", "DescribeKey", "GetKeyRotationStatus", "GetKeyPolicy"),
            ),
        ),
    ),
)
