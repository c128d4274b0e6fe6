"""CloudFormation → live shapes for compute: Lambda functions (with their permissions as the
resource policy), RDS instances and clusters, EKS clusters and ACM certificates (a certificate's
expiry is deferred: it starts when the certificate is issued)."""

from __future__ import annotations

import re
from typing import Any

from ..aws.awslambda import redact
from ..template_values import Sym, Unknown, deferred
from .shapes import (
    ANY,
    BOOL,
    CIDR,
    ENUM,
    INT,
    LIST,
    MISSING,
    STR,
    Build,
    F,
    Item,
    Out,
    fill,
    name_of,
)

# --- Lambda ----------------------------------------------------------------------------------


def function(item: Item, b: Build) -> None:
    p = item.props
    out = b.add(Out("aws.lambda.function", item, item.physical, {}, tags=p.get("Tags")))
    d = out.data
    d["FunctionName"] = name_of(out, "FunctionName", item.physical)
    d["FunctionArn"] = Sym(f"${{{item.logical}.Arn}}", ref=item.logical)
    fill(
        d,
        item,
        [
            F("Runtime", "Runtime", ENUM),
            F("Role", "Role", STR),
            F("Handler", "Handler", STR),
            F("PackageType", "PackageType", ENUM, "Zip"),
            F("MemorySize", "MemorySize", INT, 128),
            F("Timeout", "Timeout", INT, 3),
            F("KMSKeyArn", "KmsKeyArn", STR),
            F("TracingConfig.Mode", "TracingConfig.Mode", ENUM, "PassThrough"),
        ],
    )
    vpc = p.get("VpcConfig", MISSING)
    if isinstance(vpc, dict):
        subnets = vpc.get("SubnetIds", [])
        d["VpcConfig"] = {
            "SubnetIds": subnets,
            "SecurityGroupIds": vpc.get("SecurityGroupIds", []),
            "VpcId": subnets
            if isinstance(subnets, Unknown)
            else Sym(f"${{VPC of {subnets[0]}}}")
            if subnets
            else "",
        }
    else:
        d["VpcConfig"] = (
            vpc
            if isinstance(vpc, Unknown)
            else {"SubnetIds": [], "SecurityGroupIds": [], "VpcId": ""}
        )
    env = p.get("Environment")
    if isinstance(env, dict):
        d["Environment"] = redact({"Environment": {"Variables": env.get("Variables", {})}})[
            "Environment"
        ]
    elif isinstance(env, Unknown):
        d["Environment"] = env
    d["Policy"] = None


def _principal_of(v: Any) -> Any:
    if v == "*" or isinstance(v, Unknown):
        return v
    s = str(v)
    if re.fullmatch(r"\d{12}", s):
        return {"AWS": f"arn:aws:iam::{s}:root"}
    if s.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return {"Service": v}
    return {"AWS": v}


def permission(item: Item, b: Build) -> None:
    p = item.props
    out = b.target(p.get("FunctionName"), ["AWS::Lambda::Function"])
    if out is None:
        b.skip(item, f"its function {p.get('FunctionName')} is not defined in this template")
        return
    cond: dict[str, Any] = {}
    if "SourceArn" in p:
        cond.setdefault("ArnLike", {})["AWS:SourceArn"] = p["SourceArn"]
    if "SourceAccount" in p:
        cond.setdefault("StringEquals", {})["AWS:SourceAccount"] = p["SourceAccount"]
    if "PrincipalOrgID" in p:
        cond.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = p["PrincipalOrgID"]
    if "FunctionUrlAuthType" in p:
        cond.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = p["FunctionUrlAuthType"]
    stmt: dict[str, Any] = {
        "Sid": item.logical,
        "Effect": "Allow",
        "Principal": _principal_of(p.get("Principal")),
        "Action": p.get("Action"),
        "Resource": out.data["FunctionArn"],
    }
    if cond:
        stmt["Condition"] = cond
    if out.data.get("Policy") is None:
        out.data["Policy"] = {"Version": "2012-10-17", "Id": "default", "Statement": []}
    out.data["Policy"]["Statement"].append(stmt)


# --- RDS -------------------------------------------------------------------------------------

_RDS_COMMON = (
    F("Engine", "Engine", lambda v: ENUM(v).lower() if isinstance(ENUM(v), str) else ENUM(v)),
    F("EngineVersion", "EngineVersion", STR),
    F("KmsKeyId", "KmsKeyId", STR),
    F("BackupRetentionPeriod", "BackupRetentionPeriod", INT, 1),
    F("CopyTagsToSnapshot", "CopyTagsToSnapshot", BOOL, False),
    F("DeletionProtection", "DeletionProtection", BOOL, False),
    F("IAMDatabaseAuthenticationEnabled", "EnableIAMDatabaseAuthentication", BOOL, False),
    F("EnabledCloudwatchLogsExports", "EnableCloudwatchLogsExports", LIST(STR), []),
)


def _lower(v: Any) -> Any:
    return v.lower() if isinstance(v, str) and not isinstance(v, Sym) else v


def db_instance(item: Item, b: Build) -> None:
    p = item.props
    ident = _lower(item.physical)
    out = b.add(Out("aws.rds.db_instance", item, ident, {}, tags=p.get("Tags")))
    d = out.data
    d["DBInstanceIdentifier"] = name_of(out, "DBInstanceIdentifier", ident)
    d["DBInstanceArn"] = Sym(f"${{{item.logical}.DBInstanceArn}}", ref=item.logical)
    fill(d, item, _RDS_COMMON)
    fill(
        d,
        item,
        [
            F("DBInstanceClass", "DBInstanceClass", STR),
            F("DBClusterIdentifier", "DBClusterIdentifier", lambda v: _lower(STR(v))),
            F("AutoMinorVersionUpgrade", "AutoMinorVersionUpgrade", BOOL, True),
            F("MultiAZ", "MultiAZ", BOOL, False),
            F(
                "PubliclyAccessible",
                "PubliclyAccessible",
                BOOL,
                deferred(
                    "an unset PubliclyAccessible depends on whether the VPC has an internet gateway"
                ),
            ),
            F("StorageEncrypted", "StorageEncrypted", BOOL, False),
        ],
    )
    if "DBClusterIdentifier" in d and "StorageEncrypted" not in p:
        d["StorageEncrypted"] = deferred("an Aurora instance is encrypted as its cluster is")
    d["TagList"] = p.get("Tags", [])


def db_cluster(item: Item, b: Build) -> None:
    p = item.props
    ident = _lower(item.physical)
    out = b.add(Out("aws.rds.db_cluster", item, ident, {}, tags=p.get("Tags")))
    d = out.data
    d["DBClusterIdentifier"] = name_of(out, "DBClusterIdentifier", ident)
    d["DBClusterArn"] = Sym(f"${{{item.logical}.DBClusterArn}}", ref=item.logical)
    fill(d, item, _RDS_COMMON)
    serverless_v1 = str(p.get("EngineMode", "")) == "serverless"
    fill(d, item, [F("StorageEncrypted", "StorageEncrypted", BOOL, serverless_v1)])
    d["MultiAZ"] = deferred("a cluster is Multi-AZ when its instances are placed in several zones")
    d["TagList"] = p.get("Tags", [])


# --- EKS, ACM --------------------------------------------------------------------------------

_EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def eks_cluster(item: Item, b: Build) -> None:
    p = item.props
    out = b.add(Out("aws.eks.cluster", item, item.physical, {}, tags=p.get("Tags")))
    d = out.data
    d["name"] = name_of(out, "name", item.physical)
    d["arn"] = Sym(f"${{{item.logical}.Arn}}", ref=item.logical)
    fill(
        d,
        item,
        [
            F(
                "version",
                "Version",
                STR,
                deferred("the Kubernetes version EKS picks when none is named"),
            ),
            F("roleArn", "RoleArn", STR),
            F("resourcesVpcConfig.subnetIds", "ResourcesVpcConfig.SubnetIds", ANY, []),
            F(
                "resourcesVpcConfig.securityGroupIds",
                "ResourcesVpcConfig.SecurityGroupIds",
                ANY,
                [],
            ),
            F(
                "resourcesVpcConfig.endpointPublicAccess",
                "ResourcesVpcConfig.EndpointPublicAccess",
                BOOL,
                True,
            ),
            F(
                "resourcesVpcConfig.endpointPrivateAccess",
                "ResourcesVpcConfig.EndpointPrivateAccess",
                BOOL,
                False,
            ),
            F(
                "resourcesVpcConfig.publicAccessCidrs",
                "ResourcesVpcConfig.PublicAccessCidrs",
                LIST(CIDR),
                ["0.0.0.0/0"],
            ),
        ],
    )
    enc = p.get("EncryptionConfig", MISSING)
    if isinstance(enc, Unknown):
        d["encryptionConfig"] = enc
    elif isinstance(enc, list):
        d["encryptionConfig"] = [
            {
                "resources": e.get("Resources", []),
                "provider": {"keyArn": (e.get("Provider") or {}).get("KeyArn")},
            }
            for e in enc
            if isinstance(e, dict)
        ]
    types = ((p.get("Logging") or {}) if isinstance(p.get("Logging"), dict) else {}).get(
        "ClusterLogging"
    ) or {}
    enabled = types.get("EnabledTypes", []) if isinstance(types, dict) else types
    if isinstance(enabled, Unknown):
        d["logging"] = enabled
    else:
        on = [t.get("Type") for t in enabled if isinstance(t, dict)]
        off = [t for t in _EKS_LOG_TYPES if t not in on]
        d["logging"] = {
            "clusterLogging": [
                x
                for x in (
                    {"types": on, "enabled": True} if on else None,
                    {"types": off, "enabled": False} if off else None,
                )
                if x
            ]
        }


def certificate(item: Item, b: Build) -> None:
    p = item.props
    out = b.add(Out("aws.acm.certificate", item, p.get("DomainName"), {}, tags=p.get("Tags")))
    d = out.data
    d["CertificateArn"] = item.physical
    d["Type"] = "PRIVATE" if "CertificateAuthorityArn" in p else "AMAZON_ISSUED"
    d["Status"] = "ISSUED"  # CloudFormation completes only once the certificate is issued
    fill(
        d,
        item,
        [
            F("DomainName", "DomainName", STR),
            F("SubjectAlternativeNames", "SubjectAlternativeNames", ANY),
            F("KeyAlgorithm", "KeyAlgorithm", ENUM, "RSA_2048"),
            F(
                "Options.CertificateTransparencyLoggingPreference",
                "CertificateTransparencyLoggingPreference",
                ENUM,
                "ENABLED",
            ),
        ],
    )
    out.defer("NotAfter", "a certificate's validity starts when it is issued")


HANDLERS = {
    "AWS::Lambda::Function": function,
    "AWS::RDS::DBInstance": db_instance,
    "AWS::RDS::DBCluster": db_cluster,
    "AWS::EKS::Cluster": eks_cluster,
    "AWS::CertificateManager::Certificate": certificate,
}
JOINS = {
    "AWS::Lambda::Permission": permission,
}
