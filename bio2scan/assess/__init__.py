"""The assessment, in one place: from evaluated results to the results document.

``assess()`` applies, in this order, waivers (risk-accepted FAILs become WAIVED; ``not-applicable``
declarations of government measures are collected), the baseline (each result new or unchanged,
and what was resolved), the roll-up per government measure and per BIO2 control
(``rollup.py``, statuses in ``status.py``) and builds the results document (``document.py``).
``api.assess`` (evaluate an inventory) and ``api.merge`` (add up shards) both end here.

    doc = assess(results, rules_by_id, meta, errors, providers={"aws"}, waivers=wset, …)
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..baseline import Baseline
from ..baseline import compare as _compare_baseline
from ..catalog import load_catalog
from ..model import CollectionError, Result, Rule, ScanMeta
from ..waivers import WaiverSet
from ..waivers import apply as _apply_waivers
from .document import RESULTS_SCHEMA_VERSION, build, check_version, result_to_dict
from .listing import listing
from .rollup import compliance, count_results, rollup_controls, rollup_measures
from .status import (
    COMPLIANT,
    CONTROL_STATUSES,
    MEASURE_STATUSES,
    NOT_COUNTED,
    Assessment,
    ControlRollup,
    ControlStatus,
    MeasureRollup,
    MeasureStatus,
)

__all__ = [
    "COMPLIANT",
    "CONTROL_STATUSES",
    "MEASURE_STATUSES",
    "NOT_COUNTED",
    "RESULTS_SCHEMA_VERSION",
    "Assessment",
    "ControlRollup",
    "ControlStatus",
    "MeasureRollup",
    "MeasureStatus",
    "assess",
    "build",
    "check_version",
    "compliance",
    "result_to_dict",
    "rollup",
]


def rollup(
    results: Iterable[Result],
    rules: Mapping[str, Rule],
    providers: Iterable[str],
    declarations: Mapping[str, Mapping[str, Any]] | None = None,
    not_applicable: Iterable[Mapping[str, Any]] = (),
) -> tuple[tuple[ControlRollup, ...], tuple[MeasureRollup, ...]]:
    """Controls and measures from results: ``providers`` are the scanned ones (``aws``,
    ``azure``, ``k8s`` …); ``declarations`` maps a measure declared not applicable to the
    declaration (owner, reason …); ``not_applicable``: NOT_APPLICABLE results already
    summarised (groups with a ``count``), counted as if they were listed."""
    return _rollup(count_results(results), rules, providers, declarations, not_applicable)


def _rollup(
    counts: dict[str, Counter[str]],
    rules: Mapping[str, Rule],
    providers: Iterable[str],
    declarations: Mapping[str, Mapping[str, Any]] | None,
    not_applicable: Iterable[Mapping[str, Any]],
) -> tuple[tuple[ControlRollup, ...], tuple[MeasureRollup, ...]]:
    """``rollup`` from the results counted per rule and status (``count_results``)."""
    catalog = load_catalog()
    for g in not_applicable:
        counts.setdefault(g["rule_id"], Counter())["NOT_APPLICABLE"] += int(g["count"])
    scanned = frozenset(providers)
    measures = rollup_measures(catalog, rules, counts, scanned, declarations)
    return rollup_controls(catalog, rules, counts, measures, scanned), measures


def assess(
    results: Sequence[Result],
    rules: Mapping[str, Rule],
    meta: ScanMeta,
    errors: tuple[CollectionError, ...],
    *,
    providers: Iterable[str],
    digest: str,
    now: _dt.datetime,
    tool_version: str,
    lang: str = "en",
    inventory_sha256: str | None = None,
    waivers: WaiverSet | None = None,
    baseline: Baseline | None = None,
    tags_of: Callable[[Result], Mapping[str, str]] = lambda r: {},
    coverage: Any = None,
    verbose_results: bool = False,
    not_applicable: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Waivers, then baseline, then the roll-up per measure and control: the results
    document. ``coverage`` (``coverage.Coverage``) is what the scan could not see and what it
    met and did not check; it can only make the document less complete. NOT_APPLICABLE
    results are summarised per rule, resource type and reason unless ``verbose_results``;
    ``not_applicable`` adds groups summarised before (shards being merged)."""
    extras: dict[str, Any] = {}
    declarations: dict[str, dict[str, Any]] = {}
    if waivers is not None:
        results, extras["waivers"] = _apply_waivers(list(results), waivers, rules, now, tags_of)
        declarations = waivers.declarations(now)
    if baseline is not None:
        results, extras["baseline"] = _compare_baseline(
            results, baseline.document, baseline.file, rules
        )
    scanned = tuple(sorted(set(providers)))
    # one pass over the results makes the rows and counts them for the roll-up
    listed = listing(results, not_applicable, summarise=not verbose_results)
    # the counts per rule get the shards' NOT_APPLICABLE groups added: a copy
    counts = {rule_id: Counter(c) for rule_id, c in listed.counts.items()}
    controls, measures = _rollup(counts, rules, scanned, declarations, not_applicable)
    assessment = Assessment(
        results=tuple(results),
        controls=controls,
        rules=rules,
        meta=meta,
        errors=errors,
        extras=extras,
        measures=measures,
        providers=scanned,
        coverage=coverage,
        not_applicable=tuple(not_applicable),
    )
    return build(
        assessment,
        tool_version=tool_version,
        ruleset_digest=digest,
        evaluated_at=now.isoformat(timespec="seconds"),
        inventory_sha256=inventory_sha256,
        lang=lang,
        verbose_results=verbose_results,
        listed=listed,
    )
