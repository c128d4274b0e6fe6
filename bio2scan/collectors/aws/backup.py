"""AWS Backup (regional): vaults (with their lock settings) and plans with rules and selections."""

from __future__ import annotations

from functools import partial
from typing import Any

from .service import Ctx, Kind, Service


def _vaults(ctx: Ctx) -> None:
    for v in ctx.pages("ListBackupVaults", "BackupVaultList"):
        ctx.add(v["BackupVaultArn"], v["BackupVaultName"], v, api="ListBackupVaults")


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
            Kind("aws.backup.vault", _vaults, ("ListBackupVaults",)),
            Kind(
                "aws.backup.plan",
                _plans,
                ("ListBackupPlans", "GetBackupPlan", "ListBackupSelections"),
            ),
        ),
    ),
)
