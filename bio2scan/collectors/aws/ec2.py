"""EC2 and VPC (regional): security groups, managed prefix lists with their entries (AWS-managed
ones too: security groups refer to them), instances, volumes, own snapshots and images (with who
may use them), VPCs with their flow logs, network ACLs, and the region's EBS defaults."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from .calls import AwsError
from .service import Ctx, Kind, Service


def _name(item: dict[str, Any], fallback: str) -> str:
    for t in item.get("Tags") or ():
        if isinstance(t, dict) and t.get("Key") == "Name" and t.get("Value"):
            return str(t["Value"])
    return fallback


def _simple(
    op: str,
    key: str,
    id_key: str,
    arn_kind: str,
    items: Callable[[list[Any]], list[dict[str, Any]]] = lambda x: x,
    **params: Any,
) -> Callable[[Ctx], None]:
    """A kind whose listing is all its data."""

    def collect(ctx: Ctx) -> None:
        for item in items(ctx.pages(op, key, **params)):
            ctx.add(
                ctx.arn("ec2", f"{arn_kind}/{item[id_key]}"),
                _name(item, item[id_key]),
                item,
                api=op,
                tags=item.get("Tags"),
            )

    return collect


def _instances(reservations: list[Any]) -> list[dict[str, Any]]:
    return [i for r in reservations for i in r.get("Instances") or ()]


def _snapshots(ctx: Ctx) -> None:
    for snap in ctx.pages("DescribeSnapshots", "Snapshots", OwnerIds=["self"]):
        ctx.spawn(
            partial(
                _shared_item,
                ctx,
                snap,
                "SnapshotId",
                "snapshot",
                "DescribeSnapshots",
                "DescribeSnapshotAttribute",
                "createVolumePermission",
                "CreateVolumePermissions",
            )
        )


def _images(ctx: Ctx) -> None:
    for image in ctx.pages("DescribeImages", "Images", Owners=["self"]):
        ctx.spawn(
            partial(
                _shared_item,
                ctx,
                image,
                "ImageId",
                "image",
                "DescribeImages",
                "DescribeImageAttribute",
                "launchPermission",
                "LaunchPermissions",
            )
        )


def _shared_item(
    ctx: Ctx,
    item: dict[str, Any],
    id_key: str,
    arn_kind: str,
    list_op: str,
    attr_op: str,
    attribute: str,
    key: str,
) -> None:
    """A snapshot or image plus the accounts/groups it is shared with."""
    data = dict(item)
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        key,
        lambda: ctx.call(attr_op, Attribute=attribute, **{id_key: item[id_key]}).get(key) or [],
    )
    ctx.add(
        ctx.arn("ec2", f"{arn_kind}/{item[id_key]}"),
        _name(item, item[id_key]),
        data,
        api=list_op,
        tags=item.get("Tags"),
        errors=errors,
    )


def _vpcs(ctx: Ctx) -> None:
    vpcs = ctx.pages("DescribeVpcs", "Vpcs")
    flow: dict[str, list[Any]] = {}
    failed: AwsError | None = None
    if vpcs:
        try:
            for fl in ctx.pages("DescribeFlowLogs", "FlowLogs"):
                flow.setdefault(str(fl.get("ResourceId")), []).append(fl)
        except AwsError as exc:
            failed = exc
    for vpc in vpcs:
        data = dict(vpc, FlowLogs=flow.get(vpc["VpcId"], []))
        ctx.add(
            ctx.arn("ec2", f"vpc/{vpc['VpcId']}"),
            _name(vpc, vpc["VpcId"]),
            data,
            api="DescribeVpcs",
            tags=vpc.get("Tags"),
            errors={"FlowLogs": failed.reason} if failed else None,
        )


def _region_settings(ctx: Ctx) -> None:
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "EbsEncryptionByDefault",
        lambda: ctx.call("GetEbsEncryptionByDefault").get("EbsEncryptionByDefault"),
    )
    ctx.detail(
        data,
        errors,
        "SnapshotBlockPublicAccess",
        lambda: ctx.call("GetSnapshotBlockPublicAccessState").get("State"),
    )
    ctx.add(
        ctx.arn("ec2", "settings"),
        f"{ctx.account.id}/{ctx.region}",
        data,
        api="GetEbsEncryptionByDefault",
        errors=errors,
    )


def _prefix_lists(ctx: Ctx) -> None:
    for pl in ctx.pages("DescribeManagedPrefixLists", "PrefixLists"):
        ctx.spawn(partial(_prefix_list, ctx, pl))


def _prefix_list(ctx: Ctx, pl: dict[str, Any]) -> None:
    data = dict(pl)
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Entries",
        lambda: ctx.pages(
            "GetManagedPrefixListEntries", "Entries", PrefixListId=pl["PrefixListId"]
        ),
    )
    ctx.add(
        pl.get("PrefixListArn") or ctx.arn("ec2", f"prefix-list/{pl['PrefixListId']}"),
        pl.get("PrefixListName") or pl["PrefixListId"],
        data,
        api="DescribeManagedPrefixLists",
        tags=pl.get("Tags"),
        errors=errors,
    )


SERVICES = (
    Service(
        "ec2",
        "ec2",
        kinds=(
            Kind(
                "aws.ec2.security_group",
                _simple("DescribeSecurityGroups", "SecurityGroups", "GroupId", "security-group"),
                ("DescribeSecurityGroups",),
            ),
            Kind(
                "aws.ec2.prefix_list",
                _prefix_lists,
                ("DescribeManagedPrefixLists", "GetManagedPrefixListEntries"),
            ),
            Kind(
                "aws.ec2.instance",
                _simple("DescribeInstances", "Reservations", "InstanceId", "instance", _instances),
                ("DescribeInstances",),
            ),
            Kind(
                "aws.ec2.volume",
                _simple("DescribeVolumes", "Volumes", "VolumeId", "volume"),
                ("DescribeVolumes",),
            ),
            Kind(
                "aws.ec2.snapshot", _snapshots, ("DescribeSnapshots", "DescribeSnapshotAttribute")
            ),
            Kind("aws.ec2.image", _images, ("DescribeImages", "DescribeImageAttribute")),
            Kind("aws.ec2.vpc", _vpcs, ("DescribeVpcs", "DescribeFlowLogs")),
            Kind(
                "aws.ec2.network_acl",
                _simple("DescribeNetworkAcls", "NetworkAcls", "NetworkAclId", "network-acl"),
                ("DescribeNetworkAcls",),
            ),
            Kind(
                "aws.ec2.region_settings",
                _region_settings,
                ("GetEbsEncryptionByDefault", "GetSnapshotBlockPublicAccessState"),
            ),
        ),
    ),
)
