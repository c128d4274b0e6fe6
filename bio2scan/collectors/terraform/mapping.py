"""The machinery the provider mappings (``aws_map*.py``, ``azure_map.py``) share.

A mapping turns Terraform resource instances into the resources the live collectors produce.
Most of it is data: a table of ``M(terraform path, live path, default, transform)`` rows read
by ``apply``. ``Out`` is a resource being built; related Terraform resources (a bucket policy,
a security group rule) are joined onto their ``Out`` afterwards, found by address or name
(``Registry.find``). ``finalize`` turns an ``Out`` into a ``Resource``: every ``Unknown`` leaf
becomes ``deferred`` (known only after deployment) — except identifiers of other resources,
written as their address or ``${address.attr}`` so that joins by id still work — and every
``Unresolved`` leaf becomes an ``errors`` entry, so rules that read it give ERROR.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...model import Resource, Source
from .config import Instance
from .values import JsonDoc, Unknown, Unresolved, placeholder

MISSING: Any = object()
SKIP: Any = object()  # leave the live key out
DEFER: Any = object()  # the provider chooses the value at apply


@dataclass(frozen=True)
class M:
    """Terraform ``src`` (``a.b``, ``block[0].c``) → live ``dst`` (``A.B``)."""

    src: str
    dst: str
    default: Any = None
    fn: Callable[[Any], Any] | None = None


def tf_get(values: Any, path: str) -> Any:
    cur = values
    for part in path.split("."):
        idx = None
        if part.endswith("]") and "[" in part:
            part, _, rest = part.partition("[")
            idx = int(rest[:-1])
        if isinstance(cur, (Unknown, Unresolved)):
            return cur
        if not isinstance(cur, dict) or part not in cur:
            return MISSING
        cur = cur[part]
        if idx is not None:
            if isinstance(cur, (Unknown, Unresolved)):
                return cur
            if not isinstance(cur, list) or len(cur) <= idx:
                return MISSING
            cur = cur[idx]
    return cur


def put(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    cur = data
    for p in parts[:-1]:
        nxt = cur.get(p)
        if not isinstance(nxt, dict):
            nxt = cur[p] = {}
        cur = nxt
    cur[parts[-1]] = value


def apply(table: Iterable[M], values: Mapping[str, Any], data: dict[str, Any], what: str) -> None:
    for m in table:
        v = tf_get(values, m.src)
        if v is MISSING or v is None:
            if m.default is SKIP:
                continue
            v = Unknown(f"{what}.{m.src}") if m.default is DEFER else m.default
        elif m.fn is not None and not isinstance(v, (Unknown, Unresolved)):
            try:
                v = m.fn(v)
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                v = Unresolved(f"{m.src}: unexpected value ({exc})")
        put(data, m.dst, v)


def document(v: Any) -> Any:
    """A policy attribute (JSON text, ``jsonencode`` output) → the parsed document."""
    if v is None or isinstance(v, (Unknown, Unresolved)):
        if isinstance(v, Unknown) and v.text is not None:
            try:
                return json.loads(v.text)
            except ValueError:
                return v
        return v
    if isinstance(v, JsonDoc):
        return v.value
    if isinstance(v, str):
        if not v.strip():
            return None
        try:
            return json.loads(v)
        except ValueError:
            return Unresolved("not a JSON document")
    if isinstance(v, dict):
        return v
    return Unresolved("not a JSON document")


def as_list(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    return [] if v is None or v is MISSING else [v]


def blocks(values: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    v = values.get(name)
    return [b for b in v if isinstance(b, dict)] if isinstance(v, list) else []


def first(values: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    b = blocks(values, name)
    return b[0] if b else None


def tag_map(v: Any) -> dict[str, str]:
    if not isinstance(v, dict):
        return {}
    return {str(k): str(x) for k, x in v.items() if isinstance(x, (str, int, float, bool))}


@dataclass
class Out:
    type: str
    inst: Instance
    name: Any
    data: dict[str, Any]
    region: str | None = None
    scope: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    deferred: dict[str, str] = field(default_factory=dict)
    rid: str | None = None


class Registry:
    """The resources being built, found by Terraform address and by name (for joins)."""

    def __init__(self) -> None:
        self.outs: list[Out] = []
        self._by_addr: dict[tuple[str, str], Out] = {}
        self._by_name: dict[tuple[str, str], list[Out]] = {}
        self.notices: list[tuple[str, str, int, str]] = []  # (type, file, line, why)

    def add(self, out: Out) -> Out:
        self.outs.append(out)
        self._by_addr[(out.type, out.inst.address)] = out
        if isinstance(out.name, str):
            self._by_name.setdefault((out.type, out.name), []).append(out)
        return out

    def find(self, rtype: str, ref: Any, module: str = "") -> Out | None:
        """The ``rtype`` resource a join argument points at: a name (``bucket = "logs"``),
        the address behind an unknown id (``bucket = aws_s3_bucket.b.id``), or an address."""
        if isinstance(ref, Unknown) and ref.ref is not None:
            return self._by_addr.get((rtype, ref.ref))
        if isinstance(ref, str):
            if (rtype, ref) in self._by_addr:
                return self._by_addr[(rtype, ref)]
            found = self._by_name.get((rtype, ref)) or []
            same = [o for o in found if o.inst.module == module]
            hits = same or found
            return hits[0] if hits else None
        return None

    def unjoined(self, inst: Instance, target: str, ref: Any) -> None:
        shown = ref.origin if isinstance(ref, Unknown) else ref
        self.notices.append(
            (
                inst.type,
                inst.file,
                inst.line,
                f"{inst.address}: its {target} ({shown!r}) is not defined in this configuration; "
                "not checked",
            )
        )


_ID_ATTRS = {"id", "arn", "name", "bucket", "key_id", "unique_id", "dns_name", "self_link"}


def _identifier(u: Unknown) -> str | None:
    """How an unknown identifier of another resource is written into data, or None when the
    value is not an identifier (then it is deferred)."""
    attr = u.origin.rsplit(".", 1)[-1]
    if u.present:
        return placeholder(u.origin)
    if not (attr in _ID_ATTRS or attr.endswith(("_id", "_arn", "_name", "_ids", "_arns"))):
        return None
    if u.ref is not None and u.origin == f"{u.ref}.id":
        return u.ref
    return u.text if u.text is not None else placeholder(u.origin)


def _clean(v: Any, path: str, out: Out) -> Any:
    if isinstance(v, dict):
        return {k: _clean(x, f"{path}.{k}" if path else k, out) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean(x, f"{path}[{i}]", out) for i, x in enumerate(v)]
    if isinstance(v, JsonDoc):
        return _clean(v.value, path, out)
    if isinstance(v, Unresolved):
        out.errors.setdefault(path or "*", v.reason)
        return None
    if isinstance(v, Unknown):
        ident = _identifier(v)
        if ident is not None:
            return ident
        out.deferred.setdefault(path or "*", f"{v.origin} is known only after apply")
        return None
    return v


def finalize(out: Out, default_scope: str) -> Resource:
    data = _clean(out.data, "", out)
    name = out.name
    if not isinstance(name, str):
        name = out.inst.address
    inst = out.inst
    return Resource(
        type=out.type,
        id=out.rid or inst.address,
        name=name,
        scope=out.scope or default_scope,
        data=data,
        source=Source(file=inst.file, line=inst.line),
        region=out.region,
        tags=out.tags,
        errors=out.errors,
        deferred=out.deferred,
    )
