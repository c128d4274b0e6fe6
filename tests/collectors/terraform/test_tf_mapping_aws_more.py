"""The AWS mapping tables, per resource type and argument, for the types and arguments that
``test_tf_mapping_aws.py`` leaves out: a minimal resource → the live shape the rules read (the
keys and values the AWS APIs answer, as the live collector stores them), with the provider's
documented default where an argument is left out, and *known only after deployment* where the
provider leaves the choice to AWS. Each configuration holds several resources and is read once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfhelpers import ABSENT, DEFERRED, ERROR, collect, evaluate, write
from tfhelpers import check_paths as _check

S3 = """
variable "acl" {}
data "external" "x" { program = ["x"] }
resource "aws_s3_account_public_access_block" "acct" {
  block_public_acls   = true
  block_public_policy = true
}
resource "aws_s3_bucket" "v3" {
  bucket = "v3"
  acl    = "public-read-write"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject" }] })
  versioning {
    enabled    = true
    mfa_delete = true
  }
  logging {
    target_bucket = "logs"
  }
  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        sse_algorithm = "AES256"
      }
      bucket_key_enabled = true
    }
  }
  lifecycle_rule {
    id      = "old"
    enabled = false
  }
}
resource "aws_s3_bucket" "auth" {
  bucket = "auth"
  acl    = "authenticated-read"
}
resource "aws_s3_bucket" "logd" {
  bucket = "logd"
  acl    = "log-delivery-write"
}
resource "aws_s3_bucket" "odd" {
  bucket = "odd"
  acl    = "everyone-please"
}
resource "aws_s3_bucket" "fromdata" {
  bucket = "fromdata"
  acl    = data.external.x.result.acl
}
resource "aws_s3_bucket" "fromvar" {
  bucket = "fromvar"
  acl    = var.acl
}
resource "aws_s3_bucket" "grants" { bucket = "grants" }
resource "aws_s3_bucket_acl" "grants" {
  bucket = aws_s3_bucket.grants.id
  access_control_policy {
    grant {
      grantee {
        type = "Group"
        uri  = "http://acs.amazonaws.com/groups/global/AllUsers"
      }
      permission = "READ"
    }
    grant {
      grantee {
        type = "CanonicalUser"
        id   = "abc"
      }
      permission = "FULL_CONTROL"
    }
    owner {
      id = "abc"
    }
  }
}
resource "aws_s3_bucket" "lock" { bucket = "lock" }
resource "aws_s3_bucket_object_lock_configuration" "lock" {
  bucket = aws_s3_bucket.lock.bucket
  rule {
    default_retention {
      mode = "COMPLIANCE"
      days = 30
    }
  }
}
resource "aws_s3_bucket_versioning" "lock" {
  bucket = "lock"
  versioning_configuration {
    status = "Disabled"
  }
}
resource "aws_s3_bucket_policy" "nowhere" {
  bucket = "not-in-this-configuration"
  policy = "{}"
}
"""
S3_CHECKS = [
    (
        "aws.s3.account_public_access_block",
        "terraform",
        "PublicAccessBlockConfiguration",
        {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False,
        },
    ),
    (
        "aws.s3.bucket",
        "v3",
        "Acl.Grants[1].Grantee.URI",
        "http://acs.amazonaws.com/groups/global/AllUsers",
    ),
    ("aws.s3.bucket", "v3", "Acl.Grants[2].Permission", "WRITE"),
    ("aws.s3.bucket", "v3", "Policy.Statement[0].Principal", "*"),
    ("aws.s3.bucket", "v3", "Versioning", {"Status": "Enabled", "MFADelete": "Enabled"}),
    ("aws.s3.bucket", "v3", "Logging", {"TargetBucket": "logs", "TargetPrefix": ""}),
    (
        "aws.s3.bucket",
        "v3",
        "Encryption.Rules[0]",
        {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
            "BucketKeyEnabled": True,
        },
    ),
    ("aws.s3.bucket", "v3", "Lifecycle", [{"ID": "old", "Status": "Disabled"}]),
    (
        "aws.s3.bucket",
        "auth",
        "Acl.Grants[1]",
        {
            "Grantee": {
                "Type": "Group",
                "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
            },
            "Permission": "READ",
        },
    ),
    ("aws.s3.bucket", "logd", "Acl.Grants[1].Permission", "WRITE"),
    ("aws.s3.bucket", "logd", "Acl.Grants[2].Permission", "READ_ACP"),
    ("aws.s3.bucket", "odd", "Acl", ERROR),  # not a canned ACL: unknown, never "private"
    # set from a data source: known after apply — not taken as "no ACL, private" (it was)
    ("aws.s3.bucket", "fromdata", "Acl", DEFERRED),
    ("aws.s3.bucket", "fromvar", "Acl", ERROR),
    (
        "aws.s3.bucket",
        "grants",
        "Acl",
        {
            "Owner": {"ID": "abc"},
            "Grants": [
                {
                    "Grantee": {
                        "Type": "Group",
                        "URI": "http://acs.amazonaws.com/groups/global/AllUsers",
                    },
                    "Permission": "READ",
                },
                {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"},
            ],
        },
    ),
    (
        "aws.s3.bucket",
        "lock",
        "ObjectLock",
        {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 30}},
        },
    ),
    # Object Lock switches versioning on; the versioning resource says Disabled: as declared
    ("aws.s3.bucket", "lock", "Versioning.Status", None),
]


def test_s3(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": S3}))
    _check(inv, S3_CHECKS)
    (notice,) = [n for n in inv.notices if n.kind == "aws_s3_bucket_policy"]
    assert (
        "its bucket ('not-in-this-configuration') is not defined in this configuration"
        in notice.reason
    )


EC2 = """
provider "aws" {
  region = "eu-central-1"
  default_tags {
    tags = { Owner = "team" }
  }
}
variable "tags" {}
resource "aws_security_group" "g" {
  name        = "g"
  description = "web"
  vpc_id      = "vpc-1"
  ingress {
    protocol    = 6
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["10.0.0.0/8"]
    description = "https"
  }
  ingress {
    protocol        = "tcp"
    from_port       = 443
    to_port         = 443
    security_groups = ["sg-other"]
    self            = true
  }
  egress {
    protocol         = "all"
    from_port        = 0
    to_port          = 0
    ipv6_cidr_blocks = ["::/0"]
    prefix_list_ids  = ["pl-1"]
  }
  tags = { Name = "web-sg" }
}
resource "aws_vpc_security_group_ingress_rule" "ssh" {
  security_group_id = aws_security_group.g.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = "0.0.0.0/0"
}
resource "aws_vpc_security_group_egress_rule" "dns" {
  security_group_id            = aws_security_group.g.id
  ip_protocol                  = "udp"
  from_port                    = 53
  to_port                      = 53
  referenced_security_group_id = "sg-dns"
}
resource "aws_security_group_rule" "self" {
  type              = "egress"
  security_group_id = aws_security_group.g.id
  protocol          = "17"
  from_port         = 123
  to_port           = 123
  self              = true
}
resource "aws_security_group" "tagged_by_var" {
  name = "by-var"
  tags = var.tags
}
resource "aws_instance" "i" {
  ami                  = "ami-1"
  instance_type        = "t3.micro"
  security_groups      = ["web-sg-name"]
  iam_instance_profile = "profile"
  ipv6_address_count   = 1
  metadata_options {
    http_tokens   = "optional"
    http_endpoint = "disabled"
  }
  tags = { Name = "app" }
}
resource "aws_instance" "bare" {
  ami  = "ami-1"
  tags = var.tags
}
resource "aws_ebs_volume" "v" {
  availability_zone = "eu-central-1a"
  encrypted         = true
  kms_key_id        = aws_kms_key.k.arn
  size              = 8
  tags              = { Name = "vol" }
}
resource "aws_kms_key" "k" {}
resource "aws_ebs_snapshot" "s" {
  volume_id = aws_ebs_volume.v.id
  tags      = { Name = "snap" }
}
resource "aws_snapshot_create_volume_permission" "pub" {
  snapshot_id = aws_ebs_snapshot.s.id
  account_id  = "all"
}
resource "aws_snapshot_create_volume_permission" "acct" {
  snapshot_id = aws_ebs_snapshot.s.id
  account_id  = "111122223333"
}
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "main" }
}
resource "aws_flow_log" "by_resource_id" {
  resource_id          = aws_vpc.v.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::flow"
}
resource "aws_flow_log" "eni" {
  eni_id       = "eni-1"
  traffic_type = "ALL"
}
resource "aws_network_acl" "n" {
  vpc_id = aws_vpc.v.id
  egress {
    protocol        = "-1"
    rule_no         = 200
    action          = "allow"
    ipv6_cidr_block = "::/0"
    from_port       = 0
    to_port         = 0
  }
  tags = { Name = "nacl" }
}
resource "aws_network_acl_rule" "r" {
  network_acl_id = aws_network_acl.n.id
  rule_number    = 50
  egress         = false
  protocol       = 17
  rule_action    = "deny"
  cidr_block     = "0.0.0.0/0"
  from_port      = 53
  to_port        = 53
}
resource "aws_default_network_acl" "d" {
  default_network_acl_id = aws_vpc.v.default_network_acl_id
  tags = { Name = "default-nacl" }
}
resource "aws_ebs_encryption_by_default" "e" {}
resource "aws_ebs_snapshot_block_public_access" "b" {
  state = "block-all-sharing"
}
"""
EC2_CHECKS = [
    (
        "aws.ec2.security_group",
        "web-sg",
        "IpPermissions[0]",
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            # AWS answers one permission per protocol and port range, all sources together
            "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "https"}],
            "Ipv6Ranges": [],
            "UserIdGroupPairs": [{"GroupId": "sg-other"}, {"GroupId": "aws_security_group.g"}],
            "PrefixListIds": [],
        },
    ),
    (
        "aws.ec2.security_group",
        "web-sg",
        "IpPermissions[1]",
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "UserIdGroupPairs": [],
            "PrefixListIds": [],
        },
    ),
    (
        "aws.ec2.security_group",
        "web-sg",
        "IpPermissionsEgress",
        [
            {
                "IpProtocol": "-1",
                "IpRanges": [],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                "UserIdGroupPairs": [],
                "PrefixListIds": [{"PrefixListId": "pl-1"}],
            },
            {
                "IpProtocol": "udp",
                "FromPort": 53,
                "ToPort": 53,
                "IpRanges": [],
                "Ipv6Ranges": [],
                "UserIdGroupPairs": [{"GroupId": "sg-dns"}],
                "PrefixListIds": [],
            },
            {
                "IpProtocol": "udp",
                "FromPort": 123,
                "ToPort": 123,
                "IpRanges": [],
                "Ipv6Ranges": [],
                "UserIdGroupPairs": [{"GroupId": "aws_security_group.g"}],
                "PrefixListIds": [],
            },
        ],
    ),
    ("aws.ec2.security_group", "web-sg", "Description", "web"),
    ("aws.ec2.security_group", "web-sg", "VpcId", "vpc-1"),
    (
        "aws.ec2.security_group",
        "web-sg",
        "Tags",
        [{"Key": "Owner", "Value": "team"}, {"Key": "Name", "Value": "web-sg"}],
    ),
    # tags from a variable without a value: no crash, and the tags are unresolved (it crashed)
    ("aws.ec2.security_group", "by-var", "tags", ERROR),
    ("aws.ec2.security_group", "by-var", "Description", "Managed by Terraform"),
    (
        "aws.ec2.instance",
        "app",
        "SecurityGroups",
        [{"GroupId": "web-sg-name", "GroupName": "web-sg-name"}],
    ),
    (
        "aws.ec2.instance",
        "app",
        "MetadataOptions",
        {"HttpTokens": "optional", "HttpEndpoint": "disabled"},
    ),
    (
        "aws.ec2.instance",
        "app",
        "IamInstanceProfile.Arn",
        "${aws_instance.i.iam_instance_profile_arn}",
    ),
    ("aws.ec2.instance", "app", "NetworkInterfaces", DEFERRED),
    ("aws.ec2.instance", "app", "PublicIpAddress", DEFERRED),  # the subnet decides
    ("aws.ec2.instance", "app", "InstanceType", "t3.micro"),
    (
        "aws.ec2.instance",
        "aws_instance.bare",
        "SecurityGroups",
        DEFERRED,
    ),  # the VPC's default group
    ("aws.ec2.instance", "aws_instance.bare", "tags", ERROR),
    ("aws.ec2.volume", "vol", "Encrypted", True),
    ("aws.ec2.volume", "vol", "KmsKeyId", "${aws_kms_key.k.arn}"),
    ("aws.ec2.volume", "vol", "Size", 8),
    ("aws.ec2.snapshot", "snap", "Encrypted", DEFERRED),
    (
        "aws.ec2.snapshot",
        "snap",
        "CreateVolumePermissions",
        [{"Group": "all"}, {"UserId": "111122223333"}],
    ),
    (
        "aws.ec2.vpc",
        "main",
        "FlowLogs",
        [
            {
                "FlowLogId": "aws_flow_log.by_resource_id",
                "FlowLogStatus": "ACTIVE",
                "TrafficType": "ALL",
                "LogDestinationType": "s3",
                "LogDestination": "arn:aws:s3:::flow",
            }
        ],
    ),
    ("aws.ec2.vpc", "main", "CidrBlock", "10.0.0.0/16"),
    (
        "aws.ec2.network_acl",
        "nacl",
        "Entries",
        [
            {
                "RuleNumber": 50,
                "Protocol": "17",
                "RuleAction": "deny",
                "Egress": False,
                "CidrBlock": "0.0.0.0/0",
                "PortRange": {"From": 53, "To": 53},
            },
            {
                "RuleNumber": 200,
                "Protocol": "-1",
                "RuleAction": "allow",
                "Egress": True,
                "Ipv6CidrBlock": "::/0",
            },
            {
                "RuleNumber": 32767,
                "Protocol": "-1",
                "RuleAction": "deny",
                "Egress": False,
                "CidrBlock": "0.0.0.0/0",
            },
            {
                "RuleNumber": 32767,
                "Protocol": "-1",
                "RuleAction": "deny",
                "Egress": True,
                "CidrBlock": "0.0.0.0/0",
            },
        ],
    ),
    ("aws.ec2.network_acl", "nacl", "IsDefault", False),
    ("aws.ec2.network_acl", "default-nacl", "IsDefault", True),
    ("aws.ec2.region_settings", "terraform/eu-central-1", "EbsEncryptionByDefault", True),
    (
        "aws.ec2.region_settings",
        "terraform/eu-central-1",
        "SnapshotBlockPublicAccess",
        "block-all-sharing",
    ),
]


def test_ec2(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": EC2}))
    _check(inv, EC2_CHECKS)
    sg = next(r for r in inv.resources if r.name == "web-sg")
    assert sg.region == "eu-central-1" and sg.tags == {"Owner": "team", "Name": "web-sg"}
    assert sg.errors == {} and sg.deferred == {}
    # a flow log of something other than a VPC is not one of the VPC's flow logs
    assert [n.kind for n in inv.notices if "flow" in n.kind] == []


IAM = """
variable "policy_name" {}
resource "aws_iam_user" "u" {
  name = "alice"
  path = "/staff/"
}
resource "aws_iam_policy" "p" {
  name   = "read-all"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
resource "aws_iam_user_policy_attachment" "own" {
  user       = aws_iam_user.u.name
  policy_arn = aws_iam_policy.p.arn
}
resource "aws_iam_user_policy" "inline" {
  user   = aws_iam_user.u.name
  name   = "inline"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}
resource "aws_iam_user_login_profile" "lp" { user = "alice" }
resource "aws_iam_access_key" "k" { user = aws_iam_user.u.name }
resource "aws_iam_access_key" "old" {
  user   = aws_iam_user.u.name
  status = "Inactive"
}
resource "aws_iam_user_group_membership" "m" {
  user   = aws_iam_user.u.name
  groups = ["admins", "devs"]
}
resource "aws_iam_group_membership" "g" {
  name  = "ops"
  group = "ops"
  users = [aws_iam_user.u.name, "ghost"]
}
resource "aws_iam_role" "r" {
  name               = "ci"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  inline_policy {
    name   = var.policy_name
    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
  }
}
resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.r.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_role_policy" "extra" {
  role   = aws_iam_role.r.id
  policy = jsonencode({ Statement = [] })
}
resource "aws_iam_account_password_policy" "pp" {
  minimum_password_length = 14
  require_symbols         = true
  max_password_age        = 90
}
"""
IAM_CHECKS = [
    ("aws.iam.user", "alice", "Path", "/staff/"),
    (
        "aws.iam.user",
        "alice",
        "AttachedPolicies",
        [{"PolicyName": "read-all", "PolicyArn": "${aws_iam_policy.p.arn}"}],
    ),
    ("aws.iam.user", "alice", "InlinePolicies.inline.Statement[0].Action", "s3:*"),
    ("aws.iam.user", "alice", "LoginProfile.UserName", "alice"),
    ("aws.iam.user", "alice", "LoginProfile.CreateDate", DEFERRED),
    ("aws.iam.user", "alice", "AccessKeys[0].Status", "Active"),
    ("aws.iam.user", "alice", "AccessKeys[1].Status", "Inactive"),
    ("aws.iam.user", "alice", "AccessKeys[0].AccessKeyId", "aws_iam_access_key.k"),
    (
        "aws.iam.user",
        "alice",
        "Groups",
        [{"GroupName": "admins"}, {"GroupName": "devs"}, {"GroupName": "ops"}],
    ),
    ("aws.iam.user", "alice", "CredentialReport", DEFERRED),
    ("aws.iam.policy", "read-all", "Document.Statement[0].Action", "*"),
    ("aws.iam.policy", "read-all", "DefaultVersionId", "v1"),
    ("aws.iam.role", "ci", "AssumeRolePolicyDocument.Statement[0].Principal.AWS", "*"),
    (
        "aws.iam.role",
        "ci",
        "AttachedPolicies",
        [
            {"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "PolicyName": "ReadOnlyAccess"},
            {
                "PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
            },
        ],
    ),
    # an inline policy whose name is unresolved is still there (it was dropped: a role with
    # an admin policy looked harmless)
    (
        "aws.iam.account",
        "terraform",
        "PasswordPolicy",
        {
            "MinimumPasswordLength": 14,
            "RequireSymbols": True,
            "RequireNumbers": False,
            "RequireUppercaseCharacters": False,
            "RequireLowercaseCharacters": False,
            "AllowUsersToChangePassword": True,
            "MaxPasswordAge": 90,
            "HardExpiry": False,
        },
    ),
    ("aws.iam.account", "terraform", "Summary", DEFERRED),
]


def test_iam(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": IAM}))
    _check(inv, IAM_CHECKS)
    role = next(r for r in inv.resources if r.name == "ci")
    # an inline policy whose name is unresolved is still there, by position (it was dropped:
    # a role with an admin policy looked harmless)
    assert role.data["InlinePolicies"]["inline_policy[0]"]["Statement"][0]["Action"] == "*"
    assert role.data["InlinePolicies"]["aws_iam_role_policy.extra"] == {"Statement": []}
    (ghost,) = [n for n in inv.notices if n.kind == "aws_iam_group_membership"]
    assert "its user ('ghost')" in ghost.reason
    res = {
        r.rule_id: r.status.value
        for r in evaluate(inv, "aws")
        if r.rule_id in ("aws.iam.role_inline_policy_no_admin", "aws.iam.role_trust_not_public")
    }
    assert res == {
        "aws.iam.role_inline_policy_no_admin": "FAIL",
        "aws.iam.role_trust_not_public": "FAIL",
    }


SERVICES = """
provider "aws" { region = "eu-west-1" }
resource "aws_cloudtrail" "t" {
  name                       = "t"
  s3_bucket_name             = "logs"
  is_multi_region_trail      = true
  enable_log_file_validation = true
  kms_key_id                 = "arn:aws:kms:eu-west-1:111122223333:key/k"
  enable_logging             = false
  event_selector {
    read_write_type           = "WriteOnly"
    include_management_events = false
    data_resource {
      type   = "AWS::S3::Object"
      values = ["arn:aws:s3"]
    }
  }
  advanced_event_selector {
    name = "data"
    field_selector {
      field  = "eventCategory"
      equals = ["Data"]
    }
    field_selector {
      field           = "resources.type"
      not_starts_with = ["AWS::Lambda"]
    }
  }
}
resource "aws_db_instance" "d" {
  identifier              = "db"
  engine                  = "mysql"
  storage_encrypted       = true
  multi_az                = true
  backup_retention_period = 7
  publicly_accessible     = true
  tags                    = { environment = "production" }
}
resource "aws_rds_cluster" "c" {
  cluster_identifier = "aurora"
  engine             = "aurora-postgresql"
  tags               = { environment = "test" }
}
resource "aws_rds_cluster_instance" "ci" {
  identifier         = "aurora-1"
  cluster_identifier = aws_rds_cluster.c.id
  engine             = "aurora-postgresql"
}
resource "aws_db_snapshot" "s" {
  db_instance_identifier = aws_db_instance.d.identifier
  db_snapshot_identifier = "snap"
  shared_accounts        = ["all"]
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  package_type  = "Image"
  role          = "arn:aws:iam::111122223333:role/r"
  vpc_config {
    subnet_ids         = ["subnet-1"]
    security_group_ids = ["sg-1"]
  }
}
resource "aws_lambda_permission" "svc" {
  function_name = aws_lambda_function.f.function_name
  statement_id  = "s3"
  action        = "lambda:InvokeFunction"
  principal     = "s3.amazonaws.com"
  source_arn    = "arn:aws:s3:::b"
  source_account = "111122223333"
}
resource "aws_lambda_permission" "acct" {
  function_name          = aws_lambda_function.f.function_name
  action                 = "lambda:InvokeFunctionUrl"
  principal              = "444455556666"
  function_url_auth_type = "NONE"
  principal_org_id       = "o-1"
}
resource "aws_lambda_permission" "role" {
  function_name = "f"
  action        = "lambda:GetFunction"
  principal     = "arn:aws:iam::444455556666:role/x"
}
resource "aws_sqs_queue" "q" {
  name                    = "q"
  sqs_managed_sse_enabled = false
}
resource "aws_sqs_queue" "q2" { name = "q2" }
resource "aws_sqs_queue_policy" "p" {
  queue_url = aws_sqs_queue.q.id
  policy    = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage" }] })
}
resource "aws_sns_topic" "t" {
  name              = "t"
  kms_master_key_id = "alias/aws/sns"
}
resource "aws_sns_topic_policy" "p" {
  arn    = aws_sns_topic.t.arn
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "sns:Publish" }] })
}
resource "aws_ecr_repository" "r" {
  name                 = "r"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = "arn:aws:kms:eu-west-1:111122223333:key/k"
  }
}
resource "aws_eks_cluster" "e" {
  name     = "e"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  vpc_config {
    subnet_ids              = ["s"]
    endpoint_public_access  = false
    endpoint_private_access = true
  }
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = "arn:aws:kms:eu-west-1:111122223333:key/k"
    }
  }
}
"""
SERVICES_CHECKS = [
    ("aws.cloudtrail.trail", "t", "IsMultiRegionTrail", True),
    ("aws.cloudtrail.trail", "t", "LogFileValidationEnabled", True),
    ("aws.cloudtrail.trail", "t", "IncludeGlobalServiceEvents", True),
    ("aws.cloudtrail.trail", "t", "KmsKeyId", "arn:aws:kms:eu-west-1:111122223333:key/k"),
    ("aws.cloudtrail.trail", "t", "HomeRegion", "eu-west-1"),
    ("aws.cloudtrail.trail", "t", "Status.IsLogging", False),
    (
        "aws.cloudtrail.trail",
        "t",
        "EventSelectors",
        [
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": False,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
                "ExcludeManagementEventSources": [],
            }
        ],
    ),
    (
        "aws.cloudtrail.trail",
        "t",
        "AdvancedEventSelectors",
        [
            {
                "Name": "data",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "NotStartsWith": ["AWS::Lambda"]},
                ],
            }
        ],
    ),
    ("aws.rds.db_instance", "db", "StorageEncrypted", True),
    ("aws.rds.db_instance", "db", "MultiAZ", True),
    ("aws.rds.db_instance", "db", "BackupRetentionPeriod", 7),
    ("aws.rds.db_instance", "db", "PubliclyAccessible", True),
    ("aws.rds.db_instance", "db", "DeletionProtection", False),
    ("aws.rds.db_instance", "db", "AutoMinorVersionUpgrade", True),
    ("aws.rds.db_instance", "db", "EnabledCloudwatchLogsExports", []),
    ("aws.rds.db_instance", "db", "TagList", [{"Key": "environment", "Value": "production"}]),
    ("aws.rds.db_cluster", "aurora", "StorageEncrypted", False),
    ("aws.rds.db_cluster", "aurora", "BackupRetentionPeriod", 1),
    ("aws.rds.db_cluster", "aurora", "MultiAZ", DEFERRED),
    ("aws.rds.db_instance", "aurora-1", "DBClusterIdentifier", "aws_rds_cluster.c"),
    ("aws.rds.db_instance", "aurora-1", "PubliclyAccessible", False),
    (
        "aws.rds.snapshot",
        "snap",
        "Attributes",
        [{"AttributeName": "restore", "AttributeValues": ["all"]}],
    ),
    ("aws.rds.snapshot", "snap", "Encrypted", DEFERRED),
    ("aws.lambda.function", "f", "PackageType", "Image"),
    ("aws.lambda.function", "f", "Runtime", ABSENT),  # an image has no runtime
    (
        "aws.lambda.function",
        "f",
        "VpcConfig",
        {
            "SubnetIds": ["subnet-1"],
            "SecurityGroupIds": ["sg-1"],
            "VpcId": "${aws_lambda_function.f.vpc_config.vpc_id}",
        },
    ),
    (
        "aws.lambda.function",
        "f",
        "Policy.Statement[0]",
        {
            "Sid": "s3",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": "${aws_lambda_function.f.arn}",
            "Condition": {
                "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"},
                "StringEquals": {"AWS:SourceAccount": "111122223333"},
            },
        },
    ),
    (
        "aws.lambda.function",
        "f",
        "Policy.Statement[1].Principal",
        {"AWS": "arn:aws:iam::444455556666:root"},
    ),
    (
        "aws.lambda.function",
        "f",
        "Policy.Statement[1].Condition.StringEquals",
        {"aws:PrincipalOrgID": "o-1", "lambda:FunctionUrlAuthType": "NONE"},
    ),
    (
        "aws.lambda.function",
        "f",
        "Policy.Statement[2].Principal",
        {"AWS": "arn:aws:iam::444455556666:role/x"},
    ),
    ("aws.sqs.queue", "q", "Attributes.SqsManagedSseEnabled", "false"),
    ("aws.sqs.queue", "q", "Attributes.Policy.Statement[0].Principal", "*"),
    ("aws.sqs.queue", "q2", "Attributes.SqsManagedSseEnabled", DEFERRED),
    ("aws.sns.topic", "t", "Attributes.KmsMasterKeyId", "alias/aws/sns"),
    ("aws.sns.topic", "t", "Attributes.Policy.Statement[0].Action", "sns:Publish"),
    ("aws.ecr.repository", "r", "imageTagMutability", "IMMUTABLE"),
    ("aws.ecr.repository", "r", "imageScanningConfiguration", {"scanOnPush": True}),
    (
        "aws.ecr.repository",
        "r",
        "encryptionConfiguration",
        {"encryptionType": "KMS", "kmsKey": "arn:aws:kms:eu-west-1:111122223333:key/k"},
    ),
    ("aws.eks.cluster", "e", "resourcesVpcConfig.endpointPublicAccess", False),
    ("aws.eks.cluster", "e", "resourcesVpcConfig.endpointPrivateAccess", True),
    ("aws.eks.cluster", "e", "version", DEFERRED),
    ("aws.eks.cluster", "e", "logging", {"clusterLogging": []}),
    (
        "aws.eks.cluster",
        "e",
        "encryptionConfig",
        [
            {
                "resources": ["secrets"],
                "provider": {"keyArn": "arn:aws:kms:eu-west-1:111122223333:key/k"},
            }
        ],
    ),
]


def test_services(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": SERVICES}))
    _check(inv, SERVICES_CHECKS)


REGION = """
provider "aws" { region = "eu-west-1" }
resource "aws_lb" "alb" {
  name                       = "alb"
  internal                   = true
  drop_invalid_header_fields = true
  enable_deletion_protection = true
  subnet_mapping {
    subnet_id = "subnet-a"
  }
  access_logs {
    bucket = "lb-logs"
  }
}
resource "aws_lb" "nlb" {
  name               = "nlb"
  load_balancer_type = "network"
  subnets            = ["subnet-b"]
  access_logs {
    bucket  = "lb-logs"
    enabled = true
  }
}
resource "aws_alb_listener" "https" {
  load_balancer_arn = aws_lb.alb.arn
  port              = 443
  protocol          = "HTTPS"
  default_action {
    type = "forward"
  }
}
resource "aws_lb_listener" "tls" {
  load_balancer_arn = aws_lb.nlb.arn
  port              = 443
  protocol          = "TLS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  default_action {
    type = "forward"
  }
}
resource "aws_lb_listener" "plain" {
  load_balancer_arn = aws_lb.nlb.arn
  port              = 80
  default_action {
    type = "redirect"
    redirect {
      status_code = "HTTP_302"
    }
  }
}
resource "aws_elb" "classic" {
  name               = "classic"
  availability_zones = ["eu-west-1a"]
  listener {
    lb_protocol       = "https"
    lb_port           = 443
    instance_protocol = "http"
    instance_port     = 80
    ssl_certificate_id = "arn:aws:acm:eu-west-1:111122223333:certificate/c"
  }
}
resource "aws_guardduty_detector" "d" {
  datasources {
    s3_logs {
      enable = true
    }
  }
}
resource "aws_guardduty_detector_feature" "eks" {
  detector_id = aws_guardduty_detector.d.id
  name        = "EKS_AUDIT_LOGS"
  status      = "ENABLED"
}
resource "aws_guardduty_detector_feature" "stray" {
  detector_id = "d-not-here"
  name        = "RDS_LOGIN_EVENTS"
  status      = "ENABLED"
}
resource "aws_securityhub_account" "sh" {}
resource "aws_securityhub_standards_subscription" "cis" {
  standards_arn = "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/1.4.0"
}
resource "aws_config_configuration_recorder" "r" {
  role_arn = "arn:aws:iam::111122223333:role/config"
  recording_group {
    include_global_resource_types = true
  }
}
resource "aws_config_configuration_recorder_status" "s" {
  name       = aws_config_configuration_recorder.r.name
  is_enabled = true
}
resource "aws_config_delivery_channel" "c" {
  s3_bucket_name = "config"
}
resource "aws_inspector2_enabler" "i" {
  account_ids    = ["111122223333"]
  resource_types = ["EC2", "LAMBDA_CODE"]
}
resource "aws_accessanalyzer_analyzer" "a" {
  analyzer_name = "org"
  type          = "ORGANIZATION"
}
resource "aws_backup_vault" "v" { name = "vault" }
resource "aws_backup_vault_lock_configuration" "l" {
  backup_vault_name  = aws_backup_vault.v.name
  min_retention_days = 7
  max_retention_days = 365
}
resource "aws_backup_vault_policy" "p" {
  backup_vault_name = "vault"
  policy            = jsonencode({ Statement = [{ Effect = "Deny", Principal = "*", Action = "backup:DeleteRecoveryPoint" }] })
}
resource "aws_backup_plan" "p" {
  name = "daily"
  rule {
    rule_name         = "r"
    target_vault_name = aws_backup_vault.v.name
    lifecycle {
      delete_after = 35
    }
    copy_action {
      destination_vault_arn = "arn:aws:backup:eu-central-1:111122223333:backup-vault:dr"
    }
  }
}
resource "aws_backup_selection" "s" {
  plan_id = aws_backup_plan.p.id
  name    = "all"
}
resource "aws_secretsmanager_secret" "s" {
  name   = "db"
  policy = jsonencode({ Statement = [{ Effect = "Deny", Principal = "*", Action = "*" }] })
}
resource "aws_secretsmanager_secret_rotation" "r" {
  secret_id = aws_secretsmanager_secret.s.id
  rotation_rules {
    automatically_after_days = 30
  }
}
resource "aws_route53_zone" "pub" { name = "example.nl" }
resource "aws_route53_hosted_zone_dnssec" "d" {
  hosted_zone_id = aws_route53_zone.pub.zone_id
}
resource "aws_route53_zone" "priv" {
  name = "internal.example.nl."
  vpc {
    vpc_id = "vpc-1"
  }
}
resource "aws_acm_certificate" "c" {
  domain_name       = "example.nl"
  key_algorithm     = "EC_prime256v1"
  validation_method = "DNS"
  options {
    certificate_transparency_logging_preference = "DISABLED"
  }
}
resource "aws_acm_certificate" "imported" {
  certificate_body = "-----BEGIN CERTIFICATE-----"
  private_key      = "not-a-real-key"
  domain_name      = "imported.example.nl"
}
resource "aws_kms_key" "asym" {
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
  is_enabled               = false
  multi_region             = true
  description              = "signing"
  policy                   = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*" }] })
}
resource "aws_cloudwatch_log_group" "g" {
  name              = "/app"
  retention_in_days = 400
  kms_key_id        = "arn:aws:kms:eu-west-1:111122223333:key/k"
}
resource "aws_cloudwatch_log_group" "never" {
  name              = "/never"
  retention_in_days = 0
}
"""
REGION_CHECKS = [
    ("aws.elbv2.load_balancer", "alb", "Scheme", "internal"),
    ("aws.elbv2.load_balancer", "alb", "AvailabilityZones", [{"SubnetId": "subnet-a"}]),
    (
        "aws.elbv2.load_balancer",
        "alb",
        "Attributes",
        {
            # "Defaults to false, even when bucket is specified" (the provider's documentation);
            # it was taken as true: a template naming only the bucket passed the logging rule
            "access_logs.s3.enabled": "false",
            "deletion_protection.enabled": "true",
            "routing.http.drop_invalid_header_fields.enabled": "true",
            "routing.http.desync_mitigation_mode": "defensive",
        },
    ),
    (
        "aws.elbv2.load_balancer",
        "alb",
        "Listeners",
        [
            {
                "Port": 443,
                "Protocol": "HTTPS",
                "DefaultActions": [{"Type": "forward"}],
                "SslPolicy": "ELBSecurityPolicy-2016-08",
            }
        ],
    ),
    ("aws.elbv2.load_balancer", "nlb", "Scheme", "internet-facing"),
    (
        "aws.elbv2.load_balancer",
        "nlb",
        "Attributes",
        {"access_logs.s3.enabled": "true", "deletion_protection.enabled": "false"},
    ),
    (
        "aws.elbv2.load_balancer",
        "nlb",
        "Listeners[0].SslPolicy",
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
    ),
    (
        "aws.elbv2.load_balancer",
        "nlb",
        "Listeners[1]",
        {
            "Port": 80,
            "Protocol": "TCP",
            "DefaultActions": [
                {
                    "Type": "redirect",
                    "RedirectConfig": {
                        "Protocol": "#{protocol}",
                        "Port": "#{port}",
                        "StatusCode": "HTTP_302",
                    },
                }
            ],
        },
    ),
    (
        "aws.elb.load_balancer",
        "classic",
        "ListenerDescriptions[0].Listener",
        {
            "Protocol": "HTTPS",
            "LoadBalancerPort": 443,
            "InstanceProtocol": "HTTP",
            "InstancePort": 80,
            "SSLCertificateId": "arn:aws:acm:eu-west-1:111122223333:certificate/c",
        },
    ),
    ("aws.elb.load_balancer", "classic", "Policies", DEFERRED),
    ("aws.guardduty.region", "terraform/eu-west-1", "Detectors[0].Status", "ENABLED"),
    (
        "aws.guardduty.region",
        "terraform/eu-west-1",
        "Detectors[0].DataSources.S3Logs.Status",
        "ENABLED",
    ),
    (
        "aws.guardduty.region",
        "terraform/eu-west-1",
        "Detectors[0].Features",
        [{"Name": "EKS_AUDIT_LOGS", "Status": "ENABLED"}],
    ),
    (
        "aws.securityhub.region",
        "terraform/eu-west-1",
        "Hub.HubArn",
        "${aws_securityhub_account.sh.arn}",
    ),
    (
        "aws.securityhub.region",
        "terraform/eu-west-1",
        "Standards",
        [
            {
                "StandardsArn": "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/1.4.0",
                "StandardsStatus": "READY",
            }
        ],
    ),
    (
        "aws.config.region",
        "terraform/eu-west-1",
        "Recorders",
        [
            {
                "name": "default",
                "roleARN": "arn:aws:iam::111122223333:role/config",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
            }
        ],
    ),
    ("aws.config.region", "terraform/eu-west-1", "RecorderStatus[0].recording", True),
    (
        "aws.config.region",
        "terraform/eu-west-1",
        "DeliveryChannels",
        [{"name": "default", "s3BucketName": "config"}],
    ),
    (
        "aws.inspector2.region",
        "terraform/eu-west-1",
        "Status.resourceState",
        # keyed as BatchGetAccountStatus answers (lambdaCode, not lambda_code)
        {
            "ec2": {"status": "ENABLED"},
            "ecr": {"status": "DISABLED"},
            "lambda": {"status": "DISABLED"},
            "lambdaCode": {"status": "ENABLED"},
        },
    ),
    (
        "aws.accessanalyzer.region",
        "terraform/eu-west-1",
        "Analyzers",
        [{"name": "org", "type": "ORGANIZATION", "status": "ACTIVE"}],
    ),
    ("aws.backup.vault", "vault", "Locked", True),
    ("aws.backup.vault", "vault", "MinRetentionDays", 7),
    ("aws.backup.vault", "vault", "MaxRetentionDays", 365),
    ("aws.backup.vault", "vault", "Policy.Statement[0].Effect", "Deny"),
    (
        "aws.backup.plan",
        "daily",
        "Plan.Rules",
        [
            {
                "RuleName": "r",
                "TargetBackupVaultName": "vault",
                "CopyActions": [
                    {
                        "DestinationBackupVaultArn": "arn:aws:backup:eu-central-1:111122223333:backup-vault:dr"
                    }
                ],
                "Lifecycle": {"DeleteAfterDays": 35},
            }
        ],
    ),
    ("aws.backup.plan", "daily", "Selections", [{"SelectionName": "all"}]),
    ("aws.secretsmanager.secret", "db", "RotationEnabled", True),
    ("aws.secretsmanager.secret", "db", "RotationRules", {"AutomaticallyAfterDays": 30}),
    ("aws.secretsmanager.secret", "db", "LastRotatedDate", DEFERRED),
    ("aws.secretsmanager.secret", "db", "Policy.Statement[0].Effect", "Deny"),
    ("aws.route53.hosted_zone", "example.nl.", "DNSSEC", {"ServeSignature": "SIGNING"}),
    ("aws.route53.hosted_zone", "example.nl.", "Config", {"PrivateZone": False}),
    ("aws.route53.hosted_zone", "internal.example.nl.", "DNSSEC", None),
    ("aws.acm.certificate", "example.nl", "KeyAlgorithm", "EC-prime256v1"),
    ("aws.acm.certificate", "example.nl", "Type", "AMAZON_ISSUED"),
    (
        "aws.acm.certificate",
        "example.nl",
        "Options",
        {"CertificateTransparencyLoggingPreference": "DISABLED"},
    ),
    ("aws.acm.certificate", "example.nl", "NotAfter", DEFERRED),
    ("aws.acm.certificate", "imported.example.nl", "Type", "IMPORTED"),
    ("aws.acm.certificate", "imported.example.nl", "KeyAlgorithm", DEFERRED),
    ("aws.kms.key", "aws_kms_key.asym", "KeySpec", "RSA_2048"),
    ("aws.kms.key", "aws_kms_key.asym", "KeyUsage", "SIGN_VERIFY"),
    ("aws.kms.key", "aws_kms_key.asym", "KeyState", "Disabled"),
    ("aws.kms.key", "aws_kms_key.asym", "MultiRegion", True),
    ("aws.kms.key", "aws_kms_key.asym", "RotationEnabled", None),  # no rotation for RSA keys
    ("aws.kms.key", "aws_kms_key.asym", "Policy.Statement[0].Principal.AWS", "*"),
    ("aws.logs.log_group", "/app", "retentionInDays", 400),
    ("aws.logs.log_group", "/app", "kmsKeyId", "arn:aws:kms:eu-west-1:111122223333:key/k"),
    ("aws.logs.log_group", "/never", "retentionInDays", ABSENT),  # 0: never expire
]


def test_load_balancers_security_services_and_the_rest(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": REGION}))
    _check(inv, REGION_CHECKS)
    (stray,) = [n for n in inv.notices if n.kind == "aws_guardduty_detector_feature"]
    assert "its detector ('d-not-here')" in stray.reason
    res = [
        r.status.value
        for r in evaluate(inv, "aws")
        if r.rule_id == "aws.elb.access_logs" and r.resource_name == "alb"
    ]
    assert res == ["FAIL"]


def test_the_private_key_of_an_imported_certificate_never_reaches_the_inventory(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": REGION}))
    assert "not-a-real-key" not in str([r.to_dict() for r in inv.resources])


@pytest.mark.parametrize("count", ["count = var.n", "count = length(aws_kms_key.k.arn)"])
def test_an_instance_whose_count_is_not_known(tmp_path, count):
    inv = collect(
        write(
            tmp_path,
            {
                "main.tf": f'variable "n" {{}}\nresource "aws_kms_key" "k" {{}}\n'
                f'resource "aws_sqs_queue" "q" {{\n  {count}\n  name = "q"\n}}\n'
            },
        )
    )
    (q,) = [r for r in inv.resources if r.type == "aws.sqs.queue"]
    assert q.id == "aws_sqs_queue.q"
    if "var.n" in count:
        assert q.errors["*"].startswith("count/for_each: unresolved: var.n has no value")
    else:
        assert (
            q.deferred["*"] == "count/for_each: length(aws_kms_key.k.arn) is known only after apply"
        )


def test_a_tag_that_cannot_be_read_decides_no_rule(tmp_path):
    """A production database whose environment tag comes from a variable without a value:
    multi_az_production must not say NOT_APPLICABLE ("not production") — it cannot tell."""
    text = """
variable "env" {}
resource "aws_db_instance" "d" {
  identifier = "db"
  engine     = "postgres"
  multi_az   = false
  tags       = { environment = var.env }
}
resource "aws_db_instance" "t" {
  identifier = "test-db"
  engine     = "postgres"
  multi_az   = false
  tags       = { environment = "test" }
}
"""
    inv = collect(write(tmp_path, {"main.tf": text}))
    res = {
        r.resource_name: (r.status.value, r.message)
        for r in evaluate(inv, "aws")
        if r.rule_id == "aws.rds.multi_az_production"
    }
    assert res["db"][0] == "ERROR" and "tags.environment" in res["db"][1]
    assert res["test-db"][0] == "NOT_APPLICABLE"
