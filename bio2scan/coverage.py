"""What a scan could and could not see, for the results document's ``coverage`` section.

* **Resources per scope** (account, subscription, cluster …) and the collection errors there.
  A scope is *unread* when not one resource came from it and a collector recorded an error for
  every type there (``resource_type: "*"``: no credentials, an unreachable cluster, a role that
  cannot be assumed). A whole scan is *unread* when it holds no resource and at least one
  collection error. Either makes the exit code 3 even with ``--allow-incomplete``: "nothing could
  be read" must never look like a quiet night.
* **Shards**: a merge of shards (``--shard INDEX/COUNT``) that lacks some is incomplete; the
  missing ones are named.
* **Notices** (``model.Notice``): objects not checked, files skipped by design, duplicates. They
  are listed and counted; they do not by themselves make a scan incomplete.

Plain data, derived from inventories (``from_inventory``) or from results documents
(``from_dict``, for ``merge`` of results), and merged with ``merge``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .model import NOTICE_CODES, Inventory, Notice

ALL_TYPES = "*"


@dataclass(frozen=True, slots=True)
class ScopeCount:
    """Resources read from one scope, collection errors there, and how many of those errors
    concern every resource type of the scope (nothing of it could be read)."""

    scope: str
    resources: int = 0
    errors: int = 0
    whole: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "resources": self.resources,
            "errors": self.errors,
            "whole": self.whole,
        }


@dataclass(frozen=True, slots=True)
class Coverage:
    resources: int = 0
    errors: int = 0
    scopes: tuple[ScopeCount, ...] = ()
    notices: tuple[Notice, ...] = ()
    # a merge of shards: how many there should be, which were there, which are missing
    shard_count: int | None = None
    shards_present: tuple[str, ...] = ()
    shards_missing: tuple[str, ...] = ()

    @classmethod
    def from_inventory(cls, inv: Inventory) -> Coverage:
        counts: dict[str, list[int]] = {}
        for t in inv.meta.targets:
            for s in t.scopes:
                counts.setdefault(s, [0, 0, 0])
        for r in inv.resources:
            counts.setdefault(r.scope, [0, 0, 0])[0] += 1
        for e in inv.errors:
            c = counts.setdefault(e.scope, [0, 0, 0])
            c[1] += 1
            if e.resource_type == ALL_TYPES and e.region is None and e.namespace is None:
                c[2] += 1
        return cls(
            resources=len(inv.resources),
            errors=len(inv.errors),
            scopes=tuple(ScopeCount(s, *c) for s, c in sorted(counts.items())),
            notices=tuple(inv.notices),
        )

    @property
    def unread(self) -> list[str]:
        """Scopes from which nothing could be read."""
        return [s.scope for s in self.scopes if s.resources == 0 and s.whole > 0]

    @property
    def nothing_read(self) -> bool:
        """No resource at all, and at least one collection error."""
        return self.resources == 0 and self.errors > 0

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(NOTICE_CODES, 0)
        for n in self.notices:
            out[n.code] = out.get(n.code, 0) + 1
        return out

    def blind(self) -> list[str]:
        """Why the scan saw nothing of something it was asked to look at (empty: it did)."""
        why = [f"nothing could be read from {s}" for s in self.unread]
        if self.nothing_read and not why:
            why.append("nothing could be read (no resources, only collection errors)")
        if self.shards_missing:
            why.append(f"shards missing: {', '.join(self.shards_missing)}")
        return why

    def with_shards(
        self, count: int | None, present: Iterable[str], missing: Iterable[str]
    ) -> Coverage:
        return replace(
            self, shard_count=count, shards_present=tuple(present), shards_missing=tuple(missing)
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "resources": self.resources,
            "errors": self.errors,
            "scopes": [s.to_dict() for s in self.scopes],
            "unread": self.unread,
            "notices": [n.to_dict() for n in self.notices],
            "counts": self.counts,
        }
        if self.shard_count is not None or self.shards_missing:
            d["shards"] = {
                "count": self.shard_count,
                "present": list(self.shards_present),
                "missing": list(self.shards_missing),
            }
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Coverage:
        d = d or {}
        shards = d.get("shards") or {}
        return cls(
            resources=int(d.get("resources", 0)),
            errors=int(d.get("errors", 0)),
            scopes=tuple(
                ScopeCount(s["scope"], s["resources"], s["errors"], s.get("whole", 0))
                for s in d.get("scopes", ())
            ),
            notices=tuple(Notice.from_dict(n) for n in d.get("notices", ())),
            shard_count=shards.get("count"),
            shards_present=tuple(shards.get("present", ())),
            shards_missing=tuple(shards.get("missing", ())),
        )

    @classmethod
    def merge(cls, parts: Sequence[Coverage]) -> Coverage:
        """The coverage of several scans taken together (shards, several targets)."""
        counts: dict[str, list[int]] = {}
        for p in parts:
            for s in p.scopes:
                c = counts.setdefault(s.scope, [0, 0, 0])
                c[0] += s.resources
                c[1] += s.errors
                c[2] += s.whole
        return cls(
            resources=sum(p.resources for p in parts),
            errors=sum(p.errors for p in parts),
            scopes=tuple(ScopeCount(s, *c) for s, c in sorted(counts.items())),
            notices=tuple(dict.fromkeys(n for p in parts for n in p.notices)),
        )


def shard_status(
    shards: Sequence[str | None], files: Sequence[str], expect: int | None = None
) -> tuple[int | None, list[str], list[str]]:
    """``(count, present, missing)`` of the shards behind the inputs of a merge.

    ``shards`` holds each input's ``INDEX/COUNT`` (None when it was not a shard). Inputs of
    different counts, or the same shard twice, cannot be merged: ``ValueError`` naming the
    files. Without shard information, ``expect`` inputs were asked for: the missing ones are
    named by position."""
    seen: dict[int, str] = {}
    count: int | None = None
    for text, f in zip(shards, files):
        if not text:
            continue
        index, n = (int(x) for x in text.split("/"))
        if count is not None and n != count:
            raise ValueError(f"{f}: shard {text} is not one of {count} like the others")
        count = n
        if index in seen:
            raise ValueError(
                f"{f}: shard {text} appears twice (also {seen[index]}); keep one of the two"
            )
        seen[index] = f
    if count is not None and expect and expect != count:
        raise ValueError(f"--expect {expect}, but the shards are of {count} ({files[0]})")
    if count is not None:
        present = [f"{i}/{count}" for i in sorted(seen)]
        return count, present, [f"{i}/{count}" for i in range(count) if i not in seen]
    if expect and len(files) < expect:
        return (
            expect,
            [],
            [f"input {i + 1} of {expect}" for i in range(len(files), expect)],
        )
    return None, [], []
