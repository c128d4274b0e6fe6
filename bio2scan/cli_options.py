"""Options shared by the commands that scan, evaluate and merge: rule selection, outputs and the
configuration file, gathered into one ``Settings``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import api
from .cli_pipeline import CONFIG_KEYS as _PIPELINE_KEYS
from .cli_pipeline import Pipeline, pipeline_options
from .errors import InputError, UsageError


def _fail(message: str) -> None:
    raise UsageError(message)


# --- shared options --------------------------------------------------------------------------


def _split(values: tuple[str, ...] | list[str] | None) -> list[str]:
    return [x.strip() for v in (values or ()) for x in str(v).split(",") if x.strip()]


def rule_options(f: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option(
            "--rules",
            "rule_patterns",
            multiple=True,
            metavar="IDS",
            help="Only these rules: ids or glob patterns, comma-separated (k8s.*).",
        ),
        click.option(
            "--rules-dir",
            multiple=True,
            type=click.Path(),
            help="Also load the rules in this directory (repeatable).",
        ),
        click.option(
            "--controls",
            multiple=True,
            metavar="IDS",
            help="Only rules giving evidence for these BIO2 controls or measures.",
        ),
        click.option(
            "--severity",
            type=click.Choice(api.SEVERITIES),
            help="Only rules of this severity or higher.",
        ),
        click.option(
            "--set",
            "settings",
            multiple=True,
            metavar="RULE.PARAM=VALUE",
            help="Override a rule parameter (repeatable).",
        ),
        click.option("--config", type=click.Path(), help="A YAML file with defaults and params."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option(
            "--fail-on",
            type=click.Choice((*api.SEVERITIES, "none")),
            default=None,
            help="Exit 1 when a FAIL of this severity or higher remains [default: high].",
        ),
        click.option(
            "--fail-on-error",
            is_flag=True,
            help="Exit 3 when the scan was incomplete (collection errors).",
        ),
        click.option(
            "--format",
            "formats",
            multiple=True,
            metavar="FORMATS",
            help="Output formats, comma-separated (json, html, md, sarif, junit, csv) "
            "[default: json].",
        ),
        click.option(
            "--output-dir",
            "-o",
            type=click.Path(),
            default=None,
            help="Where reports are written [default: ./bio2scan-report].",
        ),
        click.option(
            "--lang",
            type=click.Choice(["en", "nl"]),
            default=None,
            help="Language of reports and summary [default: en].",
        ),
        click.option(
            "--evidence-dir",
            type=click.Path(file_okay=False),
            default=None,
            help="Also write an evidence pack here: inventory, results, reports and "
            "SHA256SUMS (check it with `bio2scan verify DIR`).",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors."),
        click.option("--debug", is_flag=True, help="Show tracebacks."),
    ]
    for o in reversed(opts):
        f = o(f)
    return pipeline_options(f)


_CONFIG_KEYS = {
    "params",
    "rules",
    "controls",
    "severity",
    "fail_on",
    "fail_on_error",
    "format",
    "lang",
    "output_dir",
    "rules_dir",
} | _PIPELINE_KEYS


def _load_config(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    from .engine.yamlsrc import YamlSyntaxError, line_for, load_with_lines

    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read config: {exc}", file=path) from None
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise InputError(f"YAML syntax error: {exc}", file=path, line=exc.line) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("a config file holds a mapping of settings", file=path, line=1)
    for key in data:
        if key not in _CONFIG_KEYS:
            raise InputError(
                f"unknown setting {key!r}; known: {', '.join(sorted(_CONFIG_KEYS))}",
                file=path,
                line=line_for(lines, (key,)),
                field=key,
            )
    return data


class Settings:
    """The merged command-line and config-file settings of one run."""

    def __init__(self, kw: dict[str, Any]) -> None:
        self.config = _load_config(kw.get("config"))
        c = self.config
        self.quiet = kw.get("quiet", False)
        self.lang = kw.get("lang") or c.get("lang") or "en"
        self.fail_on = kw.get("fail_on") or c.get("fail_on") or "high"
        self.fail_on_error = kw.get("fail_on_error") or bool(c.get("fail_on_error"))
        self.formats = _split(kw.get("formats")) or _split(_listify(c.get("format"))) or ["json"]
        self.output_dir = kw.get("output_dir") or c.get("output_dir") or "bio2scan-report"
        self.evidence_dir = kw.get("evidence_dir")
        if self.evidence_dir:  # before the scan: a pack holds one scan
            from .evidence import ensure_empty

            ensure_empty(self.evidence_dir)
        rules_dirs = list(kw.get("rules_dir") or ()) + _listify(c.get("rules_dir"))
        self.all_rules = api.load_rules(rules_dirs)
        notices: list[str] = []
        self.rules = api.select_rules(
            self.all_rules,
            patterns=_split(kw.get("rule_patterns")) or _split(_listify(c.get("rules"))),
            controls=_split(kw.get("controls")) or _split(_listify(c.get("controls"))),
            severity=kw.get("severity") or c.get("severity"),
            notices=notices,
        )
        for notice in notices:  # a moved v1.2 measure number, resolved to its v1.3 successor
            if not self.quiet:
                click.echo(f"bio2scan: notice: {notice}", err=True)
        self.overrides = api.parse_params(kw.get("settings") or (), self.all_rules, c)
        if not self.rules:
            _fail("no rules selected (check --rules, --controls and --severity)")
        self.pipeline = Pipeline(kw, c)
        api.parse_formats(self.formats)


def _listify(v: Any) -> list[str]:
    if v is None:
        return []
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]
