"""CloudFront (global): distributions as ListDistributions summarises them, plus their access
logging setting (only in the full configuration)."""

from __future__ import annotations

from functools import partial
from typing import Any

from .service import Ctx, Kind, Service


def _distributions(ctx: Ctx) -> None:
    for d in ctx.pages("ListDistributions", "DistributionList.Items"):
        ctx.spawn(partial(_distribution, ctx, d))


def _distribution(ctx: Ctx, d: dict[str, Any]) -> None:
    data = dict(d)
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Logging",
        lambda: (ctx.call("GetDistributionConfig", Id=d["Id"]).get("DistributionConfig") or {}).get(
            "Logging"
        ),
    )
    ctx.add(
        d["ARN"],
        d.get("DomainName") or d["Id"],
        data,
        api="ListDistributions",
        region=None,
        errors=errors,
    )


SERVICES = (
    Service(
        "cloudfront",
        "cloudfront",
        regional=False,
        kinds=(
            Kind(
                "aws.cloudfront.distribution",
                _distributions,
                ("ListDistributions", "GetDistributionConfig"),
            ),
        ),
    ),
)
