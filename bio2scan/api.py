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
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import __version__
from . import plugins
from .assess import rollup
from .catalog import load_catalog
from .collectors.base import CollectRequest, Progress, Shard
from .documents import sha256_file, validate, write_json
from .engine import (check_unique, compile_rule, evaluate as _evaluate, load_rules_dir,
                     parse_overrides, select)
from .engine.conditions import ConditionError
from .errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, RuleError, UsageError
from .model import Assessment, Inventory, Rule, Severity, Status
from .render.document import build as _build_document

SEVERITIES = tuple(s.value for s in Severity)


# --- rules -----------------------------------------------------------------------------------

def load_rules(rules_dirs: Iterable[str | Path] = (), *, packs: bool = True) -> dict[str, Rule]:
    """Every rule of the installed rule packs (entry points) plus those under ``rules_dirs``."""
    rules: list[Rule] = []
    if packs:
        for name, path in plugins.rule_packs().items():
            rules.extend(load_rules_dir(Path(str(path)), pack=name,
                                        display_root=f"<{name}>"))
    for d in rules_dirs:
        rules.extend(load_rules_dir(Path(d), pack=str(d)))
    return {r.id: r for r in check_unique(rules)}


def select_rules(rules: Mapping[str, Rule], *, patterns: Iterable[str] = (),
                 controls: Iterable[str] = (), severity: str | None = None,
                 providers: Iterable[str] = ()) -> list[Rule]:
    catalog = load_catalog()
    ctl = []
    for c in controls:
        if c in catalog.measures or catalog.check_control(c) is None:
            ctl.append(c)
        else:
            raise UsageError(f"--controls: {c!r} is neither a BIO2 control nor a measure")
    sev = Severity(severity) if severity else None
    chosen = select(rules.values(), patterns=patterns, controls=ctl, min_severity=sev,
                    providers=providers)
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


def collect(target: str, options: Mapping[str, Any] | None = None, *,
            rules: Sequence[Rule] | None = None, shard: str | Shard | None = None,
            progress: Progress | None = None, max_workers: int = 16) -> Inventory:
    """Run one collector. With ``rules``, only the resource types they need are collected."""
    available = plugins.collectors()
    if target not in available:
        raise UsageError(f"unknown scan target {target!r}; installed: "
                         f"{', '.join(sorted(available)) or 'none'}")
    if isinstance(shard, str):
        shard = Shard.parse(shard)
    request = CollectRequest(options=dict(options or {}),
                             resource_types=needed_types(rules) if rules is not None else None,
                             shard=shard, max_workers=max_workers,
                             progress=progress or Progress())
    return available[target].collect(request)


# --- evaluate & assess -----------------------------------------------------------------------

def compile_rules(rules: Sequence[Rule], overrides: Mapping[str, Mapping[str, Any]] | None = None
                  ) -> list:
    overrides = overrides or {}
    out = []
    for r in rules:
        try:
            out.append(compile_rule(r, overrides.get(r.id)))
        except ConditionError as exc:  # an override that breaks the check
            raise UsageError(f"rule {r.id}: {exc} (at {exc.field})") from None
    return out


def parse_params(items: Iterable[str], rules: Mapping[str, Rule],
                 config: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """``--set RULE.PARAM=VALUE`` items (and a config file's ``params``) → overrides."""
    base = (config or {}).get("params") or {}
    if not isinstance(base, dict):
        raise UsageError("config: 'params' must map rule ids to {param: value}")
    return parse_overrides(items, rules, base)


def assess(inventory: Inventory | Sequence[Inventory], rules: Sequence[Rule], *,
           overrides: Mapping[str, Mapping[str, Any]] | None = None,
           now: _dt.datetime | None = None, lang: str = "en",
           inventory_sha256: str | None = None) -> dict[str, Any]:
    """Evaluate ``rules`` on the inventory (or several, merged) and return the results document."""
    inv = Inventory.merge(list(inventory)) if isinstance(inventory, (list, tuple)) else inventory
    now = now or _dt.datetime.now(_dt.timezone.utc)
    compiled = compile_rules(rules, overrides)
    results = _evaluate(inv, compiled, now=now)
    results.sort(key=lambda r: (r.rule_id, r.scope, r.resource_id))
    by_id = {r.id: r for r in rules}
    assessment = Assessment(results=tuple(results), controls=rollup(results, by_id),
                            rules=by_id, meta=inv.meta, errors=inv.errors)
    return _build_document(assessment, tool_version=__version__,
                           ruleset_digest=ruleset_digest(rules),
                           evaluated_at=now.isoformat(timespec="seconds"),
                           inventory_sha256=inventory_sha256, lang=lang)


def scan(target: str, options: Mapping[str, Any] | None = None, *,
         rules: Sequence[Rule], overrides: Mapping[str, Mapping[str, Any]] | None = None,
         shard: str | None = None, progress: Progress | None = None, max_workers: int = 16,
         lang: str = "en", now: _dt.datetime | None = None) -> tuple[Inventory, dict[str, Any]]:
    inv = collect(target, options, rules=rules, shard=shard, progress=progress,
                  max_workers=max_workers)
    return inv, assess(inv, rules, overrides=overrides, lang=lang, now=now)


# --- render & exit codes ---------------------------------------------------------------------

def renderers() -> dict[str, Any]:
    return plugins.renderers()


def parse_formats(spec: Iterable[str]) -> list[str]:
    available = plugins.renderers()
    out: list[str] = []
    for item in spec:
        for f in str(item).split(","):
            f = f.strip().lower()
            if not f:
                continue
            if f not in available:
                raise UsageError(f"--format {f!r}: unknown; available: "
                                 f"{', '.join(sorted(available))}")
            if f not in out:
                out.append(f)
    return out


def render(document: dict[str, Any], formats: Iterable[str], output_dir: str | Path,
           lang: str = "en") -> dict[str, Path]:
    """Write each format into ``output_dir`` (atomically); return format → path."""
    available = plugins.renderers()
    out: dict[str, Path] = {}
    doc = dict(document, lang=lang)
    for f in parse_formats(formats):
        r = available[f]
        path = Path(output_dir) / getattr(r, "filename", f"report.{r.extension}")
        data = r.render(doc, lang)
        from .documents import atomic_write
        atomic_write(path, data)
        out[f] = path
    return out


def validate_results(document: Any, file: str = "<results>") -> None:
    validate("results", document, file)


def exit_code(document: Mapping[str, Any], fail_on: str | None = "high",
              fail_on_error: bool = False) -> int:
    """0 nothing at or above ``fail_on``; 1 a FAIL at or above it (after waivers); 3 incomplete
    collection with ``fail_on_error`` (takes precedence, so monitoring sees it)."""
    if fail_on_error and not document["summary"]["complete"]:
        return EXIT_INCOMPLETE
    if fail_on in (None, "none"):
        return EXIT_OK
    threshold = Severity(fail_on).rank
    for r in document["results"]:
        if r["status"] == Status.FAIL.value and Severity(r["severity"]).rank >= threshold:
            return EXIT_FINDINGS
    return EXIT_OK


def save_inventory(path: str | Path, inventory: Inventory) -> str:
    return write_json(path, inventory.to_dict())


__all__ = ["assess", "collect", "collectors", "compile_rules", "exit_code", "load_rules",
           "needed_types", "parse_formats", "parse_params", "render", "renderers",
           "ruleset_digest", "save_inventory", "scan", "select_rules", "sha256_file",
           "validate_results", "RuleError"]
