"""The Entra ID collector: one tenant through Microsoft Graph, plus the few ARM reads about it.

``bio2scan scan entra --tenant ID`` (or ``scan azure --entra``) reads, for the resource types the
selected rules need (``calls.TYPES``): the tenant's licences, security defaults, authorization and
cross-tenant defaults, authentication methods and strengths, Conditional Access policies and named
locations (``policies.py``); directory roles with their active and eligible (PIM) members and the
users holding them (``directory.py``); app registrations and the service principals holding
Microsoft Graph application permissions (``apps.py``); and through ARM the Entra diagnostic
settings with their destinations' retention and the alert rules on role-assignment changes
(``armreads.py``). Read only; credential values are never read.

Every resource's ``scope`` is the tenant id. A refused or failed read becomes a
``CollectionError`` for each type it feeds (never ``*``: an Azure scan merged with this one must
not lose its own results), naming the Graph permission or the licence that was missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from ...model import CollectionError, Inventory, Resource, Source
from ..base import CollectRequest, Option, Recorder, public_options, run_parallel, utcnow_iso
from . import calls
from .calls import ALL_TYPES, Call


class EntraCollector:
    name = "entra"
    provider = "azure"
    description = "Entra ID (Azure AD) through Microsoft Graph, read only"
    resource_types = ALL_TYPES
    options = (
        Option("tenant", "Entra ID tenant id to scan.", envvar="AZURE_TENANT_ID"),
        Option(
            "graph_endpoint",
            "Microsoft Graph endpoint (national clouds, tests).",
            default="https://graph.microsoft.com",
        ),
        Option(
            "arm_endpoint",
            "Azure Resource Manager endpoint for the ARM parts (diagnostic settings, alerts).",
            default="https://management.azure.com",
        ),
        Option(
            "ca_bundle", "CA bundle for TLS verification (else REQUESTS_CA_BUNDLE).", type="path"
        ),
        Option(
            "retries",
            "Retries per request on throttling and transient errors.",
            type="integer",
            default=4,
        ),
        Option(
            "timeout",
            "Connect and read timeout per request, in seconds.",
            type="integer",
            default=60,
        ),
    )

    def collect(self, request: CollectRequest) -> Inventory:
        rec = Recorder(self.name, request)
        collect_into(rec, request, request.options)
        return rec.inventory(public_options(request.options, self.options))

    def permissions(self, resource_types: set[str]) -> dict[str, object]:
        """Least privilege for the selected rules: Graph application permissions (read-only),
        the licences the calls need, and the ARM read actions."""
        return calls.permissions(resource_types)


def collect_into(rec: Recorder, request: CollectRequest, opts: Any) -> None:
    """Collect the tenant into ``rec`` (also used by ``scan azure --entra``)."""
    from ..azure.session import Settings, credential
    from .graph import GraphSession, GraphSettings, graph_credential

    wanted = [t for t in ALL_TYPES if request.wants(t)]
    if not wanted:
        return
    retries = int(opts.get("retries") if opts.get("retries") is not None else 4)
    timeout = float(opts.get("timeout") or 60)
    tenant = opts.get("tenant") or None
    graph = GraphSession(
        graph_credential(tenant),
        GraphSettings(
            endpoint=opts.get("graph_endpoint") or "https://graph.microsoft.com",
            ca_bundle=opts.get("ca_bundle"),
            retries=retries,
            timeout=timeout,
        ),
    )
    arm_settings = Settings(
        endpoint=opts.get("arm_endpoint") or "https://management.azure.com",
        ca_bundle=opts.get("ca_bundle"),
        retries=retries,
        timeout=timeout,
    )
    try:
        run = Run(rec, request, graph, lambda: credential(tenant), arm_settings, tenant)
        run.go(wanted)
    finally:
        graph.close()


class Run:
    """One collection of one tenant: what the readers share."""

    def __init__(
        self,
        rec: Recorder,
        request: CollectRequest,
        graph: Any,
        arm_credential: Callable[[], Any],
        arm_settings: Any,
        tenant: str | None,
    ) -> None:
        self.rec = rec
        self.request = request
        self.graph = graph
        self._arm_credential = arm_credential
        self.arm_settings = arm_settings
        self.tenant = tenant or "*"
        self._arm: Any = None

    # --- the collection ----------------------------------------------------------------------
    def go(self, wanted: list[str]) -> None:
        from . import apps, armreads, directory, policies

        if self.tenant == "*":
            self._discover_tenant(wanted)
        if not self.request.owns(self.tenant):
            return  # another shard's tenant
        self.rec.scope(self.tenant)
        jobs: list[Callable[[], None]] = []
        for readers in (policies.READERS, directory.READERS, apps.READERS, armreads.READERS):
            for types, reader in readers:
                mine = [t for t in types if t in wanted]
                if mine:
                    jobs.append(partial(self._job, reader, mine))
        try:
            run_parallel(jobs, self.request.max_workers)
        finally:
            if self._arm is not None:
                self._arm.close()

    def _job(self, reader: Callable[[Run, list[str]], None], types: list[str]) -> None:
        t0 = time.monotonic()
        try:
            reader(self, types)
        except Exception as exc:  # noqa: BLE001 - a reader that breaks must leave an ERROR
            for t in types:
                self.error(t, f"{type(exc).__name__}: {exc}", "Error", None)
        self.rec.timing(f"entra.{reader.__name__}", time.monotonic() - t0)

    def _discover_tenant(self, wanted: list[str]) -> None:
        from .graph import GraphError

        try:
            orgs = self.get_list(calls.ORG, "/organization", {"$select": "id"})
        except GraphError as exc:
            for t in wanted:
                self.fail(t, calls.ORG, exc)
            return
        if orgs and orgs[0].get("id"):
            self.tenant = str(orgs[0]["id"])

    # --- reads, counted ----------------------------------------------------------------------
    def get(self, call: Call, path: str, params: dict[str, str] | None = None) -> Any:
        self.rec.call(call.api)
        return self.graph.get(path, params)

    def get_list(self, call: Call, path: str, params: dict[str, str] | None = None) -> list[Any]:
        self.rec.call(call.api)
        return list(self.graph.pages(path, params))

    def arm(self) -> Any:
        """The ARM session (made once, on first use)."""
        from ..azure.session import Session

        if self._arm is None:
            self._arm = Session(
                self._arm_credential(), "00000000-0000-0000-0000-000000000000", self.arm_settings
            )
        return self._arm

    # --- results -----------------------------------------------------------------------------
    def fail(self, rtype: str, call: Call, exc: Any) -> None:
        """A refused read: a collection error for ``rtype`` naming what was missing."""
        kind = getattr(exc, "kind", None)
        if kind is None and getattr(exc, "status", None) in (401, 403):
            kind = "permission"
        self.error(rtype, calls.denied(call, kind, exc.reason), exc.code, call.api)

    def error(self, rtype: str, reason: str, code: str, api: str | None) -> None:
        self.rec.error(CollectionError("azure", rtype, self.tenant, reason, code, api))

    def add(self, resources: Iterable[Resource]) -> None:
        self.rec.extend(resources)

    def make(
        self,
        rtype: str,
        data: dict[str, Any],
        api: str,
        *,
        rid: str | None = None,
        name: str | None = None,
        errors: dict[str, str] | None = None,
    ) -> Resource:
        rid = rid or str(data.get("id") or "")
        return Resource(
            type=rtype,
            id=rid,
            name=str(name or data.get("displayName") or rid),
            scope=self.tenant,
            data=data,
            source=Source(api=api, time=utcnow_iso()),
            errors=errors or {},
        )
