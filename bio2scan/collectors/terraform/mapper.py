"""Instances → live-shaped resources: each instance goes to its type's mapper (which builds a
resource) or joiner (which adds to a resource built by another: a bucket policy, a security
group rule); joiners run after every mapper. A type with neither is *not checked* and listed.
An instance whose ``count``/``for_each`` could not be worked out is mapped once, with every
rule on it ERROR (unresolved) or NOT_APPLICABLE (known only after apply)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...model import Resource
from .aws_common import AwsCtx
from .config import Instance
from .mapping import Registry, finalize
from .values import Unknown, Unresolved


def _tables() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    from . import aws_map, aws_map2, aws_map3, azure_map2

    aws_m = {**aws_map.MAPPERS, **aws_map2.MAPPERS, **aws_map3.MAPPERS}
    aws_j = {**aws_map.JOINS, **aws_map2.JOINS, **aws_map3.JOINS}
    return aws_m, aws_j, azure_map2.MAPPERS, azure_map2.JOINS


# the resource types the mappings produce (checked by a test against the mapping functions)
PRODUCED = (
    "aws.s3.bucket",
    "aws.s3.account_public_access_block",
    "aws.ec2.security_group",
    "aws.ec2.instance",
    "aws.ec2.volume",
    "aws.ec2.snapshot",
    "aws.ec2.vpc",
    "aws.ec2.network_acl",
    "aws.ec2.region_settings",
    "aws.kms.key",
    "aws.logs.log_group",
    "aws.iam.user",
    "aws.iam.role",
    "aws.iam.policy",
    "aws.iam.account",
    "aws.cloudtrail.trail",
    "aws.rds.db_instance",
    "aws.rds.db_cluster",
    "aws.rds.snapshot",
    "aws.lambda.function",
    "aws.sqs.queue",
    "aws.sns.topic",
    "aws.ecr.repository",
    "aws.eks.cluster",
    "aws.elbv2.load_balancer",
    "aws.elb.load_balancer",
    "aws.guardduty.region",
    "aws.securityhub.region",
    "aws.config.region",
    "aws.inspector2.region",
    "aws.accessanalyzer.region",
    "aws.backup.vault",
    "aws.backup.plan",
    "aws.secretsmanager.secret",
    "aws.route53.hosted_zone",
    "aws.acm.certificate",
    "azure.storage.account",
    "azure.keyvault.vault",
    "azure.network.nsg",
    "azure.network.virtual_network",
    "azure.network.flow_log",
    "azure.network.network_interface",
    "azure.compute.vm",
    "azure.compute.disk",
    "azure.sql.server",
    "azure.sql.database",
    "azure.dbforpostgresql.flexible_server",
    "azure.dbformysql.flexible_server",
    "azure.web.site",
    "azure.containerservice.managed_cluster",
    "azure.recoveryservices.vault",
    "azure.documentdb.account",
    "azure.servicebus.namespace",
    "azure.security.pricing",
    "azure.authorization.role_definition",
    "azure.authorization.lock",
)


def produced_types() -> tuple[str, ...]:
    return PRODUCED


@dataclass
class Mapped:
    resources: list[Resource] = field(default_factory=list)
    notices: list[tuple[str, str, int, str]] = field(default_factory=list)
    providers: set[str] = field(default_factory=set)


def map_instances(
    instances: list[Instance], providers: Mapping[str, Any], account: str, subscription: str
) -> Mapped:
    from .azure_map import AzCtx

    aws_m, aws_j, az_m, az_j = _tables()
    reg = Registry()
    actx = AwsCtx(reg, providers, account)
    zctx = AzCtx(reg, subscription)
    joins: list[tuple[Any, Instance, Any]] = []
    specials: dict[str, Any] = {}
    result = Mapped()
    for inst in instances:
        special = inst.values.get("__count__")
        if special is not None:
            specials[inst.address] = special
            inst.values = {}
        ctx: Any = actx if inst.type.startswith("aws_") else zctx
        if inst.type.startswith("aws_"):
            result.providers.add("aws")
        elif inst.type.startswith(("azurerm_", "azapi_")):
            result.providers.add("azure")
        table_m = aws_m if ctx is actx else az_m
        table_j = aws_j if ctx is actx else az_j
        if inst.type in table_m:
            table_m[inst.type](inst, ctx)
        elif inst.type in table_j:
            joins.append((table_j[inst.type], inst, ctx))
        else:
            reg.notices.append((inst.type, inst.file, inst.line, ""))
    for fn, inst, ctx in joins:
        fn(inst, ctx)
    for out in reg.outs:
        special = specials.get(out.inst.address)
        if isinstance(special, Unresolved):
            out.errors["*"] = f"count/for_each: {special.reason}"
        elif isinstance(special, Unknown):
            out.deferred["*"] = f"count/for_each: {special.origin} is known only after apply"
        default = account if out.type.startswith("aws.") else subscription
        result.resources.append(finalize(out, default))
    result.notices = reg.notices
    return result
