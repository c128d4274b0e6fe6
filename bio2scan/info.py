"""What bio2scan knows, for the commands that inform rather than scan (``controls``, ``rules``,
``schema``, ``plugins``): the BIO2 catalogue, rule test cases and validation, JSON Schemas and
installed plugins. Part of the library's face: ``bio2scan.api`` re-exports it, and the CLI
reaches it only through ``api``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .catalog import Catalog, Control, load_catalog, normalise_control_id
from .model import Rule


def catalog() -> Catalog:
    """The BIO2 catalogue: 93 controls, their themes, titles (nl/en) and government measures."""
    return load_catalog()


def find_control(control_id: str) -> Control | None:
    """A control by its id, written as people write it (``8.24``, ``08.24``); None if none."""
    cat = load_catalog()
    return cat.controls.get(normalise_control_id(control_id))


def mapping(rules: Iterable[Rule], lang: str = "en") -> list[dict[str, Any]]:
    """Every rule → control and rule → measure link (control, measure, rule, provider,
    severity, strength, reason), for ``bio2scan controls --mapping``."""
    from .assess.mapping import mapping_rows

    return mapping_rows(rules, lang=lang)


def mapping_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """``mapping`` rows as CSV (UTF-8 with a byte-order mark, CRLF, every field quoted, formula
    triggers neutralised wherever a cell could start: ``csvfmt.safe_cell``)."""
    import csv
    import io

    from .assess.mapping import COLUMNS
    from .render.csvfmt import safe_cell

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([safe_cell(r[k]) for k in COLUMNS])
    return "\ufeff" + buf.getvalue()


def test_rules(rules: Iterable[Rule]) -> list[Any]:
    """Every rule's own test cases: one outcome per case (``ok``, ``expected``, ``actual`` …)."""
    from .engine import run_rule_cases

    return [o for r in rules for o in run_rule_cases(r)]


def mutate_rules(rules: Iterable[Rule]) -> list[Any]:
    """Every rule's mutation report (``engine.mutate``): the mutants of its check that survive
    its own test cases, those declared equivalent, stale declarations, and the cases the rule
    itself fails (mutants are judged without them)."""
    from .engine.mutate import mutate_rule

    return [(r, mutate_rule(r)) for r in rules]


def rule_functions(check: Any) -> dict[str, list[str]]:
    """What a check's named functions read, with what an absent value means to them."""
    from .engine.evaluate import functions_used

    return {f.name: f.declaration().split("; ") for f in functions_used(check)}


def validate_rule_paths(paths: Sequence[str | Path]) -> list[Rule]:
    """Load and validate rule files or directories; the first error is raised (``RuleError``,
    naming file and line); ids must be unique across all of them."""
    from .engine import check_unique, load_rule_file, load_rules_dir
    from .errors import RuleError

    loaded: list[Rule] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            loaded.extend(load_rules_dir(path, pack=str(path)))
        elif path.is_file():
            loaded.append(load_rule_file(path))
        else:
            raise RuleError("no such file or directory", file=str(p))
    return list(check_unique(loaded))


def schema(name: str) -> dict[str, Any]:
    """A JSON Schema: ``rule`` (rule files, generated from the operators), ``inventory``,
    ``results``, ``waivers``, ``config``."""
    if name == "rule":
        from .engine import rule_schema

        doc: dict[str, Any] = rule_schema()
        return doc
    from .documents import schema as load

    return load(name)


def plugin_list() -> list[dict[str, Any]]:
    """Installed collectors, rule packs and renderers (entry points) with their distribution."""
    from . import plugins

    return [
        {"group": group, "name": name, "value": p.value, "distribution": p.distribution}
        for group in plugins.GROUPS
        for name, p in plugins.load(group).items()
    ]


def collector_names() -> list[str]:
    """The installed scan targets (no collector is imported)."""
    from . import plugins

    return sorted(plugins.names("bio2scan.collectors"))


def collector(target: str) -> Any | None:
    """The collector of ``target`` (only its module is imported), or ``None``."""
    from . import plugins

    return plugins.collector(target)
