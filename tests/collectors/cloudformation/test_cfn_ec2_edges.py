"""EC2 on CloudFormation templates where the template is odd or incomplete: rules that are not
mappings, rule lists known only at deployment, a group of another account, an instance whose
profile, groups or metadata options come from elsewhere, an instance whose group holds a rule
that cannot be resolved, a flow log for a VPC of another stack. Each is named; none passes."""

from __future__ import annotations

import json
from pathlib import Path

from bio2scan import api

SSM = {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/x"}
SSM_LIST = {"Type": "AWS::SSM::Parameter::Value<List<String>>", "Default": "/x"}


def _collect(tmp_path: Path, resources: dict, **parameters):
    (tmp_path / "t.json").write_text(json.dumps({"Parameters": parameters, "Resources": resources}))
    return api.collect(
        "cloudformation",
        {"paths": [str(tmp_path / "t.json")], "parameter": ["AWS::AccountId=111122223333"]},
    )


def _scan(tmp_path: Path, resources: dict, rules: tuple[str, ...], **parameters) -> dict:
    (tmp_path / "t.json").write_text(json.dumps({"Parameters": parameters, "Resources": resources}))
    chosen = [r for r in api.load_rules().values() if r.id in rules]
    _, doc = api.scan(
        "cloudformation",
        {"paths": [str(tmp_path / "t.json")], "parameter": ["AWS::AccountId=111122223333"]},
        rules=chosen,
        verbose_results=True,
    )
    return {(r["rule_id"], r["resource_name"]): r["status"] for r in doc["results"]}


def _by_id(inv) -> dict:
    return {r.id.split("#", 1)[1]: r for r in inv.resources}


def _sg(ingress, name="g") -> dict:
    return {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {
            "GroupDescription": "d",
            "VpcId": "vpc-1",
            "Tags": [{"Key": "Name", "Value": name}],
            "SecurityGroupIngress": ingress,
        },
    }


def test_security_group_rules_that_are_not_plain_data(tmp_path):
    inv = _collect(
        tmp_path,
        {
            "NotAMapping": _sg(["tcp/22"], "not-a-mapping"),
            "Later": _sg({"Ref": "Rules"}, "later"),
            "NotAList": _sg({"IpProtocol": "tcp"}, "not-a-list"),
            "Peer": _sg(
                [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 5432,
                        "ToPort": 5432,
                        "SourceSecurityGroupId": "sg-0aaa",
                        "SourceSecurityGroupOwnerId": "444455556666",
                    },
                    {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "10.0.0.0/8"},
                ],
                "peer",
            ),
        },
        Rules=SSM_LIST,
    )
    res = _by_id(inv)
    assert "IpPermissions[0]" in res["NotAMapping"].deferred
    assert "IpPermissions" in res["Later"].deferred
    assert "IpPermissions" in res["NotAList"].deferred
    (perm,) = res["Peer"].data["IpPermissions"]  # one entry per protocol and ports, as live
    assert perm["UserIdGroupPairs"] == [{"GroupId": "sg-0aaa", "UserId": "444455556666"}]
    assert perm["IpRanges"] == [{"CidrIp": "10.0.0.0/8"}]
    got = _scan(
        tmp_path,
        {"NotAMapping": _sg(["tcp/22"], "not-a-mapping"), "Later": _sg({"Ref": "Rules"}, "later")},
        ("aws.ec2.sg_admin_ports_not_public",),
        Rules=SSM_LIST,
    )
    assert set(got.values()) == {"NOT_APPLICABLE"}, got


def _instance(**props) -> dict:
    base = {"ImageId": "ami-1", "InstanceType": "t3.micro", "SubnetId": "subnet-1"}
    return {"Type": "AWS::EC2::Instance", "Properties": {**base, **props}}


def test_instances_whose_parts_come_from_elsewhere(tmp_path):
    inv = _collect(
        tmp_path,
        {
            "Profiled": _instance(
                LaunchTemplate={"LaunchTemplateId": {"Ref": "Lt"}, "Version": "1"},
                SecurityGroupIds=["sg-elsewhere"],
            ),
            "Lt": {
                "Type": "AWS::EC2::LaunchTemplate",
                "Properties": {
                    "LaunchTemplateData": {
                        "IamInstanceProfile": {"Name": "app"},
                        "MetadataOptions": {"Ref": "Opts"},
                    }
                },
            },
            "Unknown": _instance(
                IamInstanceProfile={"Ref": "Profile"}, SecurityGroupIds={"Ref": "Groups"}
            ),
        },
        Opts=SSM,
        Profile=SSM,
        Groups=SSM_LIST,
    )
    res = _by_id(inv)
    profiled = res["Profiled"]
    assert (
        profiled.data["IamInstanceProfile"]["Arn"]
        == "arn:aws:iam::111122223333:instance-profile/app"
    )
    assert "MetadataOptions" in profiled.deferred  # IMDS settings from an SSM parameter
    assert "not defined in this template" in profiled.deferred["SecurityGroups"]
    unknown = res["Unknown"]
    assert "IamInstanceProfile" in unknown.deferred and "SecurityGroups" in unknown.deferred
    got = _scan(
        tmp_path,
        {"Unknown": _instance(SecurityGroupIds={"Ref": "Groups"})},
        ("aws.ec2.instance_admin_ports_not_exposed",),
        Groups=SSM_LIST,
    )
    assert set(got.values()) == {"NOT_APPLICABLE"}, got


def test_an_instance_behind_a_group_with_an_unresolved_rule_is_an_error(tmp_path):
    """Looks closed: the one rule's CIDR cannot be resolved — the instance's exposure rules say
    ERROR with the group's reason, not PASS."""
    resources = {
        "G": _sg([{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": {"Ref": "Nope"}}]),
        "I": _instance(SecurityGroupIds=[{"Ref": "G"}]),
    }
    inv = _collect(tmp_path, resources)
    assert "unresolved" in _by_id(inv)["I"].errors["SecurityGroups"]
    got = _scan(tmp_path, resources, ("aws.ec2.instance_admin_ports_not_exposed",))
    assert set(got.values()) == {"ERROR"}, got


def test_a_flow_log_for_a_vpc_of_another_stack_is_a_notice(tmp_path):
    inv = _collect(
        tmp_path,
        {
            "FL": {
                "Type": "AWS::EC2::FlowLog",
                "Properties": {
                    "ResourceType": "VPC",
                    "ResourceId": "vpc-elsewhere",
                    "TrafficType": "ALL",
                },
            }
        },
    )
    (notice,) = inv.notices
    assert notice.name == "FL" and "vpc-elsewhere" in notice.reason and not inv.resources


def test_prefix_list_entries_that_are_not_plain_data(tmp_path):
    inv = _collect(
        tmp_path,
        {
            "Later": {"Type": "AWS::EC2::PrefixList", "Properties": {"Entries": {"Ref": "E"}}},
            "Odd": {"Type": "AWS::EC2::PrefixList", "Properties": {"Entries": "10.0.0.0/8"}},
            "Item": {"Type": "AWS::EC2::PrefixList", "Properties": {"Entries": ["10.0.0.0/8"]}},
        },
        E=SSM_LIST,
    )
    res = _by_id(inv)
    assert "Entries" in res["Later"].deferred and "Entries" in res["Odd"].deferred
    assert "Entries[0]" in res["Item"].deferred
    assert res["Later"].name == "${Later}"  # no name: the id, as live
