"""One collection of one tenant: the Graph session, the ARM session (made on first use), the
recorder, and the helpers every reader uses to read, fail and make resources."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from ...model import CollectionError, Resource, Source
from ..base import CollectRequest, Recorder, run_parallel, utcnow_iso
from . import calls
from .calls import Call

Reader = tuple[tuple[str, ...], Callable[["Run", list[str]], None]]
_BLIND_REASONS = 5  # distinct reasons kept in the one error of a tenant nothing was read from


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
    def go(self, wanted: list[str], readers: list[Reader]) -> None:
        if self.tenant == "*" and not self._discover_tenant(wanted):
            self._blind()  # every type carries the error; nothing read would have a scope
            return
        if not self.request.owns(self.tenant):
            return  # another shard's tenant
        try:
            self._read(wanted, readers)
        finally:
            self._blind()

    def _read(self, wanted: list[str], readers: list[Reader]) -> None:
        self.rec.scope(self.tenant)
        jobs: list[Callable[[], None]] = []
        for types, reader in readers:
            mine = [t for t in types if t in wanted]
            if mine:
                jobs.append(partial(self._job, reader, mine))
        try:
            run_parallel(jobs, self.request.max_workers)
        finally:
            if self._arm is not None:
                self._arm.close()

    def _blind(self) -> None:
        """Nothing at all read from the tenant, and errors there: the tenant is a target from
        which nothing could be read (issue 11.5), even beside an Azure scan's resources. Its
        errors become one for every type of the tenant (``*``), which the coverage counts as
        unread (exit 3 even with ``--allow-incomplete``); the reason keeps each distinct one.
        Only beside other resources (``scan azure --entra``): alone, a scan with no resource and
        an error is unread as a whole already, and each type keeps its own error."""
        rec = self.rec
        with rec._lock:
            if not rec.resources or any(r.scope == self.tenant for r in rec.resources):
                return
            mine = [e for e in rec.errors if e.scope == self.tenant and e.provider == "azure"]
            if not mine or any(e.resource_type == "*" for e in mine):
                return
            reasons = list(dict.fromkeys(e.reason for e in mine))
            more = (
                f"; and {len(reasons) - _BLIND_REASONS} more"
                if len(reasons) > _BLIND_REASONS
                else ""
            )
            codes = {e.code for e in mine}
            rec.errors[:] = [e for e in rec.errors if e not in mine]
            rec.errors.append(
                CollectionError(
                    "azure",
                    "*",
                    self.tenant,
                    f"nothing could be read from the Entra tenant {self.tenant}: "
                    + "; ".join(reasons[:_BLIND_REASONS])
                    + more,
                    codes.pop() if len(codes) == 1 else "Error",
                    mine[0].api if len({e.api for e in mine}) == 1 else None,
                )
            )

    def _job(self, reader: Callable[[Run, list[str]], None], types: list[str]) -> None:
        t0 = time.monotonic()
        try:
            reader(self, types)
        except Exception as exc:  # noqa: BLE001 - a reader that breaks must leave an ERROR
            for t in types:
                self.error(t, f"{type(exc).__name__}: {exc}", "Error", None)
        self.rec.timing(f"entra.{reader.__name__}", time.monotonic() - t0)

    def _discover_tenant(self, wanted: list[str]) -> bool:
        """The tenant of the token (``/organization``); False (with an error per type) when it
        cannot be read."""
        from .graph import GraphError

        try:
            orgs = self.get_list(calls.ORG, "/organization", {"$select": "id"})
        except GraphError as exc:
            for t in wanted:
                self.fail(t, calls.ORG, exc)
            return False
        if orgs and orgs[0].get("id"):
            self.tenant = str(orgs[0]["id"])
        return True

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
        self.error(rtype, calls.denied(call, calls.kind_of(exc), exc.reason), exc.code, call.api)

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
