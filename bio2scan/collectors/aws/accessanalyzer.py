"""IAM Access Analyzer (regional): the analyzers of the region (account or organization zone of
trust). moto does not implement it: the scan records an Unsupported error, rules say ERROR."""

from __future__ import annotations

from .service import Ctx, Kind, Service


def _region(ctx: Ctx) -> None:
    analyzers = ctx.pages("ListAnalyzers", "analyzers")
    ctx.add(
        ctx.arn("access-analyzer", "settings"),
        f"{ctx.account.id}/{ctx.region}",
        {"Analyzers": analyzers},
        api="ListAnalyzers",
    )


SERVICES = (
    Service(
        "accessanalyzer",
        "access-analyzer",
        kinds=(Kind("aws.accessanalyzer.region", _region, ("ListAnalyzers",)),),
    ),
)
