"""SNS (regional): topics with their attributes (KMS key, delivery policy, access policy)."""

from __future__ import annotations

from functools import partial
from typing import Any

from .calls import policy
from .service import Ctx, Kind, Service


def _topics(ctx: Ctx) -> None:
    for t in ctx.pages("ListTopics", "Topics"):
        ctx.spawn(partial(_topic, ctx, t["TopicArn"]))


def _topic(ctx: Ctx, arn: str) -> None:
    data: dict[str, Any] = {"TopicArn": arn}
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Attributes",
        lambda: _parsed(ctx.call("GetTopicAttributes", TopicArn=arn).get("Attributes") or {}),
    )
    ctx.add(arn, arn.rsplit(":", 1)[-1], data, api="ListTopics", errors=errors)


def _parsed(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes with the policies parsed (they come as JSON text); a topic without an access
    policy gets ``Policy: null`` (no policy), told apart from "not read"."""
    out = {
        k: policy(v) if k in ("Policy", "EffectiveDeliveryPolicy", "DeliveryPolicy") and v else v
        for k, v in attrs.items()
    }
    out.setdefault("Policy", None)
    return out


SERVICES = (
    Service(
        "sns", "sns", kinds=(Kind("aws.sns.topic", _topics, ("ListTopics", "GetTopicAttributes")),)
    ),
)
