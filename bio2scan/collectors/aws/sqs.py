"""SQS (regional): queues with all their attributes (SSE, KMS key, policy)."""

from __future__ import annotations

from functools import partial
from typing import Any

from .calls import policy
from .service import Ctx, Kind, Service


def _queues(ctx: Ctx) -> None:
    for url in ctx.pages("ListQueues", "QueueUrls"):
        ctx.spawn(partial(_queue, ctx, url))


def _queue(ctx: Ctx, url: str) -> None:
    data: dict[str, Any] = {"QueueUrl": url}
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Attributes",
        lambda: _attributes(
            ctx.call("GetQueueAttributes", QueueUrl=url, AttributeNames=["All"]).get("Attributes")
            or {}
        ),
    )
    name = url.rstrip("/").rsplit("/", 1)[-1]
    arn = (data.get("Attributes") or {}).get("QueueArn") or ctx.arn("sqs", name)
    ctx.add(arn, name, data, api="ListQueues", errors=errors)


def _attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    """The queue's attributes with the policies parsed. ``All`` includes ``Policy`` only when the
    queue has one, so its absence is recorded as ``Policy: null`` (no policy), which a rule can
    tell apart from "not read"."""
    out = {k: policy(v) if k in ("Policy", "RedrivePolicy") and v else v for k, v in attrs.items()}
    out.setdefault("Policy", None)
    return out


SERVICES = (
    Service(
        "sqs", "sqs", kinds=(Kind("aws.sqs.queue", _queues, ("ListQueues", "GetQueueAttributes")),)
    ),
)
