"""Secrets Manager (regional): secrets' metadata (rotation, KMS key, last use) and each secret's
resource policy (``Policy``; ``null`` when it has none) — never values."""

from __future__ import annotations

from functools import partial
from typing import Any

from .calls import policy
from .service import Ctx, Kind, Service


def _secrets(ctx: Ctx) -> None:
    for s in ctx.pages("ListSecrets", "SecretList"):
        ctx.spawn(partial(_secret, ctx, s))


def _secret(ctx: Ctx, secret: dict[str, Any]) -> None:
    data = dict(secret)
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Policy",
        lambda: policy(ctx.call("GetResourcePolicy", SecretId=secret["ARN"]).get("ResourcePolicy")),
    )
    ctx.add(
        secret["ARN"],
        secret.get("Name") or secret["ARN"],
        data,
        api="ListSecrets",
        tags=secret.get("Tags"),
        errors=errors,
    )


SERVICES = (
    Service(
        "secretsmanager",
        "secretsmanager",
        kinds=(Kind("aws.secretsmanager.secret", _secrets, ("ListSecrets", "GetResourcePolicy")),),
    ),
)
