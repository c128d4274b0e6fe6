"""CloudWatch Logs (regional): log groups as DescribeLogGroups lists them (retention, KMS key)."""

from __future__ import annotations

from .service import Ctx, Kind, Service


def _log_groups(ctx: Ctx) -> None:
    for g in ctx.pages("DescribeLogGroups", "logGroups"):
        arn = str(g.get("arn") or ctx.arn("logs", f"log-group:{g['logGroupName']}"))
        arn = arn[:-2] if arn.endswith(":*") else arn
        ctx.add(arn, g["logGroupName"], g, api="DescribeLogGroups")


SERVICES = (
    Service(
        "logs", "logs", kinds=(Kind("aws.logs.log_group", _log_groups, ("DescribeLogGroups",)),)
    ),
)
