"""The commands that inform rather than scan: controls, rules, plugins, schema, permissions."""

from __future__ import annotations

import json
import shutil
import sys
from typing import Any

import click

from . import api
from .errors import UsageError
from .safetext import safe

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _table(rows: list[list[str]], headers: list[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(show_edge=False, pad_edge=False, header_style="bold")
    for h in headers:
        t.add_column(h, overflow="fold")
    for r in rows:
        t.add_row(*r)
    Console(
        width=max(100, shutil.get_terminal_size().columns) if sys.stdout.isatty() else 160,
        highlight=False,
    ).print(t)


def register(main: click.Group) -> None:
    main.add_command(controls)
    main.add_command(rules)
    main.add_command(plugins_cmd)
    main.add_command(schema)
    main.add_command(permissions)


@click.command(context_settings=CONTEXT)
@click.argument("control_id", required=False)
@click.option(
    "--theme", type=click.Choice(["organisational", "people", "physical", "technological"])
)
@click.option(
    "--mapping",
    is_flag=True,
    help="Every rule's links to controls and measures: control, measure, rule, provider, "
    "strength (direct/supporting) and reason — for auditors (with --format csv or json).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="csv: only with --mapping.",
)
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True)
@click.option("--rules-dir", multiple=True, type=click.Path())
@click.option("--debug", is_flag=True)
def controls(
    control_id: str | None,
    theme: str | None,
    mapping: bool,
    fmt: str,
    lang: str,
    rules_dir: tuple[str, ...],
    debug: bool,
) -> None:
    """List the 93 BIO2 controls, or show one with its measures and rules; --mapping exports
    the whole rule → control / measure mapping."""
    cat = api.catalog()
    all_rules = api.load_rules(rules_dir)
    if mapping:
        _mapping(all_rules, control_id, theme, fmt, lang)
        return
    if fmt == "csv":
        raise UsageError("--format csv: only with --mapping")
    by_control: dict[str, list[str]] = {}
    for r in all_rules.values():
        for c in r.controls:
            by_control.setdefault(c, []).append(r.id)
    if control_id:
        found = api.find_control(control_id)
        if found is None:
            raise UsageError(
                f"{control_id!r} is not a BIO2 control (5.1–5.37, 6.1–6.8, 7.1–7.14, 8.1–8.34)"
            )
        ctl, cid = found, found.id
        data = {
            "id": ctl.id,
            "theme": ctl.theme,
            "title": dict(ctl.title),
            "automatable": ctl.automatable,
            "measures": [
                {
                    "id": m.id,
                    "summary": dict(m.summary),
                    "categories": list(m.categories),
                    "replaces": list(m.replaces),
                }
                for m in ctl.measures
            ],
            "rules": sorted(by_control.get(cid, [])),
        }
        if fmt == "json":
            click.echo(json.dumps(data, ensure_ascii=False, indent=1))
            return
        click.echo(f"{ctl.id}  {ctl.text(lang)}  ({ctl.theme})")
        click.echo(
            f"  {'nl' if lang == 'en' else 'en'}: {ctl.title['nl' if lang == 'en' else 'en']}"
        )
        click.echo(f"  automatable: {ctl.automatable}")
        click.echo(
            "  measures:" if ctl.measures else "  measures: none (ISO 27002 guidance applies)"
        )
        for m in ctl.measures:
            click.echo(f"    {m.id}  {m.summary.get(lang) or m.summary['en']}")
        mapped = sorted(by_control.get(cid, []))
        click.echo(f"  rules ({len(mapped)}):")
        for rid in mapped:
            click.echo(
                f"    {rid}  [{all_rules[rid].severity.value}] {all_rules[rid].text('title', lang)}"
            )
        return
    items = [c for c in cat.controls.values() if theme is None or c.theme == theme]
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "id": c.id,
                        "theme": c.theme,
                        "title": dict(c.title),
                        "automatable": c.automatable,
                        "measures": [m.id for m in c.measures],
                        "rules": sorted(by_control.get(c.id, [])),
                    }
                    for c in items
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    _table(
        [
            [c.id, c.theme, c.text(lang), str(len(c.measures)), str(len(by_control.get(c.id, [])))]
            for c in items
        ],
        ["id", "theme", "title", "measures", "rules"],
    )


def _mapping(
    all_rules: dict[str, Any], control_id: str | None, theme: str | None, fmt: str, lang: str
) -> None:
    rows = api.mapping(all_rules.values(), lang=lang)
    cat = api.catalog()
    if control_id:
        found = api.find_control(control_id)
        if found is None:
            raise UsageError(f"{control_id!r} is not a BIO2 control")
        rows = [r for r in rows if r["control"] == found.id]
    if theme:
        rows = [r for r in rows if cat.controls[r["control"]].theme == theme]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        click.echo(api.mapping_csv(rows), nl=False)
    else:
        _table(
            [
                [safe(r["control"]), safe(r["measure"]), safe(r["rule"]), r["strength"]]
                + [safe(r["reason"])]
                for r in rows
            ],
            ["control", "measure", "rule", "strength", "reason"],
        )


@click.group(context_settings=CONTEXT)
def rules() -> None:
    """List, show, test and validate rules."""


@rules.command("list")
@click.option("--provider", multiple=True, help="aws, azure, k8s … (repeatable)")
@click.option("--control", "controls_", multiple=True, help="BIO2 control or measure id.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True)
@click.option("--rules-dir", multiple=True, type=click.Path())
@click.option("--debug", is_flag=True)
def rules_list(
    provider: tuple[str, ...],
    controls_: tuple[str, ...],
    fmt: str,
    lang: str,
    rules_dir: tuple[str, ...],
    debug: bool,
) -> None:
    """List the installed rules."""
    chosen = api.select_rules(api.load_rules(rules_dir), controls=controls_, providers=provider)
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in chosen], ensure_ascii=False, indent=1))
        return
    _table(
        [
            [
                r.id,
                r.severity.value,
                ",".join(r.controls),
                ",".join(r.measures),
                r.text("title", lang),
            ]
            for r in chosen
        ],
        ["id", "severity", "controls", "measures", "title"],
    )
    click.echo(f"{len(chosen)} rules")


@rules.command("show")
@click.argument("rule_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "yaml"]), default="text")
@click.option("--rules-dir", multiple=True, type=click.Path())
@click.option("--debug", is_flag=True)
def rules_show(rule_id: str, fmt: str, rules_dir: tuple[str, ...], debug: bool) -> None:
    """Show one rule: texts in both languages, controls, parameters, the check."""
    import yaml

    all_rules = api.load_rules(rules_dir)
    r = all_rules.get(rule_id)
    if r is None:
        raise UsageError(f"no rule {rule_id!r} (see `bio2scan rules list`)")
    d = r.to_dict()
    d["params"] = {
        p.name: {"default": p.default, "type": p.type, "description": dict(p.description)}
        for p in r.params.values()
    }
    d["check"] = r.check
    # what the check's named functions read, with what an absent value means to them
    d["functions"] = api.rule_functions(r.check)
    d["file"] = r.file
    if fmt == "json":
        click.echo(json.dumps(d, ensure_ascii=False, indent=1))
    else:
        click.echo(yaml.safe_dump(d, allow_unicode=True, sort_keys=False, width=100))


@rules.command("test")
@click.argument("patterns", nargs=-1)
@click.option("--rules-dir", multiple=True, type=click.Path())
@click.option("--only-dirs", is_flag=True, help="Test only the rules of --rules-dir.")
@click.option(
    "--mutate",
    is_flag=True,
    help="Also run every mutant of each rule's check against its cases; report the survivors.",
)
@click.option("--verbose", "-v", is_flag=True)
@click.option("--debug", is_flag=True)
def rules_test(
    patterns: tuple[str, ...],
    rules_dir: tuple[str, ...],
    only_dirs: bool,
    mutate: bool,
    verbose: bool,
    debug: bool,
) -> None:
    """Run every rule's own test cases (exit 1 when one fails).

    With --mutate, also make every mutant of each rule's check (one element of an all/any
    dropped, a leaf negated, a for_each path dropped, an absent: default flipped) and report
    those that still pass every case of their rule (exit 1 when one survives)."""
    all_rules = api.load_rules(rules_dir, packs=not only_dirs)
    chosen = api.select_rules(all_rules, patterns=patterns)
    if mutate:
        _mutation_report(chosen, verbose)
        return
    failed = passed = 0
    for o in api.test_rules(chosen):
        if o.ok:
            passed += 1
            if verbose:
                click.echo(safe(f"ok   {o.rule_id} :: {o.case} ({o.actual})"))
        else:
            failed += 1
            why = o.problem or (o.result.message if o.result else "")
            click.echo(
                safe(
                    f"FAIL {o.rule_id} :: {o.case}: expected {o.expected}, got "
                    f"{o.actual} — {why}  [{all_rules[o.rule_id].file}]"
                )
            )
    click.echo(f"{len(chosen)} rules: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def _mutation_report(chosen: list[Any], verbose: bool) -> None:
    total = survived = equivalent = stale = broken = 0
    for r, rep in api.mutate_rules(chosen):
        total += rep.mutants
        for b in rep.broken:
            broken += 1
            click.echo(safe(f"FAIL     {r.id} :: {b} (mutants judged without it)  [{r.file}]"))
        for m in rep.survivors:
            survived += 1
            click.echo(f"SURVIVES {r.id} :: {m.id}  [{r.file}]")
        for m, why in rep.equivalent:
            equivalent += 1
            if verbose:
                click.echo(f"equivalent {r.id} :: {m.id} — {why}")
        for sid in rep.stale:
            stale += 1
            click.echo(
                f"STALE    {r.id} :: {sid}: declared equivalent, but a test case kills it "
                f"(or there is no such mutant)  [{r.file}]"
            )
    killed = total - survived - equivalent
    click.echo(
        f"{len(chosen)} rules: {total} mutants, {killed} killed, {equivalent} equivalent "
        f"(declared), {survived} survive, {stale} stale declarations, {broken} failing cases"
    )
    sys.exit(1 if survived or stale or broken else 0)


@rules.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--debug", is_flag=True)
def rules_validate(paths: tuple[str, ...], debug: bool) -> None:
    """Validate rule files or directories (exit 2 on the first error, naming file and line)."""
    loaded = api.validate_rule_paths(paths)
    click.echo(f"{len(loaded)} rules valid")


@click.command("plugins", context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--debug", is_flag=True)
def plugins_cmd(fmt: str, debug: bool) -> None:
    """List installed collectors, rule packs and renderers (entry points)."""
    rows = api.plugin_list()
    if fmt == "json":
        click.echo(json.dumps(rows, indent=1))
    else:
        _table(
            [[r["group"], r["name"], r["value"], r["distribution"]] for r in rows],
            ["group", "name", "object", "package"],
        )


@click.command(context_settings=CONTEXT)
@click.argument("name", type=click.Choice(["rule", "inventory", "results", "waivers", "config"]))
def schema(name: str) -> None:
    """Print a JSON Schema (rule files, inventory, results document, waivers file, config
    file)."""
    click.echo(json.dumps(api.schema(name), indent=1))


@click.command(context_settings=CONTEXT)
@click.argument("target")
@click.option("--rules", "rule_patterns", multiple=True, metavar="IDS")
@click.option("--controls", multiple=True)
@click.option("--rules-dir", multiple=True, type=click.Path())
@click.option("--debug", is_flag=True)
def permissions(
    target: str,
    rule_patterns: tuple[str, ...],
    controls: tuple[str, ...],
    rules_dir: tuple[str, ...],
    debug: bool,
) -> None:
    """Print the read-only permissions a target's collector needs for the selected rules."""
    cols = api.collectors()
    if target not in cols:
        raise UsageError(f"unknown target {target!r}; installed: {', '.join(sorted(cols))}")
    col = cols[target]
    if not hasattr(col, "permissions"):
        raise UsageError(f"the {target} collector needs no permissions (it reads files)")
    chosen = api.select_rules(
        api.load_rules(rules_dir),
        patterns=[x for p in rule_patterns for x in p.split(",")],
        controls=[x for c in controls for x in c.split(",")],
    )
    out = col.permissions(set(api.needed_types(chosen)))
    click.echo(out if isinstance(out, str) else json.dumps(out, indent=2))
