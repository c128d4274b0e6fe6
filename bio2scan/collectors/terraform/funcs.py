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
import json
import math
import os
from collections.abc import Callable
from typing import Any

from .funcs_text import (
    MAX_STRING,
    FuncError,
    as_bool,
    as_int,
    as_num,
    as_str,
    fn_cidrhost,
    fn_cidrnetmask,
    fn_cidrsubnet,
    fn_format,
    fn_formatlist,
    fn_indent,
    fn_jsondecode,
    fn_jsonencode,
    fn_parseint,
    fn_replace,
    fn_split,
    fn_substr,
    fn_title,
    kind,
)
from .values import JsonDoc, Unknown, Unresolved, first_special

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


def call(
    name: str, args: list[Any], where: str, line: int, base_dir: str, roots: tuple[str, ...] = ()
) -> Any:
    """``name(*args)``. ``roots``: the directories ``file()`` may read below (the scanned
    configuration and the module's own directory) besides ``base_dir``."""
    short = name.rsplit("::", 1)[-1]
    if short in _APPLY_TIME:
        return Unknown(f"{short}()")
    fn = FUNCTIONS.get(short)
    if fn is None:
        if short in ("file", "templatefile", "filebase64", "fileexists"):
            return _file(short, args, where, line, (base_dir, *roots))
        return Unresolved(f"{where}:{line}: function {name}() is not evaluated")
    bad = _special_args(short, args)
    if bad is not None:
        return bad
    try:
        out = fn(*args)
    except (FuncError, TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        # a function refusing known arguments: Terraform fails here too (try() catches it)
        return Unresolved(f"{where}:{line}: {short}(): {exc}", error=True)
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


def _file(name: str, args: list[Any], where: str, line: int, roots: tuple[str, ...]) -> Any:
    if not args or not isinstance(args[0], str):
        return Unresolved(f"{where}:{line}: {name}() needs a path")
    path = args[0]
    full = os.path.realpath(os.path.join(roots[0], path))
    # a template is untrusted input: what it reads lands in the inventory and the reports, so
    # it may read only files of the configuration itself, never the scanning machine's
    if not any(
        os.path.commonpath([full, r]) == r for r in {os.path.realpath(x) for x in roots if x}
    ):
        return Unresolved(
            f"{where}:{line}: {name}({path!r}): outside the scanned configuration, not read"
        )
    if name == "fileexists":
        return os.path.isfile(full)
    if name == "templatefile":
        return Unresolved(f"{where}:{line}: templatefile({path!r}) is not evaluated")
    try:
        with open(full, "rb") as f:
            raw = f.read(MAX_STRING + 1)
    except OSError as exc:
        return Unresolved(f"{where}:{line}: {name}({path!r}): {exc.strerror or exc}", error=True)
    if len(raw) > MAX_STRING:
        return Unresolved(f"{where}:{line}: {name}({path!r}): file too large")
    if name == "filebase64":
        return base64.b64encode(raw).decode()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Unresolved(f"{where}:{line}: {name}({path!r}): not UTF-8", error=True)


# --- collections ------------------------------------------------------------------------------
def _list(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    raise FuncError(f"expected a list, got {'null' if v is None else kind(v)}")


def _map(v: Any) -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    raise FuncError(f"expected a map or object, got {'null' if v is None else kind(v)}")


def _distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    seen: set[str] = set()
    for x in items:
        k = json.dumps(x, sort_keys=True, default=repr)
        if k not in seen:
            seen.add(k)
            out.append(x)
    return out


def _set(items: list[Any]) -> list[Any]:
    """A set as Terraform orders it: strings lexically, numbers by value (else as given)."""
    out = _distinct(items)
    if all(isinstance(x, str) for x in out):
        return sorted(out)
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in out):
        return sorted(out)
    return out


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    m, k = _map(m), as_str(key)
    if k in m:
        return m[k]
    if default:
        return default[0]
    raise FuncError(f"no key {k!r}")


MAX_RANGE = 1024


def _range(*a: Any) -> list[Any]:
    nums = [as_num(x) for x in a]
    if not 1 <= len(nums) <= 3:
        raise FuncError("range() takes one to three arguments")
    start, stop = (0, nums[0]) if len(nums) == 1 else (nums[0], nums[1])
    step = nums[2] if len(nums) == 3 else (1 if stop >= start else -1)
    if step == 0:
        raise FuncError("step must not be zero")
    out: list[Any] = []
    x = start
    while (x < stop) if step > 0 else (x > stop):
        if len(out) == MAX_RANGE:
            raise FuncError(f"more than {MAX_RANGE} numbers in a range")
        out.append(x)
        x += step
    return out


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        out.update(_map(m))
    return out


def _flatten(v: Any) -> Any:
    out: list[Any] = []
    stack = [iter(_list(v))]
    while stack:
        for x in stack[-1]:
            if isinstance(x, list):
                stack.append(iter(x))
                break
            if isinstance(x, Unknown):  # perhaps a list: how many elements is not known
                return Unknown(f"flatten({x.origin})", x.ref)
            out.append(x)
        else:
            stack.pop()
    return out


def _contains(lst: Any, v: Any) -> Any:
    items = _list(lst)
    if any(_same(x, v) for x in items if not isinstance(x, Unknown)):
        return True
    unknown = next((x for x in items if isinstance(x, Unknown)), None)
    return Unknown(f"contains({unknown.origin})", unknown.ref) if unknown else False


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def _tostring(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (list, dict)):
        raise FuncError("cannot convert a collection to a string")
    return as_str(v)


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


def _coalescelist(*ls: Any) -> list[Any]:
    for x in ls:
        if x is not None and _list(x):
            return _list(x)
    raise FuncError("no non-empty list argument")


def _element(lst: Any, i: Any) -> Any:
    lst = _list(lst)
    if not lst:
        raise FuncError("cannot use element function with an empty list")
    return lst[as_int(i) % len(lst)]


def _one(v: Any) -> Any:
    if v is None:
        return None
    lst = _list(v)
    if len(lst) > 1:
        raise FuncError("must be a list, set, or tuple value with either zero or one elements")
    return lst[0] if lst else None


def _slice(lst: Any, a: Any, b: Any) -> list[Any]:
    items, start, end = _list(lst), as_int(a), as_int(b)
    if start < 0 or end > len(items) or start > end:
        raise FuncError(f"indices {start}..{end} are outside the list of {len(items)} elements")
    return items[start:end]


def _chunklist(lst: Any, n: Any) -> list[Any]:
    items, size = _list(lst), as_int(n)
    if size < 0:
        raise FuncError("the chunk size must not be negative")
    if size == 0:
        return [items]
    return [items[i : i + size] for i in range(0, len(items), size)]


def _zipmap(keys: Any, vals: Any) -> Any:
    ks = _list(keys)
    unknown = next((k for k in ks if isinstance(k, Unknown)), None)
    if unknown is not None:
        return Unknown(f"zipmap({unknown.origin})", unknown.ref)
    return dict(zip([as_str(k) for k in ks], _list(vals), strict=True))


def _length(v: Any) -> Any:
    if isinstance(v, JsonDoc):
        return Unknown("length(jsonencode(…))")
    if isinstance(v, (list, dict, str)):
        return len(v)
    raise FuncError(f"cannot take the length of {'null' if v is None else kind(v)}")


def _index(lst: Any, v: Any) -> int:
    for i, x in enumerate(_list(lst)):
        if _same(x, v):
            return i
    raise FuncError("item not found")


def _sum(lst: Any) -> Any:
    items = _list(lst)
    if not items:
        raise FuncError("cannot sum an empty list")
    return sum(as_num(x) for x in items)


def _bools(lst: Any) -> list[bool]:
    return [as_bool(x) for x in _list(lst)]


def _hash(algo: str) -> Callable[[Any], str]:
    return lambda s: hashlib.new(algo, as_str(s).encode()).hexdigest()


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": lambda x: abs(as_num(x)),
    "ceil": lambda x: math.ceil(as_num(x)),
    "floor": lambda x: math.floor(as_num(x)),
    "max": lambda *x: max(as_num(v) for v in x),
    "min": lambda *x: min(as_num(v) for v in x),
    "parseint": fn_parseint,
    "signum": lambda x: (as_num(x) > 0) - (as_num(x) < 0),
    "chomp": lambda s: as_str(s).rstrip("\r\n"),
    "format": fn_format,
    "formatlist": fn_formatlist,
    "indent": fn_indent,
    "join": lambda sep, *lists: as_str(sep).join(as_str(x) for lst in lists for x in _list(lst)),
    "lower": lambda s: as_str(s).lower(),
    "upper": lambda s: as_str(s).upper(),
    "title": fn_title,
    "replace": fn_replace,
    "split": fn_split,
    "strrev": lambda s: as_str(s)[::-1],
    "substr": fn_substr,
    "trim": lambda s, c: as_str(s).strip(as_str(c)),
    "trimprefix": lambda s, p: as_str(s).removeprefix(as_str(p)),
    "trimsuffix": lambda s, p: as_str(s).removesuffix(as_str(p)),
    "trimspace": lambda s: as_str(s).strip(),
    "startswith": lambda s, p: as_str(s).startswith(as_str(p)),
    "endswith": lambda s, p: as_str(s).endswith(as_str(p)),
    "strcontains": lambda s, p: as_str(p) in as_str(s),
    "alltrue": lambda lst: all(_bools(lst)),
    "anytrue": lambda lst: any(_bools(lst)),
    "chunklist": _chunklist,
    "coalesce": _coalesce,
    "coalescelist": _coalescelist,
    "compact": lambda lst: [x for x in _list(lst) if x not in (None, "")],
    "concat": lambda *ls: [x for lst in ls for x in _list(lst)],
    "contains": _contains,
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
    "setintersection": lambda a, *b: _set(
        [x for x in _list(a) if all(any(_same(x, y) for y in _list(o)) for o in b)]
    ),
    "setsubtract": lambda a, b: _set(
        [x for x in _list(a) if not any(_same(x, y) for y in _list(b))]
    ),
    "setunion": lambda *ls: _set([x for lst in ls for x in _list(lst)]),
    "slice": _slice,
    "sort": lambda lst: sorted(as_str(x) for x in _list(lst)),
    "sum": _sum,
    "tolist": lambda v: _list(v),
    "toset": lambda v: _set(_list(v)),
    "tomap": lambda v: _map(v),
    "tostring": _tostring,
    "tonumber": lambda v: None if v is None else as_num(v),
    "tobool": _tobool,
    "zipmap": _zipmap,
    "jsonencode": fn_jsonencode,
    "jsondecode": fn_jsondecode,
    "base64encode": lambda s: base64.b64encode(as_str(s).encode()).decode(),
    "base64decode": lambda s: base64.b64decode(as_str(s), validate=True).decode(),
    "md5": _hash("md5"),
    "sha1": _hash("sha1"),
    "sha256": _hash("sha256"),
    "sha512": _hash("sha512"),
    "cidrsubnet": fn_cidrsubnet,
    "cidrhost": fn_cidrhost,
    "cidrnetmask": fn_cidrnetmask,
    "sensitive": lambda v: v,
    "nonsensitive": lambda v: v,
}
