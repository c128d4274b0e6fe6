"""EKS (regional): clusters as DescribeCluster returns them (endpoint access, secrets encryption,
control-plane logging)."""

from __future__ import annotations

from functools import partial

from .service import Ctx, Kind, Service


def _clusters(ctx: Ctx) -> None:
    for name in ctx.pages("ListClusters", "clusters"):
        ctx.spawn(partial(_cluster, ctx, name))


def _cluster(ctx: Ctx, name: str) -> None:
    c = ctx.call("DescribeCluster", name=name).get("cluster") or {}
    ctx.add(
        c.get("arn") or ctx.arn("eks", f"cluster/{name}"),
        name,
        c,
        api="DescribeCluster",
        tags=c.get("tags"),
    )


SERVICES = (
    Service(
        "eks",
        "eks",
        kinds=(Kind("aws.eks.cluster", _clusters, ("ListClusters", "DescribeCluster")),),
    ),
)
