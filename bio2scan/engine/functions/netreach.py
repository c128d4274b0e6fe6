"""Network reachability, decided in one place: address sets, port sets, protocols, and the
first-match walk that firewalls (security groups, NACLs, NSGs, service firewalls) share.

Pure: the standard library's ``ipaddress`` only, no I/O. ``docs/exposure.md`` states for a reviewer
what counts as "the internet" and why; the table-driven cases in ``tests/engine/test_netreach.py``
pin it.

* An ``AddrSet`` is a set of IPv4 and IPv6 addresses as sorted, merged integer intervals, so union,
  difference and size cost a sort, never an address-by-address walk.
* ``public_share`` is the part of the *public* address space of a family (every IPv4 address outside
  the IANA special-purpose blocks; IPv6 global unicast ``2000::/3`` outside documentation space)
  that a set covers. A set is ``internet`` when that share exceeds ``share`` (default
  ``DEFAULT_SHARE``, 0.1 %: more than ~3.7 million IPv4 addresses, a block larger than a /11) —
  so ``0.0.0.0/1`` + ``128.0.0.0/1`` is the internet, and so is ``0.0.0.0–255.255.255.254``.
* A source token (``parse_source``) is an address, CIDR or range, or a name: ``*``/``Any``/
  ``Internet`` (everything), a tag that any customer of the cloud can send traffic from
  (``AzureCloud``, ``AzureCloud.westeurope``, ``AppService``, ``AzureFrontDoor.Backend`` …:
  ``shared``), a platform-internal tag (``VirtualNetwork``, ``AzureLoadBalancer`` …: ``internal``),
  or something unknown — which raises ``UnknownSource`` so the rule reports ERROR.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import CannotJudge

DEFAULT_SHARE = 0.001

_V4_ALL = (0, 2**32 - 1)
_V6_ALL = (0, 2**128 - 1)

# IANA IPv4 special-purpose registry (RFC 6890 and successors): not reachable from the internet.
_V4_SPECIAL = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
)

Interval = tuple[int, int]


def _merge(items: Iterable[Interval]) -> tuple[Interval, ...]:
    out: list[list[int]] = []
    for lo, hi in sorted(items):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((a, b) for a, b in out)


def _subtract(a: Sequence[Interval], b: Sequence[Interval]) -> tuple[Interval, ...]:
    out: list[Interval] = []
    j = 0
    for lo, hi in a:
        cur = lo
        while j < len(b) and b[j][1] < cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] <= hi:
            if b[k][0] > cur:
                out.append((cur, b[k][0] - 1))
            cur = max(cur, b[k][1] + 1)
            k += 1
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)


def _size(items: Iterable[Interval]) -> int:
    return sum(hi - lo + 1 for lo, hi in items)


@dataclass(frozen=True)
class AddrSet:
    """IPv4 and IPv6 addresses as merged inclusive intervals."""

    v4: tuple[Interval, ...] = ()
    v6: tuple[Interval, ...] = ()

    @staticmethod
    def of(*nets: str) -> AddrSet:
        return AddrSet.union_all(AddrSet.parse(n) for n in nets)

    @staticmethod
    def parse(text: str) -> AddrSet:
        """``1.2.3.4``, ``10.0.0.0/8``, ``2001:db8::/32``, ``1.2.3.4-1.2.3.9``; ValueError else."""
        t = text.strip()
        if "-" in t and "/" not in t:
            a, _, b = t.partition("-")
            lo, hi = ipaddress.ip_address(a.strip()), ipaddress.ip_address(b.strip())
            if lo.version != hi.version or int(hi) < int(lo):
                raise ValueError(f"not an address range: {text!r}")
            iv = ((int(lo), int(hi)),)
            return AddrSet(v4=iv) if lo.version == 4 else AddrSet(v6=iv)
        net = ipaddress.ip_network(t, strict=False)
        iv = ((int(net.network_address), int(net.broadcast_address)),)
        return AddrSet(v4=iv) if net.version == 4 else AddrSet(v6=iv)

    @staticmethod
    def union_all(sets: Iterable[AddrSet]) -> AddrSet:
        v4: list[Interval] = []
        v6: list[Interval] = []
        for s in sets:
            v4.extend(s.v4)
            v6.extend(s.v6)
        return AddrSet(_merge(v4), _merge(v6))

    def __or__(self, other: AddrSet) -> AddrSet:
        return AddrSet.union_all((self, other))

    def __sub__(self, other: AddrSet) -> AddrSet:
        return AddrSet(_subtract(self.v4, other.v4), _subtract(self.v6, other.v6))

    def __and__(self, other: AddrSet) -> AddrSet:
        return self - (self - other)

    def __bool__(self) -> bool:
        return bool(self.v4 or self.v6)


EVERYTHING = AddrSet(v4=(_V4_ALL,), v6=(_V6_ALL,))
PUBLIC = AddrSet(
    v4=(AddrSet(v4=(_V4_ALL,)) - AddrSet.of(*_V4_SPECIAL)).v4,
    v6=(AddrSet.of("2000::/3") - AddrSet.of("2001:db8::/32")).v6,
)
_PUBLIC_V4, _PUBLIC_V6 = _size(PUBLIC.v4), _size(PUBLIC.v6)


def public_share(s: AddrSet) -> tuple[float, float]:
    """(IPv4 share, IPv6 share) of the public address space that ``s`` covers."""
    pub = s & PUBLIC
    return _size(pub.v4) / _PUBLIC_V4, _size(pub.v6) / _PUBLIC_V6


def covers_internet(s: AddrSet, share: float = DEFAULT_SHARE) -> bool:
    """True when ``s`` covers more than ``share`` of the public IPv4 or IPv6 address space."""
    v4, v6 = public_share(s)
    return v4 > share or v6 > share


# --- source tokens ------------------------------------------------------------------------------

INTERNET_NAMES = frozenset({"*", "any", "internet", "0.0.0.0/0", "::/0"})
# Service tags whose addresses any customer of the cloud can send traffic from (a VM, a web app,
# a Front Door profile of their own): allowing them allows every Azure customer.
SHARED_TAGS = frozenset(
    {"azurecloud", "appservice", "azurefrontdoor.backend", "apimanagement", "azurecontainerapps"}
)
# Platform tags for the customer's own network or the platform's own infrastructure.
INTERNAL_TAGS = frozenset(
    {
        "virtualnetwork",
        "azureloadbalancer",
        "gatewaymanager",
        "azuretrafficmanager",
        "azuremonitor",
        "azurebackup",
        "azureactivedirectory",
        "azurebastion",
        "guestandhybridmanagement",
        "storage",
        "sql",
        "azurekeyvault",
        "eventhub",
        "servicebus",
        "azurecosmosdb",
        "microsoftcontainerregistry",
        "azurecontainerregistry",
        "azurestoragesync",
    }
)


class UnknownSource(CannotJudge):
    """A source that bio2scan cannot place: unknown (the rule reports ERROR, never PASS)."""


@dataclass(frozen=True)
class Source:
    """One source token, placed: ``kind`` is ``addresses``, ``internet``, ``shared`` (any
    customer of the cloud), ``internal`` (own network or platform) or ``group`` (a security-group
    or application-security-group reference)."""

    text: str
    kind: str
    addrs: AddrSet = field(default_factory=AddrSet)

    @property
    def public(self) -> bool:
        return self.kind in ("internet", "shared")


def _tag_base(name: str) -> str:
    return name.split(".", 1)[0] if "." in name and not name.startswith("azurefrontdoor") else name


def parse_source(token: object, *, azure_zero: bool = False) -> Source:
    """Place one source. ``azure_zero``: ``0.0.0.0`` (alone or as ``0.0.0.0-0.0.0.0``) is Azure's
    "all Azure datacenters" (SQL and Cosmos DB firewalls): every Azure customer, so ``shared``."""
    if not isinstance(token, str) or not token.strip():
        raise UnknownSource(f"not a network source: {token!r}")
    text = token.strip()
    low = text.lower()
    if low in INTERNET_NAMES:
        if low == "0.0.0.0/0":
            return Source(text, "internet", AddrSet(v4=(_V4_ALL,)))
        if low == "::/0":
            return Source(text, "internet", AddrSet(v6=(_V6_ALL,)))
        return Source(text, "internet", EVERYTHING)
    if azure_zero and low in ("0.0.0.0", "0.0.0.0-0.0.0.0", "0.0.0.0/32"):
        return Source(text, "shared")
    if re.match(r"^[0-9a-f:.\-/ ]+$", low):
        try:
            addrs = AddrSet.parse(text)
        except ValueError:
            raise UnknownSource(f"not an address, CIDR or range: {text!r}") from None
        return Source(text, "addresses", addrs)
    if _tag_base(low) in SHARED_TAGS or low in SHARED_TAGS:
        return Source(text, "shared")
    if _tag_base(low) in INTERNAL_TAGS:
        return Source(text, "internal")
    raise UnknownSource(f"unknown service tag or source {text!r}")


def addresses(sources: Iterable[Source]) -> AddrSet:
    """The addresses of ``sources``; a name for the internet is every address."""
    return AddrSet.union_all(s.addrs for s in sources)


def reach_is_public(sources: Sequence[Source], share: float = DEFAULT_SHARE) -> bool:
    """True when the sources together are the internet, a shared tag, or cover more than
    ``share`` of the public address space."""
    return any(s.public for s in sources) or covers_internet(addresses(sources), share)


def describe(sources: Sequence[Source], share: float = DEFAULT_SHARE) -> str:
    """Who that is, in words, for evidence."""
    if any(s.kind == "internet" for s in sources):
        return "the whole internet"
    shared = [s.text for s in sources if s.kind == "shared"]
    if shared:
        return f"every customer of the cloud ({', '.join(shared)})"
    v4, v6 = public_share(addresses(sources))
    big = max(v4, v6)
    if big > share:
        return f"{big:.1%} of the public {'IPv4' if v4 >= v6 else 'IPv6'} internet"
    return "no public address range beyond the limit"


# --- ports and protocols ------------------------------------------------------------------------

ALL_PORTS: tuple[Interval, ...] = ((0, 65535),)
_PROTO_NAMES = {
    "-1": "all",
    "all": "all",
    "*": "all",
    "any": "all",
    "6": "tcp",
    "tcp": "tcp",
    "17": "udp",
    "udp": "udp",
    "1": "icmp",
    "icmp": "icmp",
    "58": "icmpv6",
    "icmpv6": "icmpv6",
    "132": "sctp",
    "sctp": "sctp",
}
PORT_PROTOCOLS = frozenset({"tcp", "udp", "sctp"})


def protocol(value: object) -> str:
    """``-1``/``all``/``*`` → ``all``; ``6``/``tcp``/``Tcp`` → ``tcp`` …; other numbers as text."""
    text = str(value).strip().lower()
    if text in _PROTO_NAMES:
        return _PROTO_NAMES[text]
    if text.isdigit():
        return f"proto-{text}"
    if text in ("esp", "ah", "gre"):
        return text
    raise UnknownSource(f"unknown protocol {value!r}")


def parse_ports(spec: object) -> tuple[Interval, ...]:
    """``22``, ``"20-30"``, ``"*"``, ``["443", "8000-8100"]`` → merged port intervals."""
    items = spec if isinstance(spec, (list, tuple)) else [spec]
    out: list[Interval] = []
    for item in items:
        s = str(item).strip().lower()
        if s in ("*", "any", "", "-1", "all"):
            out.append((0, 65535))
            continue
        lo, sep, hi = s.partition("-")
        try:
            a, b = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise UnknownSource(f"not a port or port range: {item!r}") from None
        if not 0 <= a <= b <= 65535:
            raise UnknownSource(f"not a port range: {item!r}")
        out.append((a, b))
    return _merge(out)


def port_range(lo: object, hi: object) -> tuple[Interval, ...]:
    """AWS ``FromPort``/``ToPort`` (absent or -1: every port)."""
    if lo is None or hi is None or lo == -1 or hi == -1:
        return ALL_PORTS
    return parse_ports(f"{int(str(lo))}-{int(str(hi))}")


def ports_hit(ranges: Sequence[Interval], wanted: Iterable[int]) -> list[int]:
    """The ports of ``wanted`` inside ``ranges``."""
    return [int(p) for p in wanted if any(lo <= int(p) <= hi for lo, hi in ranges)]


def opens_ports(proto: str, ranges: Sequence[Interval], wanted: Iterable[int]) -> list[int]:
    """The ports of ``wanted`` that a rule for ``proto`` over ``ranges`` opens: ``all`` opens
    every port; ICMP and other port-less protocols open none."""
    if proto == "all":
        return [int(p) for p in wanted]
    if proto not in PORT_PROTOCOLS:
        return []
    return ports_hit(ranges, wanted)


@dataclass(frozen=True)
class FwRule:
    """One ordered firewall entry, already placed: ``order`` (lower first), ``allow``,
    ``sources``, ``proto``, ``ports`` and a ``label`` for evidence (rule name, number)."""

    order: float
    allow: bool
    sources: tuple[Source, ...]
    proto: str
    ports: tuple[Interval, ...]
    label: str


def _narrow(s: Source, remaining: AddrSet) -> Source:
    left = s.addrs & remaining
    kind = s.kind if s.kind != "internet" or left == s.addrs else "addresses"
    return Source(s.text, kind, left)


def first_match(rules: Iterable[FwRule], port: int | None, proto: str = "tcp") -> list[FwRule]:
    """The allow rules that admit some public source to ``port`` (``None``: any port) over
    ``proto``, after the deny rules before them (first match wins, as NACLs and NSGs evaluate).

    A deny rule removes only addresses it names: a deny from a tag we cannot place into addresses
    removes nothing (conservative). Returns the allow rules through which the remaining public
    part reaches, with their sources narrowed to what is left."""
    remaining = EVERYTHING
    shared_open = True
    out: list[FwRule] = []
    for r in sorted(rules, key=lambda r: r.order):
        if r.proto != "all" and proto != "all" and r.proto != proto:
            continue
        if port is not None and not ports_hit(r.ports, [port]):
            continue
        if port is None and r.ports != ALL_PORTS:
            continue
        srcs = addresses(r.sources)
        if r.allow:
            left = [_narrow(s, remaining) for s in r.sources]
            left = [s for s in left if (s.kind == "shared" and shared_open) or s.addrs]
            if left:
                out.append(FwRule(r.order, True, tuple(left), r.proto, r.ports, r.label))
        else:
            remaining = remaining - srcs
            if any(s.kind in ("internet", "shared") for s in r.sources):
                shared_open = False
    return out


def open_segments(
    rules: Sequence[FwRule], share: float = DEFAULT_SHARE
) -> list[tuple[str, Interval, list[FwRule]]]:
    """Every (protocol, port interval) through which a public source gets in, with the allow
    rules it gets in by; ``all`` for a rule of every protocol. The port line is cut at every
    rule's boundaries, so one representative port decides each piece."""
    out: list[tuple[str, Interval, list[FwRule]]] = []
    protos = sorted({r.proto for r in rules if r.allow})
    for proto in protos:
        if proto != "all" and proto not in PORT_PROTOCOLS:
            continue
        cuts = {0, 65536}
        for r in rules:
            for lo, hi in r.ports:
                cuts.update((lo, hi + 1))
        edges = sorted(cuts)
        for lo, nxt in itertools.pairwise(edges):
            reach = [r for r in first_match(rules, lo, proto) if r.proto == proto]
            srcs = [x for r in reach for x in r.sources]
            if srcs and reach_is_public(srcs, share):
                out.append((proto, (lo, nxt - 1), reach))
    return out
