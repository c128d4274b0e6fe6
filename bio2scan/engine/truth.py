"""The pieces of the three-valued condition language that its parts share: the truth values,
``absent:`` defaults, unknown evidence, and how a path with ``[*]`` is followed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ..model import Evidence
from . import paths
from .paths import MISSING, Mistyped
from .reads import Unknown

Truth = bool | None
Node = Callable[[Any, str, Any], "tuple[bool | None, list[Evidence]]"]


class ConditionError(ValueError):
    """A condition that cannot be compiled. ``field`` is the path inside the rule's ``check``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class Absent(NamedTuple):
    """What an absent (or null) value means for one leaf or ``for_each`` path: ``mode`` is
    ``pass``, ``fail`` or ``value`` (then ``value`` stands in for it: ``[]`` for ``empty``)."""

    mode: str
    value: Any
    text: str


def parse_absent(spec: Any, where: str) -> Absent | None:
    if spec is None:
        return None
    if spec in ("pass", "fail"):
        return Absent(spec, None, f"absent: {spec}")
    if spec == "empty":
        return Absent("value", [], "absent: empty")
    if isinstance(spec, dict) and set(spec) == {"default"} and spec["default"] is not None:
        return Absent("value", spec["default"], f"absent: default {spec['default']!r}")
    raise ConditionError(
        f"'absent' is pass, fail, empty or {{default: VALUE}}, got {spec!r}", f"{where}.absent"
    )


def resolve_params(value: Any, params: dict[str, Any], where: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"param"}:
            name = value["param"]
            if name not in params:
                raise ConditionError(f"unknown parameter {name!r}", where)
            return params[name]
        return {k: resolve_params(v, params, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_params(v, params, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def mistyped(where: str, found: Any, needed: str) -> Unknown:
    return Unknown(where, shown_value(found), f"is a {paths.kind_of(found)} (needed: {needed})")


def shown_value(v: Any) -> Any:
    if isinstance(v, dict):
        return f"<mapping of {len(v)}>"
    if isinstance(v, list):
        return f"<list of {len(v)}>"
    return v


def step_path(prefix: str, steps: tuple[Any, ...], depth: int) -> str:
    p = prefix
    for s in steps[:depth]:
        p = paths.join(p, s)
    return p


def absent_outcome(absent: Absent | None, where: str, shown: str) -> tuple[Truth, list[Evidence]]:
    """The truth of a leaf whose value is absent, when ``absent`` says pass or fail (or is not
    given: unknown)."""
    if absent is None:
        return None, [_new(Unknown, (where, None, f"is absent (needed: {shown})"))]
    return absent.mode == "pass", [_new(Evidence, (where, None, f"{shown} ({absent.text})"))]


_new = tuple.__new__  # Evidence(...) without the NamedTuple constructor's extra Python call


Segment = tuple[tuple[Any, ...], Callable[[Any], Any], str]


def segments(steps: tuple[Any, ...]) -> list[Segment]:
    """The plain parts of a path between its ``[*]`` steps, each with its getter and its text
    (built once, when a condition is compiled): what ``resolve_segments`` follows."""
    return [
        (s, paths.plain_getter(s), "".join(paths.format_step(x) for x in s))
        for s in paths.segments(steps)
    ]


def resolve_segments(
    obj: Any,
    base: str,
    segs: list[Segment],
    absent: Absent | None,
    shown: str,
    defaulted: dict[str, str] | None = None,
) -> tuple[list[tuple[str, Any]], list[tuple[Truth, Evidence]]]:
    """Follow a path with ``[*]`` through ``obj``: ``(values, settled)`` — the ``(path, value)``
    pairs it reaches, and the branches settled on the way (absent with ``pass``/``fail``/
    unknown, or of the wrong kind). An absent segment takes ``absent``'s value and goes on;
    ``defaulted`` (if given) receives, for each value reached through such a stand-in, the path
    that was absent — evidence must not show a default as a value that was read."""
    level: list[tuple[str, Any]] = [(base, obj)]
    settled: list[tuple[Truth, Evidence]] = []
    src: dict[str, str] = {}  # a path reached through a default → the absent path
    last = len(segs) - 1
    stand_in = absent is not None and absent.mode == "value"
    track = defaulted is not None
    for i, (steps, get, tail) in enumerate(segs):
        nxt: list[tuple[str, Any]] = []
        dotted = tail[:1] == "."
        for p, cur in level:
            v = get(cur) if steps else cur
            here = (p + tail if p or not tail else tail[1:]) if dotted else p + tail
            origin = src.get(p) if src else None
            if v is None or v is MISSING:
                if not stand_in:
                    ok, ev = absent_outcome(absent, here, shown)
                    settled.append((ok, ev[0]))
                    continue
                v = absent.value  # type: ignore[union-attr]
                if track:  # only ``defaulted`` needs to know where a stand-in came from
                    origin = here
            elif type(v) is Mistyped:
                settled.append((None, mistyped(step_path(p, steps, v.depth), v.found, shown)))
                continue
            start = len(nxt)
            if i == last:
                nxt.append((here, v))
            elif type(v) is list or isinstance(v, list):
                nxt += [(f"{here}[{n}]", x) for n, x in enumerate(v)]
            elif isinstance(v, dict):
                nxt += [(paths.join(here, str(k)), x) for k, x in v.items()]
            else:
                settled.append((None, mistyped(here, v, f"[*] of {shown}")))
            if origin is not None:
                src.update((q, origin) for q, _ in nxt[start:])
        level = nxt
    if defaulted is not None and src:
        defaulted.update((p, src[p]) for p, _ in level if p in src)
    return level, settled
