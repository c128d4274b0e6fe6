"""Evaluation of HCL expressions (the tree of ``hcl.py``) as far as can be done before apply.

Names are resolved by a ``Scope`` (``config.py`` provides the module's: ``var``, ``local``,
resources, ``data``, ``module``, ``each``, ``count``, ``path``); for-expressions and
``dynamic`` blocks add local names on top. What cannot be known yields ``Unknown`` or
``Unresolved`` (``values.py``), which spread through operators, templates and functions;
``Unresolved`` wins over ``Unknown`` so a missing variable is never hidden behind an
unknown. Collections are capped (``MAX_ITEMS``) and nesting is bounded, so hostile input costs
bounded time and memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import funcs
from .hcl import Body
from .values import JsonDoc, Unknown, Unresolved, first_special, render

MAX_ITEMS = 10_000
# meta-arguments: not part of a resource's values
META = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}


class Namespace:
    """A name that is not a value by itself (``var``, ``aws_s3_bucket``, a resource instance)."""

    def attr(self, name: str, line: int) -> Any:
        raise NotImplementedError

    def index(self, key: Any, line: int) -> Any:
        return Unresolved(f"cannot index {self.describe()}")

    def describe(self) -> str:
        return type(self).__name__

    def as_value(self) -> Any:
        return Unresolved(f"{self.describe()} is not a value")


class Scope:
    """Resolves names; ``child`` adds local names (for-expressions, iterators)."""

    def __init__(
        self,
        resolve: Callable[[str, int], Any],
        where: str,
        locals_: Mapping[str, Any] | None = None,
        parent: Scope | None = None,
        base_dir: str = ".",
    ) -> None:
        self._resolve = resolve
        self.where = where  # "file.tf" for messages
        self._locals = dict(locals_ or {})
        self._parent = parent
        self.base_dir = base_dir

    def child(self, names: Mapping[str, Any]) -> Scope:
        return Scope(self._resolve, self.where, names, self, self.base_dir)

    def lookup(self, name: str, line: int) -> Any:
        s: Scope | None = self
        while s is not None:
            if name in s._locals:
                return s._locals[name]
            s = s._parent
        return self._resolve(name, line)


def evaluate(e: Any, scope: Scope) -> Any:
    """The value of expression ``e``; never raises for bad input."""
    try:
        return _ev(e, scope)
    except RecursionError:
        return Unresolved(f"{scope.where}: expression nested too deeply")


def _spread(*vals: Any) -> Any:
    """The special value among ``vals`` (Unresolved first), or None."""
    unknown = None
    for v in vals:
        if isinstance(v, Unresolved):
            return v
        if unknown is None and isinstance(v, Unknown):
            unknown = v
    return unknown


def _value(v: Any) -> Any:
    return v.as_value() if isinstance(v, Namespace) else v


def _ev(e: Any, scope: Scope) -> Any:
    tag = e[0]
    if tag == "L":
        return e[1]
    if tag == "R":
        return scope.lookup(e[1], e[2])
    if tag == "G":
        return get_attr(_ev(e[1], scope), e[2], scope)
    if tag == "T":
        return _template(e, scope)
    if tag == "O":
        return _object(e, scope)
    if tag == "A":
        out = [_value(_ev(x, scope)) for x in e[1]]
        return out
    if tag == "I":
        return index(_ev(e[1], scope), _value(_ev(e[2], scope)), scope)
    if tag == "C":
        return _call(e, scope)
    if tag == "B":
        return _binary(e[1], e[2], e[3], scope)
    if tag == "U":
        v = _value(_ev(e[2], scope))
        if (s := _spread(v)) is not None:
            return s
        if e[1] == "!":
            return not v if isinstance(v, bool) else Unresolved(f"{scope.where}: ! needs a bool")
        n = _number(v)
        return -n if n is not None else Unresolved(f"{scope.where}: - needs a number")
    if tag == "Q":
        c = _value(_ev(e[1], scope))
        if (s := _spread(c)) is not None:
            return s
        if not isinstance(c, bool):
            return Unresolved(f"{scope.where}: condition is not a bool")
        return _value(_ev(e[2] if c else e[3], scope))
    if tag == "P":
        return _value(_ev(e[1], scope))
    if tag == "S":
        return _splat(e, scope)
    if tag == "FT":
        return _for(e, scope, tuple_=True)
    if tag == "FO":
        return _for(e, scope, tuple_=False)
    if tag == "X":
        return Unresolved(f"{scope.where}:{e[2]}: {e[1]} is not evaluated")
    return Unresolved(f"{scope.where}: unsupported expression {tag}")


def get_attr(obj: Any, name: str, scope: Scope, line: int = 0) -> Any:
    if isinstance(obj, Namespace):
        return obj.attr(name, line)
    if isinstance(obj, (Unknown, Unresolved)):
        if isinstance(obj, Unknown):
            return Unknown(f"{obj.origin}.{name}", obj.ref)
        return obj
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        return Unresolved(f"{scope.where}: no attribute {name!r}")
    if isinstance(obj, JsonDoc):
        return Unresolved(f"{scope.where}: .{name} of a JSON string")
    return Unresolved(f"{scope.where}: .{name} of a {_kind(obj)}")


def index(obj: Any, key: Any, scope: Scope, line: int = 0) -> Any:
    if isinstance(obj, Namespace):
        return obj.index(key, line)
    if (s := _spread(obj, key)) is not None:
        if isinstance(s, Unknown) and isinstance(obj, Unknown):
            return Unknown(f"{obj.origin}[…]", obj.ref)
        return s
    if isinstance(obj, list):
        n = _number(key)
        if n is None or int(n) != n:
            return Unresolved(f"{scope.where}: list index {key!r} is not a whole number")
        if not 0 <= int(n) < len(obj):
            return Unresolved(f"{scope.where}: index {int(n)} out of range ({len(obj)} elements)")
        return obj[int(n)]
    if isinstance(obj, dict):
        k = render(key) if isinstance(key, (int, float, bool)) else key
        if not isinstance(k, str):
            return Unresolved(f"{scope.where}: map key must be a string")
        if k not in obj:
            return Unresolved(f"{scope.where}: no element {k!r}")
        return obj[k]
    return Unresolved(f"{scope.where}: cannot index a {_kind(obj)}")


def _kind(v: Any) -> str:
    if v is None:
        return "null value"
    return {
        str: "string",
        bool: "bool",
        int: "number",
        float: "number",
        list: "list",
        dict: "object",
    }.get(type(v), type(v).__name__)


def _template(e: Any, scope: Scope) -> Any:
    parts = e[1]
    if len(parts) == 1 and not isinstance(parts[0], str):
        return _value(_ev(parts[0], scope))
    vals = [p if isinstance(p, str) else _value(_ev(p, scope)) for p in parts]
    bad = None
    unknown = None
    for v in vals:
        if isinstance(v, Unresolved):
            return v
        if isinstance(v, Unknown):
            unknown = unknown or v
        elif isinstance(v, (list, dict, JsonDoc)):
            bad = bad or Unresolved(f"{scope.where}: cannot put a {_kind(v)} into a string")
    if bad is not None:
        return bad
    if unknown is not None:
        text = "".join(render(v) if v is not None else "" for v in vals)
        return Unknown(unknown.origin, unknown.ref, text)
    return "".join(render(v) if v is not None else "" for v in vals)


def _object(e: Any, scope: Scope) -> Any:
    out: dict[str, Any] = {}
    for _, k, v in e[1]:
        key = _value(_ev(k, scope))
        if isinstance(key, (Unknown, Unresolved)):
            return key if isinstance(key, Unresolved) else Unknown(f"object key {key.origin}")
        if isinstance(key, (int, float, bool)):
            key = render(key)
        if not isinstance(key, str):
            return Unresolved(f"{scope.where}: object key must be a string")
        out[key] = _value(_ev(v, scope))
    return out


def _number(v: Any) -> int | float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return None
        return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
    return None


def _binary(op: str, a_e: Any, b_e: Any, scope: Scope) -> Any:
    a = _value(_ev(a_e, scope))
    if op in ("&&", "||") and isinstance(a, bool):
        if op == "&&" and not a:
            return False
        if op == "||" and a:
            return True
    b = _value(_ev(b_e, scope))
    if (s := _spread(a, b)) is not None:
        return s
    if op in ("==", "!="):
        eq = _equal(a, b)
        return eq if op == "==" else not eq
    if op in ("&&", "||"):
        if not isinstance(a, bool) or not isinstance(b, bool):
            return Unresolved(f"{scope.where}: {op} needs bools")
        return (a and b) if op == "&&" else (a or b)
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return Unresolved(f"{scope.where}: {op} needs numbers")
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        if y == 0:
            return Unresolved(f"{scope.where}: division by zero")
        r = x / y
        return int(r) if r.is_integer() else r
    if op == "%":
        if y == 0:
            return Unresolved(f"{scope.where}: modulo by zero")
        return x % y
    return {"<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return bool(a == b)


def _splat(e: Any, scope: Scope) -> Any:
    raw = _ev(e[1], scope)
    if isinstance(raw, Namespace):
        items: list[Any] = [raw]
    elif raw is None:
        return []
    elif isinstance(raw, (Unknown, Unresolved)):
        return raw
    else:
        items = raw if isinstance(raw, list) else [raw]
    out = []
    for it in items:
        v = it
        for op in e[2]:
            v = get_attr(v, op[1], scope) if op[0] == "g" else index(v, _ev(op[1], scope), scope)
        out.append(_value(v))
    return out


def _for(e: Any, scope: Scope, tuple_: bool) -> Any:
    if tuple_:
        _, kname, vname, coll_e, body, cond = e
    else:
        _, kname, vname, coll_e, key_e, body, group, cond = e
    coll = _value(_ev(coll_e, scope))
    if isinstance(coll, (Unknown, Unresolved)):
        return coll
    if isinstance(coll, dict):
        pairs: list[tuple[Any, Any]] = [(k, coll[k]) for k in sorted(coll)]
    elif isinstance(coll, list):
        pairs = list(enumerate(coll))
    else:
        return Unresolved(f"{scope.where}: for expression over a {_kind(coll)}")
    if len(pairs) > MAX_ITEMS:
        return Unresolved(f"{scope.where}: more than {MAX_ITEMS} elements")
    out_list: list[Any] = []
    out_map: dict[str, Any] = {}
    for k, v in pairs:
        names = {vname: v}
        if kname is not None:
            names[kname] = k
        inner = scope.child(names)
        if cond is not None:
            c = _value(_ev(cond, inner))
            if isinstance(c, (Unknown, Unresolved)):
                return c
            if c is not True:
                continue
        val = _value(_ev(body, inner))
        if tuple_:
            out_list.append(val)
            continue
        key = _value(_ev(key_e, inner))
        if isinstance(key, (Unknown, Unresolved)):
            return key
        key = render(key)
        if group:
            out_map.setdefault(key, []).append(val)
        elif key in out_map:
            return Unresolved(f"{scope.where}: duplicate key {key!r} in for expression")
        else:
            out_map[key] = val
    return out_list if tuple_ else out_map


def _call(e: Any, scope: Scope) -> Any:
    _, name, arg_es, expand, line = e
    if name in ("try", "can"):
        return _try(name, arg_es, scope)
    args = [_value(_ev(a, scope)) for a in arg_es]
    if expand and args:
        last = args.pop()
        if isinstance(last, (Unknown, Unresolved)):
            return last
        if not isinstance(last, list):
            return Unresolved(f"{scope.where}:{line}: ... needs a list")
        args.extend(last)
    return funcs.call(name, args, scope.where, line, scope.base_dir)


def _try(name: str, arg_es: Any, scope: Scope) -> Any:
    for a in arg_es:
        v = _value(_ev(a, scope))
        s = first_special(v)
        if isinstance(s, Unknown) and s is v:
            return v if name == "try" else Unknown("can()")
        if not isinstance(s, Unresolved):
            return v if name == "try" else True
        if name == "can":
            return False
    return Unresolved(f"{scope.where}: no argument of try() could be evaluated")


def body_values(body: Body, scope: Scope) -> dict[str, Any]:
    """A block's arguments and nested blocks as a dict (nested blocks: lists of dicts, one per
    block; ``dynamic`` blocks expanded)."""
    attrs, blocks = body
    out: dict[str, Any] = {}
    for name, (expr, _) in attrs.items():
        if name in META:
            continue
        v = evaluate(expr, scope)
        out[name] = v.as_value() if isinstance(v, Namespace) else v
    for btype, labels, inner, _line in blocks:
        if btype in META:
            continue
        if btype == "dynamic" and labels:
            out.setdefault(labels[0], [])
            got = _dynamic(labels[0], inner, scope)
            if isinstance(got, list) and isinstance(out[labels[0]], list):
                out[labels[0]].extend(got)
            else:
                out[labels[0]] = got
            continue
        lst = out.setdefault(btype, [])
        if isinstance(lst, list):
            lst.append(body_values(inner, scope))
    return out


def _dynamic(name: str, body: Body, scope: Scope) -> Any:
    attrs, blocks = body
    if "for_each" not in attrs:
        return Unresolved(f"{scope.where}: dynamic {name!r} without for_each")
    it = name
    if "iterator" in attrs and attrs["iterator"][0][0] == "R":
        it = attrs["iterator"][0][1]
    coll = evaluate(attrs["for_each"][0], scope)
    if isinstance(coll, (Unknown, Unresolved, JsonDoc)):
        return coll if not isinstance(coll, JsonDoc) else Unresolved("dynamic over JSON")
    pairs = (
        sorted(coll.items())
        if isinstance(coll, dict)
        else list(enumerate(coll))
        if isinstance(coll, list)
        else None
    )
    if pairs is None:
        return Unresolved(f"{scope.where}: dynamic {name!r}: for_each is not a collection")
    content = next((b for b in blocks if b[0] == "content"), None)
    if content is None:
        return Unresolved(f"{scope.where}: dynamic {name!r} without content")
    return [body_values(content[2], scope.child({it: {"key": k, "value": v}})) for k, v in pairs]
