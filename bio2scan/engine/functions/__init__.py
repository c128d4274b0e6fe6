"""Named Python functions that YAML rules call for what the condition language cannot say.

Three kinds, each registered with a decorator and documented by its docstring:

* ``value`` — ``fn(value, **args) -> bool``: a test of the value at a path
  (``{path: CidrIp, call: cidr_is_internet}``).
* ``subject`` — ``fn(obj, env, **args) -> bool | (bool, [Evidence…])``: a test of the whole subject,
  with ``env`` giving the resource, the evaluation clock and related resources
  (``{call: namespace_has_default_deny}``).
* ``extractor`` — ``fn(resource) -> [(path_prefix, obj), …] | None``: what a rule looks at instead of
  the resource's data (``subject: pod_spec``); ``None`` means the rule does not apply.

Functions are pure: no I/O, no SDK imports. Built-ins live in the modules beside this one; rule
packs of third parties register theirs with the same decorator from their entry point.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KINDS = ("value", "subject", "extractor")


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    kind: str
    fn: Callable[..., Any]
    args: tuple[str, ...]
    doc: str


REGISTRY: dict[str, Function] = {}


class KnownAfterDeployment(Exception):
    """Raised by a subject function that needs a value a template cannot give before deployment
    (``Resource.deferred``): the rule is NOT_APPLICABLE "known only after deployment", as when a
    path the rule names is deferred — never a verdict on the part that is known."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


_BUILTIN_MODULES = (
    "common",
    "kubernetes",
    "k8s_cluster",
    "tls",
    "aws",
    "aws_services",
    "aws_exposure",
    "aws_admin",
    "azure",
    "azure_exposure",
    "entra",
    "entra_logs",
)
_loaded = False


def function(name: str, kind: str = "value", args: tuple[str, ...] = ()) -> Callable[..., Any]:
    """Register ``fn`` under ``name``. ``args`` lists the keyword arguments a rule may pass."""
    if kind not in KINDS:
        raise ValueError(f"unknown function kind {kind!r}")

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in REGISTRY and REGISTRY[name].fn is not fn:
            raise ValueError(f"function {name!r} is registered twice")
        REGISTRY[name] = Function(name, kind, fn, tuple(args), (fn.__doc__ or "").strip())
        return fn

    return deco


def load_builtin_functions() -> dict[str, Function]:
    """Import the built-in function modules (once) and return the registry."""
    global _loaded
    if not _loaded:
        for mod in _BUILTIN_MODULES:
            try:
                importlib.import_module(f"{__name__}.{mod}")
            except ModuleNotFoundError as exc:  # a provider module not written yet
                if exc.name != f"{__name__}.{mod}":
                    raise
        _loaded = True
    return REGISTRY
