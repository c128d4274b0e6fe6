"""Options shared by the commands that scan, evaluate and merge: rule selection, outputs and the
configuration file, gathered into one ``Settings``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from . import api
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
            "--allow-incomplete",
            is_flag=True,
            help="Do not exit 3 for collection errors or ERROR results (a target from which "
            "nothing could be read still exits 3).",
        ),
        click.option(
            "--fail-on-error",
            is_flag=True,
            help="Deprecated, no effect: an incomplete scan exits 3 by default.",
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


def _notice(message: str) -> None:
    from .safetext import safe

    click.echo(f"bio2scan: notice: {safe(message)}", err=True)


class Settings:
    """The merged command-line and config-file settings of one run, checked before any work:
    the config file, rules, formats, waivers, baseline, the output and evidence directories
    and the history store."""

    def __init__(self, kw: dict[str, Any], *, outputs: bool = True) -> None:
        self.config = c = api.load_config(kw.get("config"))
        self.quiet = kw.get("quiet", False)
        self.lang = kw.get("lang") or c.get("lang") or "en"
        self.fail_on = kw.get("fail_on") or c.get("fail_on") or "high"
        self.allow_incomplete = bool(kw.get("allow_incomplete") or c.get("allow_incomplete"))
        if kw.get("fail_on_error") and not self.quiet:
            _notice(
                "--fail-on-error is deprecated and has no effect: an incomplete scan exits 3 "
                "by default (--allow-incomplete turns that off)"
            )
        if "fail_on_error" in c and not self.quiet:
            where = f"{c.file}:{c.line('fail_on_error')}"
            _notice(
                f"{where}: fail_on_error is deprecated and has no effect: an incomplete scan "
                "exits 3 by default (allow_incomplete: true turns that off)"
            )
        self.formats = _split(kw.get("formats")) or _split(_listify(c.get("format"))) or ["json"]
        self.output_dir = kw.get("output_dir") or c.get("output_dir") or "bio2scan-report"
        self.evidence_dir = kw.get("evidence_dir")
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
        try:
            api.parse_params((), self.all_rules, c)  # the config file's own, named by line
        except UsageError as exc:
            head, _, why = str(exc).partition(": ")
            if c.file is None or not head.startswith("config params."):
                raise
            rid = head[len("config params.") :]
            raise InputError(
                why, file=c.file, line=c.line("params", rid), field=f"params.{rid}"
            ) from None
        self.overrides = api.parse_params(kw.get("settings") or (), self.all_rules, c)
        if not self.rules:
            _fail("no rules selected (check --rules, --controls and --severity)")
        self.pipeline = Pipeline(kw, c)
        if kw.get("formats") or "format" not in c:
            api.parse_formats(self.formats)
        else:
            try:
                api.parse_formats(self.formats)
            except UsageError as exc:
                raise c.error(str(exc).replace("--format ", "", 1), "format") from None
        if outputs:  # before the scan: every place it will write
            api.check_outputs(
                self.output_dir, history=self.pipeline.history, evidence_dir=self.evidence_dir
            )

    def written_formats(self) -> list[str]:
        """The formats the command writes: its own, and its evidence pack's."""
        return api.pack_formats(self.formats) if self.evidence_dir else list(self.formats)

    def exit_code(self, doc: dict[str, Any]) -> int:
        return api.exit_code(
            doc,
            self.fail_on,
            allow_incomplete=self.allow_incomplete,
            fail_on_new=self.pipeline.fail_on_new,
            min_compliance=self.pipeline.min_compliance,
        )


def _listify(v: Any) -> list[str]:
    if v is None:
        return []
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]
