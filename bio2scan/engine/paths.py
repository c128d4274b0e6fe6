"""Paths into a resource's data: ``spec.containers[*].securityContext.privileged``.

Syntax: keys separated by dots; ``[N]`` picks list element N; ``[*]`` every element (or every value
of a mapping); ``['any.key']`` a key containing dots or other punctuation. A path is compiled once
into a tuple of steps; ``resolve`` yields ``(concrete_path, value)`` pairs, with ``MISSING`` for
a path that leads nowhere.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

MISSING: Any = type(
    "Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda s: False}
)()

_TOKEN = re.compile(
    r"""
    (?P<key>[^.\[\]'"]+)            # plain key
  | \[(?P<index>-?\d+)\]             # [3]
  | \[(?P<star>\*)\]                 # [*]
  | \[(?P<q>['"])(?P<qkey>.*?)(?P=q)\]   # ['a.b']
  | (?P<dot>\.)
""",
    re.VERBOSE,
)

STAR = object()


class PathSyntaxError(ValueError):
    pass


def parse(path: str) -> tuple[Any, ...]:
    """``'a.b[0][*]'`` → ``('a', 'b', 0, STAR)``."""
    if path in ("", "."):
        return ()
    steps: list[Any] = []
    pos, expect_key = 0, True
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if not m:
            raise PathSyntaxError(f"cannot parse path {path!r} at position {pos}")
        pos = m.end()
        if m.group("dot"):
            if expect_key:
                raise PathSyntaxError(f"empty key in path {path!r}")
            expect_key = True
            continue
        if m.group("key") is not None:
            if not expect_key:
                raise PathSyntaxError(f"missing '.' before {m.group('key')!r} in path {path!r}")
            steps.append(m.group("key"))
        elif m.group("index") is not None:
            steps.append(int(m.group("index")))
        elif m.group("star"):
            steps.append(STAR)
        else:
            steps.append(m.group("qkey"))
        expect_key = False
    if expect_key and steps:
        raise PathSyntaxError(f"path {path!r} ends with '.'")
    return tuple(steps)


_PLAIN = re.compile(r"^[A-Za-z0-9_\-$@:/]+$")


def format_step(step: Any) -> str:
    if isinstance(step, int):
        return f"[{step}]"
    if _PLAIN.match(step):
        return "." + str(step)
    return f"['{step}']"


def join(prefix: str, step: Any) -> str:
    s = format_step(step)
    if not prefix and s.startswith("."):
        return s[1:]
    return prefix + s


def compile_path(path: str) -> Callable[[Any, str], list[tuple[str, Any]]]:
    """A function ``(obj, prefix) -> [(concrete_path, value), …]`` for ``path``.

    Without ``[*]`` the list has exactly one pair; with it, one pair per element (possibly none).
    """
    steps = parse(path)
    if STAR not in steps:
        return _single(path, steps)

    return _many(steps)


def _many(steps: tuple[Any, ...]) -> Callable[[Any, str], list[tuple[str, Any]]]:
    """The getter of a path with ``[*]``: one step at a time over every branch, keeping the
    branches in document order. A branch that runs into nothing stays as ``(path so far,
    MISSING)``; ``[*]`` over something that is neither list nor mapping ends the branch."""
    plan = [(s, None if s is STAR else format_step(s)) for s in steps]

    def many(obj: Any, prefix: str) -> list[tuple[str, Any]]:
        level = [(prefix, obj)]
        for s, shown in plan:
            nxt: list[tuple[str, Any]] = []
            for p, cur in level:
                if cur is MISSING:
                    nxt.append((p, cur))
                elif shown is None:
                    if type(cur) is list:
                        nxt += [(f"{p}[{n}]", item) for n, item in enumerate(cur)]
                    elif isinstance(cur, dict):
                        nxt += [(join(p, str(k)), item) for k, item in cur.items()]
                else:
                    if isinstance(s, str):
                        cur = cur.get(s, MISSING) if isinstance(cur, dict) else MISSING
                    else:
                        cur = (
                            cur[s]
                            if isinstance(cur, list) and -len(cur) <= s < len(cur)
                            else MISSING
                        )
                    nxt.append((p + shown if p or shown[0] == "[" else shown[1:], cur))
            level = nxt
        return level

    return many


def _single(text: str, steps: tuple[Any, ...]) -> Callable[[Any, str], list[tuple[str, Any]]]:
    """The getter of a path without ``[*]``: one pair. The hot loop of every evaluation, so
    keys-only paths (the common case) take a loop without index checks, and the evidence path
    is one string concatenation."""
    tail = text if not text or text[0] == "[" else "." + text
    if all(isinstance(s, str) for s in steps):

        def keys(obj: Any, prefix: str) -> list[tuple[str, Any]]:
            cur = obj
            for s in steps:
                if type(cur) is dict or isinstance(cur, dict):
                    cur = cur.get(s, MISSING)
                else:
                    cur = MISSING
                    break
            return [(prefix + tail if prefix else text, cur)]

        return keys

    def mixed(obj: Any, prefix: str) -> list[tuple[str, Any]]:
        cur = obj
        for s in steps:
            if isinstance(s, str):
                if isinstance(cur, dict):
                    cur = cur.get(s, MISSING)
                    continue
            elif isinstance(cur, list) and -len(cur) <= s < len(cur):
                cur = cur[s]
                continue
            cur = MISSING
            break
        return [(prefix + tail if prefix else text, cur)]

    return mixed


class Mistyped:
    """What a path met where it needed a mapping or a list: ``depth`` steps were taken, then
    ``found`` (a scalar, or a list where a key was asked, …) could not be stepped into. A value
    of the wrong type is *unknown* to a condition, never absent."""

    __slots__ = ("depth", "found")

    def __init__(self, depth: int, found: Any) -> None:
        self.depth = depth
        self.found = found

    def __repr__(self) -> str:
        return f"Mistyped({self.depth}, {kind_of(self.found)})"


def kind_of(value: Any) -> str:
    """The JSON kind of a value, as messages name it: mapping, list, string, boolean, number."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, (list, tuple)):
        return "list"
    if value is None or value is MISSING:
        return "absent"
    return type(value).__name__


def step_into(cur: Any, s: Any, depth: int) -> Any:
    """One step (a key or an index) from ``cur``: the value, ``MISSING`` when the key or index
    is not there or ``cur`` is null, a ``Mistyped`` when ``cur`` cannot be stepped into."""
    if cur is None or cur is MISSING:
        return MISSING
    if isinstance(s, str):
        if isinstance(cur, dict):
            return cur.get(s, MISSING)
        return Mistyped(depth, cur)
    if isinstance(cur, list):
        return cur[s] if -len(cur) <= s < len(cur) else MISSING
    return Mistyped(depth, cur)


def plain_getter(steps: tuple[Any, ...], start: int = 0) -> Callable[[Any], Any]:
    """``obj -> value`` for steps without ``[*]``: the value, ``MISSING`` (absent, or null on
    the way) or a ``Mistyped``. ``start`` is the depth of the first step (for messages)."""
    if len(steps) == 1 and isinstance(steps[0], str):
        key = steps[0]

        def one(obj: Any) -> Any:
            if type(obj) is dict:
                return obj.get(key, MISSING)
            return step_into(obj, key, start)

        return one

    def many(obj: Any) -> Any:
        cur = obj
        for n, s in enumerate(steps):
            if type(cur) is dict and type(s) is str:
                cur = cur.get(s, MISSING)
            else:
                cur = step_into(cur, s, start + n)
                if cur is MISSING or type(cur) is Mistyped:
                    return cur
        return cur

    if len(steps) in (2, 3) and all(type(s) is str for s in steps):
        # the usual paths (securityContext.privileged, metadata.annotations …): mappings all
        # the way down answered inline; anything else takes the general walk
        if len(steps) == 2:
            a, b = steps

            def two(obj: Any) -> Any:
                if type(obj) is dict:
                    v = obj.get(a, MISSING)
                    if type(v) is dict:
                        return v.get(b, MISSING)
                return many(obj)

            return two
        a, b, c = steps

        def three(obj: Any) -> Any:
            if type(obj) is dict:
                v = obj.get(a, MISSING)
                if type(v) is dict:
                    v = v.get(b, MISSING)
                    if type(v) is dict:
                        return v.get(c, MISSING)
            return many(obj)

        return three
    return many


def segments(steps: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The plain parts of a path between its ``[*]`` steps: ``a.b[*].c`` → ``[(a, b), (c,)]``."""
    out: list[tuple[Any, ...]] = [()]
    for s in steps:
        if s is STAR:
            out.append(())
        else:
            out[-1] = (*out[-1], s)
    return out


def get(obj: Any, path: str, default: Any = None) -> Any:
    """The single value at a path without wildcards (``default`` when absent). For functions."""
    value = compile_path(path)(obj, "")[0][1]
    return default if value is MISSING else value


@functools.lru_cache(maxsize=8192)
def fixed_head(path: str) -> tuple[Any, ...]:
    """The leading fixed steps of ``path`` (keys and indexes, up to the first ``[*]``): what a
    per-resource error or deferred value at ``path`` is matched on. ``'*'`` and a path that does
    not parse give ``()`` (the whole resource) — never a narrower match than the truth."""
    if path == "*":
        return ()
    try:
        steps = parse(path)
    except PathSyntaxError:
        return (path.split(".", 1)[0].split("[", 1)[0],)
    out: list[Any] = []
    for s in steps:
        if s is STAR:
            break
        out.append(s)
    return tuple(out)


def overlap(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """True when one fixed path lies within the other (``config`` and ``config.properties.x``;
    ``()`` is the whole resource): reading one of them reads the other's value or part of it."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]
