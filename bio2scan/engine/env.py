"""What a function sees besides its subject: the resource, the clock, related resources.

Related resources are found through an index built once per evaluation: by type, by type and
scope, by type, scope and namespace, and — lazily, the first time a function asks — by any key a
function looks up by (``GroupId`` of security groups, ``name`` of ServiceAccounts, the lowered
ARM id of network interfaces). Each lookup is then a dictionary access, so a scan of N resources
with N related ones costs O(N), not O(N²). ``memo`` keeps anything else a function derives once
per evaluation (an index of PodDisruptionBudgets by selector label).

A function may only look up the types it declared (``related=`` of ``@function``); another
raises ``UndeclaredRelated``, so a declaration cannot silently fall behind the code.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from typing import Any

from ..model import CollectionError, Inventory, Resource
from .functions import CannotJudge
from .reads import Blocked, Related


class UndeclaredRelated(RuntimeError):
    """A function looked up a related type it did not declare."""


class RelatedIncomplete(CannotJudge):
    """Raised by ``env.related``/``env.lookup`` for a type declared ``on_use`` that could not
    be collected completely; the engine makes the condition *unknown* (functions do not raise
    it themselves, nor catch it)."""

    def __init__(self, rel: Related, why: str) -> None:
        super().__init__(why)
        self.rel = rel
        self.why = why


_NO_RESOURCES: tuple[Resource, ...] = ()
_NO_ON_USE: dict[str, Related] = {}  # never written to: calling() replaces it


def _key_of(resource: Resource, key: str) -> Any:
    if key in ("id", "name", "scope", "namespace", "region"):
        return getattr(resource, key)
    cur: Any = resource.data
    for step in key.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(step)
    return cur


class Index:
    """The inventory, indexed once per evaluation."""

    def __init__(self, inventory: Inventory) -> None:
        self.by_type: dict[str, list[Resource]] = {}
        for r in inventory.resources:
            self.by_type.setdefault(r.type, []).append(r)
        # per type, by scope and by (scope, namespace): built the first time a function asks
        # for that type (most types are never looked up as related resources)
        self._by_scope: dict[str, dict[str, list[Resource]]] = {}
        self._by_namespace: dict[str, dict[tuple[str, str | None], list[Resource]]] = {}
        self.errors = inventory.errors
        self._keys: dict[tuple[str, str, bool, bool], dict[Any, list[Resource]]] = {}
        self.memo: dict[Any, Any] = {}
        # types each scope's collector was asked for (None: everything it knows)
        self.collected: dict[str, frozenset[str] | None] = {}
        self.restricted: list[tuple[frozenset[str], frozenset[str]]] = []
        for t in inventory.meta.targets:
            if t.resource_types is not None:
                self.restricted.append((frozenset(t.scopes), frozenset(t.resource_types)))

    def keyed(
        self, rtype: str, key: str, same_scope: bool, casefold: bool
    ) -> dict[Any, list[Resource]]:
        k = (rtype, key, same_scope, casefold)
        table = self._keys.get(k)
        if table is None:
            table = {}
            for r in self.by_type.get(rtype, ()):
                v = _key_of(r, key)
                if v is None or isinstance(v, (dict, list)):
                    continue
                if casefold and isinstance(v, str):
                    v = v.lower()
                table.setdefault((r.scope, v) if same_scope else v, []).append(r)
            self._keys[k] = table
        return table

    def by_scope(self, rtype: str) -> dict[str, list[Resource]]:
        """The resources of ``rtype`` by scope (in inventory order)."""
        table = self._by_scope.get(rtype)
        if table is None:
            table = self._by_scope[rtype] = {}
            for r in self.by_type.get(rtype, ()):
                table.setdefault(r.scope, []).append(r)
        return table

    def by_namespace(self, rtype: str) -> dict[tuple[str, str | None], list[Resource]]:
        """The resources of ``rtype`` by scope and namespace (in inventory order)."""
        table = self._by_namespace.get(rtype)
        if table is None:
            table = self._by_namespace[rtype] = {}
            for r in self.by_type.get(rtype, ()):
                table.setdefault((r.scope, r.namespace), []).append(r)
        return table

    def not_collected(self, rtype: str, scope: str) -> bool:
        """True when the collector of ``scope`` was asked for types that exclude ``rtype``."""
        return any(
            rtype not in types and (not scopes or scope in scopes)
            for scopes, types in self.restricted
        )


class Env:
    """What subject functions may see besides their subject: the resource, the clock, and the
    other resources of the inventory (``related``, ``lookup``)."""

    __slots__ = (
        "_allowed",
        "_fn",
        "_index",
        "_on_use",
        "blocked",
        "lists",
        "now",
        "resource",
        "shapes",
    )

    def __init__(self, index: Index, now: _dt.datetime) -> None:
        self._index = index
        self.now = now
        self.resource: Resource | None = None
        self.blocked: Blocked | None = None  # errors/deferred values of the resource
        self.shapes: dict[tuple[int, int], Any] = {}  # declared-read checks, per resource
        self.lists: dict[Any, Any] = {}  # for_each/some elements, per resource (each.py)
        self._allowed: frozenset[str] | None = None  # related types of the running function
        self._on_use: dict[str, Related] = _NO_ON_USE  # of those, the ones checked when looked up
        self._fn = ""

    # --- set by the engine ----------------------------------------------------------------

    def enter(self, resource: Resource) -> None:
        self.resource = resource
        self.blocked = (
            Blocked(resource.errors, resource.deferred)
            if resource.errors or resource.deferred
            else None
        )
        if self.shapes:
            self.shapes = {}
        if self.lists:
            self.lists = {}

    def calling(
        self,
        name: str,
        related: Iterable[Related],
        allowed: frozenset[str] | None = None,
        on_use: dict[str, Related] | None = None,
    ) -> None:
        """A function is about to run: it may look up ``related`` (``allowed`` and ``on_use``,
        when given, are what ``related`` gives — prepared once by the caller)."""
        self._fn = name
        if allowed is None or on_use is None:
            related = tuple(related)
            allowed = frozenset(r.type for r in related)
            on_use = {r.type: r for r in related if r.on_use}
        self._allowed = allowed
        self._on_use = on_use

    def done(self) -> None:
        self._allowed = None
        if self._on_use:
            self._on_use = _NO_ON_USE

    def _check(self, rtype: str) -> None:
        if self._allowed is not None and rtype not in self._allowed:
            raise UndeclaredRelated(
                f"function {self._fn!r} looked up {rtype}, which it does not declare "
                f"(related=… of @function)"
            )
        rel = self._on_use.get(rtype)
        if rel is not None:
            why = self.incomplete(rel)
            if why:
                raise RelatedIncomplete(rel, why)

    # --- for functions --------------------------------------------------------------------

    def related(
        self, resource_type: str, *, same_scope: bool = True, namespace: str | bool | None = False
    ) -> list[Resource] | tuple[Resource, ...]:
        """Resources of ``resource_type`` in the same scope (and namespace, when ``namespace``
        is ``True``, or in the given namespace). Do not modify the returned list."""
        self._check(resource_type)
        r = self.resource
        idx = self._index
        if not same_scope or r is None:
            items: list[Resource] | tuple[Resource, ...] = idx.by_type.get(
                resource_type, _NO_RESOURCES
            )
            if namespace is True and r is not None:
                return [x for x in items if x.namespace == r.namespace]
            if isinstance(namespace, str):
                return [x for x in items if x.namespace == namespace]
            return items
        if namespace is True:
            return idx.by_namespace(resource_type).get((r.scope, r.namespace), _NO_RESOURCES)
        if isinstance(namespace, str):
            return idx.by_namespace(resource_type).get((r.scope, namespace), _NO_RESOURCES)
        return idx.by_scope(resource_type).get(r.scope, _NO_RESOURCES)

    def lookup(
        self,
        resource_type: str,
        key: str,
        value: Any,
        *,
        same_scope: bool = True,
        casefold: bool = False,
    ) -> list[Resource]:
        """Resources of ``resource_type`` whose ``key`` (``id``, ``name``, ``namespace``, or a
        dotted path into the data such as ``GroupId``) equals ``value`` (compared lower-cased
        with ``casefold``), in the same scope unless ``same_scope=False``. Indexed: O(1)."""
        self._check(resource_type)
        if value is None or isinstance(value, (dict, list)):
            return []
        if casefold and isinstance(value, str):
            value = value.lower()
        table = self._index.keyed(resource_type, key, same_scope, casefold)
        r = self.resource
        k = (r.scope if r is not None else None, value) if same_scope else value
        return table.get(k, [])

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()`` once per evaluation under ``key`` (for indexes a function derives)."""
        table = self._index.memo
        if key not in table:
            table[key] = build()
        return table[key]

    def collection_errors(self, resource_type: str) -> list[CollectionError]:
        """Collection errors that leave ``resource_type`` incomplete in this resource's scope."""
        r = self.resource
        return [
            e
            for e in self._index.errors
            if e.covers(resource_type, r.scope if r else None, None, None)
        ]

    def incomplete(self, rel: Related) -> str | None:
        """Why ``rel`` may be incomplete for the current resource, or None."""
        r = self.resource
        scope = r.scope if r is not None and rel.scope == "same" else None
        ns = r.namespace if r is not None and rel.namespace else None
        for e in self._index.errors:
            if e.covers(rel.type, scope, None, ns):
                where = "/".join(x for x in (e.scope, e.region, e.namespace) if x) or "all scopes"
                return f"{rel.type} not collected in {where} ({e.code}): {e.reason}"
        if r is not None and self._index.not_collected(rel.type, r.scope):
            return f"{rel.type} was not collected in {r.scope} (the scan did not ask for it)"
        return None
