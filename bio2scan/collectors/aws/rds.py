"""RDS and Aurora (regional): DB instances, DB clusters, and manual/automated DB snapshots with
their sharing attributes (``restore`` = who may copy the snapshot)."""

from __future__ import annotations

from functools import partial
from typing import Any

from .service import Ctx, Kind, Service


def _instances(ctx: Ctx) -> None:
    for db in ctx.pages("DescribeDBInstances", "DBInstances"):
        ctx.add(
            db["DBInstanceArn"],
            db["DBInstanceIdentifier"],
            db,
            api="DescribeDBInstances",
            tags=db.get("TagList"),
        )


def _clusters(ctx: Ctx) -> None:
    for c in ctx.pages("DescribeDBClusters", "DBClusters"):
        ctx.add(
            c["DBClusterArn"],
            c["DBClusterIdentifier"],
            c,
            api="DescribeDBClusters",
            tags=c.get("TagList"),
        )


def _snapshots(ctx: Ctx) -> None:
    for snap in ctx.pages("DescribeDBSnapshots", "DBSnapshots"):
        ctx.spawn(partial(_snapshot, ctx, snap))


def _snapshot(ctx: Ctx, snap: dict[str, Any]) -> None:
    data = dict(snap)
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Attributes",
        lambda: (
            (
                ctx.call(
                    "DescribeDBSnapshotAttributes",
                    DBSnapshotIdentifier=snap["DBSnapshotIdentifier"],
                ).get("DBSnapshotAttributesResult")
                or {}
            ).get("DBSnapshotAttributes")
            or []
        ),
    )
    ctx.add(
        snap["DBSnapshotArn"],
        snap["DBSnapshotIdentifier"],
        data,
        api="DescribeDBSnapshots",
        tags=snap.get("TagList"),
        errors=errors,
    )


SERVICES = (
    Service(
        "rds",
        "rds",
        kinds=(
            Kind("aws.rds.db_instance", _instances, ("DescribeDBInstances",)),
            Kind("aws.rds.db_cluster", _clusters, ("DescribeDBClusters",)),
            Kind(
                "aws.rds.snapshot",
                _snapshots,
                ("DescribeDBSnapshots", "DescribeDBSnapshotAttributes"),
            ),
        ),
    ),
)
