"""Secrets Manager (regional): secrets' metadata (rotation, KMS key, last use) — never values."""

from __future__ import annotations

from .service import Ctx, Kind, Service


def _secrets(ctx: Ctx) -> None:
    for s in ctx.pages("ListSecrets", "SecretList"):
        ctx.add(s["ARN"], s.get("Name") or s["ARN"], s, api="ListSecrets", tags=s.get("Tags"))


SERVICES = (
    Service(
        "secretsmanager",
        "secretsmanager",
        kinds=(Kind("aws.secretsmanager.secret", _secrets, ("ListSecrets",)),),
    ),
)
