"""AWS Backup (regional): vaults (with their lock settings and access policy) and plans with rules
and selections."""

from __future__ import annotations

from functools import partial
from typing import Any

from .calls import policy
from .service import Ctx, Kind, Service


def _vaults(ctx: Ctx) -> None:
    for v in ctx.pages("ListBackupVaults", "BackupVaultList"):
        ctx.spawn(partial(_vault, ctx, v))


def _vault(ctx: Ctx, vault: dict[str, Any]) -> None:
    data = dict(vault)
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Policy",
        lambda: policy(
            ctx.call("GetBackupVaultAccessPolicy", BackupVaultName=vault["BackupVaultName"]).get(
                "Policy"
            )
        ),
        absent=("ResourceNotFoundException",),
    )
    ctx.add(
        vault["BackupVaultArn"],
        vault["BackupVaultName"],
        data,
        api="ListBackupVaults",
        errors=errors,
    )


def _plans(ctx: Ctx) -> None:
    for p in ctx.pages("ListBackupPlans", "BackupPlansList"):
        ctx.spawn(partial(_plan, ctx, p))


def _plan(ctx: Ctx, plan: dict[str, Any]) -> None:
    pid = plan["BackupPlanId"]
    data = dict(plan)
    errors: dict[str, str] = {}
    ctx.detail(
        data, errors, "Plan", lambda: ctx.call("GetBackupPlan", BackupPlanId=pid).get("BackupPlan")
    )
    ctx.detail(
        data,
        errors,
        "Selections",
        lambda: ctx.pages("ListBackupSelections", "BackupSelectionsList", BackupPlanId=pid),
    )
    ctx.add(
        plan["BackupPlanArn"],
        plan.get("BackupPlanName") or pid,
        data,
        api="ListBackupPlans",
        errors=errors,
    )


SERVICES = (
    Service(
        "backup",
        "backup",
        kinds=(
            Kind("aws.backup.vault", _vaults, ("ListBackupVaults", "GetBackupVaultAccessPolicy")),
            Kind(
                "aws.backup.plan",
                _plans,
                ("ListBackupPlans", "GetBackupPlan", "ListBackupSelections"),
            ),
        ),
    ),
)
