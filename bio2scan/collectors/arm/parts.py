"""The pieces of an evaluated ARM template: where it is deployed (``Scope``), each resource it
deploys (``ArmResource``), what could not be read (``Problem``), and resource ids."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..template_values import Sym, Unknown, deferred, unresolved


@dataclass
class Scope:
    """Where the deployment goes: values given on the command line, else symbols."""

    subscription: Any = field(default_factory=lambda: Sym("${subscriptionId}"))
    resource_group: Any = field(default_factory=lambda: Sym("${resourceGroupName}"))
    location: Any = field(default_factory=lambda: Sym("${resourceGroup().location}"))
    tenant: Any = field(default_factory=lambda: Sym("${tenantId}"))
    level: str = "resourceGroup"  # resourceGroup | subscription


@dataclass
class ArmResource:
    type: str
    name: Any  # the full name ("account/default"), a Sym, or Unknown
    id: Any
    body: dict[str, Any]
    file: str
    line: int
    condition: Unknown | None = None
    parent_id: Any = None  # an extension resource: the id of the resource it extends


@dataclass
class Problem:
    file: str
    line: int | None
    message: str
    code: str = "Error"
    rtype: str = "*"


_CYCLE: Any = object()


def _obj(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def truthy_count(v: Any) -> Any:
    if isinstance(v, Unknown):
        return v
    if isinstance(v, Sym):
        return deferred(f"{v}, known at deployment")
    try:
        return max(0, int(v))
    except (TypeError, ValueError):
        return unresolved(f"copy count {v!r} is not a number")


def type_and_names(rtype: str, names: Any) -> Any:
    """``Microsoft.Sql/servers/databases`` + ``[srv, db]`` → ``Microsoft.Sql/servers/srv/databases/db``."""
    segs = rtype.split("/")
    out: list[Any] = [segs[0]]
    for i, t in enumerate(segs[1:]):
        out.append("/" + t)
        if i < len(names):
            out.append("/")
            out.append(names[i])
    return _join(*out)


def _join(*parts: Any, like: Any = None) -> Any:
    bad = next((p for p in parts if isinstance(p, Unknown)), None)
    if bad is not None:
        return bad
    text = "".join(str(p) for p in parts)
    return Sym(text) if any(isinstance(p, Sym) for p in (*parts, like)) else text


def _typed(value: Any, ptype: str) -> Any:
    """A parameter value given as text (``--parameter``) in the parameter's type."""
    if not isinstance(value, str) or isinstance(value, Sym):
        return value
    try:
        if ptype == "int":
            return int(value)
        if ptype == "bool":
            return value.strip().lower() == "true"
        if ptype in ("array", "object"):
            return json.loads(value)
    except ValueError:
        return unresolved(f"{value!r} is not a valid {ptype}")
    return value
