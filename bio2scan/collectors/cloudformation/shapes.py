"""The machinery of the CloudFormation → live AWS mapping: template resources after resolution
(``Item``), the live-shaped records being built (``Out``), the build context with its joins
(``Build``), and field tables (``F``: live path ← CloudFormation property path, conversion,
default) with their conversions.

A conversion turns a resolved template value into the live API's type, or into ``Unknown``:
``BOOL`` reads ``true``/``"true"``; a ``Sym`` (a value fixed at deployment) is kept only where
the live field is an identity (``STR``, ``ANY``); in a field whose content rules interpret
(``BOOL``, ``INT``, ``CIDR``, ``ENUM``) it becomes "known after deployment".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..template_values import NOVALUE, Sym, Unknown, deferred, unresolved
from .stack import Stack

Conv = Callable[[Any], Any]
ABSENT: Any = object()  # no default: the live field is left out
MISSING: Any = object()


@dataclass
class Item:
    """One template resource, resolved."""

    logical: str
    type: str
    props: dict[str, Any]
    line: int
    physical: Any  # what Ref gives: the name or id, a Sym, or Unknown
    condition: Unknown | None = None  # the resource's Condition when it cannot be decided


@dataclass
class Out:
    """One resource in the live collector's shape, being built."""

    rtype: str
    item: Item
    name: Any
    data: dict[str, Any]
    tags: Any = None
    later: dict[str, str] = field(default_factory=dict)  # paths known only after deployment
    errors: dict[str, str] = field(default_factory=dict)
    key: str = ""  # the resource id within the template (default: the logical id)

    def defer(self, path: str, reason: str) -> None:
        self.later[path] = reason


class Build:
    """Everything built from one template: the records, and what was not checked."""

    def __init__(self, stack: Stack, region: Any, account: Any) -> None:
        self.stack = stack
        self.region = region
        self.account = account
        self.items: dict[str, Item] = {}
        self.outs: list[Out] = []
        self.by_logical: dict[str, list[Out]] = {}
        self.not_checked: list[tuple[Item, str]] = []
        self._regional: dict[str, Out] = {}
        self._by_physical: dict[str, list[Item]] | None = None
        self._by_type: dict[str, list[Item]] | None = None

    def add(self, out: Out) -> Out:
        self.outs.append(out)
        self.by_logical.setdefault(out.item.logical, []).append(out)
        return out

    def skip(self, item: Item, why: str) -> None:
        self.not_checked.append((item, why))

    def regional(self, rtype: str, item: Item, data: dict[str, Any]) -> Out:
        """The one region-wide record of ``rtype`` (GuardDuty, Security Hub …) of this template;
        the first resource that contributes to it gives its line."""
        out = self._regional.get(rtype)
        if out is None:
            name = Sym(f"{_text(self.account)}/{_text(self.region)}")
            if not isinstance(self.account, Sym) and not isinstance(self.region, Sym):
                name = f"{self.account}/{self.region}"  # type: ignore[assignment]
            out = Out(rtype, item, name, data, key=f"region:{rtype}")
            self._regional[rtype] = out
            self.add(out)
        return out

    def target(self, value: Any, types: Iterable[str]) -> Out | None:
        """The record of a template resource of one of ``types`` that ``value`` refers to: by
        reference (``Ref``/``GetAtt``), or by its name or id when the template fixes it."""
        wanted = set(types)
        ref = value.ref if isinstance(value, Sym) else None
        if ref is not None and ref in self.items and self.items[ref].type in wanted:
            outs = self.by_logical.get(ref) or []
            return outs[0] if outs else None
        if isinstance(value, Unknown) or value is None or not isinstance(value, str):
            return None
        if self._by_physical is None:  # built once: joins stay linear in the template's size
            self._by_physical = {}
            for item in self.items.values():
                if isinstance(item.physical, str):
                    self._by_physical.setdefault(str(item.physical), []).append(item)
        for item in self._by_physical.get(str(value), ()):
            if item.type in wanted:
                outs = self.by_logical.get(item.logical) or []
                return outs[0] if outs else None
        return None

    def of_type(self, *types: str) -> list[Item]:
        """The template's resources of ``types`` (indexed once)."""
        if self._by_type is None:
            self._by_type = {}
            for item in self.items.values():
                self._by_type.setdefault(item.type, []).append(item)
        return [i for t in types for i in self._by_type.get(t, ())]


def _text(v: Any) -> str:
    return str(v)


def joined(*parts: Any) -> Any:
    """The parts as one string; a ``Sym`` when any part is one (a value fixed at deployment)."""
    text = "".join(str(p) for p in parts)
    return Sym(text) if any(isinstance(p, Sym) for p in parts) else text


# --- reading resolved properties -----------------------------------------------------------


def get(props: Any, path: str | None) -> Any:
    """The value at dotted ``path`` in resolved properties: ``MISSING``, a value, or the
    ``Unknown`` met on the way."""
    if path is None:
        return MISSING
    v = props
    for part in path.split("."):
        if isinstance(v, Unknown):
            return v
        if not isinstance(v, Mapping) or part not in v:
            return MISSING
        v = v[part]
    return v


def put(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    d = data
    for p in parts[:-1]:
        nxt = d.get(p)
        if not isinstance(nxt, dict):
            nxt = d[p] = {}
        d = nxt
    d[parts[-1]] = value


# --- conversions -----------------------------------------------------------------------------


def _interpreted(kind: str) -> Callable[[Conv], Conv]:
    """A conversion of a field whose content rules interpret: a Sym is not good enough."""

    def wrap(fn: Conv) -> Conv:
        def conv(v: Any) -> Any:
            if isinstance(v, Unknown) or v is NOVALUE:
                return v
            if isinstance(v, Sym):
                return deferred(f"{kind} known only at deployment ({v})")
            return fn(v)

        conv.__name__ = fn.__name__
        return conv

    return wrap


@_interpreted("a flag")
def BOOL(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return unresolved(f"expected true or false, found {v!r}")


@_interpreted("a number")
def INT(v: Any) -> Any:
    if isinstance(v, bool):
        return unresolved(f"expected a number, found {v!r}")
    try:
        return int(str(v).strip())
    except ValueError:
        return unresolved(f"expected a whole number, found {v!r}")


@_interpreted("a network range")
def CIDR(v: Any) -> Any:
    return str(v) if isinstance(v, str) else unresolved(f"expected a CIDR, found {v!r}")


@_interpreted("a setting")
def ENUM(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        return unresolved(f"expected a single value, found {type(v).__name__}")
    return v if isinstance(v, str) else _text(v).lower() if isinstance(v, bool) else _text(v)


@_interpreted("a setting")
def BOOLSTR(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v).lower() if str(v).lower() in ("true", "false") else str(v)


def STR(v: Any) -> Any:
    if isinstance(v, (Unknown, Sym, str)) or v is NOVALUE:
        return v
    if isinstance(v, (dict, list)):
        return unresolved(f"expected a string, found {type(v).__name__}")
    return _text(v).lower() if isinstance(v, bool) else _text(v)


def ANY(v: Any) -> Any:
    return v


def LIST(conv: Conv) -> Conv:
    def each(v: Any) -> Any:
        if isinstance(v, Unknown):
            return v
        if isinstance(v, Sym):
            return deferred(f"a list known only at deployment ({v})")
        if not isinstance(v, list):
            v = [v]
        return [conv(x) for x in v]

    return each


def policy(v: Any) -> Any:
    """An IAM policy document: an object, or JSON text (parsed, as the live collector does);
    ``None`` (no policy) for an absent or empty one. A policy that is a symbol (``!ImportValue``)
    is a document known only at deployment."""
    if v is None or v == "" or v is NOVALUE:
        return None
    if isinstance(v, Sym):
        return deferred(f"a policy document known only at deployment ({v})")
    if isinstance(v, str):
        import json

        try:
            return json.loads(v)
        except ValueError:
            return unresolved("the policy document is not valid JSON")
    return v


# --- field tables ----------------------------------------------------------------------------


@dataclass(frozen=True)
class F:
    """One live field: ``live`` (dotted) ← ``cfn`` (dotted property path), converted by
    ``conv``; when the property is absent, ``default`` (a value, an ``Unknown``, a callable of
    the item, or ``ABSENT`` to leave the field out)."""

    live: str
    cfn: str | None
    conv: Conv = ANY
    default: Any = ABSENT


def fill(data: dict[str, Any], item: Item, fields: Iterable[F]) -> dict[str, Any]:
    for f in fields:
        v = get(item.props, f.cfn)
        if v is MISSING:
            if f.default is ABSENT:
                continue
            v = (
                f.default(item)
                if callable(f.default) and not isinstance(f.default, Unknown)
                else f.default
            )
            if isinstance(v, Unknown) or v is None:
                put(data, f.live, v)
                continue
        v = f.conv(v)
        if v is not NOVALUE:
            put(data, f.live, v)
    return data


def tag_list(tags: Any) -> Any:
    """CloudFormation tags (``[{Key, Value}]`` or a mapping) as the live ``[{Key, Value}]``."""
    if isinstance(tags, Mapping):
        return [{"Key": k, "Value": v} for k, v in tags.items()]
    return tags if isinstance(tags, list) else []


def tag_value(tags: Any, key: str) -> Any:
    for t in tag_list(tags):
        if isinstance(t, Mapping) and t.get("Key") == key:
            return t.get("Value")
    return None


def generated(item: Item) -> Sym:
    """The physical name CloudFormation makes up for a resource whose name the template leaves
    open: ``${Logical}`` (the same token every Ref to it gives, so joins still work)."""
    return Sym(f"${{{item.logical}}}", ref=item.logical)


def name_of(out: Out, live_field: str, value: Any) -> Any:
    """Set the live name field; a generated name is a Sym and the field is deferred."""
    if (
        isinstance(value, Sym)
        and value.ref == out.item.logical
        and value == f"${{{out.item.logical}}}"
    ):
        out.defer(live_field, "the name CloudFormation generates at deployment")
    return value
