"""The CloudFormation → live mapping, attribute by attribute: each case sets one property (or
leaves it out) and names the live path and value the live ``aws`` collector would show, from
the CloudFormation resource reference and the boto3 response shapes. ``test_every_table_field
_has_a_case`` keeps the field tables and these cases together."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from bio2scan import api
from bio2scan.collectors.cloudformation import (
    aws_compute,
    aws_messaging,
    aws_regional,
    aws_storage,
)

DEFERRED = object()  # the live path is "known only after deployment"
ERROR = object()  # the live path is unresolved
MISSING = object()  # the live path is absent
OWNER = "${BucketOwner}"
PUBLIC_POLICY = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "x:*"}]}

CASES: list[tuple[str, dict[str, Any], str, Any]] = [
    # --- S3 ----------------------------------------------------------------------------------
    ("AWS::S3::Bucket", {"BucketName": "b1"}, "Name", "b1"),
    ("AWS::S3::Bucket", {}, "Name", DEFERRED),
    (
        "AWS::S3::Bucket",
        {},
        "Encryption.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm",
        "AES256",
    ),
    (
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "ServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": "k",
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            }
        },
        "Encryption.Rules[0]",
        {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": "k",
            },
            "BucketKeyEnabled": True,
        },
    ),
    ("AWS::S3::Bucket", {}, "PublicAccessBlock.RestrictPublicBuckets", True),
    (
        "AWS::S3::Bucket",
        {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
        "PublicAccessBlock",
        {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    ),
    ("AWS::S3::Bucket", {}, "Versioning", {"Status": None, "MFADelete": None}),
    (
        "AWS::S3::Bucket",
        {"VersioningConfiguration": {"Status": "Enabled"}},
        "Versioning.Status",
        "Enabled",
    ),
    ("AWS::S3::Bucket", {}, "Logging", None),
    (
        "AWS::S3::Bucket",
        {"BucketName": "b1", "LoggingConfiguration": {}},
        "Logging",
        {"TargetBucket": "b1", "TargetPrefix": ""},
    ),
    (
        "AWS::S3::Bucket",
        {"LoggingConfiguration": {"DestinationBucketName": "logs", "LogFilePrefix": "p/"}},
        "Logging",
        {"TargetBucket": "logs", "TargetPrefix": "p/"},
    ),
    ("AWS::S3::Bucket", {}, "ObjectLock", None),
    ("AWS::S3::Bucket", {"ObjectLockEnabled": "true"}, "ObjectLock.ObjectLockEnabled", "Enabled"),
    ("AWS::S3::Bucket", {}, "OwnershipControls.Rules[0].ObjectOwnership", "BucketOwnerEnforced"),
    (
        "AWS::S3::Bucket",
        {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}},
        "OwnershipControls.Rules[0].ObjectOwnership",
        "ObjectWriter",
    ),
    (
        "AWS::S3::Bucket",
        {},
        "Acl.Grants",
        [{"Grantee": {"Type": "CanonicalUser", "ID": OWNER}, "Permission": "FULL_CONTROL"}],
    ),
    (
        "AWS::S3::Bucket",
        {"AccessControl": "PublicRead"},
        "Acl.Grants[1].Grantee.URI",
        "http://acs.amazonaws.com/groups/global/AllUsers",
    ),
    (
        "AWS::S3::Bucket",
        {"AccessControl": "LogDeliveryWrite"},
        "Acl.Grants[2].Permission",
        "READ_ACP",
    ),
    ("AWS::S3::Bucket", {}, "Lifecycle", None),
    (
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": [{"Id": "r", "Status": "Enabled", "ExpirationInDays": 30}]
            }
        },
        "Lifecycle[0]",
        {"ID": "r", "Status": "Enabled", "Expiration": {"Days": 30}},
    ),
    ("AWS::S3::Bucket", {}, "Policy", None),
    # --- logs, ECR, KMS ----------------------------------------------------------------------
    ("AWS::Logs::LogGroup", {"LogGroupName": "/a"}, "logGroupName", "/a"),
    ("AWS::Logs::LogGroup", {"RetentionInDays": "365"}, "retentionInDays", 365),
    ("AWS::Logs::LogGroup", {}, "retentionInDays", MISSING),
    ("AWS::Logs::LogGroup", {"KmsKeyId": "arn:k"}, "kmsKeyId", "arn:k"),
    ("AWS::Logs::LogGroup", {}, "logGroupClass", "STANDARD"),
    ("AWS::ECR::Repository", {"RepositoryName": "r"}, "repositoryName", "r"),
    ("AWS::ECR::Repository", {}, "repositoryArn", "${X.Arn}"),
    ("AWS::ECR::Repository", {}, "imageTagMutability", "MUTABLE"),
    (
        "AWS::ECR::Repository",
        {"ImageTagMutability": "IMMUTABLE"},
        "imageTagMutability",
        "IMMUTABLE",
    ),
    ("AWS::ECR::Repository", {}, "imageScanningConfiguration.scanOnPush", False),
    (
        "AWS::ECR::Repository",
        {"ImageScanningConfiguration": {"ScanOnPush": "true"}},
        "imageScanningConfiguration.scanOnPush",
        True,
    ),
    ("AWS::ECR::Repository", {}, "encryptionConfiguration.encryptionType", "AES256"),
    (
        "AWS::ECR::Repository",
        {"EncryptionConfiguration": {"EncryptionType": "KMS", "KmsKey": "k"}},
        "encryptionConfiguration",
        {"encryptionType": "KMS", "kmsKey": "k"},
    ),
    ("AWS::KMS::Key", {}, "KeySpec", "SYMMETRIC_DEFAULT"),
    ("AWS::KMS::Key", {"KeySpec": "RSA_2048"}, "RotationEnabled", None),
    ("AWS::KMS::Key", {}, "KeyUsage", "ENCRYPT_DECRYPT"),
    ("AWS::KMS::Key", {"Origin": "EXTERNAL"}, "Origin", "EXTERNAL"),
    ("AWS::KMS::Key", {"MultiRegion": True}, "MultiRegion", True),
    ("AWS::KMS::Key", {"Enabled": False}, "KeyState", "Disabled"),
    ("AWS::KMS::Key", {}, "Enabled", True),
    ("AWS::KMS::Key", {"Description": "d"}, "Description", "d"),
    ("AWS::KMS::Key", {"EnableKeyRotation": True}, "RotationEnabled", True),
    ("AWS::KMS::Key", {}, "Policy.Statement[0].Principal.AWS", "arn:aws:iam::111122223333:root"),
    ("AWS::KMS::Key", {"KeyPolicy": {"Statement": []}}, "Policy", {"Statement": []}),
    (
        "AWS::KMS::Key",
        {"KeyPolicy": '{"Statement": [{"Effect": "Allow"}]}'},
        "Policy.Statement[0].Effect",
        "Allow",
    ),
    ("AWS::KMS::Key", {}, "KeyManager", "CUSTOMER"),
    # --- secrets, SNS, SQS, backup -----------------------------------------------------------
    # resource policies: the document, or null (no policy) — as the live collector records it
    ("AWS::ECR::Repository", {}, "Policy", None),
    (
        "AWS::ECR::Repository",
        {"RepositoryPolicyText": PUBLIC_POLICY},
        "Policy.Statement[0].Principal",
        "*",
    ),
    (
        "AWS::ECR::Repository",
        {"RepositoryPolicyText": json.dumps(PUBLIC_POLICY)},
        "Policy",
        PUBLIC_POLICY,
    ),
    ("AWS::ECR::Repository", {"RepositoryPolicyText": "{not json"}, "Policy", ERROR),
    (
        "AWS::ECR::Repository",
        {"RepositoryPolicyText": {"Fn::ImportValue": "p"}},
        "Policy",
        DEFERRED,
    ),
    ("AWS::Backup::BackupVault", {}, "Policy", None),
    ("AWS::Backup::BackupVault", {"AccessPolicy": PUBLIC_POLICY}, "Policy", PUBLIC_POLICY),
    ("AWS::SecretsManager::Secret", {}, "Policy", None),
    ("AWS::SQS::Queue", {}, "Attributes.Policy", None),
    ("AWS::SNS::Topic", {}, "Attributes.Policy.Statement[0].Sid", "__default_statement_ID"),
    ("AWS::OpenSearchService::Domain", {"DomainName": "d"}, "DomainName", "d"),
    ("AWS::OpenSearchService::Domain", {}, "DomainName", DEFERRED),
    ("AWS::OpenSearchService::Domain", {}, "ARN", "${X.Arn}"),
    ("AWS::OpenSearchService::Domain", {}, "AccessPolicies", None),
    (
        "AWS::OpenSearchService::Domain",
        {"AccessPolicies": PUBLIC_POLICY},
        "AccessPolicies",
        PUBLIC_POLICY,
    ),
    (
        "AWS::OpenSearchService::Domain",
        {"EngineVersion": "OpenSearch_2.13"},
        "EngineVersion",
        "OpenSearch_2.13",
    ),
    ("AWS::OpenSearchService::Domain", {}, "EngineVersion", MISSING),
    (
        "AWS::Elasticsearch::Domain",
        {"ElasticsearchVersion": "7.10"},
        "EngineVersion",
        "Elasticsearch_7.10",
    ),
    (
        "AWS::Elasticsearch::Domain",
        {"ElasticsearchVersion": {"Ref": "Nope"}},
        "EngineVersion",
        ERROR,
    ),
    ("AWS::OpenSearchService::Domain", {}, "EncryptionAtRestOptions.Enabled", False),
    (
        "AWS::OpenSearchService::Domain",
        {"EncryptionAtRestOptions": {"Enabled": True, "KmsKeyId": "k"}},
        "EncryptionAtRestOptions",
        {"Enabled": True, "KmsKeyId": "k"},
    ),
    ("AWS::OpenSearchService::Domain", {}, "NodeToNodeEncryptionOptions.Enabled", False),
    ("AWS::OpenSearchService::Domain", {}, "DomainEndpointOptions.EnforceHTTPS", False),
    (
        "AWS::OpenSearchService::Domain",
        {
            "DomainEndpointOptions": {
                "EnforceHTTPS": "true",
                "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07",
            }
        },
        "DomainEndpointOptions",
        {"EnforceHTTPS": True, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
    ),
    (
        "AWS::OpenSearchService::Domain",
        {"VPCOptions": {"SubnetIds": ["s"]}},
        "VPCOptions.SubnetIds",
        ["s"],
    ),
    # IAM groups, as ListGroups + the group's attached and inline policies
    ("AWS::IAM::Group", {"GroupName": "ops"}, "GroupName", "ops"),
    ("AWS::IAM::Group", {}, "GroupName", "${X}"),  # an identity users refer to: not deferred
    ("AWS::IAM::Group", {}, "Arn", "${X.Arn}"),
    ("AWS::IAM::Group", {}, "Path", "/"),
    (
        "AWS::IAM::Group",
        {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
        "AttachedPolicies",
        [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    ),
    (
        "AWS::IAM::Group",
        {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": []}}]},
        "InlinePolicies",
        {"p": {"Statement": []}},
    ),
    (
        "AWS::IAM::Group",
        {"Policies": [{"PolicyName": {"Ref": "Nope"}, "PolicyDocument": {"Statement": []}}]},
        "InlinePolicies",
        {"Policies[0]": {"Statement": []}},
    ),
    ("AWS::IAM::Group", {"Policies": "nope"}, "InlinePolicies", ERROR),
    ("AWS::IAM::Group", {"Policies": ["nope"]}, "InlinePolicies", ERROR),
    ("AWS::SecretsManager::Secret", {"Name": "s"}, "Name", "s"),
    ("AWS::SecretsManager::Secret", {}, "RotationEnabled", False),
    ("AWS::SecretsManager::Secret", {"KmsKeyId": "k"}, "KmsKeyId", "k"),
    ("AWS::SecretsManager::Secret", {"Description": "d"}, "Description", "d"),
    ("AWS::SNS::Topic", {"KmsMasterKeyId": "alias/k"}, "Attributes.KmsMasterKeyId", "alias/k"),
    (
        "AWS::SNS::Topic",
        {},
        "Attributes.Policy.Statement[0].Condition.StringEquals",
        {"AWS:SourceOwner": "111122223333"},
    ),
    ("AWS::SNS::Topic", {"DisplayName": "x"}, "Attributes.DisplayName", "x"),
    ("AWS::SNS::Topic", {"FifoTopic": True}, "Attributes.FifoTopic", "true"),
    ("AWS::SQS::Queue", {}, "Attributes.SqsManagedSseEnabled", "true"),
    ("AWS::SQS::Queue", {"KmsMasterKeyId": "k"}, "Attributes.SqsManagedSseEnabled", "false"),
    ("AWS::SQS::Queue", {"KmsMasterKeyId": "k"}, "Attributes.KmsMasterKeyId", "k"),
    (
        "AWS::SQS::Queue",
        {"SqsManagedSseEnabled": False},
        "Attributes.SqsManagedSseEnabled",
        "false",
    ),
    ("AWS::SQS::Queue", {}, "Attributes.VisibilityTimeout", "30"),
    ("AWS::SQS::Queue", {"MessageRetentionPeriod": 60}, "Attributes.MessageRetentionPeriod", "60"),
    ("AWS::SQS::Queue", {}, "Attributes.DelaySeconds", "0"),
    ("AWS::SQS::Queue", {"FifoQueue": True}, "Attributes.FifoQueue", "true"),
    (
        "AWS::SQS::Queue",
        {"RedrivePolicy": {"maxReceiveCount": 3}},
        "Attributes.RedrivePolicy",
        {"maxReceiveCount": 3},
    ),
    ("AWS::Backup::BackupVault", {"BackupVaultName": "v"}, "Locked", False),
    (
        "AWS::Backup::BackupVault",
        {
            "BackupVaultName": "v",
            "LockConfiguration": {"MinRetentionDays": 7, "MaxRetentionDays": "30"},
        },
        "MaxRetentionDays",
        30,
    ),
    (
        "AWS::Backup::BackupVault",
        {"BackupVaultName": "v", "EncryptionKeyArn": "k"},
        "EncryptionKeyArn",
        "k",
    ),
    (
        "AWS::Backup::BackupPlan",
        {
            "BackupPlan": {
                "BackupPlanName": "p",
                "BackupPlanRule": [
                    {
                        "RuleName": "r",
                        "TargetBackupVault": "v",
                        "Lifecycle": {"DeleteAfterDays": "35"},
                    }
                ],
            }
        },
        "Plan.Rules[0]",
        {
            "RuleName": "r",
            "TargetBackupVaultName": "v",
            "Lifecycle": {"DeleteAfterDays": 35},
            "CopyActions": [],
        },
    ),
    # --- EC2 ---------------------------------------------------------------------------------
    (
        "AWS::EC2::SecurityGroup",
        {},
        "IpPermissionsEgress",
        [
            {
                "IpProtocol": "-1",
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        ],
    ),
    ("AWS::EC2::SecurityGroup", {"SecurityGroupEgress": []}, "IpPermissionsEgress", []),
    (
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupIngress": [
                {"IpProtocol": "6", "FromPort": "22", "ToPort": 22, "CidrIp": "10.0.0.0/8"},
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv6": "::/0"},
            ]
        },
        "IpPermissions",
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        ],
    ),
    (
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupIngress": [
                {"IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "SourceSecurityGroupId": "sg-1"}
            ]
        },
        "IpPermissions[0]",
        {
            "IpProtocol": "-1",
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [{"GroupId": "sg-1"}],
        },
    ),
    (
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "CidrIp": {"Ref": "AWS::Region"}}
            ]
        },
        "IpPermissions",
        DEFERRED,
    ),
    ("AWS::EC2::SecurityGroup", {"GroupName": "web"}, "GroupName", "web"),
    ("AWS::EC2::SecurityGroup", {}, "GroupName", DEFERRED),
    ("AWS::EC2::SecurityGroup", {"GroupDescription": "d", "VpcId": "vpc-1"}, "VpcId", "vpc-1"),
    ("AWS::EC2::Volume", {}, "Encrypted", DEFERRED),
    ("AWS::EC2::Volume", {"Encrypted": True, "KmsKeyId": "k", "Size": 8}, "Size", 8),
    ("AWS::EC2::Volume", {}, "VolumeType", "gp2"),
    ("AWS::EC2::Volume", {"AvailabilityZone": "eu-west-1a", "KmsKeyId": "k"}, "KmsKeyId", "k"),
    ("AWS::EC2::Volume", {"AvailabilityZone": "eu-west-1a"}, "AvailabilityZone", "eu-west-1a"),
    ("AWS::EC2::VPC", {"CidrBlock": "10.0.0.0/16"}, "FlowLogs", []),
    (
        "AWS::EC2::VPC",
        {"CidrBlock": "10.0.0.0/16", "InstanceTenancy": "dedicated"},
        "InstanceTenancy",
        "dedicated",
    ),
    (
        "AWS::EC2::NetworkAcl",
        {"VpcId": "vpc-1"},
        "Entries[0]",
        {
            "RuleNumber": 32767,
            "Protocol": "-1",
            "RuleAction": "deny",
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
        },
    ),
    (
        "AWS::EC2::Instance",
        {"ImageId": "ami-1"},
        "PublicIpAddress",
        "${X.PublicIp}",
    ),  # the default VPC gives one
    ("AWS::EC2::Instance", {"SubnetId": "subnet-1"}, "PublicIpAddress", DEFERRED),
    (
        "AWS::EC2::Instance",
        {
            "NetworkInterfaces": [
                {"DeviceIndex": 0, "AssociatePublicIpAddress": False, "SubnetId": "s"}
            ]
        },
        "PublicIpAddress",
        None,
    ),
    ("AWS::EC2::Instance", {}, "MetadataOptions", DEFERRED),
    ("AWS::EC2::Instance", {}, "State.Name", "running"),
    ("AWS::EC2::Instance", {}, "SecurityGroups", DEFERRED),
    (
        "AWS::EC2::Instance",
        {"IamInstanceProfile": "web"},
        "IamInstanceProfile.Arn",
        "arn:aws:iam::111122223333:instance-profile/web",
    ),
    (
        "AWS::EC2::Instance",
        {"InstanceType": "t3.micro", "ImageId": "ami-1", "KeyName": "k", "SubnetId": "s"},
        "InstanceType",
        "t3.micro",
    ),
    (
        "AWS::EC2::Instance",
        {"Ipv6AddressCount": 1},
        "NetworkInterfaces[0].Ipv6Addresses[0].Ipv6Address",
        "${X.Ipv6Address0}",
    ),
    # --- load balancers, CloudFront, Route 53 ------------------------------------------------
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Subnets": ["a", "b"]},
        "Scheme",
        "internet-facing",
    ),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Subnets": ["a", "b"]},
        "AvailabilityZones[1].SubnetId",
        "b",
    ),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", {"Subnets": ["a"]}, "Type", "application"),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Subnets": ["a"], "IpAddressType": "dualstack"},
        "IpAddressType",
        "dualstack",
    ),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Subnets": ["a"], "SecurityGroups": ["sg-1"]},
        "SecurityGroups",
        ["sg-1"],
    ),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Subnets": ["a"]},
        "Attributes['routing.http.desync_mitigation_mode']",
        "defensive",
    ),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "Subnets": ["a"],
            "LoadBalancerAttributes": [{"Key": "access_logs.s3.enabled", "Value": True}],
        },
        "Attributes['access_logs.s3.enabled']",
        "true",
    ),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Type": "network", "Subnets": ["a"]},
        "Attributes['load_balancing.cross_zone.enabled']",
        "false",
    ),
    (
        "AWS::ElasticLoadBalancing::LoadBalancer",
        {"AvailabilityZones": ["a", "b"]},
        "AvailabilityZones",
        ["a", "b"],
    ),
    (
        "AWS::ElasticLoadBalancing::LoadBalancer",
        {"Listeners": [{"Protocol": "https", "LoadBalancerPort": "443", "InstancePort": 80}]},
        "Policies",
        DEFERRED,
    ),
    (
        "AWS::ElasticLoadBalancing::LoadBalancer",
        {"Listeners": [{"Protocol": "http", "LoadBalancerPort": "80", "InstancePort": 80}]},
        "ListenerDescriptions[0].Listener",
        {
            "Protocol": "HTTP",
            "LoadBalancerPort": 80,
            "InstanceProtocol": "HTTP",
            "InstancePort": 80,
        },
    ),
    (
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": {"Enabled": True}},
        "ViewerCertificate",
        {
            "CloudFrontDefaultCertificate": True,
            "MinimumProtocolVersion": "TLSv1",
            "CertificateSource": "cloudfront",
        },
    ),
    (
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": {"Enabled": True}},
        "Logging.Enabled",
        False,
    ),
    (
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": {"Enabled": True, "Logging": {"Bucket": "b"}}},
        "Logging.Enabled",
        True,
    ),
    ("AWS::CloudFront::Distribution", {"DistributionConfig": {"Enabled": True}}, "WebACLId", ""),
    (
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": {"Enabled": True}},
        "OriginGroups.Quantity",
        0,
    ),
    (
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": {
                "Enabled": True,
                "Origins": [
                    {
                        "Id": "o",
                        "DomainName": "d",
                        "CustomOriginConfig": {
                            "OriginProtocolPolicy": "https-only",
                            "OriginSSLProtocols": ["TLSv1.2"],
                        },
                    }
                ],
            }
        },
        "Origins.Items[0].CustomOriginConfig.OriginSslProtocols",
        {"Quantity": 1, "Items": ["TLSv1.2"]},
    ),
    (
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": {
                "Enabled": True,
                "Origins": [
                    {
                        "Id": "o",
                        "DomainName": "d",
                        "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"},
                    }
                ],
            }
        },
        "Origins",
        DEFERRED,
    ),
    (
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": {
                "Enabled": True,
                "CacheBehaviors": [{"PathPattern": "/a", "ViewerProtocolPolicy": "allow-all"}],
            }
        },
        "CacheBehaviors.Items[0].ViewerProtocolPolicy",
        "allow-all",
    ),
    (
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": {
                "Enabled": True,
                "IPV6Enabled": True,
                "HttpVersion": "http2",
                "PriceClass": "PriceClass_100",
                "Comment": "c",
            }
        },
        "IsIPV6Enabled",
        True,
    ),
    (
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": {
                "Enabled": True,
                "ViewerCertificate": {"AcmCertificateArn": "arn:c", "SslSupportMethod": "sni-only"},
            }
        },
        "ViewerCertificate",
        {
            "CloudFrontDefaultCertificate": False,
            "ACMCertificateArn": "arn:c",
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1",
            "CertificateSource": "acm",
        },
    ),
    ("AWS::Route53::HostedZone", {"Name": "example.nl"}, "Name", "example.nl."),
    ("AWS::Route53::HostedZone", {"Name": "example.nl"}, "DNSSEC.ServeSignature", "NOT_SIGNING"),
    (
        "AWS::Route53::HostedZone",
        {"Name": "example.nl", "VPCs": [{"VPCId": "v", "VPCRegion": "r"}]},
        "DNSSEC",
        None,
    ),
    # --- CloudTrail and the region records ---------------------------------------------------
    (
        "AWS::CloudTrail::Trail",
        {"IsLogging": True, "S3BucketName": "b"},
        "EventSelectors",
        [
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [],
                "ExcludeManagementEventSources": [],
            }
        ],
    ),
    ("AWS::CloudTrail::Trail", {"IsLogging": "false", "S3BucketName": "b"}, "Status", DEFERRED),
    (
        "AWS::CloudTrail::Trail",
        {"IsLogging": True, "S3BucketName": "trail-logs"},
        "S3BucketName",
        "trail-logs",
    ),
    (
        "AWS::CloudTrail::Trail",
        {"IsLogging": True, "S3BucketName": "b", "S3KeyPrefix": "p", "SnsTopicName": "t"},
        "S3KeyPrefix",
        "p",
    ),
    (
        "AWS::CloudTrail::Trail",
        {"IsLogging": True, "S3BucketName": "b", "SnsTopicName": "t"},
        "SnsTopicName",
        "t",
    ),
    (
        "AWS::CloudTrail::Trail",
        {"IsLogging": True, "S3BucketName": "b"},
        "IncludeGlobalServiceEvents",
        True,
    ),
    (
        "AWS::CloudTrail::Trail",
        {"IsLogging": True, "S3BucketName": "b"},
        "IsMultiRegionTrail",
        False,
    ),
    (
        "AWS::CloudTrail::Trail",
        {"IsLogging": True, "S3BucketName": "b", "EnableLogFileValidation": True},
        "LogFileValidationEnabled",
        True,
    ),
    (
        "AWS::CloudTrail::Trail",
        {
            "IsLogging": True,
            "S3BucketName": "b",
            "CloudWatchLogsLogGroupArn": "g",
            "CloudWatchLogsRoleArn": "r",
        },
        "CloudWatchLogsRoleArn",
        "r",
    ),
    (
        "AWS::CloudTrail::Trail",
        {"IsLogging": True, "S3BucketName": "b", "CloudWatchLogsLogGroupArn": "g"},
        "CloudWatchLogsLogGroupArn",
        "g",
    ),
    (
        "AWS::CloudTrail::Trail",
        {"IsLogging": True, "S3BucketName": "b", "KMSKeyId": "k"},
        "KmsKeyId",
        "k",
    ),
    (
        "AWS::CloudTrail::Trail",
        {"IsLogging": True, "S3BucketName": "b"},
        "IsOrganizationTrail",
        False,
    ),
    ("AWS::GuardDuty::Detector", {"Enable": True}, "Detectors[0].Status", "ENABLED"),
    (
        "AWS::GuardDuty::Detector",
        {"Enable": False, "Features": [{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}]},
        "Detectors[0].Features",
        [{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}],
    ),
    (
        "AWS::GuardDuty::Detector",
        {"Enable": True, "DataSources": {"S3Logs": {"Enable": True}}},
        "Detectors[0].DataSources.S3Logs.Status",
        "ENABLED",
    ),
    ("AWS::SecurityHub::Hub", {}, "Standards[0].StandardsStatus", "READY"),
    ("AWS::SecurityHub::Hub", {"EnableDefaultStandards": False}, "Standards", []),
    (
        "AWS::Config::ConfigurationRecorder",
        {"RoleARN": "r"},
        "Recorders[0].recordingGroup.allSupported",
        True,
    ),
    (
        "AWS::Config::ConfigurationRecorder",
        {"RoleARN": "r", "RecordingGroup": {"ResourceTypes": ["AWS::S3::Bucket"]}},
        "Recorders[0].recordingGroup.allSupported",
        False,
    ),
    ("AWS::AccessAnalyzer::Analyzer", {"Type": "ACCOUNT"}, "Analyzers[0].type", "ACCOUNT"),
    # --- IAM, Lambda, RDS, EKS, ACM ----------------------------------------------------------
    (
        "AWS::IAM::Role",
        {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/SecurityAudit"]},
        "AttachedPolicies",
        [{"PolicyName": "SecurityAudit", "PolicyArn": "arn:aws:iam::aws:policy/SecurityAudit"}],
    ),
    (
        "AWS::IAM::Role",
        {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": []}}]},
        "InlinePolicies",
        {"p": {"Statement": []}},
    ),
    (
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": {"Statement": []}},
        "AssumeRolePolicyDocument",
        {"Statement": []},
    ),
    ("AWS::IAM::Role", {}, "MaxSessionDuration", 3600),
    ("AWS::IAM::Role", {"Description": "d"}, "Description", "d"),
    ("AWS::IAM::Role", {}, "Path", "/"),
    ("AWS::IAM::User", {}, "MFADevices", DEFERRED),
    ("AWS::IAM::User", {}, "LoginProfile", None),
    (
        "AWS::IAM::User",
        {"LoginProfile": {"Password": "Welkom01!"}},
        "LoginProfile.PasswordResetRequired",
        False,
    ),
    ("AWS::IAM::User", {"Groups": ["ops"]}, "Groups", [{"GroupName": "ops"}]),
    (
        "AWS::IAM::ManagedPolicy",
        {"PolicyDocument": {"Statement": []}, "Roles": ["a", "b"]},
        "AttachmentCount",
        2,
    ),
    (
        "AWS::IAM::ManagedPolicy",
        {"PolicyDocument": {"Statement": []}, "Description": "d"},
        "Document",
        {"Statement": []},
    ),
    (
        "AWS::Lambda::Function",
        {},
        "VpcConfig",
        {"SubnetIds": [], "SecurityGroupIds": [], "VpcId": ""},
    ),
    (
        "AWS::Lambda::Function",
        {"VpcConfig": {"SubnetIds": ["s"], "SecurityGroupIds": ["g"]}},
        "VpcConfig.VpcId",
        "${VPC of s}",
    ),
    (
        "AWS::Lambda::Function",
        {"Environment": {"Variables": {"DB_PASSWORD": "Welkom01!"}}},
        "Environment.Variables.DB_PASSWORD",
        re.compile("^<redacted"),
    ),
    (
        "AWS::Lambda::Function",
        {"Runtime": "python3.8", "Role": "r", "Handler": "h"},
        "Runtime",
        "python3.8",
    ),
    ("AWS::Lambda::Function", {}, "MemorySize", 128),
    ("AWS::Lambda::Function", {}, "Timeout", 3),
    ("AWS::Lambda::Function", {}, "PackageType", "Zip"),
    ("AWS::Lambda::Function", {"KmsKeyArn": "k"}, "KMSKeyArn", "k"),
    ("AWS::Lambda::Function", {}, "TracingConfig.Mode", "PassThrough"),
    ("AWS::Lambda::Function", {}, "Policy", None),
    ("AWS::RDS::DBInstance", {"DBInstanceIdentifier": "Orders"}, "DBInstanceIdentifier", "orders"),
    ("AWS::RDS::DBInstance", {}, "PubliclyAccessible", DEFERRED),
    ("AWS::RDS::DBInstance", {"PubliclyAccessible": "false"}, "PubliclyAccessible", False),
    ("AWS::RDS::DBInstance", {}, "AutoMinorVersionUpgrade", True),
    ("AWS::RDS::DBInstance", {}, "BackupRetentionPeriod", 1),
    ("AWS::RDS::DBInstance", {}, "CopyTagsToSnapshot", False),
    ("AWS::RDS::DBInstance", {}, "DeletionProtection", False),
    (
        "AWS::RDS::DBInstance",
        {"EnableIAMDatabaseAuthentication": True},
        "IAMDatabaseAuthenticationEnabled",
        True,
    ),
    ("AWS::RDS::DBInstance", {}, "EnabledCloudwatchLogsExports", []),
    ("AWS::RDS::DBInstance", {}, "MultiAZ", False),
    ("AWS::RDS::DBInstance", {}, "StorageEncrypted", False),
    ("AWS::RDS::DBInstance", {"DBClusterIdentifier": "C1"}, "StorageEncrypted", DEFERRED),
    ("AWS::RDS::DBInstance", {"DBClusterIdentifier": "C1"}, "DBClusterIdentifier", "c1"),
    (
        "AWS::RDS::DBInstance",
        {
            "Engine": "Postgres",
            "EngineVersion": "16",
            "KmsKeyId": "k",
            "DBInstanceClass": "db.t3.micro",
        },
        "Engine",
        "postgres",
    ),
    ("AWS::RDS::DBInstance", {"EngineVersion": "16"}, "EngineVersion", "16"),
    ("AWS::RDS::DBInstance", {"KmsKeyId": "k"}, "KmsKeyId", "k"),
    ("AWS::RDS::DBInstance", {"DBInstanceClass": "db.t3.micro"}, "DBInstanceClass", "db.t3.micro"),
    ("AWS::RDS::DBCluster", {}, "MultiAZ", DEFERRED),
    ("AWS::RDS::DBCluster", {"EngineMode": "serverless"}, "StorageEncrypted", True),
    ("AWS::EKS::Cluster", {}, "version", DEFERRED),
    ("AWS::EKS::Cluster", {"Version": "1.31", "RoleArn": "r"}, "roleArn", "r"),
    (
        "AWS::EKS::Cluster",
        {"ResourcesVpcConfig": {"SubnetIds": ["s"]}},
        "resourcesVpcConfig",
        {
            "subnetIds": ["s"],
            "securityGroupIds": [],
            "endpointPublicAccess": True,
            "endpointPrivateAccess": False,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
    ),
    ("AWS::EKS::Cluster", {}, "encryptionConfig", MISSING),
    (
        "AWS::EKS::Cluster",
        {},
        "logging.clusterLogging[0]",
        {
            "types": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            "enabled": False,
        },
    ),
    ("AWS::CertificateManager::Certificate", {"DomainName": "a.nl"}, "KeyAlgorithm", "RSA_2048"),
    (
        "AWS::CertificateManager::Certificate",
        {"DomainName": "a.nl", "SubjectAlternativeNames": ["b.nl"]},
        "SubjectAlternativeNames",
        ["b.nl"],
    ),
    (
        "AWS::CertificateManager::Certificate",
        {"DomainName": "a.nl"},
        "Options.CertificateTransparencyLoggingPreference",
        "ENABLED",
    ),
    (
        "AWS::CertificateManager::Certificate",
        {"DomainName": "a.nl", "CertificateAuthorityArn": "ca"},
        "Type",
        "PRIVATE",
    ),
    ("AWS::CertificateManager::Certificate", {"DomainName": "a.nl"}, "NotAfter", DEFERRED),
]


def _get(data: Any, path: str) -> Any:
    for part in re.findall(r"\['([^']*)'\]|\[(\d+)\]|([^.\[\]]+)", path):
        key, index, name = part
        if index:
            if not isinstance(data, list) or int(index) >= len(data):
                return MISSING
            data = data[int(index)]
        else:
            k = key or name
            if not isinstance(data, dict) or k not in data:
                return MISSING
            data = data[k]
    return data


def _collect(tmp_path, resources: dict[str, Any]):
    tmp_path.joinpath("t.yaml").write_text(yaml.safe_dump({"Resources": resources}))
    return api.collect(
        "cloudformation",
        {"paths": [str(tmp_path / "t.yaml")], "parameter": ["AWS::AccountId=111122223333"]},
    )


@pytest.mark.parametrize(
    "rtype, props, path, expected", CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES]
)
def test_attribute(tmp_path, rtype, props, path, expected):
    inv = _collect(tmp_path, {"X": {"Type": rtype, "Properties": props}})
    (res,) = [r for r in inv.resources if r.id.endswith("#X") or r.id.endswith("#region:" + r.type)]
    root = re.split(r"[.\[]", path, maxsplit=1)[0]
    if expected is DEFERRED:
        assert any(p.split(".")[0].split("[")[0] == root for p in res.deferred), res.deferred
        return
    if expected is ERROR:
        assert any(p.split(".")[0].split("[")[0] == root for p in res.errors), res.errors
        return
    value = _get(res.data, path)
    if isinstance(expected, re.Pattern):
        assert isinstance(value, str) and expected.search(value), value
    else:
        assert value == (MISSING if expected is MISSING else expected)
    json.dumps(res.data)  # plain JSON


def test_every_table_field_has_a_case():
    tables = [
        aws_storage.ECR_FIELDS,
        aws_storage.KMS_FIELDS,
        aws_messaging.SQS_FIELDS,
        aws_messaging._DOMAIN_FIELDS,
        aws_regional.TRAIL_FIELDS,
        aws_compute._RDS_COMMON,
    ]
    covered = {c[2].split("[")[0] for c in CASES}
    covered |= {c[2] for c in CASES}
    missing = [
        f.live
        for t in tables
        for f in t
        if not any(p == f.live or p.startswith(f.live) or f.live.startswith(p) for p in covered)
        and not any(p.endswith(f.live) for p in covered)
    ]
    assert not missing, missing


# --- joins -----------------------------------------------------------------------------------


def test_joined_resources_land_where_the_live_collector_puts_them(tmp_path):
    inv = _collect(
        tmp_path,
        {
            "B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}},
            "BP": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": "b",
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": "*",
                                "Action": "s3:GetObject",
                                "Resource": "*",
                            }
                        ]
                    },
                },
            },
            "G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g"}},
            "GI": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {
                    "GroupId": {"Fn::GetAtt": ["G", "GroupId"]},
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "CidrIp": "0.0.0.0/0",
                },
            },
            "V": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "FL": {
                "Type": "AWS::EC2::FlowLog",
                "Properties": {
                    "ResourceId": {"Ref": "V"},
                    "ResourceType": "VPC",
                    "TrafficType": "REJECT",
                },
            },
            "F": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "f"}},
            "P": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": {"Fn::GetAtt": ["F", "Arn"]},
                    "Action": "lambda:InvokeFunction",
                    "Principal": "s3.amazonaws.com",
                    "SourceAccount": "111122223333",
                },
            },
            "Q": {"Type": "AWS::SQS::Queue"},
            "QP": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {"Queues": [{"Ref": "Q"}], "PolicyDocument": {"Statement": []}},
            },
            "U": {"Type": "AWS::IAM::User", "Properties": {"UserName": "u"}},
            "MP": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": {"Statement": []}, "Users": [{"Ref": "U"}]},
            },
            "IP": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyName": "inline",
                    "PolicyDocument": {"Statement": []},
                    "Users": ["u"],
                },
            },
            "K": {"Type": "AWS::IAM::AccessKey", "Properties": {"UserName": {"Ref": "U"}}},
        },
    )
    by = {r.id.split("#")[1]: r for r in inv.resources}
    assert by["B"].data["Policy"]["Statement"][0]["Principal"] == "*"
    assert by["B"].data["PolicyStatus"] == {"IsPublic": True}
    assert by["G"].data["IpPermissions"][0]["FromPort"] == 22
    assert by["V"].data["FlowLogs"][0]["TrafficType"] == "REJECT"
    stmt = by["F"].data["Policy"]["Statement"][0]
    assert stmt["Principal"] == {"Service": "s3.amazonaws.com"}
    assert stmt["Condition"] == {"StringEquals": {"AWS:SourceAccount": "111122223333"}}
    assert by["Q"].data["Attributes"]["Policy"] == {"Statement": []}
    assert by["U"].data["AttachedPolicies"][0]["PolicyArn"] == "${MP}"
    assert by["U"].data["InlinePolicies"] == {"inline": {"Statement": []}}
    assert "AccessKeys" in by["U"].deferred
    assert not inv.errors


def test_a_join_to_something_outside_the_template_is_named_not_checked(tmp_path):
    inv = _collect(
        tmp_path,
        {
            "BP": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": "elsewhere", "PolicyDocument": {}},
            }
        },
    )
    assert not inv.errors  # a notice, not an incomplete scan
    (note,) = inv.notices
    assert (note.code, note.kind, note.name, note.line) == (
        "not-checked",
        "AWS::S3::BucketPolicy",
        "BP",
        2,
    )
    assert note.file.endswith("t.yaml") and "elsewhere" in note.reason


def test_an_instance_behind_a_group_with_unknown_rules_is_not_judged(tmp_path):
    inv = _collect(
        tmp_path,
        {
            "G": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "SecurityGroupIngress": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 22,
                            "ToPort": 22,
                            "CidrIp": {"Fn::ImportValue": "admin-cidr"},
                        }
                    ]
                },
            },
            "I": {"Type": "AWS::EC2::Instance", "Properties": {"SecurityGroupIds": [{"Ref": "G"}]}},
        },
    )
    (inst,) = [r for r in inv.resources if r.type == "aws.ec2.instance"]
    assert "SecurityGroups" in inst.deferred


def test_literal_secrets_never_reach_the_inventory(tmp_path):
    inv = _collect(
        tmp_path,
        {
            "F": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Environment": {
                        "Variables": {
                            "API_TOKEN": "tok-123456789",
                            "URL": "postgres://app:geheim@db/app",
                        }
                    }
                },
            },
            "Q": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "RedrivePolicy": {"deadLetterTargetArn": "arn:x", "authToken": "tok-abcdef"}
                },
            },
        },
    )
    text = json.dumps(inv.to_dict())
    for secret in ("tok-123456789", "geheim", "tok-abcdef"):
        assert secret not in text


EDGE_CASES: list[tuple[str, dict[str, Any], str, Any]] = [
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"SubnetMappings": [{"SubnetId": "a"}, {"SubnetId": "b"}]},
        "AvailabilityZones[1].SubnetId",
        "b",
    ),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Subnets": ["a"], "LoadBalancerAttributes": {"Ref": "Nope"}},
        "Attributes",
        ERROR,
    ),
    (
        "AWS::ElasticLoadBalancing::LoadBalancer",
        {"Listeners": {"Ref": "Nope"}},
        "ListenerDescriptions",
        ERROR,
    ),
    (
        "AWS::ElasticLoadBalancing::LoadBalancer",
        {
            "Listeners": [
                {
                    "Protocol": "HTTPS",
                    "LoadBalancerPort": 443,
                    "InstancePort": 80,
                    "PolicyNames": ["p"],
                }
            ],
            "Policies": [
                {
                    "PolicyName": "p",
                    "PolicyType": "SSLNegotiationPolicyType",
                    "Attributes": [
                        {"Name": "Reference-Security-Policy", "Value": "ELBSecurityPolicy-2016-08"}
                    ],
                }
            ],
        },
        "Policies",
        DEFERRED,
    ),
    (
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": {"Ref": "Nope"}},
        "DistributionConfig",
        ERROR,
    ),
    (
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": {"Enabled": True, "ViewerCertificate": {"Ref": "Nope"}}},
        "ViewerCertificate",
        ERROR,
    ),
    (
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": {"Enabled": True, "Logging": {"Ref": "Nope"}}},
        "Logging",
        ERROR,
    ),
    (
        "AWS::CloudFront::Distribution",
        {
            "DistributionConfig": {
                "Enabled": True,
                "Origins": [{"Id": "o", "DomainName": "d", "S3OriginConfig": {"Ref": "Nope"}}],
            }
        },
        "Origins",
        ERROR,
    ),
    (
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": {"Enabled": True, "DefaultCacheBehavior": {"Ref": "Nope"}}},
        "DefaultCacheBehavior",
        ERROR,
    ),
    (
        "AWS::S3::Bucket",
        {"PublicAccessBlockConfiguration": {"Ref": "Nope"}},
        "PublicAccessBlock",
        ERROR,
    ),
    ("AWS::S3::Bucket", {"LoggingConfiguration": {"Ref": "Nope"}}, "Logging", ERROR),
    ("AWS::S3::Bucket", {"AccessControl": {"Ref": "AWS::Region"}}, "Acl", DEFERRED),
    ("AWS::S3::Bucket", {"AccessControl": "MadeUp"}, "Acl", DEFERRED),
    (
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"Ref": "Nope"}}
                ]
            }
        },
        "Encryption",
        ERROR,
    ),
    (
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": [{"Status": "Enabled", "Prefix": "logs/", "Transitions": []}]
            }
        },
        "Lifecycle[0].Prefix",
        "logs/",
    ),
    (
        "AWS::GuardDuty::Detector",
        {"Enable": True, "DataSources": {"Ref": "Nope"}},
        "Detectors",
        ERROR,
    ),
    ("AWS::Config::ConfigurationRecorder", {"RecordingGroup": {"Ref": "Nope"}}, "Recorders", ERROR),
    ("AWS::Backup::BackupPlan", {"BackupPlan": {"Ref": "Nope"}}, "Plan", ERROR),
    (
        "AWS::Backup::BackupPlan",
        {
            "BackupPlan": {
                "BackupPlanName": "p",
                "BackupPlanRule": [
                    {
                        "RuleName": "r",
                        "TargetBackupVault": "v",
                        "CopyActions": [
                            {"DestinationBackupVaultArn": "a", "Lifecycle": {"DeleteAfterDays": 7}}
                        ],
                    }
                ],
            }
        },
        "Plan.Rules[0].CopyActions[0].Lifecycle.DeleteAfterDays",
        7,
    ),
    (
        "AWS::CloudTrail::Trail",
        {
            "IsLogging": True,
            "S3BucketName": "b",
            "AdvancedEventSelectors": [{"Name": "n", "FieldSelectors": []}],
        },
        "EventSelectors",
        [],
    ),
    (
        "AWS::CloudTrail::Trail",
        {
            "IsLogging": True,
            "S3BucketName": "b",
            "EventSelectors": [{"ReadWriteType": "WriteOnly"}],
        },
        "EventSelectors[0].ReadWriteType",
        "WriteOnly",
    ),
]


@pytest.mark.parametrize(
    "rtype, props, path, expected", EDGE_CASES, ids=[f"{c[0]}:{c[2]}" for c in EDGE_CASES]
)
def test_edge_attribute(tmp_path, rtype, props, path, expected):
    test_attribute(tmp_path, rtype, props, path, expected)


def test_joins_that_cannot_be_made_are_notices(tmp_path):
    inv = _collect(
        tmp_path,
        {
            "TP": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {"Topics": {"Ref": "Nope"}, "PolicyDocument": {}},
            },
            "QP": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {"Queues": ["https://elsewhere"], "PolicyDocument": {}},
            },
            "ST": {"Type": "AWS::SecurityHub::Standard", "Properties": {"StandardsArn": "arn:s"}},
            "DC": {"Type": "AWS::Config::DeliveryChannel", "Properties": {"S3BucketName": "b"}},
            "L": {
                "Type": "AWS::ElasticLoadBalancingV2::Listener",
                "Properties": {"LoadBalancerArn": "arn:elsewhere"},
            },
            "FL": {
                "Type": "AWS::EC2::FlowLog",
                "Properties": {"ResourceType": "Subnet", "ResourceId": "s"},
            },
            "E": {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {"NetworkAclId": "acl-1"}},
            "GI": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {"GroupId": "sg-elsewhere"},
            },
            "P": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": "elsewhere"}},
            "RS": {
                "Type": "AWS::SecretsManager::RotationSchedule",
                "Properties": {"SecretId": "elsewhere"},
            },
            "BS": {
                "Type": "AWS::Backup::BackupSelection",
                "Properties": {"BackupPlanId": "elsewhere"},
            },
            "K": {"Type": "AWS::IAM::AccessKey", "Properties": {"UserName": "elsewhere"}},
            "IP": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": {"Ref": "Nope"}}},
            "MP": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"Roles": {"Ref": "Nope"}, "Users": ["elsewhere"]},
            },
            "DS": {"Type": "AWS::Route53::DNSSEC", "Properties": {"HostedZoneId": "Z1"}},
            "SP": {
                "Type": "AWS::SecretsManager::ResourcePolicy",
                "Properties": {"SecretId": "elsewhere", "ResourcePolicy": {}},
            },
            "UG": {
                "Type": "AWS::IAM::UserToGroupAddition",
                "Properties": {"GroupName": "g", "Users": ["elsewhere"]},
            },
            "UGX": {
                "Type": "AWS::IAM::UserToGroupAddition",
                "Properties": {"GroupName": "g", "Users": {"Ref": "Nope"}},
            },
            "GP": {
                "Type": "AWS::IAM::GroupPolicy",
                "Properties": {"GroupName": "elsewhere", "PolicyName": "p", "PolicyDocument": {}},
            },
        },
    )
    noticed = {n.name for n in inv.notices}
    assert noticed == {
        "SP",
        "UG",
        "UGX",
        "GP",
        "TP",
        "QP",
        "ST",
        "DC",
        "L",
        "FL",
        "E",
        "GI",
        "P",
        "RS",
        "BS",
        "K",
        "IP",
        "MP",
        "DS",
    }
    assert all(n.code == "not-checked" and n.line for n in inv.notices)


def test_an_instance_by_group_name_and_through_an_elastic_ip(tmp_path):
    inv = _collect(
        tmp_path,
        {
            "G": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupName": "web", "GroupDescription": "g"},
            },
            "I": {
                "Type": "AWS::EC2::Instance",
                "Properties": {
                    "SecurityGroups": ["web", "other"],
                    "SubnetId": {"Ref": "S"},
                    "LaunchTemplate": {"LaunchTemplateName": "none"},
                },
            },
            "S": {"Type": "AWS::EC2::Subnet", "Properties": {"MapPublicIpOnLaunch": True}},
            "EIP": {"Type": "AWS::EC2::EIP", "Properties": {"InstanceId": {"Ref": "J"}}},
            "J": {
                "Type": "AWS::EC2::Instance",
                "Properties": {"SubnetId": {"Ref": "S2"}, "IamInstanceProfile": {"Ref": "Prof"}},
            },
            "S2": {"Type": "AWS::EC2::Subnet", "Properties": {}},
            "Prof": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": ["r"]}},
        },
    )
    by = {r.id.split("#")[1]: r for r in inv.resources}
    i = by["I"]
    assert i.data["SecurityGroups"][0] == {"GroupId": "${G}", "GroupName": "web"}
    assert i.data["PublicIpAddress"] == "${I.PublicIp}"  # the subnet maps public addresses
    assert any(
        k.startswith("MetadataOptions") for k in i.deferred
    )  # its launch template is elsewhere
    assert by["J"].data["PublicIpAddress"] == "${J.PublicIp}"  # an Elastic IP
    assert by["J"].data["IamInstanceProfile"]["Arn"] == "${Prof.Arn}"
