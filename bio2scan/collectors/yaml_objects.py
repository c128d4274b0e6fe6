"""YAML and JSON read the way ``kubectl`` and Helm read them, within limits, with the line of
every document.

``kubectl`` and Helm turn YAML into JSON with ``sigs.k8s.io/yaml`` on top of ``go-yaml`` v2:
YAML 1.1 scalars, where ``y``, ``yes``, ``on`` (and ``n``, ``no``, ``off``, in any of their three
spellings) are booleans, ``0x1f``/``017``/``0b101`` integers, ``1e3`` a float; ``2024-01-01`` and
``1:20`` stay strings; unknown tags are ignored; mapping keys become strings. PyYAML's own
resolver differs on ``y``/``n``, exponents without a dot, sexagesimals and timestamps, so a
privileged container written ``privileged: y`` would look unprivileged. Here libyaml composes
the nodes (in C) and ``_Builder`` turns them into Python values with go-yaml's rules, in one pass
that also refuses what the API server refuses (a key given twice) and what would exhaust the
scanner (too deep, too many nodes added by aliases — the "billion laughs"). JSON text is read
with ``json`` (as kubectl does when the text starts with ``{`` or ``[``).

Every limit hit raises ``LoadError`` with the line where known; the caller records it as a
collection error for that file and goes on.
"""

from __future__ import annotations

import base64
import binascii
import gc
import json
import math
import re
import sys
from collections.abc import Iterator
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_intern = sys.intern

try:
    _Base: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Base = yaml.SafeLoader


class Limits(NamedTuple):
    """Bounds on one file (docs/manifests.md explains each default)."""

    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 200
    max_alias_nodes: int = 1_000_000
    max_objects: int = 100_000


class LoadError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


_STR = "tag:yaml.org,2002:str"
_Y = "tag:yaml.org,2002:"


class _Loader(_Base):  # type: ignore[misc]
    """libyaml's composer without PyYAML's resolver: ``_Builder`` resolves scalars with
    go-yaml's rules. The composer calls ``resolve(kind, value, implicit)`` once per node and
    ``descend_resolver``/``ascend_resolver`` around each; they are bound to C builtins here
    (no Python frame per node): ``resolve`` is ``slice``, so a node's tag is either the explicit
    tag (a string) or ``slice(kind, value, implicit)`` — for a scalar, ``implicit[0]`` says
    whether it was plain (resolved by content) or quoted/block (a string)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.resolve = slice
        self.descend_resolver = slice
        self.ascend_resolver = tuple


_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE"), True),
    **dict.fromkeys(("on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE"), False),
    **dict.fromkeys(("off", "Off", "OFF"), False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_SPECIAL_FLOATS = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_NUMBER_START = frozenset("+-.0123456789")
_NUMBER_END = frozenset("0123456789abcdefABCDEF._")  # the last character of any number below
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_MISSING: Any = object()


def _go_int(text: str) -> Any:
    """``strconv.ParseInt(text, 0, 64)`` (then ``ParseUint``) as go-yaml v2 applies it, or
    ``_MISSING``."""
    sign, body = (text[0], text[1:]) if text[:1] in "+-" else ("", text)
    if not body:
        return _MISSING
    low = body[:2].lower()
    try:
        if low == "0x":
            n = int(body[2:], 16) if body[2:] and "-" not in body[2:] else _MISSING
        elif low == "0b":
            n = int(body[2:], 2) if body[2:] else _MISSING
        elif low == "0o":
            n = int(body[2:], 8) if body[2:] else _MISSING
        elif len(body) > 1 and body[0] == "0":
            n = int(body, 8)
        elif body.isdigit() and body.isascii():
            n = int(body)
        else:
            return _MISSING
    except ValueError:
        return _MISSING
    if n is _MISSING:
        return n
    n = -n if sign == "-" else n
    if n < -(2**63) or n >= 2**64:
        return _MISSING
    return n


def resolve_plain(value: str) -> Any:
    """The value of a plain (unquoted) scalar under go-yaml v2's YAML 1.1 rules."""
    b = _BOOLS.get(value)
    if b is not None:
        return b
    if value in _NULLS:
        return None
    if value[:1] in _NUMBER_START:
        f = _SPECIAL_FLOATS.get(value)
        if f is not None:
            return f
        if value[-1] not in _NUMBER_END and not value[-1].isspace():
            return value  # "512Mi", "700m", "1.2.3-rc": no number ends so
        if value.isdigit() and value.isascii() and len(value) < 19 and value[0] != "0":
            return int(value)  # the common case: a small decimal without sign or underscore
        plain = value.replace("_", "")
        n = _go_int(plain)
        if n is not _MISSING:
            return n
        if _FLOAT.match(plain):
            return float(plain)
    return value


def _explicit(tag: str, value: str, line: int) -> Any:
    """A scalar with an explicit tag (``!!int "3"``); unknown tags are ignored, as go-yaml
    does, and the value stays a string."""
    if not tag.startswith(_Y):
        return value
    kind = tag[len(_Y) :]
    if kind in ("str", "timestamp"):
        return value
    if kind == "binary":
        try:
            raw = base64.b64decode("".join(value.split()), validate=True)
            return raw.decode("utf-8")
        except (binascii.Error, ValueError):
            raise LoadError(
                f"!!binary value is not valid base64 text: {value[:40]!r}", line
            ) from None
    resolved = resolve_plain(value)
    ok = {
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }.get(kind)
    if ok is None:
        raise LoadError(f"cannot read a scalar tagged !!{kind}", line)
    if not ok(resolved):
        raise LoadError(f"cannot decode {value[:40]!r} as !!{kind}", line)
    return float(resolved) if kind == "float" else resolved


def _key_text(key: Any) -> str:
    """A mapping key as JSON (and so the API server) sees it."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


class _Builder:
    """Nodes → values, for one document. Aliased collections are built once and shared; the
    nodes an alias would add when expanded are counted against ``max_alias_nodes``."""

    def __init__(self, limits: Limits, watch: frozenset[str] = frozenset()) -> None:
        self.limits = limits
        self.memo: dict[int, Any] = {}
        self.active: set[int] = set()
        self.sizes: dict[int, int] = {}
        self.alias_nodes = 0
        self.watch = watch
        self.watched: list[dict[str, Any]] = []  # the mappings with a key in ``watch``

    def scalar(self, node: Any) -> Any:
        tag = node.tag
        value = node.value
        if tag.__class__ is slice:
            if not tag.step[0]:
                return value  # quoted or block scalar: a string
            if (
                value
                and value[0] not in _NUMBER_START
                and value not in _BOOLS
                and value not in _NULLS
            ):
                return value
            return resolve_plain(value)
        if tag == _STR:
            return value
        return _explicit(tag, value, node.start_mark.line + 1)

    def build(self, node: Any, depth: int = 0) -> Any:
        cls = node.__class__
        if cls is ScalarNode:
            return self.scalar(node)
        key = id(node)
        hit = self.memo.get(key, _MISSING)
        if hit is not _MISSING:
            self.alias_nodes += self.size(node)
            if self.alias_nodes > self.limits.max_alias_nodes:
                raise LoadError(
                    f"aliases expand to more than {self.limits.max_alias_nodes} nodes "
                    "(an alias bomb?)",
                    node.start_mark.line + 1,
                )
            return hit
        if depth >= self.limits.max_depth:
            raise LoadError(
                f"nested deeper than {self.limits.max_depth} levels", node.start_mark.line + 1
            )
        if key in self.active:
            raise LoadError("an alias refers to its own anchor", node.start_mark.line + 1)
        self.active.add(key)
        if cls is SequenceNode:
            depth += 1
            out: Any = [
                self.scalar(c) if c.__class__ is ScalarNode else self.build(c, depth)
                for c in node.value
            ]
        elif cls is MappingNode:
            out = self._mapping(node, depth)
        else:  # pragma: no cover - libyaml gives no other node kinds
            raise LoadError(f"unexpected YAML node {cls.__name__}", node.start_mark.line + 1)
        self.active.discard(key)
        self.memo[key] = out
        return out

    def tree(self, node: Any, depth: int = 0) -> Any:
        """``build`` for a document without aliases (its text has no ``*``): every node is
        reached once, so no memo, no alias count, no cycle check — and scalars are resolved
        inline, without a call each. A mapping with a key that needs more than the common case
        (a tag, a plain key that may resolve to a number, boolean or null, a merge key) is
        built by ``build``; the result is the same."""
        cls = node.__class__
        if cls is ScalarNode:
            return self.scalar(node)
        if depth >= self.limits.max_depth:
            raise LoadError(
                f"nested deeper than {self.limits.max_depth} levels", node.start_mark.line + 1
            )
        depth += 1
        if cls is SequenceNode:
            out: list[Any] = []
            add = out.append
            for c in node.value:
                if c.__class__ is not ScalarNode:
                    add(self.tree(c, depth))
                    continue
                tag: Any = c.tag
                v = c.value
                if tag.__class__ is slice:
                    if tag.step[0] and (
                        not v or v[0] in _NUMBER_START or v in _BOOLS or v in _NULLS
                    ):
                        v = resolve_plain(v)
                    add(v)
                else:
                    add(self.scalar(c))
            return out
        if cls is not MappingNode:  # pragma: no cover - libyaml gives no other node kinds
            return self.build(node, depth - 1)
        result: dict[str, Any] = {}
        keys = _KEYS
        for knode, vnode in node.value:
            ktag: Any = knode.tag
            if knode.__class__ is not ScalarNode or ktag.__class__ is not slice:
                return self._mapping(node, depth - 1)
            k = keys.get(knode.value)
            if k is None:  # not a key met before: is it one that stays the string it is?
                k = knode.value
                if (
                    ktag.step[0] and (not k or k[0] in _NUMBER_START or k in _BOOLS or k in _NULLS)
                ) or k == "<<":
                    return self._mapping(node, depth - 1)
                # keys recur in every object: one string each, not one per object
                k = _intern(k)
                if (
                    k
                    and k[0] not in _NUMBER_START
                    and k not in _BOOLS
                    and k not in _NULLS
                    and k != "<<"
                    and len(k) <= 128
                    and len(keys) < _KEYS_MAX
                ):
                    keys[k] = k
            if k in result:
                raise LoadError(f"duplicate key {k!r}", knode.start_mark.line + 1)
            if vnode.__class__ is not ScalarNode:
                result[k] = self.tree(vnode, depth)
                continue
            tag = vnode.tag
            v = vnode.value
            if tag.__class__ is slice:
                if tag.step[0] and (not v or v[0] in _NUMBER_START or v in _BOOLS or v in _NULLS):
                    v = resolve_plain(v)
                result[k] = v
            else:
                result[k] = self.scalar(vnode)
        if self.watch and not self.watch.isdisjoint(result):
            self.watched.append(result)
        return result

    def size(self, node: Any) -> int:
        """The number of nodes under ``node`` when aliases are expanded (memoised)."""
        key = id(node)
        known = self.sizes.get(key)
        if known is not None:
            return known
        if node.__class__ is ScalarNode:
            return 1
        total = 1
        children = (
            node.value if node.__class__ is SequenceNode else [x for kv in node.value for x in kv]
        )
        for c in children:
            total += self.size(c)
            if total > self.limits.max_alias_nodes:
                break
        self.sizes[key] = total
        return total

    def _mapping(self, node: Any, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] | None = None
        depth += 1
        for knode, vnode in node.value:
            if knode.__class__ is not ScalarNode:
                raise LoadError("a mapping key must be a scalar", knode.start_mark.line + 1)
            k = knode.value
            tag: Any = knode.tag
            if (
                tag.__class__ is not slice
                or not tag.step[0]
                or (k and k[0] not in _NUMBER_START and k not in _BOOLS and k not in _NULLS)
            ):
                if tag.__class__ is not slice and tag != _STR:
                    if tag == _Y + "merge":
                        k = "<<"
                    else:
                        k = _key_text(_explicit(tag, k, knode.start_mark.line + 1))
            elif k == "<<":
                pass
            else:
                k = _key_text(resolve_plain(k))
            if k == "<<" and ((tag.__class__ is slice and tag.step[0]) or tag == _Y + "merge"):
                merged = self._merge(vnode, depth, merged)
                continue
            if k in result:
                raise LoadError(f"duplicate key {k!r}", knode.start_mark.line + 1)
            if k.__class__ is str:
                k = _intern(k)
            result[k] = (
                self.scalar(vnode) if vnode.__class__ is ScalarNode else self.build(vnode, depth)
            )
        if merged:
            result = {**{k: v for k, v in merged.items() if k not in result}, **result}
        if self.watch and not self.watch.isdisjoint(result):
            self.watched.append(result)
        return result

    def _merge(self, vnode: Any, depth: int, merged: dict[str, Any] | None) -> dict[str, Any]:
        value = self.build(vnode, depth)
        sources = value if isinstance(value, list) else [value]
        out = dict(merged or {})
        for src in reversed(sources):  # earlier sources win
            if not isinstance(src, dict):
                raise LoadError("a merge key (<<) needs mappings", vnode.start_mark.line + 1)
            out.update(src)
        return out


class Document(NamedTuple):
    line: int
    value: Any
    items: tuple[int, ...] | None  # the line of each item, for a list or a List's ``items``
    # every mapping of ``value`` that has a key ``load`` was asked to watch (None: not known)
    watched: list[dict[str, Any]] | None = None


# mapping keys met before that stay the strings they are (plain or quoted: no number, boolean,
# null or merge key), each the one interned string for that key; bounded (short keys, at most
# ``_KEYS_MAX``), as keys are input
_KEYS: dict[str, str] = {}
_KEYS_MAX = 20_000


DEFAULT_LIMITS = Limits()


def load(
    text: str, limits: Limits = DEFAULT_LIMITS, watch: frozenset[str] = frozenset()
) -> Iterator[Document]:
    """Every document of ``text`` (YAML, or JSON when it starts with ``{`` or ``[``). With
    ``watch``, each YAML document also lists its mappings that have one of those keys
    (``Document.watched``), so that a caller need not walk the value to find them."""
    head = text.lstrip(" \t\r\n\ufeff")[:1]
    if head in ("{", "["):
        try:
            value = json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError:
            pass  # not JSON: a YAML flow collection, read below
        except RecursionError:
            raise LoadError("JSON nested too deeply") from None
        else:
            yield Document(1, value, _json_item_lines(text, value))
            return
    loader = _Loader(text)
    # an alias (``*a``) needs its anchor (``&a``) in the same document (libyaml refuses one
    # without); without both characters no node is reached twice: ``_Builder.tree``
    aliases = "*" in text and "&" in text
    read = False
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover
                continue
            # one builder per document: the memo is keyed by id(node), and the nodes of a
            # finished document are freed (their ids reused)
            builder = _Builder(limits, watch)
            try:
                value = builder.build(node) if aliases else builder.tree(node)
                lines = _item_lines(node, value)
            finally:
                if aliases:
                    _unlink(node)
            yield Document(
                node.start_mark.line + 1, value, lines, builder.watched if watch else None
            )
        read = True
    except yaml.MarkedYAMLError as exc:
        raise LoadError(f"YAML syntax error: {_problem(exc)}", _error_line(exc, text)) from None
    except yaml.YAMLError as exc:
        raise LoadError(f"YAML error: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()
        if aliases and not read:
            # the nodes composed before an error, which an alias may have made a cycle out of
            # reach (``&a [*a, {x: ]``), freed now: a worker never runs the cyclic collector,
            # the command line pauses it while it reads (``_unlink``: a composed document's)
            del loader
            gc.collect(0)


def _unlink(root: Node) -> None:
    """Empty the collection nodes under ``root``. An alias can make the composed nodes a cycle
    (``&a [*a]``, refused by ``_Builder``): emptied, they are freed as soon as they are let go,
    instead of waiting — all of a large document's nodes — for the cyclic collector, which the
    command line pauses while it reads (``manifest_files.run_jobs``)."""
    stack: list[Any] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node.__class__ is ScalarNode or id(node) in seen:
            continue
        seen.add(id(node))
        children, node.value = node.value, []
        if node.__class__ is MappingNode:
            for pair in children:
                stack.extend(pair)
        else:
            stack.extend(children)


def _item_lines(node: Node, value: Any) -> tuple[int, ...] | None:
    seq: Any = None
    if isinstance(value, list) and isinstance(node, SequenceNode):
        seq = node
    elif isinstance(value, dict) and isinstance(value.get("items"), list):
        for k, v in node.value:
            if getattr(k, "value", None) == "items" and isinstance(v, SequenceNode):
                seq = v
    if seq is None:
        return None
    return tuple(n.start_mark.line + 1 for n in seq.value)


_DECODER = json.JSONDecoder()
_ITEMS = re.compile(r'"items"\s*:\s*\[')


def _json_item_lines(text: str, value: Any) -> tuple[int, ...] | None:
    """The line of each item of a JSON array or of a ``List``'s ``items`` (provenance only:
    when the text does not give them unambiguously, None)."""
    if isinstance(value, list):
        items, start = value, text.find("[")
    elif isinstance(value, dict) and isinstance(value.get("items"), list):
        m = _ITEMS.search(text)
        if m is None:
            return None
        items, start = value["items"], m.end() - 1
    else:
        return None
    lines = []
    i = start + 1
    try:
        for _item in items:
            while text[i] in " \t\r\n,":
                i += 1
            _obj, end = _DECODER.raw_decode(text, i)
            lines.append(text.count("\n", 0, i) + 1)
            i = end
    except (ValueError, IndexError):
        return None
    return tuple(lines)


def _no_duplicates(items: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(items)
    if len(out) != len(items):
        seen: set[str] = set()
        for k, _ in items:
            if k in seen:
                raise LoadError(f"duplicate key {k!r}")
            seen.add(k)
    return out


def _problem(exc: yaml.MarkedYAMLError) -> str:
    return " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"


def _error_line(exc: yaml.MarkedYAMLError, text: str) -> int | None:
    """The 1-based line of a YAML error. PyYAML marks an unclosed bracket or quote at the end
    of the input, past the last line; the line where the construct began says more then."""
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return None
    last = max(1, text.count("\n", 0, len(text.rstrip("\n"))) + 1)
    if mark.line + 1 > last:
        if exc.context_mark is not None and exc.context_mark.line + 1 <= last:
            return exc.context_mark.line + 1
        return last
    return mark.line + 1
