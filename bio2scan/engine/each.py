"""``for_each`` and ``some``: quantifiers over the elements at one or more paths, three-valued.

``{for_each: PATHS, where: W?, assert: A}`` holds when every element ``e`` satisfies
``not W(e) or A(e)`` (Kleene); ``{some: PATHS, where: W}`` when at least one element satisfies
``W``. The elements at a path are the items of a list, or a mapping itself (one element). A path
that is absent or null is *unknown* unless the entry says what absence means
(``{path: initContainers, absent: empty}``: none); a value of another kind (a string, a number)
is unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import Evidence
from . import paths
from .paths import MISSING, STAR, Mistyped
from .truth import (
    Absent,
    ConditionError,
    Node,
    Truth,
    absent_outcome,
    mistyped,
    parse_absent,
    resolve_params,
    resolve_segments,
    segments,
)

Compile = Callable[[Any, dict[str, Any], str], Node]

Listed = tuple[list[tuple[str, Any]], list[tuple[Truth, Evidence]]]
Lister = Callable[[Any, str, Any], Listed]


def compile_each(
    cond: dict[str, Any], params: dict[str, Any], where: str, compile_condition: Compile
) -> Node:
    kind = "for_each" if "for_each" in cond else "some"
    allowed = {kind, "where", "assert"} if kind == "for_each" else {kind, "where"}
    extra = set(cond) - allowed
    if extra:
        raise ConditionError(f"unexpected key {sorted(extra)[0]!r} in '{kind}'", where)
    elements = element_lister(cond[kind], params, f"{where}.{kind}", kind)
    sel = compile_condition(cond["where"], params, f"{where}.where") if "where" in cond else None
    if kind == "some":
        if sel is None:
            raise ConditionError("'some' needs 'where'", where)
        return _some(elements, sel)
    if "assert" not in cond:
        raise ConditionError("'for_each' needs 'assert'", where)
    return _for_each(elements, sel, compile_condition(cond["assert"], params, f"{where}.assert"))


def _some(elements: Lister, sel: Node) -> Node:
    def some(obj: Any, prefix: str, env: Any) -> tuple[Truth, list[Evidence]]:
        items, settled = elements(obj, prefix, env)
        seen: list[Evidence] = []
        unknown: list[Evidence] = []
        undecided = False
        for ok, e in settled:
            if ok is True:
                return True, [e]
            if ok is None:
                undecided = True
                unknown.append(e)
            else:
                seen.append(e)
        for p, item in items:
            ok, ev = sel(item, p, env)
            if ok is True:
                return True, ev
            if ok is None:
                undecided = True
                unknown += ev
            else:
                seen += ev
        if undecided:
            return None, unknown
        return False, seen

    return some


def _for_each(elements: Lister, sel: Node | None, check: Node) -> Node:
    def each(obj: Any, prefix: str, env: Any) -> tuple[Truth, list[Evidence]]:
        items, settled = elements(obj, prefix, env)
        good: list[Evidence] = []
        bad: list[Evidence] = []
        unknown: list[Evidence] = []
        failed = undecided = False
        for ok, e in settled:
            if ok is True:
                good.append(e)
            elif ok is False:
                failed = True
                bad.append(e)
            else:
                undecided = True
                unknown.append(e)
        for p, item in items:
            w: Truth = True
            if sel is not None:
                w, wev = sel(item, p, env)
                if w is False:
                    continue
            ok, ev = check(item, p, env)
            if ok is True:
                good += ev
            elif w is None:
                undecided = True
                unknown += wev
            elif ok is False:
                failed = True
                bad += ev
            else:
                undecided = True
                unknown += ev
        if failed:
            return False, bad
        if undecided:
            return None, unknown
        return True, good

    return each


def _entries(spec: Any, params: dict[str, Any], where: str) -> list[tuple[str, Absent | None]]:
    specs = spec if isinstance(spec, list) else [spec]
    if not specs:
        raise ConditionError("a list of paths must not be empty", where)
    out = []
    for i, s in enumerate(specs):
        here = f"{where}[{i}]" if isinstance(spec, list) else where
        if isinstance(s, dict):
            extra = set(s) - {"path", "absent"}
            if extra or not isinstance(s.get("path"), str):
                raise ConditionError("a path entry is PATH or {path: PATH, absent: …}", here)
            out.append(
                (s["path"], parse_absent(resolve_params(s.get("absent"), params, here), here))
            )
        elif isinstance(s, str):
            out.append((s, None))
        else:
            raise ConditionError(f"paths must be strings, got {s!r}", here)
    return out


_IDENTS: dict[tuple[str, str], int] = {}


def element_lister(spec: Any, params: dict[str, Any], where: str, kind: str) -> Lister:
    """``(obj, prefix, env) -> (elements, settled)``: the ``(path, element)`` pairs that
    ``for_each``/``some`` visit, and the truth of entries settled without elements (absent with
    ``pass``/``fail``, or unknown)."""
    plans = []
    entries = _entries(spec, params, where)
    # listers of the same paths (the container lists of many pod rules) share their answers
    # for one object of one resource (env.lists, emptied for each resource)
    ident = _IDENTS.setdefault((kind, repr(entries)), len(_IDENTS))
    for text, absent in entries:
        try:
            steps = paths.parse(text)
        except paths.PathSyntaxError as exc:
            raise ConditionError(str(exc), where) from None
        shown = f"{kind} {text}"
        segs = segments(steps)
        direct = paths.plain_getter(steps) if STAR not in steps else None
        tail = text if not text or text[0] == "[" else "." + text
        none = absent is not None and absent.mode == "value" and absent.value == []
        plans.append((text, tail, steps, segs, direct, absent, shown, none))

    def lister(
        obj: Any, prefix: str, env: Any
    ) -> tuple[list[tuple[str, Any]], list[tuple[Truth, Evidence]]]:
        """The elements and settled entries (shared: callers only read them)."""
        if env is None:
            return listed(obj, prefix, env)
        key = (ident, id(obj), prefix)
        hit: tuple[Any, Listed] | None = env.lists.get(key)
        if hit is not None and hit[0] is obj:  # the memo holds obj: its id is not reused
            return hit[1]
        found = listed(obj, prefix, env)
        env.lists[key] = (obj, found)
        return found

    def listed(
        obj: Any, prefix: str, env: Any
    ) -> tuple[list[tuple[str, Any]], list[tuple[Truth, Evidence]]]:
        out: list[tuple[str, Any]] = []
        settled: list[tuple[Truth, Evidence]] = []
        blocked = env.blocked if env is not None else None
        for text, tail, steps, segs, direct, absent, shown, none in plans:
            base = prefix + tail if prefix else text
            if blocked is not None:
                # the list itself, or a parent of it, unreadable; a part of an element is the
                # business of the conditions that read it (a `some` may still find another)
                hits = blocked.hits(base, shown, descendants=False)
                if hits:
                    settled += [(None, h) for h in hits]
                    continue
            if direct is not None:
                v = direct(obj)
                if type(v) is list:  # the usual case: containers, rules, statements …
                    out += [(f"{base}[{i}]", item) for i, item in enumerate(v)]
                    continue
                if none and (v is None or v is MISSING):  # absent: empty, no elements
                    continue
                if v is None or v is MISSING:
                    if absent is None or absent.mode != "value":
                        ok, ev = absent_outcome(absent, base, shown)
                        settled.append((ok, ev[0]))
                        continue
                    v = absent.value
                elif type(v) is Mistyped:
                    p = prefix
                    for s in steps[: v.depth]:
                        p = paths.join(p, s)
                    settled.append((None, mistyped(p, v.found, shown)))
                    continue
                _collect(base, v, out, settled, shown)
                continue
            values, early = resolve_segments(obj, prefix, segs, absent, shown)
            settled += early
            for p, v in values:
                _collect(p, v, out, settled, shown)
        return out, settled

    return lister


def _collect(
    base: str,
    v: Any,
    out: list[tuple[str, Any]],
    settled: list[tuple[Truth, Evidence]],
    shown: str,
) -> None:
    if isinstance(v, list):
        out += [(f"{base}[{i}]", item) for i, item in enumerate(v)]
    elif isinstance(v, dict):
        out.append((base, v))
    else:
        settled.append((None, mistyped(base, v, shown)))
