"""The ARM template functions bio2scan evaluates, by name.

Every function gets the evaluator and its call node. Most evaluate all their arguments and
return the first ``Unknown`` among them unchanged (``strict``); ``if``, ``coalesce``, ``and``
and ``or`` evaluate lazily. A ``Sym`` (a value fixed at deployment) passes through functions
that keep identities (``concat``, ``format``, ``toLower``, ``resourceId`` …); a function that
would have to look inside one (``length``, ``substring``, ``equals`` against a literal) gives
"known at deployment".
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from ..template_values import (
    DEFERRED,
    NOVALUE,
    Sym,
    Unknown,
    deferred,
    first_unknown,
    has_sym,
    unresolved,
)
from .expressions import Call, Deployed, Evaluator

Fn = Callable[[Evaluator, Call], Any]


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"), default=str)
    return "" if v is None else str(v)


def _symstr(text: str, *parts: Any) -> str:
    return Sym(text) if any(isinstance(p, Sym) or has_sym(p) for p in parts) else text


def strict(fn: Callable[..., Any], n: tuple[int, int] | None = None, syms: bool = True) -> Fn:
    """A function of evaluated arguments; an Unknown argument is the answer. ``n``: allowed
    argument counts; ``syms=False``: a Sym argument makes the answer "known at deployment"."""

    def call(ev: Evaluator, node: Call) -> Any:
        if n is not None and not n[0] <= len(node.args) <= n[1]:
            return unresolved(f"{node.text}: {node.name}() takes {n[0]}–{n[1]} arguments")
        args = ev.args(node)
        bad = first_unknown(*args) or next(
            (u for u in (_inner_unknown(a) for a in args) if u is not None), None
        )
        if bad is not None:
            return bad
        if not syms and any(isinstance(a, Sym) or has_sym(a) for a in args):
            return deferred(f"{node.text} is known at deployment")
        try:
            return fn(*args)
        except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError) as exc:
            return unresolved(f"{node.text}: {exc}")

    return call


def _inner_unknown(v: Any) -> Unknown | None:
    if isinstance(v, (dict, list)):
        from ..template_values import unknown_within

        return unknown_within(v)
    return None


# --- logic -----------------------------------------------------------------------------------


def _if(ev: Evaluator, node: Call) -> Any:
    if len(node.args) != 3:
        return unresolved(f"{node.text}: if() takes 3 arguments")
    cond = truth(ev.evaluate(node.args[0]), node.text)
    if cond is True:
        return ev.evaluate(node.args[1])
    if cond is False:
        return ev.evaluate(node.args[2])
    yes, no = ev.evaluate(node.args[1]), ev.evaluate(node.args[2])
    if yes == no and type(yes) is type(no):
        return yes
    return Unknown(cond.kind, f"{node.text[:80]}: {cond.reason}")


def truth(v: Any, where: str) -> bool | Unknown:
    if isinstance(v, Unknown):
        return v
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and not isinstance(v, Sym) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    if isinstance(v, Sym):
        return deferred(f"{where}: {v} is known at deployment")
    return unresolved(f"{where}: {v!r} is not true or false")


def _logic(all_: bool) -> Fn:
    def call(ev: Evaluator, node: Call) -> Any:
        pending: Unknown | None = None
        for a in node.args:
            v = truth(ev.evaluate(a), node.text)
            if isinstance(v, Unknown):
                pending = pending if pending and pending.kind == "unresolved" else v
            elif v is not all_:
                return v
        return pending if pending is not None else all_

    return call


def _not(ev: Evaluator, node: Call) -> Any:
    v = truth(ev.evaluate(node.args[0]) if node.args else None, node.text)
    return v if isinstance(v, Unknown) else not v


def equals(a: Any, b: Any) -> Any:
    if has_sym(a) or has_sym(b):
        if a == b:
            return True
        return deferred(f"{a if has_sym(a) else b} is known at deployment")
    if isinstance(a, str) and isinstance(b, str):
        return a == b  # ARM compares strings case-sensitively in equals()
    return bool(a == b)


def _coalesce(ev: Evaluator, node: Call) -> Any:
    for a in node.args:
        v = ev.evaluate(a)
        if isinstance(v, Unknown):
            return v
        if v is not None:
            return v
    return None


def _compare(op: Callable[[Any, Any], bool]) -> Fn:
    return strict(lambda a, b: op(a, b), (2, 2), syms=False)


# --- strings, arrays, objects ----------------------------------------------------------------


def concat(*args: Any) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return [x for a in args for x in a]
    return _symstr("".join(_text(a) for a in args), *args)


def fmt(template: Any, *args: Any) -> Any:
    out: list[str] = []
    i = 0
    s = str(template)
    while i < len(s):
        c = s[i]
        if c == "{" and s.startswith("{{", i):
            out.append("{")
            i += 2
        elif c == "}" and s.startswith("}}", i):
            out.append("}")
            i += 2
        elif c == "{":
            end = s.index("}", i)
            spec = s[i + 1 : end].split(":", 1)
            out.append(_text(args[int(spec[0].split(",")[0])]))
            i = end + 1
        else:
            out.append(c)
            i += 1
    return _symstr("".join(out), template, *args)


def _length(v: Any) -> Any:
    if isinstance(v, (str, list, dict)):
        return len(v)
    raise TypeError("length() needs a string, array or object")


def _contains(container: Any, item: Any) -> Any:
    if isinstance(container, str):
        return str(item).lower() in container.lower()
    if isinstance(container, dict):
        return any(str(k).lower() == str(item).lower() for k in container)
    return item in container


def _empty(v: Any) -> Any:
    return v is None or (isinstance(v, (str, list, dict)) and len(v) == 0)


def _union(*args: Any) -> Any:
    if all(isinstance(a, dict) for a in args):
        out: dict[str, Any] = {}
        for a in args:
            out.update(a)
        return out
    seen: list[Any] = []
    for a in args:
        for x in a:
            if x not in seen:
                seen.append(x)
    return seen


def _intersection(*args: Any) -> Any:
    if all(isinstance(a, dict) for a in args):
        return {k: v for k, v in args[0].items() if all(a.get(k) == v for a in args[1:])}
    return [x for x in args[0] if all(x in a for a in args[1:])]


def _create_object(*args: Any) -> Any:
    if len(args) % 2:
        raise ValueError("createObject() needs key/value pairs")
    return {str(args[i]): args[i + 1] for i in range(0, len(args), 2)}


def _split(s: Any, delims: Any) -> Any:
    parts = [str(s)]
    for d in delims if isinstance(delims, list) else [delims]:
        parts = [p for x in parts for p in x.split(str(d))]
    return parts


def _string(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    if isinstance(v, bool):
        return "True" if v else "False"
    return v if isinstance(v, Sym) else str(v)


def _bool(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v != 0
    if str(v).lower() in ("true", "false"):
        return str(v).lower() == "true"
    raise ValueError(f"bool() of {v!r}")


def _json(v: Any) -> Any:
    return None if v == "null" else json.loads(str(v))


def _take(v: Any, n: Any) -> Any:
    return v[: max(0, int(n))]


def _skip(v: Any, n: Any) -> Any:
    return v[max(0, int(n)) :]


def _items(obj: Any) -> Any:
    return [
        {"key": k, "value": v} for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]).lower())
    ]


def _try_get(obj: Any, *keys: Any) -> Any:
    for k in keys:
        if (isinstance(obj, dict) and k in obj) or (
            isinstance(obj, list) and isinstance(k, int) and 0 <= k < len(obj)
        ):
            obj = obj[k]
        else:
            return None
    return obj


def _uri(base: Any, rel: Any) -> Any:
    return _symstr(urllib.parse.urljoin(str(base), str(rel)), base, rel)


def _symbolic(name: str) -> Fn:
    """A value deployment computes that stays an identity (``uniqueString``, ``guid``)."""

    def call(ev: Evaluator, node: Call) -> Any:
        args = ev.args(node)
        bad = first_unknown(*args)
        if bad is not None:
            return bad
        digest = hashlib.sha256("\x1f".join(_text(a) for a in args).encode()).hexdigest()[:10]
        return Sym(f"${{{name}:{digest}}}")  # the same inputs give the same symbol

    return call


def _deferred(why: str) -> Fn:
    def call(ev: Evaluator, node: Call) -> Any:
        return deferred(f"{node.text[:80]} {why}")

    return call


def _deployed(node: Call, secret: bool = False) -> Any:
    text = node.text if len(node.text) <= 80 else node.text[:77] + "…"
    return Deployed(DEFERRED, f"{text} is known after deployment", text, secret)


def _lambda(ev: Evaluator, node: Call) -> Any:
    return unresolved(f"{node.text[:60]}: lambda functions are not evaluated")


def _number(op: Callable[[int, int], int]) -> Fn:
    return strict(lambda a, b: op(int(a), int(b)), (2, 2), syms=False)


FUNCTIONS: dict[str, Fn] = {
    "if": _if,
    "and": _logic(True),
    "or": _logic(False),
    "not": _not,
    "equals": strict(equals, (2, 2)),
    "less": _compare(lambda a, b: a < b),
    "lessorequals": _compare(lambda a, b: a <= b),
    "greater": _compare(lambda a, b: a > b),
    "greaterorequals": _compare(lambda a, b: a >= b),
    "coalesce": _coalesce,
    "true": lambda ev, node: True,
    "false": lambda ev, node: False,
    "null": lambda ev, node: None,
    "concat": strict(concat),
    "format": strict(fmt, (1, 99)),
    "tolower": strict(
        lambda s: Sym(str(s).lower()) if isinstance(s, Sym) else str(s).lower(), (1, 1)
    ),
    "toupper": strict(
        lambda s: Sym(str(s).upper()) if isinstance(s, Sym) else str(s).upper(), (1, 1)
    ),
    "trim": strict(lambda s: str(s).strip(), (1, 1), syms=False),
    "substring": strict(
        lambda s, a, n=None: str(s)[int(a) : None if n is None else int(a) + int(n)],
        (2, 3),
        syms=False,
    ),
    "replace": strict(lambda s, a, b: str(s).replace(str(a), str(b)), (3, 3), syms=False),
    "split": strict(_split, (2, 2), syms=False),
    "startswith": strict(
        lambda s, p: str(s).lower().startswith(str(p).lower()), (2, 2), syms=False
    ),
    "endswith": strict(lambda s, p: str(s).lower().endswith(str(p).lower()), (2, 2), syms=False),
    "indexof": strict(lambda s, p: str(s).lower().find(str(p).lower()), (2, 2), syms=False),
    "lastindexof": strict(lambda s, p: str(s).lower().rfind(str(p).lower()), (2, 2), syms=False),
    "padleft": strict(
        lambda s, n, c=" ": _text(s).rjust(int(n), str(c)[:1] or " "), (2, 3), syms=False
    ),
    "length": strict(_length, (1, 1), syms=False),
    "empty": strict(_empty, (1, 1), syms=False),
    "contains": strict(_contains, (2, 2), syms=False),
    "string": strict(_string, (1, 1)),
    "int": strict(lambda v: int(v), (1, 1), syms=False),
    "bool": strict(_bool, (1, 1), syms=False),
    "json": strict(_json, (1, 1), syms=False),
    "base64": strict(lambda s: base64.b64encode(str(s).encode()).decode(), (1, 1), syms=False),
    "base64tostring": strict(lambda s: base64.b64decode(str(s)).decode(), (1, 1), syms=False),
    "uri": strict(_uri, (2, 2)),
    "uricomponent": strict(lambda s: urllib.parse.quote(str(s), safe=""), (1, 1), syms=False),
    "uricomponenttostring": strict(lambda s: urllib.parse.unquote(str(s)), (1, 1), syms=False),
    "array": strict(lambda v: v if isinstance(v, list) else [v], (1, 1)),
    "createarray": strict(lambda *a: list(a)),
    "createobject": strict(_create_object),
    "union": strict(_union, (1, 99)),
    "intersection": strict(_intersection, (1, 99)),
    "first": strict(lambda v: v[0] if v else None, (1, 1), syms=False),
    "last": strict(lambda v: v[-1] if v else None, (1, 1), syms=False),
    "take": strict(_take, (2, 2), syms=False),
    "skip": strict(_skip, (2, 2), syms=False),
    "range": strict(lambda a, n: list(range(int(a), int(a) + int(n))), (2, 2), syms=False),
    "min": strict(lambda *a: min(a[0] if len(a) == 1 else a), (1, 99), syms=False),
    "max": strict(lambda *a: max(a[0] if len(a) == 1 else a), (1, 99), syms=False),
    "join": strict(lambda v, d: _symstr(str(d).join(_text(x) for x in v), v), (2, 2)),
    "items": strict(_items, (1, 1)),
    "objectkeys": strict(lambda o: list(o), (1, 1)),
    "tryget": strict(_try_get, (2, 99)),
    "add": _number(lambda a, b: a + b),
    "sub": _number(lambda a, b: a - b),
    "mul": _number(lambda a, b: a * b),
    "div": _number(lambda a, b: a // b),
    "mod": _number(lambda a, b: a % b),
    "uniquestring": _symbolic("uniqueString"),
    "guid": _symbolic("guid"),
    "newguid": _symbolic("newGuid"),
    "utcnow": _symbolic("utcNow"),
    "datetimeadd": _deferred("is computed at deployment"),
    "reference": lambda ev, node: _deployed(node),
    "providers": _deferred("is known at deployment"),
    "pickzones": _deferred("depends on the region's zones"),
    "filter": _lambda,
    "map": _lambda,
    "reduce": _lambda,
    "sort": _lambda,
    "toobject": _lambda,
    "lambda": _lambda,
}


def list_function(ev: Evaluator, node: Call) -> Any:
    """``listKeys(…)``, ``listSecrets(…)``: the keys and secrets of a deployed resource — their
    members are symbols (a secret exists; its value never enters the inventory)."""
    return _deployed(node, secret=True)


__all__ = ["FUNCTIONS", "NOVALUE", "equals", "list_function", "truth"]
