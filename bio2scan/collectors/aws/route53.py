"""Route 53 (global): hosted zones and, for public zones, their DNSSEC signing status."""

from __future__ import annotations

from functools import partial
from typing import Any

from .service import Ctx, Kind, Service


def _zones(ctx: Ctx) -> None:
    for z in ctx.pages("ListHostedZones", "HostedZones"):
        ctx.spawn(partial(_zone, ctx, z))


def _zone(ctx: Ctx, zone: dict[str, Any]) -> None:
    zid = zone["Id"].rsplit("/", 1)[-1]
    data = dict(zone)
    errors: dict[str, str] = {}
    if (zone.get("Config") or {}).get("PrivateZone"):
        data["DNSSEC"] = None  # DNSSEC signing exists only for public zones
    else:
        ctx.detail(
            data, errors, "DNSSEC", lambda: ctx.call("GetDNSSEC", HostedZoneId=zid).get("Status")
        )
    ctx.add(
        f"arn:aws:route53:::hostedzone/{zid}",
        zone.get("Name") or zid,
        data,
        api="ListHostedZones",
        region=None,
        errors=errors,
    )


SERVICES = (
    Service(
        "route53",
        "route53",
        regional=False,
        kinds=(Kind("aws.route53.hosted_zone", _zones, ("ListHostedZones", "GetDNSSEC")),),
    ),
)
