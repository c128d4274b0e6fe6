"""CloudFormation → live shapes for services with resource policies: Secrets Manager secrets
(with their resource policy and rotation schedule), SNS topics and SQS queues (with their
policies) and OpenSearch domains (``AWS::OpenSearchService::Domain`` and the older
``AWS::Elasticsearch::Domain``, with their access policy).

A resource policy the template does not set is ``Policy: null`` (``AccessPolicies: null`` for a
domain), as the live collector records "no policy"; an SNS topic gets the access policy SNS
gives a new topic. S3 Glacier vaults have no CloudFormation resource type: their access policy
is checked on live accounts only.
"""

from __future__ import annotations

from typing import Any

from ..template_values import Sym, Unknown
from .shapes import (
    ANY,
    BOOL,
    BOOLSTR,
    MISSING,
    STR,
    Build,
    F,
    Item,
    Out,
    fill,
    joined,
    name_of,
    policy,
)


def secret(item: Item, b: Build) -> None:
    name = item.props.get("Name", Sym(f"${{{item.logical}}}", ref=item.logical))
    out = b.add(Out("aws.secretsmanager.secret", item, name, {}, tags=item.props.get("Tags")))
    out.data["ARN"] = item.physical
    out.data["Name"] = name_of(out, "Name", name)
    fill(out.data, item, [F("KmsKeyId", "KmsKeyId", STR), F("Description", "Description", STR)])
    out.data["RotationEnabled"] = False
    out.data["Policy"] = None  # no resource policy until an AWS::SecretsManager::ResourcePolicy


def secret_policy(item: Item, b: Build) -> None:
    out = b.target(item.props.get("SecretId"), ["AWS::SecretsManager::Secret"])
    if out is None:
        b.skip(item, f"its secret {item.props.get('SecretId')} is not defined in this template")
        return
    out.data["Policy"] = policy(item.props.get("ResourcePolicy"))


def rotation_schedule(item: Item, b: Build) -> None:
    out = b.target(item.props.get("SecretId"), ["AWS::SecretsManager::Secret"])
    if out is None:
        b.skip(item, f"its secret {item.props.get('SecretId')} is not defined in this template")
        return
    out.data["RotationEnabled"] = True
    rules = item.props.get("RotationRules")
    if rules is not None:
        out.data["RotationRules"] = rules
    out.defer("LastRotatedDate", "the first rotation happens after deployment")


def sns_topic(item: Item, b: Build) -> None:
    name = item.props.get("TopicName", Sym(f"${{{item.logical}}}", ref=item.logical))
    out = b.add(Out("aws.sns.topic", item, name, {}, tags=item.props.get("Tags")))
    arn = item.physical
    attrs: dict[str, Any] = {"TopicArn": arn, "Owner": b.account}
    fill(
        attrs,
        item,
        [
            F("KmsMasterKeyId", "KmsMasterKeyId", STR),
            F("DisplayName", "DisplayName", STR, ""),
            F("FifoTopic", "FifoTopic", BOOLSTR),
        ],
    )
    attrs["Policy"] = {  # the access policy SNS gives a topic created without one
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "SNS:GetTopicAttributes",
                    "SNS:SetTopicAttributes",
                    "SNS:AddPermission",
                    "SNS:RemovePermission",
                    "SNS:DeleteTopic",
                    "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic",
                    "SNS:Publish",
                ],
                "Resource": arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": b.account}},
            }
        ],
    }
    out.data["TopicArn"] = arn
    out.data["Attributes"] = attrs


def _each_target(item: Item, b: Build, key: str, types: list[str], fn: Any) -> None:
    targets = item.props.get(key)
    if isinstance(targets, Unknown) or not isinstance(targets, list):
        b.skip(item, f"its {key} cannot be resolved: {targets}")
        return
    for t in targets:
        out = b.target(t, types)
        if out is None:
            b.skip(item, f"{t} in {key} is not defined in this template")
        else:
            fn(out)


def sns_topic_policy(item: Item, b: Build) -> None:
    doc = policy(item.props.get("PolicyDocument", {}))
    _each_target(
        item,
        b,
        "Topics",
        ["AWS::SNS::Topic"],
        lambda o: o.data["Attributes"].__setitem__("Policy", doc),
    )


SQS_FIELDS = (
    F("KmsMasterKeyId", "KmsMasterKeyId", STR),
    F("VisibilityTimeout", "VisibilityTimeout", BOOLSTR, "30"),
    F("MessageRetentionPeriod", "MessageRetentionPeriod", BOOLSTR, "345600"),
    F("DelaySeconds", "DelaySeconds", BOOLSTR, "0"),
    F("FifoQueue", "FifoQueue", BOOLSTR),
    F("RedrivePolicy", "RedrivePolicy", ANY),
)


def sqs_queue(item: Item, b: Build) -> None:
    name = item.props.get("QueueName", Sym(f"${{{item.logical}}}", ref=item.logical))
    out = b.add(Out("aws.sqs.queue", item, name, {}, tags=item.props.get("Tags")))
    attrs: dict[str, Any] = {"QueueArn": Sym(f"${{{item.logical}.Arn}}", ref=item.logical)}
    fill(attrs, item, SQS_FIELDS)
    sse = item.props.get("SqsManagedSseEnabled", MISSING)
    if sse is MISSING:  # SSE-SQS is on for new queues unless a KMS key is set (AWS, 2022)
        sse = "false" if "KmsMasterKeyId" in item.props else "true"
    attrs["SqsManagedSseEnabled"] = BOOLSTR(sse)
    attrs["Policy"] = None  # a queue without a policy (GetQueueAttributes leaves it out)
    out.data["QueueUrl"] = item.physical
    out.data["Attributes"] = attrs


def sqs_queue_policy(item: Item, b: Build) -> None:
    doc = policy(item.props.get("PolicyDocument", {}))
    _each_target(
        item,
        b,
        "Queues",
        ["AWS::SQS::Queue"],
        lambda o: o.data["Attributes"].__setitem__("Policy", doc),
    )


# --- OpenSearch ------------------------------------------------------------------------------

_DOMAIN_FIELDS = (
    F("EncryptionAtRestOptions.Enabled", "EncryptionAtRestOptions.Enabled", BOOL, False),
    F("EncryptionAtRestOptions.KmsKeyId", "EncryptionAtRestOptions.KmsKeyId", STR),
    F("NodeToNodeEncryptionOptions.Enabled", "NodeToNodeEncryptionOptions.Enabled", BOOL, False),
    F("DomainEndpointOptions.EnforceHTTPS", "DomainEndpointOptions.EnforceHTTPS", BOOL, False),
    F("DomainEndpointOptions.TLSSecurityPolicy", "DomainEndpointOptions.TLSSecurityPolicy", STR),
    F("VPCOptions", "VPCOptions", ANY),
)


def domain(item: Item, b: Build) -> None:
    p = item.props
    name = p.get("DomainName", Sym(f"${{{item.logical}}}", ref=item.logical))
    out = b.add(Out("aws.opensearch.domain", item, name, {}, tags=p.get("Tags")))
    d = out.data
    d["DomainName"] = name_of(out, "DomainName", name)
    d["ARN"] = Sym(f"${{{item.logical}.Arn}}", ref=item.logical)
    version = p.get("EngineVersion", MISSING)
    legacy = p.get("ElasticsearchVersion", MISSING)
    if legacy is not MISSING:  # AWS::Elasticsearch::Domain: the version as OpenSearch shows it
        version = legacy if isinstance(legacy, Unknown) else joined("Elasticsearch_", legacy)
    if version is not MISSING:
        d["EngineVersion"] = STR(version)
    fill(d, item, _DOMAIN_FIELDS)
    d["AccessPolicies"] = policy(p.get("AccessPolicies"))


HANDLERS = {
    "AWS::SecretsManager::Secret": secret,
    "AWS::SNS::Topic": sns_topic,
    "AWS::SQS::Queue": sqs_queue,
    "AWS::OpenSearchService::Domain": domain,
    "AWS::Elasticsearch::Domain": domain,
}
JOINS = {
    "AWS::SecretsManager::ResourcePolicy": secret_policy,
    "AWS::SecretsManager::RotationSchedule": rotation_schedule,
    "AWS::SNS::TopicPolicy": sns_topic_policy,
    "AWS::SQS::QueuePolicy": sqs_queue_policy,
}
