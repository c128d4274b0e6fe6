"""What a named function reads, declared, and checked by the engine before the function runs.

Every function and extractor declares the data paths it reads (``Read``) and the related
resource types it looks at (``Related``). The engine uses the declarations to make sure a
function never decides on what it could not see:

* a path the collector could not read (``Resource.errors``) → *unknown* (the rule gives ERROR);
* a path whose value is known only after deployment (``Resource.deferred``) → *unknown, deferred*
  (NOT_APPLICABLE "known only after deployment");
* a value of another kind than declared (a list where a mapping belongs) → *unknown*; the function
  never sees it;
* a required path that is absent → *unknown*; an optional one (``absent="…"`` says what absence
  means, in words that ``docs/rules.md`` shows) is left to the function;
* a related type that could not be collected for the resource's scope (a collection error, or a
  collector that was not asked for it) → *unknown*.

Blocked paths (errors and deferred values) are matched by overlap: an error on ``spec.containers``
blocks a read of ``spec.containers[*].image`` and a read of ``spec``; ``[*]`` matches any
index, an index only itself.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from ..model import Evidence
from . import paths
from .paths import MISSING, STAR, Mistyped

SHAPES: dict[str, Callable[[Any], bool]] = {
    "mapping": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: v is True or v is False,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "any": lambda v: True,
}


class Unknown(Evidence):
    """Evidence of a value that could not be judged: absent, of the wrong kind, unreadable.
    ``expected`` says why and what was needed (``is absent (needed: equals true)``)."""

    __slots__ = ()


class Deferred(Unknown):
    """Evidence of a value known only after deployment."""

    __slots__ = ()


def check_shape(shape: str) -> Callable[[Any], bool]:
    """The test of a shape such as ``mapping`` or ``string|mapping``; unknown names raise."""
    parts = shape.split("|")
    bad = [p for p in parts if p not in SHAPES]
    if bad:
        raise ValueError(f"unknown shape {bad[0]!r}; known: {', '.join(SHAPES)}")
    tests = tuple(SHAPES[p] for p in parts)
    if len(tests) == 1:
        return tests[0]
    fast = _union(parts)
    if fast is not None:
        return fast

    def either(v: Any) -> bool:
        for t in tests:  # noqa: SIM110 - a loop: no generator per value
            if t(v):
                return True
        return False

    return either


# the built-in shapes as Python types: ``(types, bool_is_other)``: a boolean is an int to
# Python, so "number" and "integer" must refuse it unless "boolean" is asked for too
_TYPES: dict[str, tuple[type, ...]] = {
    "mapping": (dict,),
    "list": (list,),
    "string": (str,),
    "boolean": (bool,),
    "number": (int, float),
    "integer": (int,),
}
_BUILTIN_SHAPES = dict(SHAPES)


def _union(parts: list[str]) -> Callable[[Any], bool] | None:
    """One ``isinstance`` for a shape of several built-in parts (``string|number|boolean``):
    the same answer as trying each part's test in turn. None when a part is not built in."""
    if any(p not in _TYPES or SHAPES[p] is not _BUILTIN_SHAPES[p] for p in parts):
        return None  # "any", or a shape someone registered in SHAPES: the general test
    types = tuple(dict.fromkeys(t for p in parts for t in _TYPES[p]))
    if "boolean" in parts or int not in types:

        def one_of(v: Any) -> bool:
            return isinstance(v, types)

        return one_of

    def one_of_but_bool(v: Any) -> bool:
        return isinstance(v, types) and v is not True and v is not False

    return one_of_but_bool


@dataclass(frozen=True, slots=True)
class Read:
    """A path a function reads, relative to its subject (``root="resource"``: to the
    resource's data), the shape its value must have (``mapping``, ``list``, ``string``,
    ``boolean``, ``number``, ``integer``, ``any``, or several joined by ``|``), and — for an
    optional path — what its absence means (``absent="no init containers"``). A path without
    ``absent`` is required: absent, it makes the result unknown."""

    path: str
    shape: str = "any"
    absent: str | None = None
    root: str = "subject"
    steps: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    test: Callable[[Any], bool] = field(default=SHAPES["any"], compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.root not in ("subject", "resource"):
            raise ValueError(f"Read {self.path!r}: root is 'subject' or 'resource'")
        object.__setattr__(self, "steps", paths.parse(self.path))
        object.__setattr__(self, "test", check_shape(self.shape))


def bind(reads: tuple[Read, ...], args: Mapping[str, Any]) -> tuple[Read, ...]:
    """Declared reads with ``{arg}`` placeholders filled in from a rule's arguments
    (``Read("{path}", "string")`` of a function called with ``path: CreateDate``). An argument
    that is a list of paths gives one read per path (``Read("{paths}", "string")`` with
    ``paths: [a, b]`` reads ``a`` and ``b``)."""
    if not any("{" in r.path for r in reads):
        return reads
    out: list[Read] = []
    try:
        for r in reads:
            if "{" not in r.path:
                out.append(r)
                continue
            names = [n for _, n, _, _ in string.Formatter().parse(r.path) if n]
            variants: list[dict[str, Any]] = [{}]
            for n in dict.fromkeys(names):
                v = args[n]
                values = list(v) if isinstance(v, (list, tuple)) else [v]
                variants = [{**d, n: x} for d in variants for x in values]
            out += [replace(r, path=r.path.format_map(d)) for d in variants]
    except (KeyError, ValueError, IndexError) as exc:
        raise ValueError(f"a declared read needs the argument {exc}") from None
    return tuple(out)


def bind_related(related: tuple[Related, ...], args: Mapping[str, Any]) -> tuple[Related, ...]:
    """Declared related types with ``{arg}`` placeholders filled in (``Related("{type}")``)."""
    try:
        return tuple(
            r._replace(type=r.type.format_map(args)) if "{" in r.type else r for r in related
        )
    except (KeyError, ValueError, IndexError) as exc:
        raise ValueError(f"a declared related type needs the argument {exc}") from None


class Related(NamedTuple):
    """A resource type a function looks up through ``env.related``/``env.lookup``: in the
    resource's own scope (``scope="same"``) or in any scanned scope (``"any"``); ``namespace``:
    only the resource's own namespace matters. The engine checks that the type was collected
    completely before the function runs; with ``on_use=True`` only when the function looks it
    up (for a type needed by some subjects only, such as the managed prefix lists a security
    group may reference): the lookup then raises ``RelatedIncomplete``, which the engine turns
    into *unknown*."""

    type: str
    scope: str = "same"
    namespace: bool = False
    on_use: bool = False


def related_of(items: Iterable[str | Related]) -> tuple[Related, ...]:
    out = []
    for r in items:
        rel = Related(r) if isinstance(r, str) else r
        if rel.scope not in ("same", "any"):
            raise ValueError(f"Related {rel.type}: scope is 'same' or 'any'")
        out.append(rel)
    return tuple(out)


# --- values along a path, for the shape check ------------------------------------------------


def _branches(obj: Any, steps: tuple[Any, ...], base: str) -> list[tuple[str, Any]]:
    """``(path, value)`` for every branch of ``steps`` (``[*]`` fans out); the value is
    ``MISSING`` when the last step finds nothing, or a ``Mistyped`` where the branch could not
    go on. A branch whose parent is absent (a step before the last) ends without a value:
    whether that parent may be absent is the business of the read that names it
    (``Read("LoginProfile", …, absent=…)`` beside ``Read("LoginProfile.CreateDate", …)``)."""
    level: list[tuple[str, Any]] = [(base, obj)]
    for depth, s in enumerate(steps):
        nxt: list[tuple[str, Any]] = []
        for p, cur in level:
            if type(cur) is Mistyped:
                nxt.append((p, cur))
            elif cur is MISSING or cur is None:
                continue
            elif s is STAR:
                if isinstance(cur, list):
                    nxt += [(f"{p}[{i}]", v) for i, v in enumerate(cur)]
                elif isinstance(cur, dict):
                    nxt += [(paths.join(p, str(k)), v) for k, v in cur.items()]
                else:
                    nxt.append((p, Mistyped(depth, cur)))
            else:
                v = paths.step_into(cur, s, depth)
                nxt.append((p if type(v) is Mistyped else paths.join(p, s), v))
        level = nxt
    return level


class _Node:
    """One step of a read tree: the shape tests of the reads that end here, then the keys and
    ``[*]`` below it."""

    __slots__ = ("keys", "required", "star", "tests")

    def __init__(self) -> None:
        self.tests: list[Callable[[Any], bool]] = []
        self.required = False
        self.keys: dict[Any, _Node] = {}
        self.star: _Node | None = None


def _tree(reads: Iterable[Read]) -> _Node:
    root = _Node()
    for r in reads:
        node = root
        for s in r.steps:
            if s is STAR:
                node.star = node.star or _Node()
                node = node.star
            else:
                node = node.keys.setdefault(s, _Node())
        node.tests.append(r.test)
        node.required = node.required or r.absent is None
    return root


_ANY_SHAPE = SHAPES["any"]
_MAPPING_SHAPE = SHAPES["mapping"]


def _always(_v: Any) -> bool:
    return True


def _check_of(node: _Node) -> Callable[[Any], bool] | None:
    """The check of a present value at ``node``: None when there is nothing to check, the shape
    test itself for a leaf with one test (no closure of its own: one call less per value), or
    the compiled walk of the node."""
    tests = [t for t in node.tests if t is not _ANY_SHAPE]
    if not node.keys and node.star is None:
        if not tests:
            return None
        if len(tests) == 1:
            return tests[0]
    return _compiled(node)


def _compiled(node: _Node) -> Callable[[Any], bool]:
    """``value -> bool``: do the reads below ``node`` hold for the present value? One walk for
    all of a function's reads (the container list is visited once, not once per read), compiled
    into one closure per tree node so that a check runs only the tests its reads need. The
    same answer as ``check_reads(…) == []`` (tests/engine/test_reads.py checks it)."""
    named: list[tuple[str, bool, Callable[[Any], bool] | None]] = []
    indexed: list[tuple[int, bool, Callable[[Any], bool] | None]] = []
    for k, child in node.keys.items():
        sub = _check_of(child)
        if type(k) is str:
            named.append((k, child.required, sub))
        else:
            indexed.append((k, child.required, sub))
    keys = tuple(named)
    idx = tuple(indexed)
    # a mapping's keys are only looked at in a mapping: "mapping" at the node adds nothing then
    tests = tuple(
        t for t in node.tests if t is not _ANY_SHAPE and not (keys and t is _MAPPING_SHAPE)
    )
    star = node.star
    each = (_check_of(star) or _always) if star is not None else None
    each_required = star is not None and star.required

    if keys and not tests and not idx and each is None:  # the usual inner node: keys only

        def holds_keys(cur: Any) -> bool:
            if type(cur) is not dict and not isinstance(cur, dict):
                return False
            get = cur.get
            for k, required, sub in keys:
                v = get(k)
                if v is None:
                    if required:
                        return False
                elif sub is not None and not sub(v):
                    return False
            return True

        return holds_keys

    if each is not None and not keys and not tests and not idx:  # a list's elements ([*])

        def holds_each(cur: Any) -> bool:
            if type(cur) is list or isinstance(cur, list):
                items: Any = cur
            elif isinstance(cur, dict):
                items = cur.values()
            else:
                return False
            for v in items:
                if v is None:
                    if each_required:
                        return False
                elif not each(v):
                    return False
            return True

        return holds_each

    def holds(cur: Any) -> bool:
        for t in tests:
            if not t(cur):
                return False
        if keys:
            if type(cur) is not dict and not isinstance(cur, dict):
                return False
            get = cur.get
            for k, required, sub in keys:
                v = get(k)
                if v is None:
                    if required:
                        return False
                elif sub is not None and not sub(v):
                    return False
        if idx:
            if not isinstance(cur, list):
                return False
            n = len(cur)
            for i, required, sub in idx:
                v = cur[i] if -n <= i < n else None
                if v is None:
                    if required:
                        return False
                elif sub is not None and not sub(v):
                    return False
        if each is not None:
            if type(cur) is list or isinstance(cur, list):
                items: Any = cur
            elif isinstance(cur, dict):
                items = cur.values()
            else:
                return False
            for v in items:
                if v is None:
                    if each_required:
                        return False
                elif not each(v):
                    return False
        return True

    return holds


Groups = tuple[tuple[Read, ...], ...]


def flatten(reads: Iterable[Read | tuple[Read, ...]]) -> tuple[tuple[Read, ...], Groups]:
    """Declared reads → ``(all reads, groups)``. An entry may be a ``Read`` or a tuple of them
    (a group shared by several functions, such as the container lists of a pod spec): the
    engine checks a shared group once per subject, whichever function asks first."""
    flat: list[Read] = []
    groups: list[tuple[Read, ...]] = []
    loose: list[Read] = []
    for r in reads:
        if isinstance(r, Read):
            loose.append(r)
            flat.append(r)
        elif isinstance(r, tuple) and all(isinstance(x, Read) for x in r):
            groups.append(r)
            flat.extend(r)
        else:
            raise ValueError(f"reads= takes Read(…) entries or tuples of them, got {r!r}")
    if loose:
        groups.append(tuple(loose))
    return tuple(flat), tuple(groups)


def read_check(groups: Groups) -> Callable[[Any, Any, dict[Any, bool] | None], bool]:
    """``(subject, resource_data, cache) -> bool``: True when every read holds (the fast answer
    of ``check_reads``, without evidence). ``cache`` (per resource) keeps each group's answer
    per subject, so a group shared by several functions is walked once."""
    plan = []
    for g in groups:
        own = [r for r in g if r.root == "subject"]
        res = [r for r in g if r.root == "resource"]
        plan.append(
            (
                id(g),
                _compiled(_tree(own)) if own else None,
                _compiled(_tree(res)) if res else None,
            )
        )

    def check(subject: Any, resource_data: Any, cache: dict[Any, bool] | None) -> bool:
        for key, own, res in plan:
            k = (key, id(subject))
            ok = cache.get(k) if cache is not None else None
            if ok is None:
                ok = (own is None or subject is None or own(subject)) and (
                    res is None or resource_data is None or res(resource_data)
                )
                if cache is not None:
                    cache[k] = ok
            if not ok:
                return False
        return True

    return check


def check_reads(
    reads: tuple[Read, ...], subject: Any, prefix: str, resource_data: Any, needed: str
) -> list[Evidence]:
    """Unknown evidence for every declared read whose value is of the wrong shape, or absent
    when required; ``[]`` when the function may run."""
    out: list[Evidence] = []
    for r in reads:
        obj, base = (subject, prefix) if r.root == "subject" else (resource_data, "")
        for p, v in _branches(obj, r.steps, base):
            if type(v) is Mistyped:
                out.append(
                    Unknown(p, _shown(v.found), f"is a {paths.kind_of(v.found)} (needed: {needed})")
                )
            elif v is MISSING or v is None:
                if r.absent is None:
                    out.append(Unknown(p, None, f"is absent (needed: {needed})"))
            elif not r.test(v):
                out.append(
                    Unknown(
                        p,
                        _shown(v),
                        f"is a {paths.kind_of(v)}, not a {r.shape} (needed: {needed})",
                    )
                )
    return out


def _shown(v: Any) -> Any:
    """A wrongly typed value as evidence: scalars as they are, collections by their size."""
    if isinstance(v, dict):
        return f"<mapping of {len(v)}>"
    if isinstance(v, list):
        return f"<list of {len(v)}>"
    return v


# --- blocked paths: errors and deferred values of a resource ---------------------------------

_ANY = "#"  # [*] in either path: any index (or key)


def _norm(steps: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(_ANY if s is STAR else s for s in steps)


def _parse_loose(path: str) -> tuple[Any, ...]:
    try:
        return _norm(paths.parse(path))
    except paths.PathSyntaxError:
        return tuple(path.split("."))


class Blocked:
    """The errors and deferred values of one resource, for overlap tests with read paths."""

    __slots__ = ("items",)

    def __init__(self, errors: Mapping[str, str], deferred: Mapping[str, str]) -> None:
        self.items: list[tuple[tuple[Any, ...] | None, str, str, bool]] = []
        for p, why in errors.items():
            self.items.append((None if p == "*" else _parse_loose(p), p, why, False))
        for p, why in deferred.items():
            self.items.append((None if p == "*" else _parse_loose(p), p, why, True))

    def hits(
        self, path: str | tuple[Any, ...], needed: str, descendants: bool = True
    ) -> list[Evidence]:
        """Unknown (or Deferred) evidence for each blocked path that overlaps ``path``
        (a concrete path string or already parsed steps): the path itself, a parent of it, or —
        with ``descendants``, for a reader of the whole value — a part of it."""
        steps = _parse_loose(path) if isinstance(path, str) else _norm(path)
        found: list[Evidence] = []
        for b, text, why, deferred in self.items:
            if b is not None and not _overlap(b, steps):
                continue
            if b is not None and not descendants and len(b) > len(steps):
                continue
            if deferred:
                found.append(Deferred(text, None, f"is known only after deployment: {why}"))
            else:
                found.append(Unknown(text, None, f"could not be read: {why} (needed: {needed})"))
        return found


def _overlap(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return all(x in (y, _ANY) or y == _ANY for x, y in zip(a, b))
