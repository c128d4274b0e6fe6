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
        lambda: {
            k: policy(v) if k in ("Policy", "RedrivePolicy") and v else v
            for k, v in (
                ctx.call("GetQueueAttributes", QueueUrl=url, AttributeNames=["All"]).get(
                    "Attributes"
                )
                or {}
            ).items()
        },
    )
    name = url.rstrip("/").rsplit("/", 1)[-1]
    arn = (data.get("Attributes") or {}).get("QueueArn") or ctx.arn("sqs", name)
    ctx.add(arn, name, data, api="ListQueues", errors=errors)


SERVICES = (
    Service(
        "sqs", "sqs", kinds=(Kind("aws.sqs.queue", _queues, ("ListQueues", "GetQueueAttributes")),)
    ),
)
