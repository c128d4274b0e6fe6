"""What every collector is and gets: the ``Collector`` protocol, the request it is given, the
recorder it fills, sharding, and a bounded thread pool.

A collector is an object with::

    name: str                      # the CLI target: bio2scan scan <name>
    provider: str                  # aws | azure | k8s | …: the prefix of its resource types
    description: str               # one line for `bio2scan plugins` and --help
    options: tuple[Option, ...]    # its own CLI options (and positional arguments)
    resource_types: tuple[str, …]  # every type it can produce
    def collect(self, request: CollectRequest) -> Inventory
    def permissions(self, resource_types: set[str]) -> dict   # optional: least privilege

The CLI builds ``bio2scan scan <name>`` and ``bio2scan collect <name>`` from ``options``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from .. import __version__
from ..errors import UsageError
from ..model import CollectionError, Inventory, Notice, Resource, ScanMeta, Target

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Option:
    """A collector option; the CLI turns it into ``--<name>`` (or a positional argument).

    ``type``: string | integer | path | flag | choice. ``multiple``: may be given several times
    (and as a comma-separated list). ``secret``: never echoed into the inventory.
    """

    name: str
    help: str
    type: str = "string"
    multiple: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    envvar: str | None = None
    argument: bool = False
    required: bool = False
    secret: bool = False


@dataclass(frozen=True, slots=True)
class Shard:
    """A deterministic share of the scopes: ``owns(key)`` is true for exactly one of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            i, n = (int(x) for x in text.split("/"))
        except ValueError:
            raise UsageError(f"--shard {text!r}: expected INDEX/COUNT, e.g. 0/4") from None
        if n < 1 or not 0 <= i < n:
            raise UsageError(f"--shard {text!r}: INDEX must be 0 … COUNT-1 and COUNT at least 1")
        return cls(i, n)

    def owns(self, key: str) -> bool:
        digest = hashlib.sha256(key.encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


class Progress:
    """Where collectors report progress. The default does nothing (cron, --quiet)."""

    def task(self, description: str, total: int | None = None) -> ProgressTask:
        return ProgressTask()


class ProgressTask:
    def advance(self, n: int = 1) -> None:
        pass

    def done(self) -> None:
        pass


@dataclass(frozen=True)
class CollectRequest:
    """What a collector is asked to do. ``resource_types`` is what the selected rules need
    (``None``: everything it can collect); a collector collects no API that serves none of them."""

    options: Mapping[str, Any] = field(default_factory=dict)
    resource_types: frozenset[str] | None = None
    shard: Shard | None = None
    max_workers: int = 16
    progress: Progress = field(default_factory=Progress)
    now: Callable[[], _dt.datetime] = lambda: _dt.datetime.now(_dt.UTC)

    def wants(self, *types: str) -> bool:
        return self.resource_types is None or any(t in self.resource_types for t in types)

    def owns(self, key: str) -> bool:
        return self.shard is None or self.shard.owns(key)


class Collector(Protocol):
    name: str
    provider: str
    description: str
    options: tuple[Option, ...]
    resource_types: tuple[str, ...]

    def collect(self, request: CollectRequest) -> Inventory: ...


def utcnow_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


class Recorder:
    """Thread-safe accumulator of resources, errors, API-call counts and timings; ``inventory()``
    turns it into the collector's result."""

    def __init__(self, collector: str, request: CollectRequest) -> None:
        self.collector = collector
        self.request = request
        self.started_at = utcnow_iso()
        self._lock = threading.Lock()
        self.resources: list[Resource] = []
        self.errors: list[CollectionError] = []
        self.notices: list[Notice] = []
        self.calls: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.scopes: dict[str, None] = {}
        self.regions: dict[str, None] = {}

    def add(self, resource: Resource) -> None:
        with self._lock:
            self.resources.append(resource)

    def extend(self, resources: Iterable[Resource]) -> None:
        with self._lock:
            self.resources.extend(resources)

    def error(self, error: CollectionError) -> None:
        with self._lock:
            self.errors.append(error)

    def notice(self, notice: Notice) -> None:
        """Something met and not evaluated (``model.Notice``): an object not checked, a file
        skipped, a duplicate. Kept in the inventory for every report."""
        with self._lock:
            self.notices.append(notice)

    def call(self, api: str, n: int = 1) -> None:
        with self._lock:
            self.calls[api] = self.calls.get(api, 0) + n

    def timing(self, name: str, seconds: float) -> None:
        with self._lock:
            self.timings[name] = self.timings.get(name, 0.0) + seconds

    def scope(self, scope: str, region: str | None = None) -> None:
        with self._lock:
            self.scopes[scope] = None
            if region:
                self.regions[region] = None

    def inventory(self, options: Mapping[str, Any] | None = None) -> Inventory:
        opts = dict(options if options is not None else self.request.options)
        types = self.request.resource_types
        target = Target(
            self.collector,
            tuple(self.scopes),
            tuple(self.regions),
            opts,
            tuple(sorted(types)) if types is not None else None,
        )
        meta = ScanMeta(
            tool_version=__version__,
            started_at=self.started_at,
            finished_at=utcnow_iso(),
            targets=(target,),
            api_calls=dict(sorted(self.calls.items())),
            timings={k: round(v, 3) for k, v in sorted(self.timings.items())},
            shard=str(self.request.shard) if self.request.shard else None,
        )
        resources = sorted(self.resources, key=lambda r: (r.type, r.scope, r.id))
        errors = sorted(
            self.errors,
            key=lambda e: (e.resource_type, e.scope, e.region or "", e.namespace or "", e.reason),
        )
        notices = sorted(
            self.notices, key=lambda n: (n.code, n.file or "", n.line or 0, n.kind or "", n.reason)
        )
        return Inventory(meta, tuple(resources), tuple(errors), tuple(notices))


def run_parallel(jobs: Sequence[Callable[[], T]], max_workers: int) -> list[T]:
    """Run ``jobs`` on a bounded thread pool; return their results in order. A job's exception
    propagates (collectors catch and record their own errors inside the job)."""
    if not jobs:
        return []
    if max_workers <= 1 or len(jobs) == 1:
        return [j() for j in jobs]
    with ThreadPoolExecutor(
        max_workers=min(max_workers, len(jobs)), thread_name_prefix="bio2scan"
    ) as pool:
        futures = [pool.submit(j) for j in jobs]
        return [f.result() for f in futures]


def public_options(options: Mapping[str, Any], declared: Sequence[Option]) -> dict[str, Any]:
    """The options to record in the inventory: secrets dropped, empty values left out."""
    secret = {o.name for o in declared if o.secret}
    return {k: v for k, v in options.items() if k not in secret and v not in (None, (), [], False)}
