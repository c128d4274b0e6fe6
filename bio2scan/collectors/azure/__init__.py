"""The Azure collector: every subscription the identity can see, through one generic ARM reader.

Per subscription it lists the tracked resources of the types the selected rules need (one
``resources.list`` with a ``$filter``), reads each with ``GET {id}`` at its type's api-version
plus the few children rules read (``kinds.py``), and reads the subscription-wide settings
(``subscription.py``). Subscriptions, listings and reads run on a bounded pool. A failed listing
or subscription-wide read becomes a ``CollectionError`` for that type and subscription; a failed
read of one resource or child becomes that resource's ``errors`` entry. The scan always goes on.

Resource ids are ARM's own, exactly as ARM returns them (ARM ids are case-insensitive; the
rule functions compare them case-insensitively). ``scope`` is the subscription id, ``region``
the resource's location.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from ...model import CollectionError, Inventory, Resource, Source
from ..base import CollectRequest, Option, Recorder, public_options, run_parallel, utcnow_iso
from .kinds import ALL_TYPES, BY_ARM_TYPE, KINDS, SUBSCRIPTION_TYPES, Child, Kind

READER_ROLE_ID = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


class AzureCollector:
    name = "azure"
    provider = "azure"
    description = "Azure subscriptions through Azure Resource Manager (Reader role)"
    resource_types = ALL_TYPES
    options = (
        Option(
            "subscriptions",
            "Subscription ids to scan (default: every subscription the identity can list).",
            multiple=True,
        ),
        Option(
            "tenant", "Entra ID tenant to authenticate in and to scan.", envvar="AZURE_TENANT_ID"
        ),
        Option(
            "arm_endpoint",
            "Azure Resource Manager endpoint (sovereign clouds, tests).",
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
        Option(
            "entra",
            "Also scan the tenant's Entra ID through Microsoft Graph (as `scan entra`).",
            type="flag",
        ),
        Option(
            "graph_endpoint",
            "Microsoft Graph endpoint for --entra (national clouds, tests).",
            default="https://graph.microsoft.com",
        ),
    )

    def collect(self, request: CollectRequest) -> Inventory:
        from .pipeline import WaitBudget, wait_limit
        from .session import Settings, credential

        opts = request.options
        budget = WaitBudget(wait_limit(opts))
        settings = Settings(
            endpoint=opts.get("arm_endpoint") or "https://management.azure.com",
            ca_bundle=opts.get("ca_bundle"),
            retries=int(opts["retries"]) if opts.get("retries") is not None else 4,
            timeout=float(opts.get("timeout") or 60),
            budget=budget,
        )
        rec = Recorder(self.name, request)
        run = _Run(rec, request, credential(opts.get("tenant")), settings, opts.get("tenant"))
        run.go(_split(opts.get("subscriptions")))
        if opts.get("entra"):
            from ..entra import collect_into

            collect_into(rec, request, opts, budget)
        return rec.inventory(public_options(opts, self.options))

    def permissions(self, resource_types: set[str]) -> dict[str, Any]:
        """Least privilege for the selected rules: the built-in Reader role covers every read
        (``*/read``); the list names the actions actually used. No data-plane access. (With
        ``--entra`` the Graph permissions of ``bio2scan permissions entra`` come on top.)"""
        wanted = [t for t in ALL_TYPES if t in resource_types]
        actions = {
            "Microsoft.Resources/subscriptions/read",
            "Microsoft.Resources/subscriptions/resources/read",
        }
        for t in wanted:
            if t in SUBSCRIPTION_TYPES:
                actions.add(SUBSCRIPTION_TYPES[t][1])
            else:
                k = next(k for k in KINDS if k.name == t)
                actions.add(f"{k.arm_type}/read")
                for c in k.children:
                    actions.add(
                        "Microsoft.Insights/diagnosticSettings/read"
                        if "diagnosticSettings" in c.suffix
                        else f"{k.arm_type}{_action_path(c.suffix)}/read"
                    )
        return {
            "role": "Reader",
            "roleDefinitionId": READER_ROLE_ID,
            "assignableScope": "each subscription (or a management group above them)",
            "actions": sorted(actions),
            "dataActions": [],
            "resource_types": wanted,
        }


def _action_path(suffix: str) -> str:
    """``/blobServices/default`` → ``/blobServices``; ``/config/web`` → ``/config``."""
    parts = [p for p in suffix.split("/") if p]
    return "".join(f"/{p}" for i, p in enumerate(parts) if i % 2 == 0)


def _split(value: Any) -> list[str] | None:
    if not value:
        return None
    items = [value] if isinstance(value, str) else list(value)
    return [x.strip() for v in items for x in str(v).split(",") if x.strip()]


class _Run:
    """One collection: the sessions per subscription and the jobs they do."""

    def __init__(
        self, rec: Recorder, request: CollectRequest, cred: Any, settings: Any, tenant: str | None
    ) -> None:
        self.rec = rec
        self.request = request
        self.cred = cred
        self.settings = settings
        self.tenant = tenant

    def go(self, only: list[str] | None) -> None:
        from .session import SUBSCRIPTIONS_API, ArmError, Session

        anchor = only[0] if only else "00000000-0000-0000-0000-000000000000"
        t0 = time.monotonic()
        root = Session(self.cred, anchor, self.settings)
        try:
            self.rec.call("subscriptions.list")
            subs = [
                s
                for s in root.pages("/subscriptions", SUBSCRIPTIONS_API)
                if not self.tenant or not s.get("tenantId") or s["tenantId"] == self.tenant
            ]
        except ArmError as exc:
            self.rec.error(
                CollectionError(
                    "azure",
                    "*",
                    "*",
                    f"listing subscriptions: {exc.reason}",
                    exc.code,
                    "subscriptions.list",
                )
            )
            return
        finally:
            root.close()
        visible = {s["subscriptionId"].lower(): s for s in subs}
        if only is not None:
            for sid in only:
                if sid.lower() not in visible:
                    self.rec.error(
                        CollectionError(
                            "azure",
                            "*",
                            sid,
                            "subscription not visible to this identity",
                            "NotFound",
                            "subscriptions.list",
                        )
                    )
            subs = [visible[s.lower()] for s in only if s.lower() in visible]
        subs = [
            s
            for s in subs
            if self.request.owns(s["subscriptionId"])
            and s.get("state", "Enabled") not in ("Disabled", "Deleted")
        ]
        self.rec.timing("azure.subscriptions", time.monotonic() - t0)
        sessions = {
            s["subscriptionId"]: Session(self.cred, s["subscriptionId"], self.settings)
            for s in subs
        }
        try:
            jobs = [
                j for s in subs for j in self._subscription_jobs(sessions[s["subscriptionId"]], s)
            ]
            listed = run_parallel(jobs, self.request.max_workers)
            details = [j for batch in listed for j in batch]
            task = self.request.progress.task("azure resources", total=len(details))
            for r in run_parallel(
                [self._counted(j, task) for j in details], self.request.max_workers
            ):
                self.rec.add(r)
            task.done()
        finally:
            for s in sessions.values():
                s.close()

    def _counted(self, job: Callable[[], Resource], task: Any) -> Callable[[], Resource]:
        def run() -> Resource:
            r = job()
            task.advance()
            return r

        return run

    def _subscription_jobs(
        self, s: Any, sub: dict[str, Any]
    ) -> list[Callable[[], list[Callable[[], Resource]]]]:
        from . import subscription as subr

        sid = sub["subscriptionId"]
        self.rec.scope(sid)
        jobs: list[Callable[[], list[Callable[[], Resource]]]] = []
        kinds = [k for k in KINDS if self.request.wants(k.name)]
        if kinds:
            jobs.append(lambda: self._list(s, sid, kinds))
        for t, reader in subr.READERS.items():
            if self.request.wants(t):
                jobs.append(partial(self._sub_read, s, sub, t, reader))
        return jobs

    def _sub_read(
        self, s: Any, sub: dict[str, Any], t: str, reader: Callable[..., Any]
    ) -> list[Callable[[], Resource]]:
        from .session import ArmError

        t0 = time.monotonic()
        self.rec.call(t)
        try:
            self.rec.extend(reader(s, sub, self._make))
        except ArmError as exc:
            self.rec.error(
                CollectionError(
                    "azure",
                    t,
                    sub["subscriptionId"],
                    exc.reason,
                    exc.code,
                    SUBSCRIPTION_TYPES[t][1],
                )
            )
        self.rec.timing(t, time.monotonic() - t0)
        return []

    def _list(self, s: Any, sid: str, kinds: list[Kind]) -> list[Callable[[], Resource]]:
        """List the subscription's resources; return one detail-read job per resource."""
        from .session import ArmError

        self.rec.call("resources.list")
        t0 = time.monotonic()
        try:
            items = list(s.list_resources([k.arm_type for k in kinds]))
        except ArmError as exc:
            for k in kinds:
                self.rec.error(
                    CollectionError(
                        "azure",
                        k.name,
                        sid,
                        exc.reason,
                        exc.code,
                        "Microsoft.Resources/resources.list",
                    )
                )
            return []
        finally:
            self.rec.timing("resources.list", time.monotonic() - t0)
        jobs: list[Callable[[], Resource]] = []
        for item in items:
            kind = BY_ARM_TYPE.get(str(item.get("type", "")).lower())
            if kind is not None:
                jobs.append(partial(self._read, s, sid, kind, item))
        return jobs

    def _read(self, s: Any, sid: str, kind: Kind, listed: dict[str, Any]) -> Resource:
        """The full resource and its children; failures become the resource's ``errors``."""
        from .session import ArmError

        rid = listed["id"]
        errors: dict[str, str] = {}
        self.rec.call(f"{kind.arm_type}.get")
        try:
            data = dict(s.get(rid, kind.api))
        except ArmError as exc:
            data = dict(listed)
            errors["properties"] = exc.reason
        for child in kind.children:
            self.rec.call(f"{kind.arm_type}{child.suffix}.get")
            try:
                data[child.key] = _child(s, rid, child)
            except ArmError as exc:
                if child.absent_ok and exc.code == "NotFound":
                    data[child.key] = None
                else:
                    errors[child.key] = exc.reason
        return self._make(kind.name, data, sid, f"{kind.arm_type}.get", errors=errors)

    def _make(
        self,
        rtype: str,
        data: dict[str, Any],
        sid: str,
        api: str,
        *,
        rid: str | None = None,
        name: str | None = None,
        errors: dict[str, str] | None = None,
    ) -> Resource:
        region = data.get("location") if isinstance(data.get("location"), str) else None
        if region:
            self.rec.scope(sid, region)
        raw_tags = data.get("tags")
        tags: dict[str, Any] = raw_tags if isinstance(raw_tags, dict) else {}
        rid = rid or str(data["id"])
        return Resource(
            type=rtype,
            id=rid,
            name=str(name or data.get("name") or rid),
            scope=sid,
            data=data,
            region=region,
            source=Source(api=api, region=region, time=utcnow_iso()),
            tags={str(k): str(v) for k, v in tags.items()},
            errors=errors or {},
        )


def _child(s: Any, rid: str, child: Child) -> Any:
    if not child.many:
        return s.get(rid + child.suffix, child.api)
    items = list(s.pages(rid + child.suffix, child.api))
    if child.drop:
        items = [_without(i, child.drop) for i in items]
    if child.flatten:
        return {str(i.get("name")): (i.get("properties") or {}).get("value") for i in items}
    return items


def _without(item: dict[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
    props = {k: v for k, v in (item.get("properties") or {}).items() if k not in drop}
    return {**{k: v for k, v in item.items() if k not in drop}, "properties": props}
