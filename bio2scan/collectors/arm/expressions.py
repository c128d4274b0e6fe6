"""The ARM template expression language: ``"[concat('st', parameters('env'))]"``.

A string that starts with ``[`` and ends with ``]`` is an expression (``[[`` escapes a literal
bracket). ``parse`` turns one into a small tree (calls, literals, ``.property`` and ``[index]``
access), cached per text; ``Evaluator.evaluate`` computes it in a template's context. The
common functions are implemented (``functions.py``); what only deployment knows comes back as a
``Sym`` (an identity: a resource id with an unknown subscription, ``uniqueString(…)``) or as
``Unknown`` (``reference()``, a parameter without a value) — never as a guess.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from ..template_values import DEFERRED, NOVALUE, Sym, Unknown, deferred, unresolved

MAX_EXPRESSION = 20_000  # characters in one expression
MAX_NESTING = 64


class ExpressionError(ValueError):
    """An expression that does not parse."""


@dataclass(frozen=True, slots=True)
class Lit:
    value: Any


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # lower case
    args: tuple[Any, ...]
    text: str  # as written, for messages


@dataclass(frozen=True, slots=True)
class Prop:
    target: Any
    name: Any  # a node (Lit for .name)


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<id>[A-Za-z_$][\w$]*)"
    r"|(?P<p>[(),.\[\]]))"
)


def is_expression(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) >= 2
        and value[0] == "["
        and value[-1] == "]"
        and not value.startswith("[[")
    )


def literal(value: str) -> str:
    """A string that is not an expression, with a ``[[`` escape undone."""
    return value[1:] if value.startswith("[[") and value.endswith("]") else value


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Any:
    """The tree of an expression (``text`` without its outer brackets)."""
    if len(text) > MAX_EXPRESSION:
        raise ExpressionError(f"expression longer than {MAX_EXPRESSION} characters")
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ExpressionError(f"unexpected {text[pos : pos + 10]!r} in [{text[:60]}]")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    parser = _Parser(tokens, text)
    node = parser.expr(0)
    if parser.i != len(tokens):
        raise ExpressionError(f"unexpected {tokens[parser.i][1]!r} in [{text[:60]}]")
    return node


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], text: str) -> None:
        self.t, self.i, self.text = tokens, 0, text

    def peek(self) -> tuple[str, str]:
        return self.t[self.i] if self.i < len(self.t) else ("", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok == ("", "") or (value is not None and tok[1] != value):
            want = f"{value!r}" if value else "more"
            raise ExpressionError(f"expected {want} in [{self.text[:60]}]")
        self.i += 1
        return tok

    def expr(self, depth: int) -> Any:
        if depth > MAX_NESTING:
            raise ExpressionError(f"expression nested more than {MAX_NESTING} deep")
        kind, value = self.take()
        node: Any
        if kind == "str":
            node = Lit(value[1:-1].replace("''", "'"))
        elif kind == "num":
            node = Lit(float(value) if "." in value else int(value))
        elif kind == "id":
            start = self.i - 1
            self.take("(")
            args: list[Any] = []
            if self.peek()[1] != ")":
                args.append(self.expr(depth + 1))
                while self.peek()[1] == ",":
                    self.take(",")
                    args.append(self.expr(depth + 1))
            self.take(")")
            shown = "".join(v for _, v in self.t[start : self.i])
            node = Call(value.lower(), tuple(args), shown)
        else:
            raise ExpressionError(f"unexpected {value!r} in [{self.text[:60]}]")
        while self.peek()[1] in (".", "["):
            if self.take()[1] == ".":
                node = Prop(node, Lit(self.take()[1]))
            else:
                node = Prop(node, self.expr(depth + 1))
                self.take("]")
        return node


class Evaluator:
    """Evaluates expression trees. ``functions`` maps a lower-case name to ``fn(ev, args)``
    (``args``: the argument trees, so ``if`` can evaluate one branch only)."""

    def __init__(self, functions: dict[str, Any], context: Any) -> None:
        self.functions = functions
        self.context = context

    def value(self, raw: Any) -> Any:
        """A template value (string, object, array) with every expression in it evaluated."""
        if isinstance(raw, str):
            if is_expression(raw):
                try:
                    tree = parse(raw[1:-1])
                except ExpressionError as exc:
                    return unresolved(f"{raw[:80]}: {exc}")
                return settle(self.evaluate(tree))
            return literal(raw)
        if isinstance(raw, dict):
            out: dict[str, Any] = {}
            for k, v in raw.items():
                key = self.value(k) if is_expression(k) else k
                if isinstance(key, Unknown):
                    return key
                r = self.value(v)
                if r is not NOVALUE:
                    out[str(key)] = r
            return out
        if isinstance(raw, list):
            return [r for r in (self.value(v) for v in raw) if r is not NOVALUE]
        return raw

    def evaluate(self, node: Any) -> Any:
        if isinstance(node, Lit):
            return node.value
        if isinstance(node, Call):
            fn = self.functions.get(node.name)
            if fn is None:
                return unresolved(f"the function {node.name}() is not supported")
            return fn(self, node)
        if isinstance(node, Prop):
            target = self.evaluate(node.target)
            key = self.evaluate(node.name)
            return member(target, key)
        return unresolved(f"cannot evaluate {node!r}")

    def args(self, node: Call) -> list[Any]:
        return [settle(self.evaluate(a)) for a in node.args]


@dataclass(frozen=True, slots=True)
class Deployed(Unknown):
    """A value of a deployed resource (``reference(…)``, ``list*(…)``): deferred, but a member
    that is an identity (``….principalId``, ``….customerId``, ``….resourceId``) is a symbol."""

    expr: str = ""
    secret: bool = False  # list*(…): keys and connection strings — never content a rule reads


_IDENTITY_KEY = re.compile(r"(Id|ID|id|Uri|uri|Url|url|Name|name|Fqdn|fqdn)$")


def settle(value: Any) -> Any:
    """A key or secret of a deployed resource, once used, is a symbol: it exists; its value is
    never data (nor does a rule read it)."""
    if isinstance(value, Deployed) and value.secret:
        return Sym(f"${{{value.expr}}}")
    return value


def member(target: Any, key: Any) -> Any:
    """``target.key`` / ``target[key]`` (case-insensitive for object keys, as ARM)."""
    if isinstance(target, Deployed) and isinstance(key, (str, int)) and not isinstance(key, Sym):
        path = f"{target.expr}.{key}" if isinstance(key, str) else f"{target.expr}[{key}]"
        if not target.secret and isinstance(key, str) and _IDENTITY_KEY.search(key):
            return Sym(f"${{{path}}}")
        return Deployed(DEFERRED, f"{path} is known after deployment", path, target.secret)
    if isinstance(target, Unknown):
        return target
    if isinstance(key, Unknown):
        return key
    if isinstance(target, Sym) or isinstance(key, Sym):
        return deferred(f"{target}.{key} is known at deployment")
    if isinstance(target, dict):
        if key in target:
            return target[key]
        low = str(key).lower()
        for k, v in target.items():
            if str(k).lower() == low:
                return v
        return unresolved(f"the object has no property {key!r}")
    if isinstance(target, list):
        try:
            return target[int(key)]
        except (ValueError, TypeError, IndexError):
            return unresolved(f"index {key!r} is outside the array")
    return unresolved(f"cannot take {key!r} of {type(target).__name__}")
