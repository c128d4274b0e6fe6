"""Values of an infrastructure template that are not plain data before deployment.

Three kinds, shared by the ``cloudformation`` and ``arm`` collectors:

* ``Sym`` — a string whose *identity* is known but whose spelling is not: the name CloudFormation
  generates for a bucket, the ARN of a key in the same template, ``${AWS::AccountId}``. It is
  written as ``${Name}`` or ``${Name.Attribute}`` and stays a string in the data, so a rule that
  only asks "is a key set?" or "does this trail write to that bucket?" can answer. Fields whose
  *content* a rule interprets (a CIDR, a number, a flag) never take a ``Sym``: the mappings turn
  it into ``Unknown`` there.
* ``Unknown(DEFERRED, reason)`` — known only after deployment (a runtime attribute, a platform
  default that depends on the account, ``reference()``). Rules that read it are NOT_APPLICABLE
  "known only after deployment".
* ``Unknown(UNRESOLVED, reason)`` — the template cannot be resolved (a parameter without a value,
  a reference to something that does not exist). Rules that read it are ERROR.

``materialize`` takes a resource's data with such values in it and returns plain JSON data plus
the ``errors`` and ``deferred`` maps (data path → reason) of ``bio2scan.model.Resource``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..credentials import REDACTED, redact_value, reference

DEFERRED = "deferred"
UNRESOLVED = "unresolved"


class Sym(str):
    """A string that stands for a value fixed at deployment. ``ref`` names the template resource
    it points at when it is exactly a reference to one (for joins), else ``None``."""

    ref: str | None

    def __new__(cls, text: str, ref: str | None = None) -> Sym:
        s = str.__new__(cls, text)
        s.ref = ref
        return s


@dataclass(frozen=True, slots=True)
class Unknown:
    kind: str  # DEFERRED | UNRESOLVED
    reason: str

    def __str__(self) -> str:
        return self.reason


def deferred(reason: str) -> Unknown:
    return Unknown(DEFERRED, reason)


def unresolved(reason: str) -> Unknown:
    return Unknown(
        UNRESOLVED, reason if reason.startswith("unresolved") else f"unresolved: {reason}"
    )


def first_unknown(*values: Any) -> Unknown | None:
    """The most serious ``Unknown`` among ``values`` (unresolved before deferred), or None."""
    found: Unknown | None = None
    for v in values:
        if isinstance(v, Unknown):
            if v.kind == UNRESOLVED:
                return v
            found = found or v
    return found


def unknown_within(value: Any) -> Unknown | None:
    """The most serious ``Unknown`` anywhere inside ``value`` (or None)."""
    found: Unknown | None = None
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Unknown):
            if v.kind == UNRESOLVED:
                return v
            found = found or v
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return found


def has_sym(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Sym):
            return True
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


class _NoValue:
    """``AWS::NoValue`` / an ARM ``if`` without a branch: the property is left out."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOVALUE"


NOVALUE = _NoValue()


def step(path: str, key: Any) -> str:
    """``path`` extended by a key or index, in the engine's path syntax."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    k = str(key)
    if "." in k or "[" in k or "'" in k or not k:
        return f"{path}['{k}']" if path else f"['{k}']"
    return f"{path}.{k}" if path else k


def materialize(data: Any, path: str = "") -> tuple[Any, dict[str, str], dict[str, str]]:
    """Plain JSON data from ``data``: every ``Unknown`` is taken out (a key dropped, a list item
    dropped) and recorded by its path in ``errors`` (unresolved) or ``deferred``; a ``Sym``
    becomes its text; ``NOVALUE`` disappears."""
    errors: dict[str, str] = {}
    later: dict[str, str] = {}

    def walk(v: Any, p: str) -> Any:
        if isinstance(v, dict):
            out: dict[str, Any] = {}
            for k, x in v.items():
                if x is NOVALUE:
                    continue
                if isinstance(x, Unknown):
                    (errors if x.kind == UNRESOLVED else later)[step(p, k)] = x.reason
                    continue
                out[str(k)] = walk(x, step(p, k))
            return out
        if isinstance(v, list):
            items: list[Any] = []
            for i, x in enumerate(v):
                if x is NOVALUE:
                    continue
                if isinstance(x, Unknown):
                    (errors if x.kind == UNRESOLVED else later)[step(p, i)] = x.reason
                    continue
                items.append(walk(x, step(p, i)))
            return items
        if isinstance(v, Sym):
            return str(v)
        return v

    if isinstance(data, Unknown):
        (errors if data.kind == UNRESOLVED else later)[path or "*"] = data.reason
        return None, errors, later
    return walk(data, path), errors, later


# Keys that name a secret in templates beyond ``credentials.secret_name`` (Azure's
# ``primaryKey``/``secondaryKey`` of a listKeys()-shaped object written literally).
_TEMPLATE_SECRET_KEYS = frozenset(["primarykey", "secondarykey"])


def _redact(key: str, value: str) -> str:
    """``value`` under ``key`` with its secret removed (``bio2scan.credentials``): wholly when the
    key names a secret, else only the secret parts of the text. A symbol alone (``${DbPassword}``,
    a NoEcho parameter) refers to a secret without holding it and stays; a ``Sym`` stays a ``Sym``
    (with its join target) when nothing in it is secret."""
    if key.lower() in _TEMPLATE_SECRET_KEYS and not reference(value):
        return REDACTED
    out = redact_value(key, value)
    if out == value:
        return value
    return Sym(out) if isinstance(value, Sym) else out


def redact_secrets(data: Any) -> Any:
    """``data`` with every literal secret replaced by ``<redacted>`` (no hash of it either), as
    ``bio2scan.credentials`` defines it: the whole value under a key that names a secret
    (``administratorLoginPassword``, ``clientSecret``), the value of a ``{name, value}`` pair (an
    app setting) whose name names one, and in any other text only the secret part
    (``Server=db;Password=<redacted>``, ``postgres://app:<redacted>@db``). A symbol that stands
    for a secret (``${DbPassword}``) stays: it does not hold it."""

    def walk(v: Any, key: str = "") -> Any:
        if isinstance(v, dict):
            named = v.get("name") if isinstance(v.get("name"), str) else None
            out = {}
            for k, x in v.items():
                if k == "value" and named is not None and isinstance(x, str):
                    out[k] = _redact(named, x)
                else:
                    out[k] = walk(x, str(k))
            return out
        if isinstance(v, list):
            return [walk(x, key) for x in v]
        if isinstance(v, str) and v:
            return _redact(key, v)
        return v

    return walk(data)
