"""Load balancers (regional): ALB/NLB/GWLB (elbv2) with listeners, attributes and tags; classic
ELBs with the policies of their listeners (the TLS ciphers and protocols) and tags.

Tags come from ``DescribeTags``, which takes at most 20 load balancers per call: one call per
batch of 20, each batch a job on the shared pool. A batch whose tags cannot be read records the
error on each of its load balancers (``errors["Tags"]``), so a rule that reads tags says ERROR.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from .calls import AwsError
from .service import Ctx, Kind, Service

TAG_BATCH = 20  # DescribeTags: at most 20 load balancers per call (elbv2 and classic)

Tagged = tuple[dict[str, Any], Any, str | None]  # (load balancer, its tags, why they are unread)


def _tagged(
    ctx: Ctx, lbs: list[dict[str, Any]], key: str, param: str, answer_key: str
) -> list[Tagged]:
    """Each load balancer of one batch with its tags (``[{Key, Value}]``) from one call; the
    answer names each one by ``answer_key`` (elbv2: ``ResourceArn``; classic:
    ``LoadBalancerName``)."""
    params: dict[str, Any] = {param: [lb[key] for lb in lbs]}
    try:
        answer = ctx.call("DescribeTags", **params).get("TagDescriptions") or []
    except AwsError as exc:
        return [(lb, None, exc.reason) for lb in lbs]
    found = {d.get(answer_key): d.get("Tags") or [] for d in answer}
    return [(lb, found.get(lb[key], []), None) for lb in lbs]


def _batches(ctx: Ctx, lbs: list[dict[str, Any]], job: Any) -> None:
    for i in range(0, len(lbs), TAG_BATCH):
        ctx.spawn(partial(job, ctx, lbs[i : i + TAG_BATCH]))


def _set_tags(data: dict[str, Any], errors: dict[str, str], tags: Any, why: str | None) -> None:
    data["Tags"] = tags
    if why is not None:
        errors["Tags"] = why


def _v2(ctx: Ctx) -> None:
    _batches(ctx, ctx.pages("DescribeLoadBalancers", "LoadBalancers"), _v2_batch)


def _v2_batch(ctx: Ctx, lbs: list[dict[str, Any]]) -> None:
    for lb, tags, why in _tagged(ctx, lbs, "LoadBalancerArn", "ResourceArns", "ResourceArn"):
        ctx.spawn(partial(_v2_one, ctx, lb, tags, why))


def _v2_one(ctx: Ctx, lb: dict[str, Any], tags: Any, why: str | None) -> None:
    arn = lb["LoadBalancerArn"]
    data = dict(lb)
    errors: dict[str, str] = {}
    _set_tags(data, errors, tags, why)
    ctx.detail(
        data,
        errors,
        "Listeners",
        lambda: ctx.pages("DescribeListeners", "Listeners", LoadBalancerArn=arn),
    )
    ctx.detail(
        data,
        errors,
        "Attributes",
        lambda: {
            a["Key"]: a.get("Value")
            for a in ctx.call("DescribeLoadBalancerAttributes", LoadBalancerArn=arn).get(
                "Attributes"
            )
            or []
        },
    )
    ctx.add(
        arn,
        lb.get("LoadBalancerName", arn),
        data,
        api="DescribeLoadBalancers",
        tags=tags or None,
        errors=errors,
    )


def _classic(ctx: Ctx) -> None:
    _batches(ctx, ctx.pages("DescribeLoadBalancers", "LoadBalancerDescriptions"), _classic_batch)


def _classic_batch(ctx: Ctx, lbs: list[dict[str, Any]]) -> None:
    for lb, tags, why in _tagged(
        ctx, lbs, "LoadBalancerName", "LoadBalancerNames", "LoadBalancerName"
    ):
        ctx.spawn(partial(_classic_one, ctx, lb, tags, why))


def _classic_one(ctx: Ctx, lb: dict[str, Any], tags: Any, why: str | None) -> None:
    name = lb["LoadBalancerName"]
    data = dict(lb)
    errors: dict[str, str] = {}
    _set_tags(data, errors, tags, why)
    ctx.detail(
        data,
        errors,
        "Policies",
        lambda: (
            ctx.call("DescribeLoadBalancerPolicies", LoadBalancerName=name).get(
                "PolicyDescriptions"
            )
            or []
        ),
    )
    ctx.add(
        ctx.arn("elasticloadbalancing", f"loadbalancer/{name}"),
        name,
        data,
        api="DescribeLoadBalancers",
        tags=tags or None,
        errors=errors,
    )


SERVICES = (
    Service(
        "elbv2",
        "elasticloadbalancing",
        kinds=(
            Kind(
                "aws.elbv2.load_balancer",
                _v2,
                (
                    "DescribeLoadBalancers",
                    "DescribeTags",
                    "DescribeListeners",
                    "DescribeLoadBalancerAttributes",
                ),
            ),
        ),
    ),
    Service(
        "elb",
        "elasticloadbalancing",
        kinds=(
            Kind(
                "aws.elb.load_balancer",
                _classic,
                ("DescribeLoadBalancers", "DescribeTags", "DescribeLoadBalancerPolicies"),
            ),
        ),
    ),
)
