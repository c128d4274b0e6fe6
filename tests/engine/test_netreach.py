"""Table-driven cases for network reachability (``netreach`` and the functions built on it):
what counts as the internet, address arithmetic, ports and protocols, first-match firewalls,
security groups, NSGs and the Azure service firewalls."""

from __future__ import annotations

import pytest

from bio2scan.engine.functions import aws_exposure, azure_exposure, netreach
from bio2scan.engine.functions.netreach import AddrSet, FwRule, parse_source

SOURCES = [
    # (token, public)
    ("0.0.0.0/0", True),
    ("::/0", True),
    ("*", True),
    ("Internet", True),
    ("internet", True),
    ("Any", True),
    ("AzureCloud", True),
    ("AzureCloud.westeurope", True),
    ("AppService.WestEurope", True),
    ("AzureFrontDoor.Backend", True),
    ("ApiManagement", True),
    ("0.0.0.0/1", True),
    ("128.0.0.0/1", True),
    ("0.0.0.0-255.255.255.254", True),
    ("1.0.0.0-1.255.255.255", True),  # a /8: 0.45 % of the public IPv4 space
    ("16.0.0.0/4", True),
    ("2000::/3", True),
    ("2000::/8", True),
    ("2001::/16", False),  # 0.012 % of 2000::/3
    ("10.0.0.0/8", False),
    ("172.16.0.0/12", False),
    ("192.168.0.0/16", False),
    ("100.64.0.0/10", False),
    ("127.0.0.1", False),
    ("169.254.169.254/32", False),
    ("198.51.100.0/24", False),
    ("203.0.113.7", False),
    ("8.8.8.8", False),
    ("52.0.0.0/16", False),
    ("2001:db8::/32", False),
    ("2a01:4f8::/32", False),
    ("fd00::/8", False),
    ("fe80::/10", False),
    ("VirtualNetwork", False),
    ("AzureLoadBalancer", False),
    ("GatewayManager", False),
    ("Storage.WestEurope", False),
]


@pytest.mark.parametrize("token,public", SOURCES, ids=[s[0] for s in SOURCES])
def test_what_counts_as_the_internet(token, public):
    assert netreach.reach_is_public([parse_source(token)]) is public


@pytest.mark.parametrize("token", ["SomeNewTag", "", None, 5, "10.0.0.0/33", "1.2.3.4-1.2.3.1"])
def test_unknown_sources_raise(token):
    with pytest.raises(netreach.UnknownSource):
        parse_source(token)


def test_share_is_a_parameter():
    s = [parse_source("1.0.0.0/8")]
    assert netreach.reach_is_public(s, share=0.001)
    assert not netreach.reach_is_public(s, share=0.01)
    assert netreach.reach_is_public([parse_source("0.0.0.0/2")], share=0.2)


def test_ranges_add_up_across_tokens():
    halves = [parse_source("0.0.0.0/2"), parse_source("64.0.0.0/2")]
    v4, _ = netreach.public_share(netreach.addresses(halves))
    assert 0.5 < v4 < 0.6
    small = [parse_source(f"198.51.{i}.0/24") for i in range(4)]
    assert not netreach.reach_is_public(small)


def test_azure_zero_is_every_azure_customer_only_where_it_means_that():
    assert parse_source("0.0.0.0", azure_zero=True).kind == "shared"
    assert parse_source("0.0.0.0-0.0.0.0", azure_zero=True).public
    assert parse_source("0.0.0.0").kind == "addresses"


def test_addrset_arithmetic():
    a = AddrSet.of("10.0.0.0/8")
    b = AddrSet.of("10.1.0.0/16")
    assert (a - b) | b == a
    assert a & b == b
    assert not (b - a)
    assert AddrSet.of("10.0.0.0/24", "10.0.1.0/24") == AddrSet.of("10.0.0.0/23")
    assert AddrSet.of("2001:db8::/33", "2001:db8:8000::/33") == AddrSet.of("2001:db8::/32")


PORTS = [
    ("22", [22], [22]),
    ("20-30", [22], [22]),
    ("*", [22, 3389], [22, 3389]),
    ("0-65535", [22], [22]),
    (["80", "443"], [22], []),
    (["443", "20-30"], [22, 443], [22, 443]),
    ("3389", [22], []),
    ("22-22", [21, 22, 23], [22]),
]


@pytest.mark.parametrize("spec,wanted,hit", PORTS, ids=[str(p[0]) for p in PORTS])
def test_port_specs(spec, wanted, hit):
    assert netreach.ports_hit(netreach.parse_ports(spec), wanted) == hit


@pytest.mark.parametrize("spec", ["22-20", "70000", "ssh", "1-2-3"])
def test_bad_port_specs_raise(spec):
    with pytest.raises(netreach.UnknownSource):
        netreach.parse_ports(spec)


PROTOCOLS = [
    ("-1", "all"),
    ("all", "all"),
    ("*", "all"),
    ("Tcp", "tcp"),
    ("6", "tcp"),
    ("udp", "udp"),
    ("17", "udp"),
    ("icmp", "icmp"),
    ("1", "icmp"),
    ("58", "icmpv6"),
    ("Icmp", "icmp"),
    ("50", "proto-50"),
    ("Esp", "esp"),
]


@pytest.mark.parametrize("value,name", PROTOCOLS, ids=[p[0] for p in PROTOCOLS])
def test_protocols(value, name):
    assert netreach.protocol(value) == name


@pytest.mark.parametrize(
    "proto,ports,opened",
    [
        ("all", netreach.ALL_PORTS, [22]),
        ("tcp", ((20, 30),), [22]),
        ("icmp", netreach.ALL_PORTS, []),
        ("udp", ((3389, 3389),), []),
        ("esp", netreach.ALL_PORTS, []),
    ],
)
def test_protocol_aware_opening(proto, ports, opened):
    assert netreach.opens_ports(proto, ports, [22]) == opened


def rule(order, allow, src, proto="tcp", ports="*"):
    return FwRule(
        order, allow, (parse_source(src),), proto, netreach.parse_ports(ports), f"r{order}"
    )


FIRST_MATCH = [
    ("allow from internet", [rule(100, True, "*", ports="22")], 22, True),
    ("deny before allow", [rule(50, False, "*"), rule(100, True, "*", ports="22")], 22, False),
    ("deny after allow", [rule(100, True, "*", ports="22"), rule(200, False, "*")], 22, True),
    ("deny of half", [rule(50, False, "0.0.0.0/1"), rule(100, True, "0.0.0.0/0")], 22, True),
    (
        "deny of both halves and ::/0",
        [
            rule(10, False, "0.0.0.0/1"),
            rule(11, False, "128.0.0.0/1"),
            rule(12, False, "::/0"),
            rule(100, True, "*"),
        ],
        22,
        False,
    ),
    ("deny of another port", [rule(50, False, "*", ports="23"), rule(100, True, "*")], 22, True),
    ("deny UDP only", [rule(50, False, "*", proto="udp"), rule(100, True, "*")], 22, True),
    ("deny all protocols", [rule(50, False, "*", proto="all"), rule(100, True, "*")], 22, False),
    (
        "deny of a tag removes no address",
        [rule(50, False, "VirtualNetwork"), rule(100, True, "*")],
        22,
        True,
    ),
    ("allow of a shared tag", [rule(100, True, "AzureCloud")], 22, True),
    (
        "deny of Internet then allow AzureCloud",
        [rule(50, False, "Internet"), rule(100, True, "AzureCloud")],
        22,
        False,
    ),
    ("allow private only", [rule(100, True, "10.0.0.0/8")], 22, False),
    ("allow on other port", [rule(100, True, "*", ports="443")], 22, False),
    ("order by number not by list", [rule(200, True, "*"), rule(100, False, "*")], 22, False),
]


@pytest.mark.parametrize("name,rules,port,public", FIRST_MATCH, ids=[f[0] for f in FIRST_MATCH])
def test_first_match(name, rules, port, public):
    reach = netreach.first_match(rules, port, "tcp")
    srcs = [s for r in reach for s in r.sources]
    assert (bool(srcs) and netreach.reach_is_public(srcs)) is public


def sg(*perms):
    return {"GroupId": "sg-1", "IpPermissions": list(perms)}


def perm(proto="tcp", lo=22, hi=22, v4=(), v6=(), **kw):
    p = {
        "IpProtocol": proto,
        "FromPort": lo,
        "ToPort": hi,
        "IpRanges": [{"CidrIp": c} for c in v4],
        "Ipv6Ranges": [{"CidrIpv6": c} for c in v6],
    }
    p.update(kw)
    return p


SGS = [
    ("22 from the world", sg(perm(v4=["0.0.0.0/0"])), False),
    ("22 from ::/0", sg(perm(v6=["::/0"])), False),
    ("range 20-30", sg(perm(lo=20, hi=30, v4=["0.0.0.0/0"])), False),
    ("all traffic", sg(perm("-1", None, None, v4=["0.0.0.0/0"])), False),
    ("udp 22", sg(perm("udp", v4=["0.0.0.0/0"])), False),
    ("icmp only", sg(perm("icmp", 8, -1, v4=["0.0.0.0/0"])), True),
    ("icmpv6 only", sg(perm("58", -1, -1, v6=["::/0"])), True),
    ("443 only", sg(perm(lo=443, hi=443, v4=["0.0.0.0/0"])), True),
    ("22 from office", sg(perm(v4=["198.51.100.0/24"])), True),
    (
        "22 from two halves in two permissions",
        sg(perm(v4=["0.0.0.0/1"]), perm(lo=0, hi=100, v4=["128.0.0.0/1"])),
        False,
    ),
    ("22 from a group", sg(perm(UserIdGroupPairs=[{"GroupId": "sg-2"}])), True),
    ("22 from private ranges", sg(perm(v4=["10.0.0.0/8", "172.16.0.0/12"])), True),
    ("esp from the world", sg(perm("50", None, None, v4=["0.0.0.0/0"])), True),
]


@pytest.mark.parametrize("name,group,closed", SGS, ids=[s[0] for s in SGS])
def test_security_groups(name, group, closed):
    assert aws_exposure.aws_sg_closed(group, None, [22])[0] is closed


def nsg(*rules):
    return {
        "properties": {
            "securityRules": [{"name": f"r{i}", "properties": r} for i, r in enumerate(rules)]
        }
    }


def nr(prio, access="Allow", src="*", port="22", proto="Tcp", direction="Inbound", **kw):
    r = {
        "priority": prio,
        "access": access,
        "sourceAddressPrefix": src,
        "destinationPortRange": port,
        "protocol": proto,
        "direction": direction,
    }
    r.update(kw)
    return r


NSGS = [
    ("ssh from Internet", nsg(nr(100, src="Internet")), False),
    ("ssh from VirtualNetwork", nsg(nr(100, src="VirtualNetwork")), True),
    ("outbound only", nsg(nr(100, direction="Outbound")), True),
    ("deny first", nsg(nr(100, "Deny", proto="*", port="*"), nr(200)), True),
    ("deny later", nsg(nr(300, "Deny", proto="*", port="*"), nr(200)), False),
    ("port list", nsg(nr(100, port=None, destinationPortRanges=["80", "20-25"])), False),
    ("Icmp any port", nsg(nr(100, proto="Icmp", port="*")), True),
    ("protocol * on 22", nsg(nr(100, proto="*")), False),
    ("protocol * on 443 only", nsg(nr(100, proto="*", port="443")), True),
    (
        "source prefixes with 0.0.0.0/0",
        nsg(nr(100, src=None, sourceAddressPrefixes=["10.0.0.0/8", "0.0.0.0/0"])),
        False,
    ),
    ("AzureCloud regional", nsg(nr(100, src="AzureCloud.northeurope")), False),
    (
        "application security group",
        nsg(nr(100, src=None, sourceApplicationSecurityGroups=[{"id": "asg"}])),
        True,
    ),
]


@pytest.mark.parametrize("name,group,closed", NSGS, ids=[n[0] for n in NSGS])
def test_nsgs(name, group, closed):
    assert azure_exposure.azure_nsg_closed(group, None, [22])[0] is closed


FIREWALLS = [
    (
        "storage default allow",
        "storage",
        {"properties": {"networkAcls": {"defaultAction": "Allow"}}},
        False,
    ),
    ("storage no acls", "storage", {"properties": {}}, False),
    (
        "storage deny + office",
        "storage",
        {
            "properties": {
                "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "198.51.100.7"}]}
            }
        },
        True,
    ),
    (
        "storage deny + half the internet",
        "storage",
        {
            "properties": {
                "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "128.0.0.0/1"}]}
            }
        },
        False,
    ),
    (
        "storage public access off",
        "storage",
        {
            "properties": {
                "publicNetworkAccess": "Disabled",
                "networkAcls": {"defaultAction": "Allow"},
            }
        },
        True,
    ),
    (
        "key vault deny, no ip rules",
        "keyvault",
        {"properties": {"networkAcls": {"defaultAction": "Deny", "ipRules": []}}},
        True,
    ),
    ("key vault no acls", "keyvault", {"properties": {"publicNetworkAccess": "Enabled"}}, False),
    (
        "cosmos 0.0.0.0",
        "cosmosdb",
        {"properties": {"ipRules": [{"ipAddressOrRange": "0.0.0.0"}]}},
        False,
    ),
    (
        "cosmos office",
        "cosmosdb",
        {"properties": {"ipRules": [{"ipAddressOrRange": "198.51.100.0/24"}]}},
        True,
    ),
    ("cosmos nothing", "cosmosdb", {"properties": {"ipRules": []}}, False),
    (
        "cosmos vnet only",
        "cosmosdb",
        {"properties": {"ipRules": [], "isVirtualNetworkFilterEnabled": True}},
        True,
    ),
    (
        "service bus allow",
        "servicebus",
        {"properties": {}, "networkRuleSet": {"properties": {"defaultAction": "Allow"}}},
        False,
    ),
    (
        "service bus deny + office",
        "servicebus",
        {
            "properties": {},
            "networkRuleSet": {
                "properties": {"defaultAction": "Deny", "ipRules": [{"ipMask": "198.51.100.0/24"}]}
            },
        },
        True,
    ),
    (
        "service bus deny + 0/0",
        "servicebus",
        {
            "properties": {},
            "networkRuleSet": {
                "properties": {"defaultAction": "Deny", "ipRules": [{"ipMask": "0.0.0.0/0"}]}
            },
        },
        False,
    ),
]


@pytest.mark.parametrize("name,service,obj,closed", FIREWALLS, ids=[f[0] for f in FIREWALLS])
def test_service_firewalls(name, service, obj, closed):
    assert azure_exposure.azure_firewall_closed(obj, None, service)[0] is closed


def site(main=None, scm=None, use_main=None, main_default=None, scm_default=None):
    c = {}
    if main is not None:
        c["ipSecurityRestrictions"] = main
    if scm is not None:
        c["scmIpSecurityRestrictions"] = scm
    if use_main is not None:
        c["scmIpSecurityRestrictionsUseMain"] = use_main
    if main_default:
        c["ipSecurityRestrictionsDefaultAction"] = main_default
    if scm_default:
        c["scmIpSecurityRestrictionsDefaultAction"] = scm_default
    return {"properties": {}, "config": {"properties": c}}


OFFICE = {"ipAddress": "198.51.100.0/24", "action": "Allow", "priority": 100}
ANY = {"ipAddress": "Any", "action": "Allow", "priority": 2147483647}
SITES = [
    ("main: no rules", "appservice", site(main=[]), False),
    ("main: office", "appservice", site(main=[OFFICE]), True),
    ("main: office, default Allow", "appservice", site(main=[OFFICE], main_default="Allow"), False),
    ("main: Any", "appservice", site(main=[ANY]), False),
    ("main: deny only", "appservice", site(main=[dict(OFFICE, action="Deny")]), False),
    ("scm: own office", "scm", site(main=[], scm=[OFFICE]), True),
    ("scm: uses main office", "scm", site(main=[OFFICE], scm=[], use_main=True), True),
    ("scm: own empty, main office", "scm", site(main=[OFFICE], scm=[]), False),
    ("scm: office, default Allow", "scm", site(scm=[OFFICE], scm_default="Allow"), False),
    (
        "scm: front door tag",
        "scm",
        site(scm=[{"ipAddress": "AzureFrontDoor.Backend", "action": "Allow", "priority": 1}]),
        False,
    ),
    (
        "scm: deny internet first",
        "scm",
        site(scm=[dict(ANY, action="Deny", priority=1), OFFICE]),
        True,
    ),
]


@pytest.mark.parametrize("name,service,obj,closed", SITES, ids=[s[0] for s in SITES])
def test_app_service_endpoints(name, service, obj, closed):
    assert azure_exposure.azure_firewall_closed(obj, None, service)[0] is closed


DB = [
    ("office", [("198.51.100.0", "198.51.100.255")], True),
    ("full range", [("0.0.0.0", "255.255.255.255")], False),
    ("one less than full", [("0.0.0.0", "255.255.255.254")], False),
    ("two halves", [("0.0.0.0", "127.255.255.255"), ("128.0.0.0", "255.255.255.255")], False),
    ("azure services only", [("0.0.0.0", "0.0.0.0")], True),
    ("none", [], True),
]


@pytest.mark.parametrize("name,rules,closed", DB, ids=[d[0] for d in DB])
def test_database_firewalls(name, rules, closed):
    obj = {
        "firewallRules": [
            {"properties": {"startIpAddress": a, "endIpAddress": b}} for a, b in rules
        ]
    }
    assert azure_exposure.azure_db_firewall_closed(obj, None)[0] is closed
