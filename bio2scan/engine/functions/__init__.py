"""Named Python functions that YAML rules call for what the condition language cannot say.

Three kinds, each registered with ``@function`` and documented by its docstring:

* ``value`` — ``fn(value, **args) -> bool``: a test of the value at a path
  (``{path: CidrIp, call: cidr_is_internet}``). Declares the kind of value it judges
  (``value="string"``); the engine never calls it with another kind, or with an absent value.
* ``subject`` — ``fn(obj, env, **args) -> bool | (bool, [Evidence…])``: a test of the whole subject,
  with ``env`` giving the resource, the evaluation clock and related resources
  (``{call: namespace_has_default_deny}``). Declares the paths it reads (``reads=(Read(…), …)``)
  and the related types it looks up (``related=(…)``). ``None`` for the boolean means *unknown*.
* ``extractor`` — ``fn(resource) -> [(path_prefix, obj), …] | None``: what a rule looks at instead of
  the resource's data (``subject: pod_spec``); ``None`` means the rule does not apply. Declares
  the paths of the resource's data it reads and the shape of what it yields (``yields="mapping"``).

A function without its declarations is refused when it is registered (``DeclarationError``):
the engine decides, from them, when a function may run at all (``engine/reads.py``) — a path that
could not be read, a value of the wrong kind, a related type that was not collected make the
result unknown (ERROR) before the function sees anything. ``env.related``/``env.lookup`` of a type
the function did not declare raises.

Functions are pure: no I/O, no SDK imports. Built-ins live in the modules beside this one; rule
packs of third parties register theirs with the same decorator from their entry point.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..reads import Groups, Read, Related, check_shape, flatten, related_of

KINDS = ("value", "subject", "extractor")

__all__ = [
    "KINDS",
    "REGISTRY",
    "CannotJudge",
    "DeclarationError",
    "Function",
    "Read",
    "Related",
    "function",
]


class CannotJudge(ValueError):
    """Raised by a function that cannot judge what it was given (a policy document without
    statements, a version it cannot parse): the condition is *unknown* there, as for an absent
    value — Kleene's logic decides whether that matters. Any other exception makes the whole
    result ERROR."""


class KnownAfterDeployment(CannotJudge):
    """Raised by a function that needs a value a template cannot give before deployment (a
    related resource's ``Resource.deferred`` field, a group or policy the template refers to but
    does not define): the condition is unknown there, and when only such values stood in the way
    the rule is NOT_APPLICABLE "known only after deployment" — never a verdict on the part that
    is known. (A deferred value the function *declares* it reads never reaches it: the engine
    stops first.)"""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class DeclarationError(ValueError):
    """A function registered without (or with wrong) declarations of what it reads."""


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    kind: str
    fn: Callable[..., Any]
    args: tuple[str, ...]
    doc: str
    reads: tuple[Read, ...] = ()
    related: tuple[Related, ...] = ()
    value: str | None = None
    yields: str | None = None
    value_test: Callable[[Any], bool] | None = None
    groups: Groups = ()
    yields_test: Callable[[Any], bool] | None = None  # the test of ``yields``

    def defaults(self) -> dict[str, Any]:
        """The default values of the function's keyword arguments."""
        import inspect

        return {
            k: p.default
            for k, p in inspect.signature(self.fn).parameters.items()
            if p.default is not inspect.Parameter.empty
        }

    def declaration(self) -> str:
        """What the function reads, in one line (for docs and ``rules show``)."""
        parts = []
        if self.value:
            parts.append(f"value: {self.value}")
        if self.yields:
            parts.append(f"yields: {self.yields}")
        for r in self.reads:
            where = "resource " if r.root == "resource" else ""
            opt = f", absent = {r.absent}" if r.absent else ""
            parts.append(f"reads {where}`{r.path}` ({r.shape}{opt})")
        for rel in self.related:
            scope = "any scope" if rel.scope == "any" else "same scope"
            ns = ", same namespace" if rel.namespace else ""
            lazy = ", checked when looked up" if rel.on_use else ""
            parts.append(f"related `{rel.type}` ({scope}{ns}{lazy})")
        return "; ".join(parts) if parts else "reads nothing"


REGISTRY: dict[str, Function] = {}


_BUILTIN_MODULES = (
    "common",
    "kubernetes",
    "k8s_cluster",
    "k8s_rbac",
    "k8s_credentials",
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


def function(
    name: str,
    kind: str = "value",
    args: tuple[str, ...] = (),
    *,
    reads: Iterable[Read | tuple[Read, ...]] | None = None,
    related: Iterable[str | Related] = (),
    value: str | None = None,
    yields: str | None = None,
) -> Callable[..., Any]:
    """Register ``fn`` under ``name``. ``args`` lists the keyword arguments a rule may pass.

    Declarations (required, see the module docstring): ``value=`` the shape of the value a
    *value* function judges (``"string"``, ``"mapping|string"`` …); ``reads=`` the paths a
    *subject* function or *extractor* reads (``()`` when it reads none) and ``related=`` the
    resource types it looks up; ``yields=`` the shape of each object an *extractor* returns."""
    if kind not in KINDS:
        raise DeclarationError(f"function {name!r}: unknown kind {kind!r}")
    try:
        if kind == "value":
            if value is None:
                raise DeclarationError(
                    f"function {name!r}: a value function declares the kind of value it "
                    "judges (value='string', 'mapping', 'list', 'number', 'boolean', 'any' …)"
                )
            if reads is not None or related or yields is not None:
                raise DeclarationError(
                    f"function {name!r}: a value function declares only value=, not reads/related"
                )
            value_test = check_shape(value)
            yields_test = None
        else:
            value_test = None
            if value is not None:
                raise DeclarationError(f"function {name!r}: value= is for value functions")
            if reads is None:
                raise DeclarationError(
                    f"function {name!r}: a {kind} function declares the paths it reads "
                    "(reads=(Read('path', 'shape'), …), or reads=() when it reads none)"
                )
            if kind == "extractor" and yields is None:
                raise DeclarationError(
                    f"function {name!r}: an extractor declares the shape of what it yields "
                    "(yields='mapping')"
                )
            yields_test = check_shape(yields) if yields is not None else None
        declared_reads, groups = flatten(reads or ())
        declared_related = related_of(related)
    except ValueError as exc:
        if isinstance(exc, DeclarationError):
            raise
        raise DeclarationError(f"function {name!r}: {exc}") from None

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in REGISTRY and REGISTRY[name].fn is not fn:
            raise DeclarationError(f"function {name!r} is registered twice")
        REGISTRY[name] = Function(
            name,
            kind,
            fn,
            tuple(args),
            (fn.__doc__ or "").strip(),
            declared_reads,
            declared_related,
            value,
            yields,
            value_test,
            groups,
            yields_test,
        )
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
