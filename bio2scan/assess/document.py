"""The results document: the public, versioned, schema-validated form of an assessment, and the
one model every renderer reads.

``build`` turns an ``Assessment`` into it; the document carries everything a renderer needs
(rule texts in both languages with their links to BIO2, the 93 controls with their titles and
roll-up, every active government measure with its status and evidence, collection errors,
waivers and baseline information), so ``bio2scan report results.json`` needs nothing else.

Schema version 2 (this one) added per-measure statuses, the honest control statuses and the
rule links; ``check_version`` refuses a version-1 document where its control statuses would be
re-used (``report``, ``merge``) and names what to do instead.
"""

from __future__ import annotations

from typing import Any

from ..catalog import THEME_TITLES, load_catalog
from ..documents import read_json, validate
from ..errors import InputError
from ..model import Result
from ..resultrows import MESSAGE_TEMPLATES, is_encoded, read_rows
from .listing import EXAMPLES, Listing, listing, na_reason, rows
from .rollup import compliance
from .status import CONTROL_STATUSES, MEASURE_STATUSES, Assessment

RESULTS_SCHEMA_VERSION = 3
READABLE_VERSIONS = (2, 3)  # 2: rows as a list, every NOT_APPLICABLE listed
__all__ = [
    "EXAMPLES",
    "READABLE_VERSIONS",
    "RESULTS_SCHEMA_VERSION",
    "build",
    "check_version",
    "decode",
    "na_reason",
    "read_results",
    "result_to_dict",
    "rows",
    "validate_findings",
]


def result_to_dict(r: Result) -> dict[str, Any]:
    """One result as a row of the document (``rows`` makes many at once, sharing parts)."""
    return rows((r,))[0]


def build(
    assessment: Assessment,
    *,
    tool_version: str,
    ruleset_digest: str,
    evaluated_at: str,
    inventory_sha256: str | None = None,
    lang: str = "en",
    verbose_results: bool = False,
    listed: Listing | None = None,
) -> dict[str, Any]:
    """The results document. NOT_APPLICABLE results are summarised (``not_applicable``: per
    rule, resource type and reason, with counts) unless ``verbose_results`` lists every one.
    ``listed``: the ``listing`` of the assessment's results, if made already."""
    catalog = load_catalog()
    meta = assessment.meta
    # every result listed with verbose_results (those of shards that were summarised stay so),
    # else the NOT_APPLICABLE ones summarised; ``assess`` made it already (its counts rolled up)
    if listed is None:
        listed = listing(
            assessment.results, assessment.not_applicable, summarise=not verbose_results
        )
    results, groups, status_counts, failed = (
        listed.rows,
        listed.groups,
        listed.statuses,
        listed.failed,
    )
    controls = []
    control_counts = dict.fromkeys(CONTROL_STATUSES, 0)
    for c in assessment.controls:
        ctl = catalog.controls[c.id]
        d = c.to_dict()
        controls.append(
            {
                "id": c.id,
                "theme": ctl.theme,
                "title": dict(ctl.title),
                "automatable": ctl.automatable,
            }
            | {k: v for k, v in d.items() if k != "id"}
        )
        control_counts[c.status.value] += 1
    measure_counts = dict.fromkeys(MEASURE_STATUSES, 0)
    for m in assessment.measures:
        measure_counts[m.status.value] += 1
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
            "providers": list(assessment.providers),
        },
        "collection_errors": [e.to_dict() for e in assessment.errors],
        "rules": {
            rid: r.to_dict() | {"messages": MESSAGE_TEMPLATES}
            for rid, r in sorted(assessment.rules.items())
        },
        "catalog": {
            "name": catalog.name,
            "version": catalog.version,
            "themes": THEME_TITLES,
            "measures": {
                m.id: {
                    "control": m.control,
                    "summary": dict(m.summary),
                    "automatable": m.automatable,
                    **({"note": dict(m.note)} if m.note else {}),
                }
                for m in catalog.active_measures()
            },
        },
        "results": results,
        "not_applicable": {"summarised": bool(groups) or not verbose_results, "groups": groups},
        "controls": controls,
        "measures": [m.to_dict() for m in assessment.measures],
        "summary": {
            "results": status_counts,
            "failed_by_severity": failed,
            "controls": control_counts,
            "measures": measure_counts,
            "compliance": compliance(control_counts),
            "complete": not assessment.errors and status_counts["ERROR"] == 0,
        },
    }
    cov = assessment.coverage
    if cov is not None:  # what the scan could not see, and what it met and did not check
        doc["coverage"] = cov.to_dict()
        doc["summary"]["notices"] = cov.counts
        # objects were met, and not one could be checked: that scan saw nothing it can judge
        nothing_checked = not results and not groups and cov.counts.get("not-checked", 0) > 0
        doc["coverage"]["nothing_checked"] = nothing_checked
        if cov.blind() or nothing_checked:
            doc["summary"]["complete"] = False
    doc.update(assessment.extras)
    return doc


def check_version(document: dict[str, Any], file: str, purpose: str) -> None:
    """Refuse a results document whose control statuses predate this schema, where ``purpose``
    would re-use them (re-rendering, merging). Baselines and diffs read only the results and
    accept every version."""
    version = document.get("schema_version")
    if version in READABLE_VERSIONS:
        return
    if version == 1:
        raise InputError(
            f"results schema version 1 (bio2scan before the measure-level assessment) cannot be "
            f"used to {purpose}: its control statuses counted one PASS as compliant. Evaluate "
            "the inventory again (`bio2scan evaluate inventory.json.gz`) — it is in the same "
            "output directory or evidence pack",
            file=file,
            field="schema_version",
        )
    raise InputError(
        f"results schema version {version!r} is not supported (this bio2scan reads "
        f"{', '.join(map(str, READABLE_VERSIONS))}); use the bio2scan version that wrote it",
        file=file,
        field="schema_version",
    )


_FINDING_KEYS = ("finding_id", "rule_id", "resource_id", "resource_type", "scope", "status")


def validate_findings(doc: dict[str, Any], file: str) -> None:
    """What a baseline or a diff reads of a results document of any schema version: the
    results with their identity and status."""
    results = doc.get("results")
    if not isinstance(results, list):
        raise InputError("not a valid results document: 'results' is missing", file=file)
    for i, r in enumerate(results):
        missing = [k for k in _FINDING_KEYS if not isinstance(r, dict) or k not in r]
        if missing:
            raise InputError(
                f"not a valid results document: results[{i}] lacks {', '.join(missing)}",
                file=file,
                field=f"results/{i}",
            )


def read_results(path: Any, *, findings_only: bool = False) -> dict[str, Any]:
    """Read a results document: this schema version, validated — or, with ``findings_only``
    (baselines, diffs), any version whose results can be read."""
    file = str(path)
    doc = read_json(path)
    if not isinstance(doc, dict) or doc.get("kind") != "bio2scan-results":
        raise InputError("not a bio2scan results document", file=file)
    if findings_only and doc.get("schema_version") not in READABLE_VERSIONS:
        validate_findings(doc, file)
        return doc
    check_version(doc, file, "render or merge it")
    validate("results", doc, file)
    return decode(doc, file)


def decode(doc: dict[str, Any], file: str = "<results>") -> dict[str, Any]:
    """A validated results document with its rows as ``document["results"]`` reads them (a
    stored, schema-3 results section is expanded: ``resultrows.read_rows``)."""
    if is_encoded(doc.get("results")):
        try:
            doc["results"] = read_rows(doc["results"], doc.get("rules") or {})
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise InputError(
                f"not a valid results document: {exc}", file=file, field="results"
            ) from None
    return doc
