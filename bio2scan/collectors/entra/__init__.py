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

from typing import Any

from ...model import Inventory
from ..base import CollectRequest, Option, Recorder, public_options
from . import calls
from .calls import ALL_TYPES
from .run import Run


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
        Option(
            "max_wait",
            "Longest total time, in seconds, the scan waits on throttling and server errors "
            "(Retry-After, back-off); beyond it such answers are errors at once.",
            type="integer",
            default=300,
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


def collect_into(rec: Recorder, request: CollectRequest, opts: Any, budget: Any = None) -> None:
    """Collect the tenant into ``rec`` (also used by ``scan azure --entra``, which passes the
    waiting budget its ARM reads share)."""
    from ..azure.pipeline import WaitBudget, wait_limit
    from ..azure.session import Settings, credential
    from .graph import GraphSession, GraphSettings, graph_credential

    wanted = [t for t in ALL_TYPES if request.wants(t)]
    if not wanted:
        return
    if budget is None:
        budget = WaitBudget(wait_limit(opts))
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
            budget=budget,
        ),
    )
    arm_settings = Settings(
        endpoint=opts.get("arm_endpoint") or "https://management.azure.com",
        ca_bundle=opts.get("ca_bundle"),
        retries=retries,
        timeout=timeout,
        budget=budget,
    )
    from . import apps, armreads, directory, policies

    try:
        run = Run(rec, request, graph, lambda: credential(tenant), arm_settings, tenant)
        run.go(wanted, [*policies.READERS, *directory.READERS, *apps.READERS, *armreads.READERS])
    finally:
        graph.close()
