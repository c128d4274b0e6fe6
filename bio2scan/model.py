"""The data that flows through the pipeline: resources, inventories, rules, results.

Everything here is plain, immutable data. ``Resource`` and ``Inventory`` come from collectors,
``Rule`` from the engine's loader, ``Result`` from evaluation. ``Result`` and ``Evidence`` are
``NamedTuple``s rather than frozen dataclasses because evaluation creates millions of them and a
frozen dataclass costs five times as much to construct (see ``bench/engine.py``).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Status(str, enum.Enum):
    """The outcome of one rule on one resource. "Could not look" is ``ERROR``, never ``PASS``."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    WAIVED = "WAIVED"

    def __str__(self) -> str:
        return self.value


class Severity(str, enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe: critical 4 … info 0."""
        return _SEVERITY_RANK[self]

    def __str__(self) -> str:
        return self.value


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


@dataclass(frozen=True, slots=True)
class Source:
    """How a resource was obtained: an API call (and region, time) or a file and line."""

    api: str | None = None
    region: str | None = None
    time: str | None = None
    file: str | None = None
    line: int | None = None

    @property
    def kind(self) -> str:
        return "file" if self.file is not None else "api"

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k in ("api", "region", "time", "file", "line")
            if (v := getattr(self, k)) is not None
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Source:
        d = d or {}
        return cls(
            api=d.get("api"),
            region=d.get("region"),
            time=d.get("time"),
            file=d.get("file"),
            line=d.get("line"),
        )


@dataclass(frozen=True, slots=True)
class Resource:
    """One configuration object, in the shape its provider's API returns it.

    ``type`` is ``<provider>.<service>.<kind>``; ``id`` is the provider's own id (ARN, Azure
    resource id, ``namespace/Kind/name``). ``scope`` is the account, subscription or cluster;
    ``region`` the region or location; ``namespace`` the Kubernetes namespace. ``errors`` maps a
    data path the collector could not read to the reason, so rules that need it report ``ERROR``.
    ``deferred`` maps a data path whose value exists only once the resource is deployed (an
    infrastructure template's "known after apply") to the reason; rules that need it report
    ``NOT_APPLICABLE`` "known only after deployment" — the one allowed exception to "unknown is
    ERROR" (docs/design-notes.md).
    """

    type: str
    id: str
    name: str
    scope: str
    data: Mapping[str, Any]
    source: Source = field(default_factory=Source)
    region: str | None = None
    namespace: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    deferred: Mapping[str, str] = field(default_factory=dict)

    @property
    def provider(self) -> str:
        return self.type.split(".", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": self.type,
            "id": self.id,
            "name": self.name,
            "scope": self.scope,
        }
        if self.region is not None:
            d["region"] = self.region
        if self.namespace is not None:
            d["namespace"] = self.namespace
        if self.tags:
            d["tags"] = dict(self.tags)
        d["source"] = self.source.to_dict()
        if self.errors:
            d["errors"] = dict(self.errors)
        if self.deferred:
            d["deferred"] = dict(self.deferred)
        d["data"] = self.data
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Resource:
        return cls(
            type=d["type"],
            id=d["id"],
            name=d.get("name", d["id"]),
            scope=d["scope"],
            data=d.get("data", {}),
            source=Source.from_dict(d.get("source")),
            region=d.get("region"),
            namespace=d.get("namespace"),
            tags=d.get("tags", {}),
            errors=d.get("errors", {}),
            deferred=d.get("deferred", {}),
        )


@dataclass(frozen=True, slots=True)
class CollectionError:
    """Something a collector could not read. Rules that need it report ``ERROR`` with ``reason``.

    ``resource_type`` is the type that is incomplete because of it; ``scope``/``region``/
    ``namespace`` say where (``None`` = everywhere in the scope). ``code`` is one of
    ``AccessDenied``, ``NotFound``, ``Throttled``, ``Timeout``, ``Unsupported``, ``Error``, and
    for a network failure ``Refused``, ``DNS``, ``TLS``, ``Unreachable`` (``collectors/neterrors``).
    ``file``/``line``: the input file (and line) the error is about, for collectors that read
    files (manifests, templates, Terraform); with ``api`` they tell errors of one type and scope
    apart (each gives its own ERROR result).
    """

    provider: str
    resource_type: str
    scope: str
    reason: str
    code: str = "Error"
    api: str | None = None
    region: str | None = None
    namespace: str | None = None
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k in (
                "provider",
                "resource_type",
                "scope",
                "region",
                "namespace",
                "api",
                "file",
                "line",
                "code",
                "reason",
            )
            if (v := getattr(self, k)) is not None
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CollectionError:
        return cls(
            provider=d["provider"],
            resource_type=d["resource_type"],
            scope=d["scope"],
            reason=d["reason"],
            code=d.get("code", "Error"),
            api=d.get("api"),
            region=d.get("region"),
            namespace=d.get("namespace"),
            file=d.get("file"),
            line=d.get("line"),
        )

    def covers(
        self, resource_type: str, scope: str | None, region: str | None, namespace: str | None
    ) -> bool:
        """True when this error means data of that type, in that place, may be missing."""
        if self.resource_type not in (resource_type, "*"):
            return False
        if scope is not None and self.scope not in (scope, "*"):
            return False
        if self.region is not None and region is not None and self.region != region:
            return False
        return not (
            self.namespace is not None and namespace is not None and self.namespace != namespace
        )


@dataclass(frozen=True, slots=True)
class Target:
    """One thing that was scanned: a collector and the scopes it covered. ``resource_types``
    is what the collector was asked for (``None``: everything it can collect), so that a rule
    evaluated later whose functions need another type knows it was never collected."""

    collector: str
    scopes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    resource_types: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "collector": self.collector,
            "scopes": list(self.scopes),
            "regions": list(self.regions),
            "options": dict(self.options),
        }
        if self.resource_types is not None:
            d["resource_types"] = list(self.resource_types)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Target:
        types = d.get("resource_types")
        return cls(
            collector=d["collector"],
            scopes=tuple(d.get("scopes", ())),
            regions=tuple(d.get("regions", ())),
            options=d.get("options", {}),
            resource_types=tuple(types) if types is not None else None,
        )


class Evidence(NamedTuple):
    """The path into a resource, the value found there, and what was expected of it."""

    path: str
    value: Any
    expected: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "value": self.value, "expected": self.expected}


class Result(NamedTuple):
    """One rule on one resource. ``evidence`` names the path(s) and value(s) that decided it."""

    rule_id: str
    resource_id: str
    resource_type: str
    resource_name: str
    scope: str
    region: str | None
    namespace: str | None
    status: Status
    severity: Severity
    controls: tuple[str, ...]
    measures: tuple[str, ...]
    message: str
    evidence: tuple[Evidence, ...]
    source: Source
    waiver: Mapping[str, Any] | None = None
    change: str | None = None

    @property
    def finding_id(self) -> str:
        """Stable identity across scans: rule id + provider scope + resource id."""
        return finding_id(self.rule_id, self.scope, self.resource_id)


def rule_result(
    rule: Rule, res: Resource, status: Status, message: str, evidence: tuple[Evidence, ...]
) -> Result:
    """``rule``'s result on ``res`` (no waiver, no change yet): every other field is the rule's
    or the resource's. Built without the NamedTuple constructor's extra call."""
    return tuple.__new__(
        Result,
        (
            rule.id,
            res.id,
            res.type,
            res.name,
            res.scope,
            res.region,
            res.namespace,
            status,
            rule.severity,
            rule.controls,
            rule.measures,
            message,
            evidence,
            res.source,
            None,
            None,
        ),
    )


def finding_id(rule_id: str, scope: str, resource_id: str) -> str:
    raw = f"{rule_id}\x1f{scope}\x1f{resource_id}".encode()
    return hashlib.sha256(raw).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class Param:
    """A rule parameter users may override (``--set RULE.PARAM=VALUE`` or a config file)."""

    name: str
    default: Any
    type: str  # integer | number | string | boolean | list
    description: Mapping[str, str] = field(default_factory=dict)


STRENGTHS = ("direct", "supporting")


@dataclass(frozen=True, slots=True)
class Link:
    """Why a rule gives evidence for a BIO2 control or government measure, and how strongly.

    ``strength`` is ``direct`` (the setting is what the control or measure asks; for a measure,
    ``reason`` names the part of it the rule covers) or ``supporting`` (it contributes, but is
    no evidence on its own). Only direct evidence decides a control or measure."""

    strength: str
    reason: str

    @property
    def direct(self) -> bool:
        return self.strength == "direct"

    def to_dict(self) -> dict[str, str]:
        return {"strength": self.strength, "reason": self.reason}


NO_LINK = Link("supporting", "")


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule's metadata as loaded from its YAML file. The engine compiles ``check``."""

    id: str
    title: Mapping[str, str]
    rationale: Mapping[str, str]
    remediation: Mapping[str, str]
    severity: Severity
    resource_types: tuple[str, ...]
    controls: tuple[str, ...]
    measures: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    # control / measure id -> why and how strongly (a rule file always has one per id; a rule
    # built in code without them counts as supporting evidence only)
    links: Mapping[str, Link] = field(default_factory=dict)
    params: Mapping[str, Param] = field(default_factory=dict)
    check: Mapping[str, Any] = field(default_factory=dict)
    tests: tuple[Mapping[str, Any], ...] = ()
    needs: tuple[str, ...] = ()  # other resource types its functions look at (related)
    live_only: bool = False
    deprecated: bool = False
    replaced_by: str | None = None
    file: str = ""
    pack: str = "builtin"

    @property
    def provider(self) -> str:
        return self.id.split(".", 1)[0]

    def text(self, attr: str, lang: str) -> str:
        texts = getattr(self, attr)
        return texts.get(lang) or texts.get("en") or ""

    def link(self, bio2_id: str) -> Link:
        """The link to control or measure ``bio2_id`` (supporting without a reason when the
        rule does not say: evidence is never assumed to be direct)."""
        return self.links.get(bio2_id, NO_LINK)

    def to_dict(self) -> dict[str, Any]:
        """The rule's metadata for reports (no check, no tests)."""
        return {
            "id": self.id,
            "title": dict(self.title),
            "rationale": dict(self.rationale),
            "remediation": dict(self.remediation),
            "severity": self.severity.value,
            "resource_types": list(self.resource_types),
            "controls": list(self.controls),
            "measures": list(self.measures),
            "links": {k: v.to_dict() for k, v in self.links.items()},
            "references": list(self.references),
            "needs": list(self.needs),
            "live_only": self.live_only,
            "deprecated": self.deprecated,
            "pack": self.pack,
            "params": {p.name: p.default for p in self.params.values()},
        }


INVENTORY_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class ScanMeta:
    """What was scanned, when, by which tool, and what it cost."""

    tool_version: str
    started_at: str
    finished_at: str
    targets: tuple[Target, ...] = ()
    api_calls: Mapping[str, int] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)
    shard: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "tool_version": self.tool_version,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "targets": [t.to_dict() for t in self.targets],
            "api_calls": dict(self.api_calls),
            "timings": dict(self.timings),
        }
        if self.shard:
            d["shard"] = self.shard
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScanMeta:
        return cls(
            tool_version=d["tool_version"],
            started_at=d["started_at"],
            finished_at=d["finished_at"],
            targets=tuple(Target.from_dict(t) for t in d.get("targets", ())),
            api_calls=d.get("api_calls", {}),
            timings=d.get("timings", {}),
            shard=d.get("shard"),
        )


NOTICE_CODES = ("not-checked", "skipped", "duplicate")


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a scan met and did not evaluate, kept so that every report can show it.

    ``code`` is one of ``NOTICE_CODES``:

    * ``not-checked``: an object the scanner cannot check (a kind it does not know, a spec it
      cannot read, a template resource type without a mapping). It yields no PASS; reports list
      it under coverage. It does not by itself make a scan incomplete.
    * ``skipped``: a file that holds no objects by design (a README, ``Chart.yaml``,
      ``values.yaml``, a kustomization, a Helm template); ``hint`` may say how to scan it (the
      command that renders it).
    * ``duplicate``: the same object (kind, namespace, name) met in two places; ``reason`` names
      the other place.

    ``kind`` is the object's kind or resource type and ``name`` its name, when known.
    """

    code: str
    reason: str
    provider: str | None = None
    file: str | None = None
    line: int | None = None
    kind: str | None = None
    name: str | None = None
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k in ("code", "provider", "file", "line", "kind", "name", "reason", "hint")
            if (v := getattr(self, k)) is not None
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Notice:
        return cls(
            code=d["code"],
            reason=d["reason"],
            provider=d.get("provider"),
            file=d.get("file"),
            line=d.get("line"),
            kind=d.get("kind"),
            name=d.get("name"),
            hint=d.get("hint"),
        )


@dataclass(frozen=True, slots=True)
class Inventory:
    """Every resource a scan saw, the errors it met, and the scan's metadata.

    Serialises to a versioned JSON document (``bio2scan/schemas/inventory.schema.json``).
    """

    meta: ScanMeta
    resources: tuple[Resource, ...] = ()
    errors: tuple[CollectionError, ...] = ()
    notices: tuple[Notice, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = self.head_dict()
        d["resources"] = [r.to_dict() for r in self.resources]
        return d

    def head_dict(self) -> dict[str, Any]:
        """The document without its resources, which follow these keys (``to_dict``; a
        streamed writer writes them one by one after this head: ``documents.write_inventory``)."""
        d: dict[str, Any] = {
            "schema_version": INVENTORY_SCHEMA_VERSION,
            "kind": "bio2scan-inventory",
            "meta": self.meta.to_dict(),
            "errors": [e.to_dict() for e in self.errors],
        }
        if self.notices:
            d["notices"] = [n.to_dict() for n in self.notices]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Inventory:
        return cls(
            meta=ScanMeta.from_dict(d["meta"]),
            resources=tuple(Resource.from_dict(r) for r in d.get("resources", ())),
            errors=tuple(CollectionError.from_dict(e) for e in d.get("errors", ())),
            notices=tuple(Notice.from_dict(n) for n in d.get("notices", ())),
        )

    @classmethod
    def merge(cls, inventories: list[Inventory] | tuple[Inventory, ...]) -> Inventory:
        """One inventory from several (shards, or several targets). Resources keep their order;
        a resource seen twice (same type and id and scope) is kept once."""
        if len(inventories) == 1:
            return inventories[0]
        seen: set[tuple[str, str, str]] = set()
        resources: list[Resource] = []
        for inv in inventories:
            for r in inv.resources:
                key = (r.type, r.id, r.scope)
                if key not in seen:
                    seen.add(key)
                    resources.append(r)
        calls: dict[str, int] = {}
        timings: dict[str, float] = {}
        for inv in inventories:
            for k, v in inv.meta.api_calls.items():
                calls[k] = calls.get(k, 0) + v
            for k, secs in inv.meta.timings.items():
                timings[k] = timings.get(k, 0.0) + secs
        metas = [i.meta for i in inventories]
        meta = ScanMeta(
            tool_version=metas[0].tool_version,
            started_at=min(m.started_at for m in metas),
            finished_at=max(m.finished_at for m in metas),
            targets=tuple(t for m in metas for t in m.targets),
            api_calls=calls,
            timings=timings,
        )
        errors = tuple(dict.fromkeys(e for i in inventories for e in i.errors))
        notices = tuple(dict.fromkeys(n for i in inventories for n in i.notices))
        return cls(meta=meta, resources=tuple(resources), errors=errors, notices=notices)
