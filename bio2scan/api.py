"""The library's face. The CLI, the tests and other programs call only this.

    rules = load_rules()                                   # every installed rule pack
    chosen = select_rules(rules, patterns=["k8s.*"])
    inv = collect("manifests", {"paths": ["deploy/"]}, rules=chosen)
    doc = assess(inv, chosen)                              # the results document (a dict)
    paths = render(doc, ["html", "sarif"], "out/", lang="nl")
    code = exit_code(doc, fail_on="high")

``scan()`` does the first four in one call.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from . import __version__, plugins
from .assess import assess as _assess_results
from .baseline import Baseline
from .catalog import load_catalog
from .collectors.base import CollectRequest, Progress, ProgressTask, Shard
from .config import Config, load_config
from .coverage import Coverage
from .documents import save_inventory, sha256_file, validate
from .engine import check_unique, compile_rule, load_rules_dir, parse_overrides, select
from .engine import evaluate as _evaluate
from .engine.conditions import ConditionError
from .engine.evaluate import relevant_rules
from .engine.split import wanted as split_evaluation
from .errors import RuleError, UsageError
from .info import (
    catalog,
    collector,
    collector_names,
    find_control,
    mapping,
    mapping_csv,
    mutate_rules,
    plugin_list,
    rule_functions,
    schema,
    test_rules,
    validate_rule_paths,
)
from .inputs import load_baseline, load_waivers
from .model import Inventory, Result, Rule, Severity
from .outputs import (
    Finished,
    blind_spots,
    check_outputs,
    compliance,
    diff_scans,
    exit_code,
    finish,
    list_scans,
    load_results,
    pack_formats,
    parse_formats,
    prepare,
    prune_history,
    record_history,
    render,
    renderers,
    summary,
    validate_results,
    verification_json,
    verify_pack,
    write_ahead,
)
from .parallel import Ahead, collector_paused, kept_to_exit, own_process
from .waivers import WaiverSet

log = logging.getLogger("bio2scan")

SEVERITIES = tuple(s.value for s in Severity)


# --- rules -----------------------------------------------------------------------------------


def load_rules(rules_dirs: Iterable[str | Path] = (), *, packs: bool = True) -> dict[str, Rule]:
    """Every rule of the installed rule packs (entry points) plus those under ``rules_dirs``."""
    rules: list[Rule] = []
    if packs:
        for name, path in plugins.rule_packs().items():
            rules.extend(load_rules_dir(Path(str(path)), pack=name, display_root=f"<{name}>"))
    for d in rules_dirs:
        rules.extend(load_rules_dir(Path(d), pack=str(d)))
    return {r.id: r for r in check_unique(rules)}


def select_rules(
    rules: Mapping[str, Rule],
    *,
    patterns: Iterable[str] = (),
    controls: Iterable[str] = (),
    severity: str | None = None,
    providers: Iterable[str] = (),
    notices: list[str] | None = None,
) -> list[Rule]:
    """The rules matching every filter. ``controls`` takes controls and v1.3 measures; a moved
    v1.2 measure number selects its v1.3 successor and adds a line to ``notices``."""
    catalog = load_catalog()
    ctl = []
    for c in controls:
        try:
            cid, notice = catalog.resolve(c)
        except ValueError as exc:
            raise UsageError(f"--controls: {exc}") from None
        if notice:
            log.info("--controls: %s", notice)
            if notices is not None:
                notices.append(f"--controls: {notice}")
        ctl.append(cid)
    sev = Severity(severity) if severity else None
    chosen = select(
        rules.values(), patterns=patterns, controls=ctl, min_severity=sev, providers=providers
    )
    return chosen


def ruleset_digest(rules: Iterable[Rule]) -> str:
    h = hashlib.sha256()
    for r in sorted(rules, key=lambda r: r.id):
        h.update(json.dumps([r.to_dict(), r.check], sort_keys=True, default=str).encode())
    return "sha256:" + h.hexdigest()


def needed_types(rules: Iterable[Rule]) -> frozenset[str]:
    return frozenset(t for r in rules for t in (*r.resource_types, *r.needs))


# --- collect ---------------------------------------------------------------------------------


def collectors() -> dict[str, Any]:
    return plugins.collectors()


def collect(
    target: str,
    options: Mapping[str, Any] | None = None,
    *,
    rules: Sequence[Rule] | None = None,
    shard: str | Shard | None = None,
    progress: Progress | None = None,
    max_workers: int = 16,
) -> Inventory:
    """Run one collector. With ``rules``, only the resource types they need are collected."""
    found = plugins.collector(target)
    if found is None:
        installed = plugins.names("bio2scan.collectors")
        raise UsageError(
            f"unknown scan target {target!r}; installed: {', '.join(sorted(installed)) or 'none'}"
        )
    if isinstance(shard, str):
        shard = Shard.parse(shard)
    request = CollectRequest(
        options=dict(options or {}),
        resource_types=needed_types(rules) if rules is not None else None,
        shard=shard,
        max_workers=max_workers,
        progress=progress or Progress(),
    )
    inventory: Inventory = found.collect(request)
    return inventory


# --- evaluate & assess -----------------------------------------------------------------------


def compile_rules(
    rules: Sequence[Rule], overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Any]:
    overrides = overrides or {}
    out = []
    for r in rules:
        try:
            out.append(compile_rule(r, overrides.get(r.id)))
        except ConditionError as exc:  # an override that breaks the check
            raise UsageError(f"rule {r.id}: {exc} (at {exc.field})") from None
    return out


def parse_params(
    items: Iterable[str], rules: Mapping[str, Rule], config: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """``--set RULE.PARAM=VALUE`` items (and a config file's ``params``) → overrides."""
    base = (config or {}).get("params") or {}
    if not isinstance(base, dict):
        raise UsageError("config: 'params' must map rule ids to {param: value}")
    return parse_overrides(items, rules, base)


def assess(
    inventory: Inventory | Sequence[Inventory],
    rules: Sequence[Rule],
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    now: _dt.datetime | None = None,
    lang: str = "en",
    inventory_sha256: str | None = None,
    waivers: WaiverSet | str | Path | None = None,
    baseline: Baseline | Mapping[str, Any] | str | Path | None = None,
    progress: Progress | None = None,
    verbose_results: bool = False,
    ahead: Ahead | None = None,
    formats: Iterable[str] = (),
) -> dict[str, Any]:
    """Evaluate ``rules`` on the inventory (or several, merged) and return the results document.

    ``waivers`` (a file or a loaded set) turns matching FAILs into WAIVED; ``baseline`` (a
    results file or document) marks each result new / unchanged and lists what was resolved.
    NOT_APPLICABLE results are summarised (``not_applicable``) unless ``verbose_results``.
    ``ahead``: report files waiting to be written (``write_ahead``), let go as soon as the
    evaluation leaves a CPU free (its forked share is done, or none was forked) — they are
    written there while the rest of the evaluation and the roll-up keep one CPU busy.
    ``formats``: the report formats that will be written (``render``): their writers are made
    ready (``outputs.prepare``: imports, templates) while the evaluation's forked child works,
    which then takes more of the evaluation."""
    # no process-wide switch of the collector for a library call: the host's threads (issue 10)
    return _assess(
        inventory,
        rules,
        overrides=overrides,
        now=now,
        lang=lang,
        inventory_sha256=inventory_sha256,
        waivers=waivers,
        baseline=baseline,
        progress=progress,
        verbose_results=verbose_results,
        ahead=ahead,
        formats=formats,
    )


def _assess(
    inventory: Any,
    rules: Sequence[Rule],
    *,
    overrides: Any,
    now: Any,
    lang: str,
    inventory_sha256: str | None,
    waivers: Any,
    baseline: Any,
    coverage: Coverage | None = None,
    progress: Progress | None = None,
    verbose_results: bool = False,
    ahead: Ahead | None = None,
    formats: Iterable[str] = (),
) -> dict[str, Any]:
    inv = Inventory.merge(list(inventory)) if isinstance(inventory, (list, tuple)) else inventory
    now = now or _dt.datetime.now(_dt.UTC)
    compiled = compile_rules(relevant_rules(rules, inv, overrides), overrides)
    task = advance = None
    if progress is not None:
        per_type = Counter(r.type for r in inv.resources)
        total = sum(per_type[t] for r in rules for t in dict.fromkeys(r.resource_types))
        task = progress.task("rules evaluated", total=total)
        advance = task.advance
    split = split_evaluation(len(inv.resources))  # a share in a forked child (engine.split)
    # report files waiting (``ahead``) go as soon as the evaluation leaves a CPU free
    go = ahead.go if ahead is not None else None
    ready = (lambda: prepare(wanted)) if (wanted := list(formats)) else None
    results = _evaluated(
        inv, compiled, now=now, progress=advance, split=split, released=go, meanwhile=ready
    )
    if task is not None:
        task.done()
    tags = {(r.type, r.id, r.scope): r.tags for r in inv.resources if r.tags}
    document = _document(
        results,
        {r.id: r for r in rules},
        inv.meta,
        inv.errors,
        providers=scanned_providers(inv),
        coverage=coverage if coverage is not None else Coverage.from_inventory(inv),
        digest=ruleset_digest(rules),
        now=now,
        lang=lang,
        inventory_sha256=inventory_sha256,
        waivers=waivers,
        baseline=baseline,
        tags_of=lambda r: tags.get((r.resource_type, r.resource_id, r.scope), {}),
        verbose_results=verbose_results,
    )
    kept_to_exit(results)  # (own process: left to the exit, not freed while one CPU waits)
    return document


def _evaluated(inventory: Inventory, compiled: list[Any], **how: Any) -> list[Result]:
    """``engine.evaluate``'s results in the document's order (rule id, scope, resource id: three
    stable sorts on their own strings, not a key tuple each: 0.04 against 0.08 s at 10,000
    objects), made with the collector paused in bio2scan's own process (``collector_paused``)."""
    with collector_paused():
        results = _evaluate(inventory, compiled, **how)
        for key in _RESULT_ORDER:  # least significant first: stable sorts make it lexicographic
            results.sort(key=key)
    return results


_RESULT_ORDER = tuple(
    itemgetter(Result._fields.index(f)) for f in ("resource_id", "scope", "rule_id")
)


def scanned_providers(inventory: Inventory) -> set[str]:
    """The providers a scan looked at: those of its targets' collectors (``manifests`` and
    ``kubernetes`` are ``k8s``), of every resource, collection error and notice. A provider
    whose collector ran but found nothing was still scanned."""
    found = {r.provider for r in inventory.resources}
    found |= {e.provider for e in inventory.errors}
    found |= {n.provider for n in inventory.notices if n.provider}
    for t in inventory.meta.targets:
        plugin = plugins.get("bio2scan.collectors", t.collector)
        provider = getattr(plugin.obj, "provider", None) if plugin is not None else None
        if isinstance(provider, str):
            found.add(provider)
    return found


def _document(
    results: list[Any],
    by_id: Mapping[str, Rule],
    meta: Any,
    errors: tuple[Any, ...],
    *,
    providers: Iterable[str],
    coverage: Coverage | None = None,
    digest: str,
    now: _dt.datetime,
    lang: str,
    inventory_sha256: str | None,
    waivers: Any,
    baseline: Any,
    tags_of: Any = lambda r: {},
    **rows: Any,  # verbose_results, not_applicable (of shards): how results are listed
) -> dict[str, Any]:
    """Load the waivers and the baseline, then hand over to the assessment (``bio2scan.assess``:
    waivers, baseline, roll-up per measure and control, the results document)."""
    wset = None
    if waivers is not None:
        wset = waivers if isinstance(waivers, WaiverSet) else load_waivers(waivers)
    if baseline is not None and not isinstance(baseline, Baseline):
        baseline = (
            Baseline("<baseline>", baseline)
            if isinstance(baseline, Mapping)
            else load_baseline(baseline)
        )
    return _assess_results(
        results,
        by_id,
        meta,
        errors,
        providers=providers,
        coverage=coverage,
        digest=digest,
        now=now,
        tool_version=__version__,
        lang=lang,
        inventory_sha256=inventory_sha256,
        waivers=wset,
        baseline=baseline,
        tags_of=tags_of,
        **rows,
    )


def scan(
    target: str,
    options: Mapping[str, Any] | None = None,
    *,
    rules: Sequence[Rule],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    shard: str | None = None,
    progress: Progress | None = None,
    max_workers: int = 16,
    lang: str = "en",
    now: _dt.datetime | None = None,
    waivers: Any = None,
    baseline: Any = None,
    verbose_results: bool = False,
    ahead: Ahead | None = None,
    formats: Iterable[str] = (),
) -> tuple[Inventory, dict[str, Any]]:
    """``collect`` then ``assess``: the inventory and the results document. ``ahead``: the
    inventory's report file is forked off right after collecting and written while the results
    are rolled up (``write_ahead``; ``finish(..., ahead=)`` takes it). ``formats``: as for
    ``assess``."""
    inv = collect(
        target, options, rules=rules, shard=shard, progress=progress, max_workers=max_workers
    )
    if ahead is not None:
        write_ahead(ahead, inv)
    return inv, assess(
        inv,
        rules,
        overrides=overrides,
        lang=lang,
        now=now,
        waivers=waivers,
        baseline=baseline,
        progress=progress,
        verbose_results=verbose_results,
        ahead=ahead,
        formats=formats,
    )


def load_inventory(path: str | Path) -> Inventory:
    """An inventory document (``.json``, ``.json.gz`` or ``-`` for standard input), validated."""
    from .documents import load_inventory as _load

    return _load(path)


def merge_inventories(inventories: Sequence[Inventory]) -> Inventory:
    return Inventory.merge(list(inventories))


# --- pipelines: waivers, baselines, shards, history ----------------------------------------


def check_waivers(
    path: str | Path,
    *,
    days: int = 30,
    now: _dt.datetime | None = None,
    rules: Mapping[str, Rule] | None = None,
) -> dict[str, Any]:
    """Validate a waivers file against the installed rules; what expired, what expires within
    ``days``, which rule patterns match no rule."""
    now = now or _dt.datetime.now(_dt.UTC)
    wset = load_waivers(path)
    rules = load_rules() if rules is None else rules
    wset.check_rules(rules)
    return {
        "file": str(path),
        "count": len(wset.waivers),
        "expired": [w.listing() for w in wset.expired(now)],
        "expiring": [w.listing() for w in wset.expiring(now, days)],
        "unknown_rules": [{"id": w.id, "pattern": p} for w, p in wset.unknown_rules(rules)],
    }


def merge(
    paths: Sequence[str | Path],
    rules: Sequence[Rule],
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    now: _dt.datetime | None = None,
    lang: str = "en",
    waivers: Any = None,
    baseline: Any = None,
    expect: int | None = None,
    verbose_results: bool = False,
) -> tuple[Inventory | None, dict[str, Any]]:
    """One results document from the inventories — or the results documents — of shards.

    Inventories are merged and evaluated with ``rules`` (exact); results documents are added up
    as they are (``bio2scan.merging``). Returns the merged inventory (None for results).

    Shards (``--shard INDEX/COUNT``) that are not among the inputs are named in the document's
    ``coverage.shards.missing`` and make the merge incomplete (exit 3); so do fewer inputs
    than ``expect`` when the inputs carry no shard numbers."""
    from .coverage import shard_status
    from .documents import read_json
    from .errors import InputError, InventoryError
    from .merging import merge_not_applicable, merge_results

    docs = {str(p): read_json(p) for p in paths}
    kinds = {p: d.get("kind") if isinstance(d, dict) else None for p, d in docs.items()}
    if set(kinds.values()) == {"bio2scan-inventory"}:
        for p, d in docs.items():
            validate("inventory", d, p, InventoryError)
        shard_of = [d["meta"].get("shard") for d in docs.values()]
    elif set(kinds.values()) == {"bio2scan-results"}:
        for p, d in docs.items():
            validate_results(d, p, "merge it")  # and its stored rows read back
        shard_of = [d["scan"].get("shard") for d in docs.values()]
    else:
        bad = next(
            (p for p, k in kinds.items() if k not in ("bio2scan-inventory", "bio2scan-results")),
            str(paths[0]),
        )
        raise InputError(
            "not a bio2scan inventory or results document (and all inputs of "
            "one merge must be of one kind)",
            file=bad,
        )
    try:
        count, present, missing = shard_status(shard_of, list(docs), expect)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if kinds and next(iter(kinds.values())) == "bio2scan-inventory":
        inv = Inventory.merge([Inventory.from_dict(d) for d in docs.values()])
        cov = Coverage.from_inventory(inv).with_shards(count, present, missing)
        return inv, _assess(
            inv,
            rules,
            overrides=overrides,
            now=now,
            lang=lang,
            inventory_sha256=None,
            waivers=waivers,
            baseline=baseline,
            coverage=cov,
            verbose_results=verbose_results,
        )
    results, by_id, meta, errors, digest, cov = merge_results(list(docs.values()), list(docs))
    now = now or _dt.datetime.now(_dt.UTC)
    return None, _document(
        results,
        by_id,
        meta,
        errors,
        providers={p for d in docs.values() for p in d["scan"].get("providers", ())},
        coverage=cov.with_shards(count, present, missing),
        digest=digest,
        now=now,
        lang=lang,
        inventory_sha256=None,
        waivers=waivers,
        baseline=baseline,
        verbose_results=verbose_results,
        not_applicable=merge_not_applicable(list(docs.values())),
    )


__all__ = [
    "Ahead",
    "Config",
    "Finished",
    "Progress",
    "ProgressTask",
    "RuleError",
    "assess",
    "blind_spots",
    "catalog",
    "check_outputs",
    "check_waivers",
    "collect",
    "collector",
    "collector_names",
    "collectors",
    "compile_rules",
    "compliance",
    "diff_scans",
    "exit_code",
    "find_control",
    "finish",
    "kept_to_exit",
    "list_scans",
    "load_baseline",
    "load_config",
    "load_inventory",
    "load_results",
    "load_rules",
    "load_waivers",
    "mapping",
    "mapping_csv",
    "merge",
    "merge_inventories",
    "mutate_rules",
    "needed_types",
    "own_process",
    "pack_formats",
    "parse_formats",
    "parse_params",
    "plugin_list",
    "prune_history",
    "record_history",
    "render",
    "renderers",
    "rule_functions",
    "ruleset_digest",
    "save_inventory",
    "scan",
    "schema",
    "select_rules",
    "sha256_file",
    "summary",
    "test_rules",
    "validate_results",
    "validate_rule_paths",
    "verification_json",
    "verify_pack",
    "write_ahead",
]
