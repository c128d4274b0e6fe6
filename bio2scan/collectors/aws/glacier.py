"""S3 Glacier (regional): vaults with their access policy (``Policy``; ``null`` when none)."""

from __future__ import annotations

from functools import partial
from typing import Any

from .calls import policy
from .service import Ctx, Kind, Service


def _vaults(ctx: Ctx) -> None:
    for v in ctx.pages("ListVaults", "VaultList", accountId="-"):
        ctx.spawn(partial(_vault, ctx, v))


def _vault(ctx: Ctx, vault: dict[str, Any]) -> None:
    data = dict(vault)
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Policy",
        lambda: policy(
            (
                ctx.call("GetVaultAccessPolicy", accountId="-", vaultName=vault["VaultName"]).get(
                    "policy"
                )
                or {}
            ).get("Policy")
        ),
        absent=("ResourceNotFoundException",),
    )
    ctx.add(vault["VaultARN"], vault["VaultName"], data, api="ListVaults", errors=errors)


SERVICES = (
    Service(
        "glacier",
        "glacier",
        kinds=(Kind("aws.glacier.vault", _vaults, ("ListVaults", "GetVaultAccessPolicy")),),
    ),
)
