"""The results document: the public, versioned, schema-validated form of an assessment, and the
one model every renderer reads.

``build`` turns an ``Assessment`` into it; the document carries everything a renderer needs
(rule texts in both languages, the 93 controls with their titles and roll-up, collection errors,
waivers and baseline information), so ``bio2scan report results.json`` needs nothing else.
"""

from __future__ import annotations

from typing import Any

from ..catalog import THEME_TITLES, load_catalog
from ..model import Assessment, Result, Severity, Status

RESULTS_SCHEMA_VERSION = 1
_SEV_ORDER = [s.value for s in Severity]


def result_to_dict(r: Result) -> dict[str, Any]:
    d: dict[str, Any] = {
        "finding_id": r.finding_id,
        "rule_id": r.rule_id,
        "resource_id": r.resource_id,
        "resource_type": r.resource_type,
        "resource_name": r.resource_name,
        "scope": r.scope,
        "region": r.region,
        "namespace": r.namespace,
        "status": r.status.value,
        "severity": r.severity.value,
        "controls": list(r.controls),
        "measures": list(r.measures),
        "message": r.message,
        "evidence": [e.to_dict() for e in r.evidence],
        "source": r.source.to_dict(),
    }
    if r.waiver is not None:
        d["waiver"] = dict(r.waiver)
    if r.change is not None:
        d["change"] = r.change
    return d


def build(
    assessment: Assessment,
    *,
    tool_version: str,
    ruleset_digest: str,
    evaluated_at: str,
    inventory_sha256: str | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    catalog = load_catalog()
    meta = assessment.meta
    results = [result_to_dict(r) for r in assessment.results]
    status_counts = {s.value: 0 for s in Status}
    failed = dict.fromkeys(_SEV_ORDER, 0)
    for r in assessment.results:
        status_counts[r.status.value] += 1
        if r.status is Status.FAIL:
            failed[r.severity.value] += 1
    controls = []
    control_counts: dict[str, int] = {
        "compliant": 0,
        "non-compliant": 0,
        "not-assessed": 0,
        "manual": 0,
    }
    for c in assessment.controls:
        ctl = catalog.controls[c.id]
        d = c.to_dict()
        d["theme"] = ctl.theme
        d["title"] = dict(ctl.title)
        controls.append(
            {k: d[k] for k in ("id", "theme", "title", "status", "counts", "rules", "measures")}
        )
        control_counts[c.status.value] += 1
    scopes = sorted({s for t in meta.targets for s in t.scopes})
    regions = sorted({s for t in meta.targets for s in t.regions})
    doc: dict[str, Any] = {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "kind": "bio2scan-results",
        "lang": lang,
        "tool": {"name": "bio2scan", "version": tool_version},
        "ruleset": {"digest": ruleset_digest, "count": len(assessment.rules)},
        "scan": {
            "started_at": meta.started_at,
            "finished_at": meta.finished_at,
            "evaluated_at": evaluated_at,
            "targets": [t.to_dict() for t in meta.targets],
            "scope": {"scopes": scopes, "regions": regions},
            "api_calls": dict(meta.api_calls),
            "shard": meta.shard,
            "inventory_sha256": inventory_sha256,
        },
        "collection_errors": [e.to_dict() for e in assessment.errors],
        "rules": {rid: r.to_dict() for rid, r in sorted(assessment.rules.items())},
        "catalog": {
            "name": catalog.name,
            "version": catalog.version,
            "themes": THEME_TITLES,
            "measures": {
                m.id: {"control": m.control, "summary": dict(m.summary)}
                for m in catalog.active_measures()
            },
        },
        "results": results,
        "controls": controls,
        "summary": {
            "results": status_counts,
            "failed_by_severity": failed,
            "controls": control_counts,
            "complete": not assessment.errors and status_counts["ERROR"] == 0,
        },
    }
    cov = assessment.coverage
    if cov is not None:  # what the scan could not see, and what it met and did not check
        doc["coverage"] = cov.to_dict()
        doc["summary"]["notices"] = cov.counts
        # objects were met, and not one could be checked: that scan saw nothing it can judge
        nothing_checked = not results and cov.counts.get("not-checked", 0) > 0
        doc["coverage"]["nothing_checked"] = nothing_checked
        if cov.blind() or nothing_checked:
            doc["summary"]["complete"] = False
    doc.update(assessment.extras)
    return doc
