"""Functions any provider's rules use: networks, ports, dates."""

from __future__ import annotations

import datetime as _dt
import ipaddress
from typing import Any

from . import Read, function


@function("cidr_is_internet", value="string")
def cidr_is_internet(value: Any) -> bool:
    """True for a CIDR (or address, or Azure/GCP source tag) that means the internet:
    ``0.0.0.0/0``, ``::/0``, ``*``, ``Internet``, ``Any``, a tag any cloud customer can send from
    (``AzureCloud``), or a range covering more than 0.1 % of the public address space
    (``0.0.0.0/1``) — ``netreach`` decides (``{path: CidrIp, call: cidr_is_internet}``)."""
    from . import netreach

    if not isinstance(value, str):
        return False
    if value.strip() in ("0.0.0.0", "::"):
        return True
    try:
        return netreach.reach_is_public([netreach.parse_source(value)])
    except netreach.UnknownSource:
        return False


@function("cidr_is_public", value="string")
def cidr_is_public(value: Any) -> bool:
    """True for a CIDR that contains any globally routable address (wider than a private range)."""
    if not isinstance(value, str):
        return False
    if cidr_is_internet(value):
        return True
    try:
        net = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return not (net.is_private or net.is_loopback or net.is_link_local)


def parse_time(value: Any) -> _dt.datetime | None:
    """An ISO 8601 string or epoch seconds → aware datetime (UTC when no zone is given)."""
    if isinstance(value, _dt.datetime):
        t = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        t = _dt.datetime.fromtimestamp(value, _dt.UTC)
    elif isinstance(value, str) and value:
        try:
            t = _dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return t if t.tzinfo else t.replace(tzinfo=_dt.UTC)


@function(
    "older_than_days",
    kind="subject",
    args=("path", "days"),
    reads=(Read("{path}", "string|number"),),
)
def older_than_days(obj: Any, env: Any, path: str, days: float) -> Any:
    """True when the timestamp at ``path`` lies more than ``days`` before the evaluation time
    (``{call: older_than_days, args: {path: CreateDate, days: {param: max_age_days}}}``). A
    timestamp that cannot be read as one is unknown."""
    from ...model import Evidence
    from ..paths import get

    value = get(obj, path)
    t = parse_time(value)
    if t is None:
        return None, [Evidence(path, value, "a timestamp (ISO 8601 or epoch seconds)")]
    return (env.now - t).total_seconds() > days * 86400, [
        Evidence(path, value, f"older than {days} days")
    ]


@function(
    "within_days",
    kind="subject",
    args=("path", "days"),
    reads=(Read("{path}", "string|number"),),
)
def within_days(obj: Any, env: Any, path: str, days: float) -> Any:
    """True when the timestamp at ``path`` lies less than ``days`` after the evaluation time, or
    has passed (an expiry date that is near: ``{call: within_days, args: {path: NotAfter, days: 30}}``)."""
    from ...model import Evidence
    from ..paths import get

    value = get(obj, path)
    t = parse_time(value)
    if t is None:
        return None, [Evidence(path, value, "a timestamp (ISO 8601 or epoch seconds)")]
    return (t - env.now).total_seconds() < days * 86400, [
        Evidence(path, value, f"expires within {days} days")
    ]


@function(
    "port_range_includes",
    kind="subject",
    args=("from_path", "to_path", "ports"),
    reads=(
        Read("{from_path}", "integer", absent="all ports (protocol -1 has no range)"),
        Read("{to_path}", "integer", absent="all ports (protocol -1 has no range)"),
    ),
)
def port_range_includes(obj: Any, env: Any, from_path: str, to_path: str, ports: list[Any]) -> Any:
    """True when the port range ``[from_path, to_path]`` of the subject includes any of ``ports``;
    an absent range (all traffic, protocol -1) includes every port."""
    from ...model import Evidence
    from ..paths import get

    lo, hi = get(obj, from_path), get(obj, to_path)
    if lo is None or hi is None or lo == -1:
        hit = list(ports)
    else:
        hit = [p for p in ports if int(lo) <= int(p) <= int(hi)]
    return bool(hit), [
        Evidence(
            from_path,
            lo if lo is not None else "all",
            f"range {lo}-{hi} includes one of {list(ports)}",
        )
    ]
