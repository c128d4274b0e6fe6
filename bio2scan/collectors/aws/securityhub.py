"""Security Hub (regional): is the hub on, and which standards are enabled. A region where the
account is not subscribed answers DescribeHub with an access error that says so: that is
"not enabled" (``Hub`` null), not an error."""

from __future__ import annotations

from typing import Any

from .calls import AwsError
from .service import Ctx, Kind, Service

_NOT_SUBSCRIBED = ("not subscribed", "is not enabled", "not enabled for")


def _region(ctx: Ctx) -> None:
    data: dict[str, Any] = {"Hub": None, "Standards": []}
    errors: dict[str, str] = {}
    try:
        data["Hub"] = ctx.call("DescribeHub")
    except AwsError as exc:
        if (
            not any(t in exc.message.lower() for t in _NOT_SUBSCRIBED)
            and exc.aws_code != "ResourceNotFoundException"
        ):
            raise
    if data["Hub"] is not None:
        ctx.detail(
            data,
            errors,
            "Standards",
            lambda: ctx.pages("GetEnabledStandards", "StandardsSubscriptions"),
        )
    ctx.add(
        ctx.arn("securityhub", "settings"),
        f"{ctx.account.id}/{ctx.region}",
        data,
        api="DescribeHub",
        errors=errors,
    )


SERVICES = (
    Service(
        "securityhub",
        "securityhub",
        kinds=(Kind("aws.securityhub.region", _region, ("DescribeHub", "GetEnabledStandards")),),
    ),
)
