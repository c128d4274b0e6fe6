"""The AWS mapping, attribute by attribute: a Terraform snippet → the live shape the rules read.
Each case names the live type and resource name, a data path and the value expected there
(``DEFERRED``: known only after deployment; ``ABSENT``: the key is not there)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfhelpers import collect, write

DEFERRED = object()
ABSENT = object()

BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "b1"\n}\n'


def _get(data, path):
    cur = data
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(cur, list):
            cur = cur[int(part)]
        elif isinstance(cur, dict):
            if part not in cur:
                return ABSENT
            cur = cur[part]
        else:
            return ABSENT
    return cur


CASES = [
    (
        'resource "aws_ecr_repository" "r" {\n  name = "app"\n}\n'
        'resource "aws_ecr_repository_policy" "p" {\n  repository = aws_ecr_repository.r.name\n'
        '  policy = jsonencode({Statement = [{Effect = "Allow", Principal = "*", '
        'Action = "ecr:BatchGetImage"}]})\n}\n',
        "aws.ecr.repository",
        "app",
        "Policy.Statement[0].Principal",
        "*",
    ),
    (
        'resource "aws_ecr_repository" "r" {\n  name = "app"\n}\n',
        "aws.ecr.repository",
        "app",
        "Policy",
        None,
    ),
    (
        'resource "aws_secretsmanager_secret" "s" {\n  name = "db"\n}\n'
        'resource "aws_secretsmanager_secret_policy" "p" {\n  secret_arn = aws_secretsmanager_secret.s.arn\n'
        '  policy = jsonencode({Statement = [{Effect = "Deny", Principal = "*", Action = "*"}]})\n}\n',
        "aws.secretsmanager.secret",
        "db",
        "Policy.Statement[0].Effect",
        "Deny",
    ),
    (
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
        "aws.sqs.queue",
        "q",
        "Attributes.Policy",
        None,
    ),
    # --- S3: the bucket and each joined resource
    (BUCKET, "aws.s3.bucket", "b1", "Name", "b1"),
    (BUCKET, "aws.s3.bucket", "b1", "PublicAccessBlock", None),
    (BUCKET, "aws.s3.bucket", "b1", "Encryption", None),
    (BUCKET, "aws.s3.bucket", "b1", "Acl.Grants[0].Permission", "FULL_CONTROL"),
    (
        BUCKET + 'resource "aws_s3_bucket_public_access_block" "p" {\n'
        "  bucket = aws_s3_bucket.b.id\n  block_public_acls = true\n}\n",
        "aws.s3.bucket",
        "b1",
        "PublicAccessBlock",
        {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    ),
    (
        BUCKET + 'resource "aws_s3_bucket_acl" "a" {\n  bucket = "b1"\n  acl = "public-read"\n}\n',
        "aws.s3.bucket",
        "b1",
        "Acl.Grants[1].Grantee.URI",
        "http://acs.amazonaws.com/groups/global/AllUsers",
    ),
    (
        BUCKET + 'resource "aws_s3_bucket_server_side_encryption_configuration" "e" {\n'
        "  bucket = aws_s3_bucket.b.bucket\n  rule {\n"
        "    apply_server_side_encryption_by_default {\n"
        '      sse_algorithm = "aws:kms"\n      kms_master_key_id = aws_kms_key.k.arn\n'
        '    }\n  }\n}\nresource "aws_kms_key" "k" {}\n',
        "aws.s3.bucket",
        "b1",
        "Encryption.Rules[0].ApplyServerSideEncryptionByDefault",
        {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "${aws_kms_key.k.arn}"},
    ),
    (
        BUCKET + 'resource "aws_s3_bucket_versioning" "v" {\n  bucket = aws_s3_bucket.b.id\n'
        '  versioning_configuration {\n    status = "Suspended"\n  }\n}\n',
        "aws.s3.bucket",
        "b1",
        "Versioning.Status",
        "Suspended",
    ),
    (
        BUCKET + 'resource "aws_s3_bucket_logging" "l" {\n  bucket = aws_s3_bucket.b.id\n'
        '  target_bucket = "logs"\n  target_prefix = "b1/"\n}\n',
        "aws.s3.bucket",
        "b1",
        "Logging",
        {"TargetBucket": "logs", "TargetPrefix": "b1/"},
    ),
    (
        BUCKET + 'resource "aws_s3_bucket_ownership_controls" "o" {\n'
        '  bucket = aws_s3_bucket.b.id\n  rule {\n    object_ownership = "BucketOwnerEnforced"\n'
        "  }\n}\n",
        "aws.s3.bucket",
        "b1",
        "OwnershipControls.Rules[0].ObjectOwnership",
        "BucketOwnerEnforced",
    ),
    (
        BUCKET + 'resource "aws_s3_bucket_lifecycle_configuration" "l" {\n'
        '  bucket = aws_s3_bucket.b.id\n  rule {\n    id = "expire"\n    status = "Enabled"\n'
        "  }\n}\n",
        "aws.s3.bucket",
        "b1",
        "Lifecycle",
        [{"ID": "expire", "Status": "Enabled"}],
    ),
    (
        BUCKET + 'resource "aws_s3_bucket_policy" "p" {\n  bucket = aws_s3_bucket.b.id\n'
        "  policy = data.aws_iam_policy_document.p.json\n}\n"
        'data "aws_iam_policy_document" "p" {\n  statement {\n    effect = "Deny"\n'
        '    actions = ["s3:*"]\n    resources = ["${aws_s3_bucket.b.arn}/*"]\n'
        '    principals {\n      type = "*"\n      identifiers = ["*"]\n    }\n'
        '    condition {\n      test = "Bool"\n      variable = "aws:SecureTransport"\n'
        '      values = ["false"]\n    }\n  }\n}\n',
        "aws.s3.bucket",
        "b1",
        "Policy.Statement[0]",
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::b1/*",  # the bucket's own ARN is known before apply
            "Principal": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ),
    (
        'resource "aws_s3_bucket" "l" {\n  bucket = "lock"\n  object_lock_enabled = true\n}\n',
        "aws.s3.bucket",
        "lock",
        "Versioning.Status",
        "Enabled",
    ),
    (
        'resource "aws_s3_bucket" "r" {\n  bucket_prefix = "rnd-"\n}\n',
        "aws.s3.bucket",
        "aws_s3_bucket.r",
        "Name",
        DEFERRED,
    ),
    # --- EC2
    (
        'resource "aws_security_group" "g" {\n  name = "g1"\n  ingress {\n    protocol = "tcp"\n'
        '    from_port = 22\n    to_port = 22\n    cidr_blocks = ["0.0.0.0/0", "10.0.0.0/8"]\n  }\n'
        "}\n",
        "aws.ec2.security_group",
        "g1",
        "IpPermissions[0]",
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}],
            "Ipv6Ranges": [],
            "UserIdGroupPairs": [],
            "PrefixListIds": [],
        },
    ),
    (
        'resource "aws_security_group" "g" {\n  name = "g1"\n}\n',
        "aws.ec2.security_group",
        "g1",
        "IpPermissionsEgress",
        [],
    ),
    (
        'resource "aws_security_group" "g" {\n  name = "g1"\n}\n'
        'resource "aws_security_group_rule" "all" {\n  type = "ingress"\n'
        '  security_group_id = aws_security_group.g.id\n  protocol = "-1"\n  from_port = 0\n'
        '  to_port = 0\n  ipv6_cidr_blocks = ["::/0"]\n}\n',
        "aws.ec2.security_group",
        "g1",
        "IpPermissions[0]",
        {
            "IpProtocol": "-1",
            "IpRanges": [],
            "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            "UserIdGroupPairs": [],
            "PrefixListIds": [],
        },
    ),
    (
        'resource "aws_default_security_group" "d" {\n  vpc_id = "vpc-1"\n}\n',
        "aws.ec2.security_group",
        "default",
        "GroupName",
        "default",
    ),
    (
        'resource "aws_instance" "i" {\n  ami = "ami-1"\n  tags = { Name = "app" }\n'
        "  vpc_security_group_ids = [aws_security_group.g.id]\n  metadata_options {\n"
        '    http_tokens = "required"\n  }\n}\nresource "aws_security_group" "g" {\n'
        '  name = "g"\n}\n',
        "aws.ec2.instance",
        "app",
        "SecurityGroups[0].GroupId",
        "aws_security_group.g",
    ),
    (
        'resource "aws_instance" "i" {\n  ami = "ami-1"\n  tags = { Name = "app" }\n}\n',
        "aws.ec2.instance",
        "app",
        "MetadataOptions.HttpTokens",
        DEFERRED,
    ),
    (
        'resource "aws_instance" "i" {\n  ami = "ami-1"\n  tags = { Name = "app" }\n'
        "  associate_public_ip_address = true\n}\n",
        "aws.ec2.instance",
        "app",
        "PublicIpAddress",
        "${aws_instance.i.public_ip}",
    ),
    (
        'resource "aws_instance" "i" {\n  ami = "ami-1"\n  tags = { Name = "app" }\n'
        "  associate_public_ip_address = false\n}\n",
        "aws.ec2.instance",
        "app",
        "PublicIpAddress",
        ABSENT,
    ),
    (
        'resource "aws_ebs_volume" "v" {\n  availability_zone = "a"\n  tags = { Name = "v" }\n}\n',
        "aws.ec2.volume",
        "v",
        "Encrypted",
        DEFERRED,
    ),
    (
        'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n  tags = { Name = "v" }\n}\n'
        'resource "aws_flow_log" "f" {\n  vpc_id = aws_vpc.v.id\n  traffic_type = "REJECT"\n}\n',
        "aws.ec2.vpc",
        "v",
        "FlowLogs[0].TrafficType",
        "REJECT",
    ),
    (
        'resource "aws_network_acl" "n" {\n  vpc_id = "vpc-1"\n  tags = { Name = "n" }\n'
        '  ingress {\n    protocol = "tcp"\n    rule_no = 100\n    action = "allow"\n'
        '    cidr_block = "0.0.0.0/0"\n    from_port = 22\n    to_port = 22\n  }\n}\n',
        "aws.ec2.network_acl",
        "n",
        "Entries[0]",
        {
            "RuleNumber": 100,
            "Protocol": "6",
            "RuleAction": "allow",
            "Egress": False,
            "CidrBlock": "0.0.0.0/0",
            "PortRange": {"From": 22, "To": 22},
        },
    ),
    # --- KMS, logs, IAM
    ('resource "aws_kms_key" "k" {}\n', "aws.kms.key", "aws_kms_key.k", "RotationEnabled", False),
    (
        'resource "aws_kms_key" "k" {\n  customer_master_key_spec = "RSA_2048"\n}\n',
        "aws.kms.key",
        "aws_kms_key.k",
        "RotationEnabled",
        None,
    ),
    (
        'resource "aws_cloudwatch_log_group" "g" {\n  name = "/x"\n}\n',
        "aws.logs.log_group",
        "/x",
        "retentionInDays",
        ABSENT,
    ),
    (
        'resource "aws_iam_user" "u" {\n  name = "u"\n}\n'
        'resource "aws_iam_user_policy_attachment" "a" {\n  user = aws_iam_user.u.name\n'
        '  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n',
        "aws.iam.user",
        "u",
        "AttachedPolicies[0]",
        {
            "PolicyName": "AdministratorAccess",
            "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
        },
    ),
    (
        'resource "aws_iam_user" "u" {\n  name = "u"\n}\n',
        "aws.iam.user",
        "u",
        "MFADevices",
        DEFERRED,
    ),
    (
        'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = "{}"\n'
        '  inline_policy {\n    name = "p"\n    policy = jsonencode({ Statement = [] })\n  }\n}\n',
        "aws.iam.role",
        "r",
        "InlinePolicies",
        {"p": {"Statement": []}},
    ),
    (
        'resource "aws_iam_account_password_policy" "p" {\n  minimum_password_length = 14\n}\n',
        "aws.iam.account",
        "terraform",
        "PasswordPolicy.MinimumPasswordLength",
        14,
    ),
    # --- other services
    (
        'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "logs"\n}\n',
        "aws.cloudtrail.trail",
        "t",
        "EventSelectors[0].IncludeManagementEvents",
        True,
    ),
    (
        'resource "aws_db_instance" "d" {\n  identifier = "d"\n  engine = "postgres"\n}\n',
        "aws.rds.db_instance",
        "d",
        "BackupRetentionPeriod",
        DEFERRED,
    ),
    (
        'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  runtime = "python3.12"\n'
        '  role = "r"\n  environment {\n    variables = { DB_PASSWORD = "hunter2-not-real" }\n'
        "  }\n}\n"
        'resource "aws_lambda_permission" "p" {\n  function_name = aws_lambda_function.f.function_name\n'
        '  action = "lambda:InvokeFunction"\n  principal = "*"\n}\n',
        "aws.lambda.function",
        "f",
        "Policy.Statement[0].Principal",
        "*",
    ),
    (
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n  kms_master_key_id = "alias/aws/sqs"\n}\n',
        "aws.sqs.queue",
        "q",
        "Attributes.KmsMasterKeyId",
        "alias/aws/sqs",
    ),
    (
        'resource "aws_ecr_repository" "r" {\n  name = "r"\n}\n',
        "aws.ecr.repository",
        "r",
        "imageTagMutability",
        "MUTABLE",
    ),
    (
        'resource "aws_eks_cluster" "c" {\n  name = "c"\n  version = "1.30"\n'
        '  enabled_cluster_log_types = ["audit"]\n  vpc_config {\n    subnet_ids = ["s"]\n  }\n}\n',
        "aws.eks.cluster",
        "c",
        "resourcesVpcConfig.publicAccessCidrs",
        ["0.0.0.0/0"],
    ),
    (
        'resource "aws_lb" "l" {\n  name = "l"\n  subnets = ["a", "b"]\n}\n'
        'resource "aws_lb_listener" "h" {\n  load_balancer_arn = aws_lb.l.arn\n  port = 80\n'
        '  protocol = "HTTP"\n  default_action {\n    type = "redirect"\n    redirect {\n'
        '      protocol = "HTTPS"\n      port = "443"\n      status_code = "HTTP_301"\n'
        "    }\n  }\n}\n",
        "aws.elbv2.load_balancer",
        "l",
        "Listeners[0].DefaultActions[0].RedirectConfig.Protocol",
        "HTTPS",
    ),
    (
        'provider "aws" {\n  region = "eu-west-1"\n}\nresource "aws_guardduty_detector" "d" {}\n',
        "aws.guardduty.region",
        "terraform/eu-west-1",
        "Detectors[0].Status",
        "ENABLED",
    ),
    (
        'resource "aws_route53_zone" "z" {\n  name = "example.nl"\n}\n',
        "aws.route53.hosted_zone",
        "example.nl.",
        "DNSSEC.ServeSignature",
        "NOT_SIGNING",
    ),
]


@pytest.mark.parametrize("tf,rtype,name,path,expected", CASES)
def test_attribute(tmp_path, tf, rtype, name, path, expected):
    inv = collect(write(tmp_path, {"main.tf": tf}))
    found = {r.name: r for r in inv.resources if r.type == rtype}
    assert name in found, (rtype, sorted(found))
    res = found[name]
    root = path.split(".")[0].split("[")[0]
    if expected is DEFERRED:
        assert any(p.split(".")[0].split("[")[0] == root for p in res.deferred), res.deferred
        return
    assert not res.errors, res.errors
    assert _get(res.data, path) == expected


def test_credentials_in_lambda_environment_never_reach_the_inventory(tmp_path):
    tf = next(c[0] for c in CASES if c[1] == "aws.lambda.function")
    inv = collect(write(tmp_path, {"main.tf": tf}))
    fn = next(r for r in inv.resources if r.type == "aws.lambda.function")
    assert "hunter2" not in str(fn.to_dict())


def test_results_point_at_file_and_line_and_the_address(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": "\n\n" + BUCKET}))
    b = next(r for r in inv.resources if r.type == "aws.s3.bucket")
    assert (b.id, b.source.file, b.source.line) == ("aws_s3_bucket.b", str(tmp_path / "main.tf"), 3)
