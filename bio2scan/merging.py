"""Merging the results documents of shards back into one assessment.

A sharded scan (``--shard INDEX/COUNT`` on N pods) gives N inventories or N results documents.
Merging the *inventories* and evaluating once is exact by construction. Merging *results*
(what this module does) is exact when no rule looks across shards (rules whose ``needs`` name
related resource types may see fewer related resources in a shard); it exists for estates whose
inventories are too large to move, and it refuses shards evaluated with different rule sets —
their results cannot be compared, let alone added up.

Results are rebuilt from their document form; rules from the metadata every results document
carries (``rules``), which is all the roll-up needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .coverage import Coverage, ScopeCount
from .errors import InputError
from .model import (
    CollectionError,
    Evidence,
    Link,
    Param,
    Result,
    Rule,
    ScanMeta,
    Severity,
    Source,
    Status,
    Target,
)


def result_from_dict(d: Mapping[str, Any]) -> Result:
    return Result(
        rule_id=d["rule_id"],
        resource_id=d["resource_id"],
        resource_type=d["resource_type"],
        resource_name=d["resource_name"],
        scope=d["scope"],
        region=d.get("region"),
        namespace=d.get("namespace"),
        status=Status(d["status"]),
        severity=Severity(d["severity"]),
        controls=tuple(d["controls"]),
        measures=tuple(d["measures"]),
        message=d["message"],
        evidence=tuple(Evidence(e["path"], e["value"], e["expected"]) for e in d["evidence"]),
        source=Source.from_dict(d["source"]),
        waiver=d.get("waiver"),
    )


def rule_from_dict(d: Mapping[str, Any]) -> Rule:
    """A rule's metadata as a results document carries it (no check, no test cases)."""
    return Rule(
        id=d["id"],
        title=d["title"],
        rationale=d["rationale"],
        remediation=d["remediation"],
        severity=Severity(d["severity"]),
        resource_types=tuple(d.get("resource_types", ())),
        controls=tuple(d["controls"]),
        measures=tuple(d.get("measures", ())),
        links={k: Link(v["strength"], v["reason"]) for k, v in (d.get("links") or {}).items()},
        references=tuple(d.get("references", ())),
        params={k: Param(k, v, "string") for k, v in (d.get("params") or {}).items()},
        needs=tuple(d.get("needs", ())),
        live_only=bool(d.get("live_only")),
        deprecated=bool(d.get("deprecated")),
        pack=d.get("pack", "builtin"),
    )


def merge_results(
    docs: Sequence[Mapping[str, Any]], files: Sequence[str]
) -> tuple[list[Result], dict[str, Rule], ScanMeta, tuple[CollectionError, ...], str, Coverage]:
    """Results, rules, scan metadata, collection errors, rule-set digest and coverage of the
    union."""
    digest = docs[0]["ruleset"]["digest"]
    for doc, f in zip(docs, files):
        if doc["ruleset"]["digest"] != digest:
            raise InputError(
                "evaluated with another rule set than "
                f"{files[0]} ({doc['ruleset']['digest']} ≠ {digest}); merge the "
                "inventories instead, or re-run the shards with the same rules",
                file=f,
                field="ruleset.digest",
            )
    seen: set[str] = set()
    results: list[Result] = []
    for doc in docs:
        for d in doc["results"]:
            if d["finding_id"] not in seen:
                seen.add(d["finding_id"])
                results.append(result_from_dict(d))
    results.sort(key=lambda r: (r.rule_id, r.scope, r.resource_id))
    rules = {rid: rule_from_dict(r) for doc in docs for rid, r in doc["rules"].items()}
    calls: dict[str, int] = {}
    for doc in docs:
        for k, v in (doc["scan"].get("api_calls") or {}).items():
            calls[k] = calls.get(k, 0) + v
    scans = [doc["scan"] for doc in docs]
    meta = ScanMeta(
        tool_version=docs[0]["tool"]["version"],
        started_at=min(s["started_at"] for s in scans),
        finished_at=max(s["finished_at"] for s in scans),
        targets=tuple(Target.from_dict(t) for s in scans for t in s["targets"]),
        api_calls=dict(sorted(calls.items())),
    )
    errors = tuple(
        dict.fromkeys(
            CollectionError.from_dict(e) for doc in docs for e in doc["collection_errors"]
        )
    )
    return results, rules, meta, errors, digest, Coverage.merge([_coverage(d) for d in docs])


def _coverage(doc: Mapping[str, Any]) -> Coverage:
    """A document's coverage; for one written before the section existed, what its collection
    errors and results tell (the resources behind results, the errors per scope)."""
    if "coverage" in doc:
        return Coverage.from_dict(doc["coverage"])
    per_scope: dict[str, list[int]] = {}
    resources = {
        (r["scope"], r["resource_type"], r["resource_id"])
        for r in doc["results"]
        if not r["message"].startswith("not collected (")  # stands for an error, not a resource
    }
    for scope, _, _ in resources:
        per_scope.setdefault(scope, [0, 0, 0])[0] += 1
    for e in doc["collection_errors"]:
        c = per_scope.setdefault(e["scope"], [0, 0, 0])
        c[1] += 1
        c[2] += e["resource_type"] == "*"
    return Coverage(
        resources=len(resources),
        errors=len(doc["collection_errors"]),
        scopes=tuple(ScopeCount(s, *c) for s, c in sorted(per_scope.items())),
    )


def merge_not_applicable(docs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The summarised NOT_APPLICABLE results of the shards (``not_applicable.groups``; a
    document that lists them as rows has none), to be added up by the assessment. The same
    scan given twice counts once, as its rows do (they are merged by finding id)."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for doc in docs:
        scan = doc.get("scan") or {}
        key = json.dumps(
            [scan.get(k) for k in ("shard", "started_at", "finished_at", "targets")],
            sort_keys=True,
            default=str,
        )
        if key in seen:
            continue
        seen.add(key)
        out += [dict(g) for g in (doc.get("not_applicable") or {}).get("groups", ())]
    return out
