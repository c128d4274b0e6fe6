"""AWS exposure rules' functions: resource policies, S3 transport, security groups, network ACLs,
address lists (EKS). Each one decides through ``aws_policy`` (who a policy admits) or ``netreach``
(who a network rule admits), so that every exposure rule reads "public" the same way, and each
returns evidence naming the statement, permission or entry that decided it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...model import Evidence
from ..paths import MISSING, fixed_head, get, overlap
from . import CannotJudge, KnownAfterDeployment, Read, Related, aws_policy, function, netreach
from .aws_policy import as_list


def from_template(env: Any) -> bool:
    """The resource under evaluation comes from an infrastructure template (it has a source
    file): what the template refers to but does not define exists only in the account it is
    deployed to, so a verdict that needs it waits (``KnownAfterDeployment``)."""
    res = getattr(env, "resource", None)
    return getattr(getattr(res, "source", None), "file", None) is not None


def known_now(res: Any, key: str, what: str) -> None:
    """A *related* resource's ``key`` (a group's policies, a prefix list's entries) that a template
    gives only after deployment: the verdict waits, it is not made on the part that is known.
    (The resource under evaluation needs no such call: the engine checks its declared reads.)"""
    head = fixed_head(key)
    for p, why in (getattr(res, "deferred", None) or {}).items():
        if p == "*" or overlap(head, fixed_head(p)):
            raise KnownAfterDeployment(f"{what}: {p}", why)


def _read(obj: Any, path: str) -> Any:
    """The value at ``path``: ``null`` is "no policy", a key the collector did not record at
    all cannot be judged. (A value the collector could not read never gets here: the engine
    makes the condition unknown first, from the declared reads.)"""
    value = get(obj, path, MISSING)
    if value is MISSING:
        raise CannotJudge(f"{path} was not collected")
    return value


def require_principals(doc: Any, path: str) -> None:
    """A resource or trust policy names who it admits in every statement; a statement without
    (or with an empty) ``Principal`` is one AWS refuses, and nothing can be concluded from it."""
    for i, s in enumerate(aws_policy.statements(doc)):
        who = s.get("Principal", s.get("NotPrincipal"))
        if who in (None, "", [], {}) or (isinstance(who, dict) and not any(who.values())):
            raise CannotJudge(f"{path}.Statement[{i}] has no Principal")


@function(
    "aws_policy_private",
    kind="subject",
    args=("path", "share", "services_public"),
    reads=(Read("{path}", "mapping|string", absent="no policy (null); not recorded: unknown"),),
)
def aws_policy_private(
    obj: Any,
    env: Any,
    path: str = "Policy",
    share: float = netreach.DEFAULT_SHARE,
    services_public: bool = False,
) -> Any:
    """True when no Allow statement of the resource policy at ``path`` is open to anyone: every
    statement names its principals, or is tied to known callers by a restricting condition with
    concrete values, or is narrowed by a Deny (``docs/exposure.md``). A FAIL names the statement,
    who it admits and why no condition restricts it; a PASS names what made each statement
    private. ``null`` is "no policy"; a policy that was not read or cannot be parsed is unknown.
    ``services_public``: a service principal without a source condition counts as public."""
    doc = _read(obj, path)
    require_principals(doc, path)
    grants = aws_policy.analyse(doc, share, services_public=services_public)
    open_ = [g for g in grants if g.public]
    if open_:
        return False, [
            Evidence(
                f"{path}.Statement[{g.index}]",
                f"{g.label}: Allow {g.actions} to {g.who.text}",
                f"restricted to known callers ({g.because})",
            )
            for g in open_
        ]
    if not grants:
        return True, [Evidence(path, None if doc is None else "no Allow", "no public Allow")]
    return True, [
        Evidence(f"{path}.Statement[{g.index}]", g.label, f"private: {g.because}") for g in grants
    ]


def _s3_objects_covered(resources: list[str], name: str) -> tuple[bool, bool]:
    """(bucket covered, every object covered) by a statement's Resource list."""
    bucket = f"arn:aws:s3:::{name}"
    bucket_ok = objects_ok = False
    for r in resources:
        if r in ("*", "arn:aws:s3:::*"):
            return True, True
        if aws_policy._glob(r, bucket):
            bucket_ok = True
        if r in (f"{bucket}/*", f"{bucket}*") or (
            r.endswith("*") and bucket.startswith(r[:-1]) and "/" not in r
        ):
            objects_ok = True
    return bucket_ok, objects_ok


def _tls_condition(cond: Any) -> str | None:
    """The condition of a Deny that matches every request without (good enough) TLS, or None.
    ``aws:SecureTransport`` false matches plain HTTP. ``s3:TlsVersion`` below a minimum of at
    least 1.2 denies old TLS; a request over plain HTTP carries no TLS version, so only the
    ``…IfExists`` form denies HTTP as well. Any other condition key narrows the Deny: None."""
    if not isinstance(cond, dict) or len(cond) != 1:
        return None
    ((op, pairs),) = cond.items()
    if not isinstance(pairs, dict) or len(pairs) != 1:
        return None
    ((key, raw),) = pairs.items()
    k, o = str(key).lower(), str(op).lower()
    values = [str(v).lower() for v in as_list(raw)]
    if k == "aws:securetransport" and o in ("bool", "boolifexists") and values == ["false"]:
        return f"{op} {key} = false"
    if k == "s3:tlsversion" and o == "numericlessthanifexists" and len(values) == 1:
        try:
            if float(values[0]) >= 1.2:
                return f"{op} {key} < {values[0]}"
        except ValueError:
            return None
    return None


@function(
    "aws_s3_tls_enforced",
    kind="subject",
    reads=(
        Read("Policy", "mapping|string", absent="no policy (null); not recorded: unknown"),
        Read("Name", "string"),
    ),
)
def aws_s3_tls_enforced(obj: Any, env: Any) -> Any:
    """True when the bucket policy has a Deny for every principal, on every action (``*`` or
    ``s3:*``), on the bucket and all its objects, whose only condition matches every request
    without TLS (``Bool aws:SecureTransport false``, or ``NumericLessThanIfExists s3:TlsVersion``
    at 1.2 or higher). A Deny that covers ``s3:GetObject`` only, names some objects only, adds a
    narrowing condition, or sets a minimum below 1.2 does not count."""
    doc = _read(obj, "Policy")
    name = str(obj.get("Name") or "")
    partial: list[Evidence] = []
    for i, s in enumerate(aws_policy.statements(doc)):
        if aws_policy.effect(s) != "deny":
            continue
        where = f"Policy.Statement[{i}]"
        cond = _tls_condition(s.get("Condition"))
        if cond is None:
            continue
        lab = aws_policy.label(i, s)
        if aws_policy.principal(s).kind != "everyone" or "NotPrincipal" in s:
            partial.append(Evidence(where, lab, "a Deny for every principal (Principal *)"))
            continue
        if not aws_policy.action_allowed_by(s, "s3:*") or "NotAction" in s:
            acts = aws_policy.actions_shown(s)
            partial.append(Evidence(where, f"{lab}: {acts}", "a Deny on every action (s3:*)"))
            continue
        if "NotResource" in s:
            partial.append(Evidence(where, lab, "a Deny on the bucket and every object"))
            continue
        b_ok, o_ok = _s3_objects_covered([str(r) for r in as_list(s.get("Resource"))], name)
        if not (b_ok and o_ok):
            partial.append(
                Evidence(where, f"{lab}: {s.get('Resource')}", "the bucket and every object")
            )
            continue
        return True, [Evidence(where, lab, f"denies every request where {cond}")]
    return False, partial or [
        Evidence("Policy", None if doc is None else "no TLS Deny", "a Deny on aws:SecureTransport")
    ]


# --- networks -----------------------------------------------------------------------------------


def _prefix_lists(env: Any) -> dict[str, Any]:
    return {r.data.get("PrefixListId"): r for r in env.related("aws.ec2.prefix_list")}


def _perm_sources(perm: dict[str, Any], env: Any) -> list[netreach.Source]:
    """The sources of one security-group permission; managed prefix lists are resolved (an
    AWS-managed CloudFront list is every CloudFront customer); a group reference is ``group``."""
    out = [netreach.parse_source(r.get("CidrIp")) for r in as_list(perm.get("IpRanges"))]
    out += [netreach.parse_source(r.get("CidrIpv6")) for r in as_list(perm.get("Ipv6Ranges"))]
    out += [
        netreach.Source(str(g.get("GroupId")), "group")
        for g in as_list(perm.get("UserIdGroupPairs"))
    ]
    pls = None
    for ref in as_list(perm.get("PrefixListIds")):
        pid = str(ref.get("PrefixListId") if isinstance(ref, dict) else ref)
        pls = _prefix_lists(env) if pls is None else pls
        pl = pls.get(pid)
        if pl is None and from_template(env):
            raise KnownAfterDeployment(
                f"PrefixListIds ({pid})",
                "a prefix list the template does not define: its entries are read from the account",
            )
        if pl is not None:
            known_now(pl, "Entries", f"prefix list {pid}")
        if pl is None or "Entries" in pl.errors or "*" in pl.errors:
            raise CannotJudge(f"managed prefix list {pid} is not in the inventory")
        name = str(pl.data.get("PrefixListName") or "")
        if pl.data.get("OwnerId") == "AWS" and "cloudfront" in name:
            out.append(netreach.Source(f"{pid} ({name})", "shared"))
            continue
        cidrs = [e.get("Cidr") for e in as_list(pl.data.get("Entries")) if isinstance(e, dict)]
        addrs = netreach.addresses(netreach.parse_source(c) for c in cidrs)
        out.append(netreach.Source(f"{pid} ({name})", "addresses", addrs))
    return out


def _ports_of(proto: str, lo: Any, hi: Any) -> tuple[netreach.Interval, ...]:
    """Port ranges mean something for TCP, UDP and SCTP only (ICMP's are type and code)."""
    return netreach.port_range(lo, hi) if proto in netreach.PORT_PROTOCOLS else netreach.ALL_PORTS


def sg_rules(group: dict[str, Any], env: Any) -> list[netreach.FwRule]:
    out = []
    for i, p in enumerate(as_list(group.get("IpPermissions"))):
        if not isinstance(p, dict):
            continue
        proto = netreach.protocol(p.get("IpProtocol"))
        out.append(
            netreach.FwRule(
                0,
                True,
                tuple(_perm_sources(p, env)),
                proto,
                _ports_of(proto, p.get("FromPort"), p.get("ToPort")),
                f"IpPermissions[{i}]",
            )
        )
    return out


def exposed(
    rules: list[netreach.FwRule], ports: Iterable[Any], share: float
) -> list[tuple[str, netreach.FwRule]]:
    """(port or "every port", rule) for each wanted port the rules let the internet reach, over
    TCP or UDP; ``ports`` empty: a rule that opens every port."""
    wanted = [int(p) for p in ports]
    hits: list[tuple[str, netreach.FwRule]] = []
    checks: list[tuple[int | None, str]] = (
        [(p, proto) for p in wanted for proto in ("tcp", "udp")] if wanted else [(None, "tcp")]
    )
    for port, proto in checks:
        reach = netreach.first_match(rules, port, proto)
        srcs = [s for r in reach for s in r.sources]
        if srcs and netreach.reach_is_public(srcs, share):
            what = "every port" if port is None else f"{proto}/{port}"
            hits.extend((what, r) for r in reach if any(s.public or s.addrs for s in r.sources))
    return hits


def _evidence(hits: list[tuple[str, netreach.FwRule]], share: float) -> list[Evidence]:
    seen: dict[str, list[str]] = {}
    rule_of: dict[str, netreach.FwRule] = {}
    for what, r in hits:
        seen.setdefault(r.label, []).append(what)
        rule_of[r.label] = r
    return [
        Evidence(
            lab,
            ", ".join(s.text for s in rule_of[lab].sources),
            f"not reachable from the internet on {', '.join(dict.fromkeys(ws))} "
            f"(open to {netreach.describe(rule_of[lab].sources, share)})",
        )
        for lab, ws in seen.items()
    ]


SG_READS = (
    Read("IpPermissions", "list", absent="no inbound rules"),
    Read("IpPermissions[*]", "mapping"),
    Read("IpPermissions[*].IpProtocol", "string|integer"),
    Read("IpPermissions[*].FromPort", "integer", absent="every port"),
    Read("IpPermissions[*].ToPort", "integer", absent="every port"),
    Read("IpPermissions[*].IpRanges", "list", absent="no IPv4 ranges"),
    Read("IpPermissions[*].IpRanges[*]", "mapping"),
    Read("IpPermissions[*].Ipv6Ranges", "list", absent="no IPv6 ranges"),
    Read("IpPermissions[*].Ipv6Ranges[*]", "mapping"),
    Read("IpPermissions[*].UserIdGroupPairs", "list", absent="no group references"),
    Read("IpPermissions[*].PrefixListIds", "list", absent="no prefix lists"),
)
# looked up only for a permission that references a managed prefix list
PREFIX_LISTS = Related("aws.ec2.prefix_list", on_use=True)


@function(
    "aws_sg_closed",
    kind="subject",
    args=("ports", "share"),
    reads=SG_READS,
    related=(PREFIX_LISTS,),
)
def aws_sg_closed(
    obj: Any, env: Any, ports: Iterable[Any] = (), share: float = netreach.DEFAULT_SHARE
) -> Any:
    """True when the security group lets no public source reach any of ``ports`` (``[]``: no
    rule open on every port) over TCP or UDP. Sources of all permissions count together, managed
    prefix lists are resolved, ICMP opens no port, protocol ``-1`` opens all."""
    hits = exposed(sg_rules(obj, env), ports, share)
    if hits:
        return False, _evidence(hits, share)
    return True, [Evidence("IpPermissions", len(as_list(obj.get("IpPermissions"))), "closed")]


def nacl_rules(acl: dict[str, Any]) -> list[netreach.FwRule]:
    out = []
    for e in as_list(acl.get("Entries")):
        if not isinstance(e, dict) or e.get("Egress") is not False:
            continue
        cidr = e.get("CidrBlock") or e.get("Ipv6CidrBlock")
        rng = e.get("PortRange")
        rng = rng if isinstance(rng, dict) else {}
        proto = netreach.protocol(e.get("Protocol"))
        out.append(
            netreach.FwRule(
                float(e.get("RuleNumber", 0)),
                str(e.get("RuleAction")).lower() == "allow",
                (netreach.parse_source(cidr),),
                proto,
                _ports_of(proto, rng.get("From"), rng.get("To")),
                f"Entries[RuleNumber={e.get('RuleNumber')}]",
            )
        )
    return out


@function(
    "aws_nacl_closed",
    kind="subject",
    args=("ports", "share"),
    reads=(
        Read("Entries", "list"),
        Read("Entries[*]", "mapping"),
        Read("Entries[*].Egress", "boolean"),
        Read("Entries[*].RuleNumber", "number"),
        Read("Entries[*].RuleAction", "string"),
        Read("Entries[*].Protocol", "string|integer"),
        Read("Entries[*].PortRange", "mapping", absent="every port"),
        Read("Entries[*].CidrBlock", "string", absent="an IPv6 entry"),
        Read("Entries[*].Ipv6CidrBlock", "string", absent="an IPv4 entry"),
    ),
)
def aws_nacl_closed(
    obj: Any, env: Any, ports: Iterable[Any] = (), share: float = netreach.DEFAULT_SHARE
) -> Any:
    """True when the network ACL's inbound entries, taken in rule-number order (first match
    wins), let no public source reach any of ``ports``."""
    hits = exposed(nacl_rules(obj), ports, share)
    if hits:
        return False, _evidence(hits, share)
    return True, [Evidence("Entries", "inbound", "no allow from the internet on these ports")]


@function(
    "instance_exposes_ports",
    kind="subject",
    args=("ports", "share"),
    reads=(
        Read("SecurityGroups", "list"),
        Read("SecurityGroups[*]", "mapping"),
        Read("SecurityGroups[*].GroupId", "string"),
    ),
    related=("aws.ec2.security_group", PREFIX_LISTS),
)
def instance_exposes_ports(
    obj: Any, env: Any, ports: Iterable[Any] = (), share: float = netreach.DEFAULT_SHARE
) -> Any:
    """True when the instance's security groups together (looked up among the
    ``aws.ec2.security_group`` resources of the same account) admit a public source to any of
    ``ports``. A group the inventory does not hold (or could not read) makes the answer
    unknown when the others do not expose the ports: an instance whose firewall could not be
    read is an ERROR, not a PASS."""
    rules: list[netreach.FwRule] = []
    missing: list[Evidence] = []
    for i, ref in enumerate(obj["SecurityGroups"]):
        gid = ref["GroupId"]
        found = env.lookup("aws.ec2.security_group", "GroupId", gid)
        group = found[0] if found else None
        if group is None or "IpPermissions" in group.errors or "*" in group.errors:
            missing.append(Evidence(f"SecurityGroups[{i}].GroupId", gid, "a readable group"))
            continue
        for r in sg_rules(group.data, env):
            rules.append(
                netreach.FwRule(0, True, r.sources, r.proto, r.ports, f"SecurityGroups[{i}]")
            )
    hits = exposed(rules, ports, share)
    if hits:
        return True, _evidence(hits, share)
    if missing:
        return None, missing
    return False, [
        Evidence(
            "SecurityGroups",
            [g.get("GroupId") for g in as_list(obj.get("SecurityGroups")) if isinstance(g, dict)],
            "no internet ingress on these ports",
        )
    ]


@function(
    "cidrs_not_internet",
    kind="subject",
    args=("path", "absent", "share"),
    reads=(
        Read("{path}", "list|string", absent="as the argument absent says (open or closed)"),
        Read("{path}[*]", "string"),
    ),
)
def cidrs_not_internet(
    obj: Any, env: Any, path: str, absent: str = "open", share: float = netreach.DEFAULT_SHARE
) -> Any:
    """True when the address list at ``path`` (CIDRs, addresses, ranges) together does not
    reach the internet (``netreach``). ``absent``: what the platform does without a list —
    ``open`` (EKS ``publicAccessCidrs``, AKS ``authorizedIPRanges``: everyone) or ``closed``."""
    if absent not in ("open", "closed"):
        raise ValueError(f"absent is open or closed, not {absent!r}")
    value = get(obj, path)
    if value in (None, []) and absent == "open":
        return False, [Evidence(path, value, "a list of allowed ranges (absent = everyone)")]
    srcs = [netreach.parse_source(v) for v in as_list(value)]
    if netreach.reach_is_public(srcs, share):
        return False, [Evidence(path, value, f"not {netreach.describe(srcs, share)}")]
    return True, [Evidence(path, value, "ranges that do not cover the internet")]


@function(
    "aws_sg_internet_ports_within",
    kind="subject",
    args=("allowed", "share"),
    reads=SG_READS,
    related=(PREFIX_LISTS,),
)
def aws_sg_internet_ports_within(
    obj: Any, env: Any, allowed: Iterable[Any] = (), share: float = netreach.DEFAULT_SHARE
) -> Any:
    """True when every port the security group opens to a public source (all permissions
    together, TCP or UDP) is one of ``allowed``; a permission of every protocol never is."""
    ok = {int(p) for p in allowed}
    bad: list[Evidence] = []
    for proto, (lo, hi), reach in netreach.open_segments(sg_rules(obj, env), share):
        if proto == "all" or any(p not in ok for p in range(lo, min(hi, lo + len(ok) + 1) + 1)):
            what = "every protocol" if proto == "all" else f"{proto}/{lo}-{hi}"
            for r in reach:
                bad.append(
                    Evidence(
                        r.label,
                        ", ".join(s.text for s in r.sources),
                        f"only ports {sorted(ok)} open to the internet (opens {what})",
                    )
                )
    if bad:
        return False, bad
    return True, [Evidence("IpPermissions", "internet ports", f"within {sorted(ok)}")]
