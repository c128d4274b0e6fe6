"""AWS Config (regional): recorders, whether they record, and where they deliver."""

from __future__ import annotations

from typing import Any

from .service import Ctx, Kind, Service


def _region(ctx: Ctx) -> None:
    data: dict[str, Any] = {
        "Recorders": ctx.call("DescribeConfigurationRecorders").get("ConfigurationRecorders") or []
    }
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "RecorderStatus",
        lambda: (
            ctx.call("DescribeConfigurationRecorderStatus").get("ConfigurationRecordersStatus")
            or []
        ),
    )
    ctx.detail(
        data,
        errors,
        "DeliveryChannels",
        lambda: ctx.call("DescribeDeliveryChannels").get("DeliveryChannels") or [],
    )
    ctx.add(
        ctx.arn("config", "settings"),
        f"{ctx.account.id}/{ctx.region}",
        data,
        api="DescribeConfigurationRecorders",
        errors=errors,
    )


SERVICES = (
    Service(
        "config",
        "config",
        kinds=(
            Kind(
                "aws.config.region",
                _region,
                (
                    "DescribeConfigurationRecorders",
                    "DescribeConfigurationRecorderStatus",
                    "DescribeDeliveryChannels",
                ),
            ),
        ),
    ),
)
