"""What bio2scan knows about CloudFormation resource types, as data: which types become which
live resource type (and which are joined into another, which are only read through another),
what ``Ref`` of each returns, and which ``Fn::GetAtt`` attributes equal ``Ref``."""

from __future__ import annotations

from collections.abc import Callable

from . import aws_compute, aws_ec2, aws_edge, aws_iam, aws_messaging, aws_regional, aws_storage
from .shapes import Build, Item

Handler = Callable[[Item, Build], None]

HANDLERS: dict[str, Handler] = {
    **aws_storage.HANDLERS,
    **aws_ec2.HANDLERS,
    **aws_edge.HANDLERS,
    **aws_regional.HANDLERS,
    **aws_compute.HANDLERS,
    **aws_iam.HANDLERS,
    **aws_messaging.HANDLERS,
}
JOINS: dict[str, Handler] = {
    **aws_storage.JOINS,
    **aws_ec2.JOINS,
    **aws_edge.JOINS,
    **aws_regional.JOINS,
    **aws_compute.JOINS,
    **aws_iam.JOINS,
    **aws_messaging.JOINS,
}
POST: tuple[Callable[[Build], None], ...] = (*aws_ec2.POST,)

# Read through the resources that use them (an instance's subnet, its Elastic IP): no record of
# their own, and no "not checked" notice.
CONSUMED = frozenset(
    {
        "AWS::EC2::Subnet",
        "AWS::EC2::EIP",
        "AWS::EC2::EIPAssociation",
    }
)

# The live resource type each CloudFormation type becomes (for --rules filtering and docs).
LIVE_TYPE = {
    "AWS::S3::Bucket": "aws.s3.bucket",
    "AWS::Logs::LogGroup": "aws.logs.log_group",
    "AWS::ECR::Repository": "aws.ecr.repository",
    "AWS::KMS::Key": "aws.kms.key",
    "AWS::SecretsManager::Secret": "aws.secretsmanager.secret",
    "AWS::SNS::Topic": "aws.sns.topic",
    "AWS::SQS::Queue": "aws.sqs.queue",
    "AWS::Backup::BackupVault": "aws.backup.vault",
    "AWS::Backup::BackupPlan": "aws.backup.plan",
    "AWS::EC2::SecurityGroup": "aws.ec2.security_group",
    "AWS::EC2::PrefixList": "aws.ec2.prefix_list",
    "AWS::EC2::Instance": "aws.ec2.instance",
    "AWS::EC2::Volume": "aws.ec2.volume",
    "AWS::EC2::VPC": "aws.ec2.vpc",
    "AWS::EC2::NetworkAcl": "aws.ec2.network_acl",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "aws.elbv2.load_balancer",
    "AWS::ElasticLoadBalancing::LoadBalancer": "aws.elb.load_balancer",
    "AWS::CloudFront::Distribution": "aws.cloudfront.distribution",
    "AWS::Route53::HostedZone": "aws.route53.hosted_zone",
    "AWS::CloudTrail::Trail": "aws.cloudtrail.trail",
    "AWS::GuardDuty::Detector": "aws.guardduty.region",
    "AWS::SecurityHub::Hub": "aws.securityhub.region",
    "AWS::Config::ConfigurationRecorder": "aws.config.region",
    "AWS::AccessAnalyzer::Analyzer": "aws.accessanalyzer.region",
    "AWS::IAM::Role": "aws.iam.role",
    "AWS::IAM::User": "aws.iam.user",
    "AWS::IAM::Group": "aws.iam.group",
    "AWS::OpenSearchService::Domain": "aws.opensearch.domain",
    "AWS::Elasticsearch::Domain": "aws.opensearch.domain",
    "AWS::IAM::ManagedPolicy": "aws.iam.policy",
    "AWS::Lambda::Function": "aws.lambda.function",
    "AWS::RDS::DBInstance": "aws.rds.db_instance",
    "AWS::RDS::DBCluster": "aws.rds.db_cluster",
    "AWS::EKS::Cluster": "aws.eks.cluster",
    "AWS::CertificateManager::Certificate": "aws.acm.certificate",
}
RESOURCE_TYPES: tuple[str, ...] = tuple(sorted(set(LIVE_TYPE.values())))
GLOBAL_TYPES = frozenset(
    {
        "aws.iam.role",
        "aws.iam.user",
        "aws.iam.group",
        "aws.iam.policy",
        "aws.cloudfront.distribution",
        "aws.route53.hosted_zone",
    }
)

# Ref of these types returns this property when the template sets it (else a generated name).
REF_NAME = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
    "AWS::RDS::DBCluster": "DBClusterIdentifier",
    "AWS::EKS::Cluster": "Name",
    "AWS::CloudTrail::Trail": "TrailName",
    "AWS::ElasticLoadBalancing::LoadBalancer": "LoadBalancerName",
    "AWS::Backup::BackupVault": "BackupVaultName",
    "AWS::Config::ConfigurationRecorder": "Name",
    "AWS::Config::DeliveryChannel": "Name",
    "AWS::EC2::LaunchTemplate": None,
}

# GetAtt attributes that return exactly what Ref returns.
GETATT_IS_REF = frozenset(
    {
        ("AWS::EC2::SecurityGroup", "GroupId"),
        ("AWS::EC2::PrefixList", "PrefixListId"),
        ("AWS::KMS::Key", "KeyId"),
        ("AWS::SQS::Queue", "QueueUrl"),
        ("AWS::SNS::Topic", "TopicArn"),
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerArn"),
        ("AWS::ElasticLoadBalancingV2::Listener", "ListenerArn"),
        ("AWS::SecretsManager::Secret", "Id"),
        ("AWS::IAM::ManagedPolicy", "PolicyArn"),
        ("AWS::Backup::BackupPlan", "BackupPlanId"),
        ("AWS::Route53::HostedZone", "Id"),
        ("AWS::EC2::Volume", "VolumeId"),
        ("AWS::EC2::VPC", "VpcId"),
        ("AWS::EC2::Instance", "InstanceId"),
        ("AWS::EC2::NetworkAcl", "Id"),
        ("AWS::EC2::LaunchTemplate", "LaunchTemplateId"),
        ("AWS::GuardDuty::Detector", "Id"),
        ("AWS::CertificateManager::Certificate", "Id"),
    }
)


def ref_name(rtype: str) -> str | None:
    return REF_NAME.get(rtype)


def getatt_is_ref(rtype: str, attr: str) -> bool:
    return (rtype, attr) in GETATT_IS_REF
