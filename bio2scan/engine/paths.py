"""Paths into a resource's data: ``spec.containers[*].securityContext.privileged``.

Syntax: keys separated by dots; ``[N]`` picks list element N; ``[*]`` every element (or every value
of a mapping); ``['any.key']`` a key containing dots or other punctuation. A path is compiled once
into a tuple of steps; ``resolve`` yields ``(concrete_path, value)`` pairs, with ``MISSING`` for
a path that leads nowhere.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda s: False})()

_TOKEN = re.compile(r"""
    (?P<key>[^.\[\]'"]+)            # plain key
  | \[(?P<index>-?\d+)\]             # [3]
  | \[(?P<star>\*)\]                 # [*]
  | \[(?P<q>['"])(?P<qkey>.*?)(?P=q)\]   # ['a.b']
  | (?P<dot>\.)
""", re.VERBOSE)

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
        return "." + step
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
        text = path
        def single(obj: Any, prefix: str, _steps=steps, _text=text) -> list[tuple[str, Any]]:
            cur = obj
            for s in _steps:
                if isinstance(s, str):
                    if isinstance(cur, dict):
                        cur = cur.get(s, MISSING)
                    else:
                        cur = MISSING
                        break
                else:
                    if isinstance(cur, list) and -len(cur) <= s < len(cur):
                        cur = cur[s]
                    else:
                        cur = MISSING
                        break
            if prefix:
                return [((prefix + "." + _text) if _text and _text[0] != "[" else prefix + _text,
                         cur)]
            return [(_text, cur)]
        return single

    def many(obj: Any, prefix: str, _steps=steps) -> list[tuple[str, Any]]:
        return list(_walk(obj, _steps, 0, prefix))
    return many


def _walk(cur: Any, steps: tuple[Any, ...], i: int, prefix: str) -> Iterator[tuple[str, Any]]:
    while i < len(steps):
        s = steps[i]
        if s is STAR:
            if isinstance(cur, list):
                for n, item in enumerate(cur):
                    yield from _walk(item, steps, i + 1, f"{prefix}[{n}]")
            elif isinstance(cur, dict):
                for k, item in cur.items():
                    yield from _walk(item, steps, i + 1, join(prefix, str(k)))
            return
        if isinstance(s, str):
            cur = cur.get(s, MISSING) if isinstance(cur, dict) else MISSING
        else:
            cur = cur[s] if isinstance(cur, list) and -len(cur) <= s < len(cur) else MISSING
        prefix = join(prefix, s)
        if cur is MISSING:
            yield prefix, MISSING
            return
        i += 1
    yield prefix, cur


def get(obj: Any, path: str, default: Any = None) -> Any:
    """The single value at a path without wildcards (``default`` when absent). For functions."""
    value = compile_path(path)(obj, "")[0][1]
    return default if value is MISSING else value
