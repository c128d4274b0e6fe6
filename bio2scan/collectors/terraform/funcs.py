"""Terraform's built-in functions that matter for reading a configuration statically.

Each takes evaluated arguments. An argument that is ``Unresolved`` or ``Unknown`` makes the
result the same (``Unresolved`` first) unless the function only passes values through
(``merge``, ``concat``, ``lookup`` …). Functions whose result exists only at apply time
(``timestamp``, ``uuid``, ``bcrypt``) give ``Unknown``; any other name gives ``Unresolved``
naming it, so a rule that depends on it says ERROR. Outputs are capped in size.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import math
import os
from collections.abc import Callable
from typing import Any

from .values import JsonDoc, Unknown, Unresolved, first_special, known, render

MAX_STRING = 1_000_000
MAX_ITEMS = 10_000
_APPLY_TIME = {"timestamp", "uuid", "bcrypt", "plantimestamp", "uuidv5"}
# functions that look at the structure of their arguments only, not at every leaf
_SHALLOW = {
    "merge",
    "concat",
    "lookup",
    "element",
    "length",
    "keys",
    "values",
    "coalesce",
    "coalescelist",
    "flatten",
    "tolist",
    "toset",
    "tomap",
    "jsonencode",
    "one",
    "compact",
    "slice",
    "reverse",
    "zipmap",
    "distinct",
    "contains",
}


class FuncError(Exception):
    pass


def call(name: str, args: list[Any], where: str, line: int, base_dir: str) -> Any:
    short = name.rsplit("::", 1)[-1]
    if short in _APPLY_TIME:
        return Unknown(f"{short}()")
    fn = FUNCTIONS.get(short)
    if fn is None:
        if short in ("file", "templatefile", "filebase64", "fileexists"):
            return _file(short, args, where, line, base_dir)
        return Unresolved(f"{where}:{line}: function {name}() is not evaluated")
    bad = _special_args(short, args)
    if bad is not None:
        return bad
    try:
        out = fn(*args)
    except (FuncError, TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        return Unresolved(f"{where}:{line}: {short}(): {exc}")
    if isinstance(out, str) and len(out) > MAX_STRING:
        return Unresolved(f"{where}:{line}: {short}() result too large")
    if isinstance(out, (list, dict)) and len(out) > MAX_ITEMS:
        return Unresolved(f"{where}:{line}: {short}() result too large")
    return out


def _special_args(name: str, args: list[Any]) -> Any:
    if name in _SHALLOW:
        for a in args:
            if isinstance(a, Unresolved):
                return a
        for a in args:
            if isinstance(a, Unknown):
                return Unknown(f"{name}({a.origin})", a.ref)
        return None
    s = first_special(args)
    if isinstance(s, Unknown):
        return Unknown(f"{name}({s.origin})", s.ref)
    return s


def _file(name: str, args: list[Any], where: str, line: int, base_dir: str) -> Any:
    if not args or not isinstance(args[0], str):
        return Unresolved(f"{where}:{line}: {name}() needs a path")
    path = args[0]
    full = os.path.normpath(os.path.join(base_dir, path))
    if name == "fileexists":
        return os.path.isfile(full)
    if name == "templatefile":
        return Unresolved(f"{where}:{line}: templatefile({path!r}) is not evaluated")
    try:
        with open(full, "rb") as f:
            raw = f.read(MAX_STRING + 1)
    except OSError as exc:
        return Unresolved(f"{where}:{line}: {name}({path!r}): {exc.strerror or exc}")
    if len(raw) > MAX_STRING:
        return Unresolved(f"{where}:{line}: {name}({path!r}): file too large")
    if name == "filebase64":
        return base64.b64encode(raw).decode()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Unresolved(f"{where}:{line}: {name}({path!r}): not UTF-8")


# --- helpers -----------------------------------------------------------------------------------
def _str(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, int, float)):
        return render(v)
    raise FuncError(f"expected a string, got {type(v).__name__}")


def _num(v: Any) -> float | int:
    if isinstance(v, bool):
        raise FuncError("expected a number")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        f = float(v)
        return int(f) if f.is_integer() else f
    raise FuncError("expected a number")


def _list(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    raise FuncError(f"expected a list, got {type(v).__name__}")


def _map(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    raise FuncError(f"expected a map or object, got {type(v).__name__}")


def _distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    seen: set[str] = set()
    for x in items:
        k = json.dumps(x, sort_keys=True, default=repr)
        if k not in seen:
            seen.add(k)
            out.append(x)
    return out


def _format(fmt: Any, *args: Any) -> str:
    fmt = _str(fmt)
    out: list[str] = []
    i = n = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        if i + 1 < len(fmt) and fmt[i + 1] == "%":
            out.append("%")
            i += 2
            continue
        j = i + 1
        while j < len(fmt) and fmt[j] in "-+# 0123456789.":
            j += 1
        if j >= len(fmt):
            raise FuncError("bad format verb")
        flags, verb = fmt[i + 1 : j], fmt[j]
        if len(flags) > 8 or any(int(x) > 100 for x in flags.replace("-", ".").split(".") if x):
            raise FuncError("format width too large")
        if n >= len(args):
            raise FuncError("not enough arguments for format")
        a = args[n]
        n += 1
        if verb in "sv":
            out.append(
                ("%" + flags + "s") % (json.dumps(a) if isinstance(a, (list, dict)) else _str(a))
            )
        elif verb == "d":
            out.append(("%" + flags + "d") % int(_num(a)))
        elif verb in "feEgG":
            out.append(("%" + flags + verb) % float(_num(a)))
        elif verb == "q":
            out.append(json.dumps(_str(a)))
        elif verb == "t":
            out.append("true" if a is True else "false")
        elif verb in "xXob":
            out.append(format(int(_num(a)), verb))
        else:
            raise FuncError(f"unsupported format verb %{verb}")
        i = j + 1
    return "".join(out)


def _replace(s: Any, sub: Any, rep: Any) -> str:
    import re

    text, old, new = _str(s), _str(sub), _str(rep)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return re.sub(old[1:-1], re.sub(r"\$\{?(\d+)\}?", r"\\\1", new), text)
    return text.replace(old, new)


def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    net = ipaddress.ip_network(_str(prefix), strict=False)
    bits = int(_num(newbits))
    if bits < 0 or net.prefixlen + bits > net.max_prefixlen:
        raise FuncError("insufficient address space")
    num = int(_num(netnum))
    if not 0 <= num < 2**bits:
        raise FuncError("netnum out of range")
    size = 2 ** (net.max_prefixlen - net.prefixlen - bits)
    base = int(net.network_address) + num * size
    return f"{ipaddress.ip_address(base)}/{net.prefixlen + bits}"


def _cidrhost(prefix: Any, hostnum: Any) -> str:
    net = ipaddress.ip_network(_str(prefix), strict=False)
    n = int(_num(hostnum))
    if n < 0:
        n += net.num_addresses
    if not 0 <= n < net.num_addresses:
        raise FuncError("host number out of range")
    return str(net.network_address + n)


def _jsonencode(v: Any) -> Any:
    if not known(v):
        return JsonDoc(v)
    return json.dumps(v, separators=(",", ":"))


def _jsondecode(v: Any) -> Any:
    return json.loads(_str(v))


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    m = _map(m)
    if key in m:
        return m[key]
    if default:
        return default[0]
    raise FuncError(f"no key {key!r}")


def _range(*a: Any) -> list[Any]:
    nums = [_num(x) for x in a]
    start: float | int
    stop: float | int
    step: float | int
    if len(nums) == 1:
        start, stop, step = 0, nums[0], 1
    elif len(nums) == 2:
        start, stop, step = nums[0], nums[1], 1
    else:
        start, stop, step = nums[0], nums[1], nums[2]
    if step == 0:
        raise FuncError("step must not be zero")
    count = math.ceil((stop - start) / step)
    if count > MAX_ITEMS:
        raise FuncError("too many elements")
    return [start + i * step for i in range(max(0, count))]


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        out.update(_map(m))
    return out


def _flatten(v: Any) -> list[Any]:
    out: list[Any] = []
    stack = [iter(_list(v))]
    while stack:
        for x in stack[-1]:
            if isinstance(x, list):
                stack.append(iter(x))
                break
            if isinstance(x, Unknown):
                raise FuncError("unknown element")
            out.append(x)
        else:
            stack.pop()
    return out


def _tostring(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (list, dict)):
        raise FuncError("cannot convert a collection to a string")
    return _str(v)


def _tobool(v: Any) -> Any:
    if v is None or isinstance(v, bool):
        return v
    if v in ("true", "false"):
        return v == "true"
    raise FuncError(f"cannot convert {v!r} to bool")


def _coalesce(*a: Any) -> Any:
    for x in a:
        if x is not None and x != "":
            return x
    raise FuncError("no non-null, non-empty argument")


def _element(lst: Any, i: Any) -> Any:
    lst = _list(lst)
    if not lst:
        raise FuncError("empty list")
    return lst[int(_num(i)) % len(lst)]


def _one(v: Any) -> Any:
    lst = _list(v)
    if len(lst) > 1:
        raise FuncError("more than one element")
    return lst[0] if lst else None


def _slice(lst: Any, a: Any, b: Any) -> list[Any]:
    return _list(lst)[int(_num(a)) : int(_num(b))]


def _zipmap(keys: Any, vals: Any) -> dict[str, Any]:
    return dict(zip([_str(k) for k in _list(keys)], _list(vals), strict=True))


def _length(v: Any) -> int:
    if isinstance(v, (list, dict, str)):
        return len(v)
    raise FuncError(f"length of a {type(v).__name__}")


def _index(lst: Any, v: Any) -> int:
    return _list(lst).index(v)


def _hash(algo: str) -> Callable[[Any], str]:
    return lambda s: hashlib.new(algo, _str(s).encode()).hexdigest()


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": lambda x: abs(_num(x)),
    "ceil": lambda x: math.ceil(_num(x)),
    "floor": lambda x: math.floor(_num(x)),
    "max": lambda *x: max(_num(v) for v in x),
    "min": lambda *x: min(_num(v) for v in x),
    "parseint": lambda s, b: int(_str(s), int(_num(b))),
    "signum": lambda x: (_num(x) > 0) - (_num(x) < 0),
    "chomp": lambda s: _str(s).rstrip("\r\n"),
    "format": _format,
    "formatlist": lambda f, *a: [
        _format(f, *(x[i] if isinstance(x, list) else x for x in a))
        for i in range(max((len(x) for x in a if isinstance(x, list)), default=1))
    ],
    "indent": lambda n, s: _str(s).replace("\n", "\n" + " " * min(int(_num(n)), 100)),
    "join": lambda sep, *lists: _str(sep).join(_str(x) for lst in lists for x in _list(lst)),
    "lower": lambda s: _str(s).lower(),
    "upper": lambda s: _str(s).upper(),
    "title": lambda s: _str(s).title(),
    "replace": _replace,
    "split": lambda sep, s: _str(s).split(_str(sep)) if _str(s) else [],
    "strrev": lambda s: _str(s)[::-1],
    "substr": lambda s, o, n: (
        _str(s)[int(_num(o)) :] if int(_num(n)) < 0 else _str(s)[int(_num(o)) :][: int(_num(n))]
    ),
    "trim": lambda s, c: _str(s).strip(_str(c)),
    "trimprefix": lambda s, p: _str(s).removeprefix(_str(p)),
    "trimsuffix": lambda s, p: _str(s).removesuffix(_str(p)),
    "trimspace": lambda s: _str(s).strip(),
    "startswith": lambda s, p: _str(s).startswith(_str(p)),
    "endswith": lambda s, p: _str(s).endswith(_str(p)),
    "strcontains": lambda s, p: _str(p) in _str(s),
    "alltrue": lambda lst: all(x is True or x == "true" for x in _list(lst)),
    "anytrue": lambda lst: any(x is True or x == "true" for x in _list(lst)),
    "chunklist": lambda lst, n: [
        _list(lst)[i : i + int(_num(n))] for i in range(0, len(_list(lst)), max(1, int(_num(n))))
    ],
    "coalesce": _coalesce,
    "coalescelist": lambda *ls: next((x for x in ls if _list(x)), []),
    "compact": lambda lst: [x for x in _list(lst) if x not in (None, "")],
    "concat": lambda *ls: [x for lst in ls for x in _list(lst)],
    "contains": lambda lst, v: v in _list(lst),
    "distinct": lambda lst: _distinct(_list(lst)),
    "element": _element,
    "flatten": _flatten,
    "index": _index,
    "keys": lambda m: sorted(_map(m)),
    "values": lambda m: [_map(m)[k] for k in sorted(_map(m))],
    "length": _length,
    "lookup": _lookup,
    "merge": _merge,
    "one": _one,
    "range": _range,
    "reverse": lambda lst: list(reversed(_list(lst))),
    "setintersection": lambda a, *b: [
        x for x in _distinct(_list(a)) if all(x in _list(y) for y in b)
    ],
    "setsubtract": lambda a, b: [x for x in _distinct(_list(a)) if x not in _list(b)],
    "setunion": lambda *ls: _distinct([x for lst in ls for x in _list(lst)]),
    "slice": _slice,
    "sort": lambda lst: sorted(_str(x) for x in _list(lst)),
    "sum": lambda lst: sum(_num(x) for x in _list(lst)),
    "tolist": lambda v: _list(v),
    "toset": lambda v: _distinct(_list(v)),
    "tomap": lambda v: _map(v),
    "tostring": _tostring,
    "tonumber": lambda v: None if v is None else _num(v),
    "tobool": _tobool,
    "zipmap": _zipmap,
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "base64encode": lambda s: base64.b64encode(_str(s).encode()).decode(),
    "base64decode": lambda s: base64.b64decode(_str(s)).decode(),
    "md5": _hash("md5"),
    "sha1": _hash("sha1"),
    "sha256": _hash("sha256"),
    "sha512": _hash("sha512"),
    "cidrsubnet": _cidrsubnet,
    "cidrhost": _cidrhost,
    "cidrnetmask": lambda p: str(ipaddress.ip_network(_str(p), strict=False).netmask),
    "sensitive": lambda v: v,
    "nonsensitive": lambda v: v,
    "type": lambda v: type(v).__name__,
}
