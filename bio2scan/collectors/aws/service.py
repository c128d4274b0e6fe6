"""What a service module declares, and the context its functions run in.

A service module (``s3.py``, ``ec2.py`` …) declares one ``Service``: its botocore client, whether
it is regional or global, and per resource type a ``Kind``: the function that collects it and the
operations that function calls. The declared operations are the least-privilege policy
(``permissions``) and a contract: ``Ctx.call`` refuses an operation its kind did not declare, so
the policy cannot drift from the code.

A kind's function gets a ``Ctx`` for one scope (account × region, or account for a global
service). It lists with ``ctx.pages``/``ctx.call`` (an ``AwsError`` that escapes becomes a
``CollectionError`` for the kind's type), and queues one job per resource with ``ctx.spawn`` for
the detail reads, which fill the resource's data with ``ctx.detail`` (a failure becomes the
resource's ``errors[key]``; a "not configured" answer becomes ``None``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ...model import Resource, Source
from ..base import utcnow_iso
from .calls import AwsError, classify, plain, tag_dict


@dataclass(frozen=True)
class Kind:
    """One resource type: ``fn(ctx)`` collects it with the declared ``ops``. An op is
    ``Operation`` (on the service's client) or ``client:Operation``."""

    type: str
    fn: Callable[[Ctx], None]
    ops: tuple[str, ...]


@dataclass(frozen=True)
class Service:
    client: str  # botocore client name: s3, elbv2, accessanalyzer …
    prefix: str  # IAM action prefix: s3, elasticloadbalancing, access-analyzer
    kinds: tuple[Kind, ...]
    regional: bool = True
    actions: Mapping[str, str] = field(default_factory=dict)  # op → IAM action, where it differs

    def action(self, op: str) -> str:
        if op in self.actions:
            return self.actions[op]
        client, _, name = op.rpartition(":")
        return f"{self.prefix if not client or client == self.client else client}:{name}"


class Account:
    """One account: its boto3 session and a cache of thread-safe clients per (service, region)."""

    def __init__(self, account_id: str, session: Any, config: Any, label: str = "") -> None:
        self.id = account_id
        self.session = session
        self.config = config
        self.label = label or account_id
        self.regions: list[str] = []  # the regions scanned in this account
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._shared: dict[str, Any] = {}

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:  # boto3 sessions are not thread-safe; clients are
            c = self._clients.get(key)
            if c is None:
                c = self._clients[key] = self.session.client(
                    service, region_name=region, config=self.config
                )
                if service == "s3control":
                    _no_account_host(c)
            return c

    def shared(self, key: str, fn: Callable[[], Any]) -> Any:
        """``fn()`` once per account (e.g. the IAM credential report used by two kinds). An
        exception is remembered and raised again for every caller."""
        with self._lock:
            box = self._shared.get(key)
            if box is None:
                box = self._shared[key] = [threading.Lock(), None, None, False]
        with box[0]:
            if not box[3]:
                try:
                    box[1] = fn()
                except Exception as exc:  # noqa: BLE001 — re-raised to each caller below
                    box[2] = exc
                box[3] = True
        if box[2] is not None:
            raise box[2]
        return box[1]


GLOBAL_REGION = "us-east-1"


def _no_account_host(client: Any) -> None:
    """S3 Control puts the account id in front of the host name. An endpoint override
    (``AWS_ENDPOINT_URL``: a proxy, a local emulator) has no such names, so there the prefix
    goes again."""
    import os

    override = os.environ.get("AWS_ENDPOINT_URL_S3_CONTROL") or os.environ.get("AWS_ENDPOINT_URL")
    if not override:
        return
    import re

    def strip(request: Any, **_: Any) -> None:
        request.url = re.sub(r"^(\w+://)\d{12}\.", r"\1", request.url)

    client.meta.events.register("before-sign.s3-control.*", strip)


class Ctx:
    """One kind in one scope: the calls it may make and the resources it adds."""

    def __init__(
        self, run: Any, account: Account, region: str | None, service: Service, kind: Kind
    ) -> None:
        self.run = run
        self.account = account
        self.region = region  # None for a global service
        self.service = service
        self.kind = kind
        self._ops = set(kind.ops)

    # --- calls ---------------------------------------------------------------------------
    def api(self, op: str) -> str:
        client, _, name = op.rpartition(":")
        return f"{client or self.service.client}:{name}"

    def client(self, op: str, region: str | None = None) -> Any:
        client = op.rpartition(":")[0] or self.service.client
        return self.account.client(client, region or self.region or GLOBAL_REGION)

    def call(self, op: str, *, region: str | None = None, **params: Any) -> dict[str, Any]:
        """One call of a declared operation; returns the answer made plain; raises AwsError."""
        from botocore import xform_name

        self._check(op)
        api = self.api(op)
        self.run.count(api)
        try:
            answer = getattr(self.client(op, region), xform_name(op.rpartition(":")[2]))(**params)
        except Exception as exc:  # noqa: BLE001 — every failure is classified, none escapes raw
            raise classify(exc, api) from None
        out: dict[str, Any] = plain(answer)
        return out

    def pages(self, op: str, key: str, *, region: str | None = None, **params: Any) -> list[Any]:
        """Every item under ``key`` (dotted: ``DistributionList.Items``) across all pages (each
        page counts as one call)."""
        from botocore import xform_name

        self._check(op)
        api = self.api(op)
        client = self.client(op, region)
        method = xform_name(op.rpartition(":")[2])
        if not client.can_paginate(method):
            return list(_dig(self.call(op, region=region, **params), key) or [])
        items: list[Any] = []
        try:
            for page in client.get_paginator(method).paginate(**params):
                self.run.count(api)
                items.extend(plain(_dig(page, key) or []))
        except Exception as exc:  # noqa: BLE001
            raise classify(exc, api) from None
        return items

    def _check(self, op: str) -> None:
        if op not in self._ops:
            raise AssertionError(f"{self.kind.type}: operation {op} is not declared in its Kind")

    def detail(
        self,
        data: dict[str, Any],
        errors: dict[str, str],
        key: str,
        fn: Callable[[], Any],
        absent: Iterable[str] = (),
    ) -> None:
        """``data[key] = fn()``; an AWS code in ``absent`` ("not configured") gives ``None``;
        any other failure is recorded in ``errors[key]``."""
        try:
            data[key] = fn()
        except AwsError as exc:
            if exc.aws_code in set(absent):
                data[key] = None
            else:
                data[key] = None
                errors[key] = exc.reason

    def fan_out(
        self,
        reads: Iterable[tuple[dict[str, Any], str, Callable[[], Any], Iterable[str]]],
        errors: dict[str, str],
        then: Callable[[], None],
    ) -> None:
        """Independent detail reads of one resource — ``(target, key, fn, absent)``, each as
        ``detail`` does it — as jobs of their own on the shared pool, then ``then()`` (which
        adds the resource) in the job of the last read to finish. A resource's reads then do
        not form one long chain of calls: with a few buckets and many workers, twelve reads of
        one bucket take one round trip instead of twelve. A read that fails in an unexpected
        way still leaves an ``errors`` entry for its key, so it can never look like a value."""
        jobs = list(reads)
        if not jobs:
            then()
            return
        left = [len(jobs)]
        lock = threading.Lock()

        def one(target: dict[str, Any], key: str, fn: Callable[[], Any], absent: Any) -> None:
            try:
                self.detail(target, errors, key, fn, absent)
            except Exception as exc:
                target[key] = None
                errors[key] = f"collector failed: {type(exc).__name__}: {exc}"
                raise
            finally:
                with lock:
                    left[0] -= 1
                    last = left[0] == 0
                if last:
                    then()

        for job in jobs:
            self.spawn(partial(one, *job))

    # --- jobs and resources --------------------------------------------------------------
    def wants(self, resource_type: str) -> bool:
        return bool(self.run.request.wants(resource_type))

    def spawn(self, fn: Callable[[], None]) -> None:
        """Queue a job (a detail read of one resource) on the shared pool."""
        self.run.spawn(fn, self)

    def add(
        self,
        rid: str,
        name: str,
        data: dict[str, Any],
        *,
        api: str,
        region: str | bool | None = True,
        tags: Any = None,
        errors: Mapping[str, str] | None = None,
        rtype: str | None = None,
    ) -> Resource:
        reg = self.region if region is True else (region or None)
        res = Resource(
            type=rtype or self.kind.type,
            id=rid,
            name=name,
            scope=self.account.id,
            data=data,
            region=reg,
            source=Source(api=self.api(api), region=reg or None, time=utcnow_iso()),
            tags=tag_dict(tags) if tags is not None else {},
            errors=dict(errors or {}),
        )
        self.run.rec.add(res)
        return res

    def arn(self, service: str, resource: str, region: str | bool | None = True) -> str:
        reg = self.region if region is True else (region or "")
        return f"arn:aws:{service}:{reg or ''}:{self.account.id}:{resource}"


def _dig(obj: Any, key: str) -> Any:
    for part in key.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj
