"""GuardDuty (regional): is a detector on in this region, and which features does it use."""

from __future__ import annotations

from typing import Any

from .service import Ctx, Kind, Service


def _region(ctx: Ctx) -> None:
    ids = ctx.pages("ListDetectors", "DetectorIds")
    data: dict[str, Any] = {"Detectors": []}
    errors: dict[str, str] = {}
    for did in ids:
        try:
            data["Detectors"].append(dict(ctx.call("GetDetector", DetectorId=did), DetectorId=did))
        except Exception as exc:  # noqa: BLE001 — AwsError: the list is incomplete
            errors["Detectors"] = str(exc)
    ctx.add(
        ctx.arn("guardduty", "settings"),
        f"{ctx.account.id}/{ctx.region}",
        data,
        api="ListDetectors",
        errors=errors,
    )


SERVICES = (
    Service(
        "guardduty",
        "guardduty",
        kinds=(Kind("aws.guardduty.region", _region, ("ListDetectors", "GetDetector")),),
    ),
)
