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

import re
from dataclasses import dataclass
from typing import Any

from ..kinds import CREDENTIAL_VALUE, credential_like

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


REDACTED = "<redacted>"
# Properties that hold a secret when a template writes one literally (ARM's
# administratorLoginPassword, a connection string …). The live APIs never return them.
_SECRET_KEY = re.compile(
    r"(password|passwd|secret|token|connectionstring|accesskey|accountkey|privatekey|"
    r"sastoken|clientsecret|primarykey|secondarykey|sharedkey)$",
    re.IGNORECASE,
)


def redact_secrets(data: Any) -> Any:
    """``data`` with every literal secret replaced by ``<redacted>`` (no hash of it either): a
    value under a secret-like key, a ``{name, value}`` pair whose name or value looks like a
    credential, and any text that carries one (``AccountKey=…``, a private key). Symbols stay:
    they stand for a secret without holding it."""

    def secret(value: Any) -> bool:
        return (
            isinstance(value, str)
            and not isinstance(value, Sym)
            and bool(value)
            and not value.startswith(REDACTED)
        )

    def walk(v: Any, key: str = "") -> Any:
        if isinstance(v, dict):
            named = v.get("name") if isinstance(v.get("name"), str) else None
            out = {}
            for k, x in v.items():
                if k == "value" and named is not None and secret(x) and credential_like(named, x):
                    out[k] = REDACTED
                else:
                    out[k] = walk(x, str(k))
            return out
        if isinstance(v, list):
            return [walk(x, key) for x in v]
        if secret(v) and (_SECRET_KEY.search(key) or CREDENTIAL_VALUE.search(v)):
            return REDACTED
        return v

    return walk(data)
