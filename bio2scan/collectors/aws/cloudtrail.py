"""CloudTrail (regional): trails with their status and event selectors, each listed once in its
home region; and one ``aws.cloudtrail.account`` per account with every trail it has and the status
of each multi-region one — so an account without any trail fails rather than has nothing to
evaluate.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from .service import Ctx, Kind, Service

_TRAIL_OPS = ("DescribeTrails", "GetTrailStatus", "GetEventSelectors")


def _trails(ctx: Ctx) -> None:
    for trail in ctx.call("DescribeTrails", includeShadowTrails=False).get("trailList") or []:
        if trail.get("HomeRegion", ctx.region) == ctx.region:
            ctx.spawn(partial(_trail, ctx, trail))


def _trail(ctx: Ctx, trail: dict[str, Any]) -> None:
    arn = trail["TrailARN"]
    data = dict(trail)
    errors: dict[str, str] = {}
    ctx.detail(data, errors, "Status", lambda: ctx.call("GetTrailStatus", Name=arn))
    selectors: dict[str, Any] = {}
    try:
        selectors = ctx.call("GetEventSelectors", TrailName=arn)
    except Exception as exc:  # noqa: BLE001 — AwsError: both keys are unknown
        errors["EventSelectors"] = errors["AdvancedEventSelectors"] = str(exc)
    data["EventSelectors"] = selectors.get("EventSelectors") or []
    data["AdvancedEventSelectors"] = selectors.get("AdvancedEventSelectors") or []
    ctx.add(arn, trail.get("Name", arn), data, api="DescribeTrails", errors=errors)


def _account(ctx: Ctx) -> None:
    """Seen from one region (the account's first scanned one): every trail of the account that
    CloudTrail shows there (multi-region trails show in every region), each multi-region trail
    with its status. The collector records; the rule judges."""
    region = ctx.account.regions[0] if ctx.account.regions else None
    trails = (
        ctx.call("DescribeTrails", region=region, includeShadowTrails=True).get("trailList") or []
    )
    data: dict[str, Any] = {"Trails": []}
    errors: dict[str, str] = {}
    for i, t in enumerate(trails):
        entry = {k: t.get(k) for k in ("TrailARN", "Name", "HomeRegion", "IsMultiRegionTrail")}
        if t.get("IsMultiRegionTrail"):
            try:
                entry["Status"] = ctx.call(
                    "GetTrailStatus", region=t.get("HomeRegion") or region, Name=t["TrailARN"]
                )
            except Exception as exc:  # noqa: BLE001 — AwsError: this trail's status is unknown
                entry["Status"] = None
                errors[f"Trails[{i}].Status"] = str(exc)
        data["Trails"].append(entry)
    ctx.add(
        f"arn:aws:cloudtrail::{ctx.account.id}:account",
        ctx.account.id,
        data,
        api="DescribeTrails",
        region=None,
        errors=errors,
    )


SERVICES = (
    Service("cloudtrail", "cloudtrail", kinds=(Kind("aws.cloudtrail.trail", _trails, _TRAIL_OPS),)),
    Service(
        "cloudtrail",
        "cloudtrail",
        regional=False,
        kinds=(Kind("aws.cloudtrail.account", _account, ("DescribeTrails", "GetTrailStatus")),),
    ),
)
