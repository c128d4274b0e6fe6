"""Load balancers (regional): ALB/NLB/GWLB (elbv2) with listeners and attributes; classic ELBs
with the policies of their listeners (the TLS ciphers and protocols)."""

from __future__ import annotations

from functools import partial
from typing import Any

from .service import Ctx, Kind, Service


def _v2(ctx: Ctx) -> None:
    for lb in ctx.pages("DescribeLoadBalancers", "LoadBalancers"):
        ctx.spawn(partial(_v2_one, ctx, lb))


def _v2_one(ctx: Ctx, lb: dict[str, Any]) -> None:
    arn = lb["LoadBalancerArn"]
    data = dict(lb)
    errors: dict[str, str] = {}
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
    ctx.add(arn, lb.get("LoadBalancerName", arn), data, api="DescribeLoadBalancers", errors=errors)


def _classic(ctx: Ctx) -> None:
    for lb in ctx.pages("DescribeLoadBalancers", "LoadBalancerDescriptions"):
        ctx.spawn(partial(_classic_one, ctx, lb))


def _classic_one(ctx: Ctx, lb: dict[str, Any]) -> None:
    name = lb["LoadBalancerName"]
    data = dict(lb)
    errors: dict[str, str] = {}
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
                ("DescribeLoadBalancers", "DescribeListeners", "DescribeLoadBalancerAttributes"),
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
                ("DescribeLoadBalancers", "DescribeLoadBalancerPolicies"),
            ),
        ),
    ),
)
