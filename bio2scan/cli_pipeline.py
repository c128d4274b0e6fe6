"""The command line of unattended use: CI gates, waivers, baselines and the scan history.

Options on ``scan``/``evaluate``/``merge`` (``pipeline_options``) and the commands
``waivers check``, ``history`` and ``diff``. The clock can be fixed for tests and reproducible
runs with the hidden ``--now`` option or the ``BIO2SCAN_NOW`` environment variable (ISO 8601;
without a zone it is UTC): waiver expiry, certificate ages and ``evaluated_at`` all use it.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

import click

from . import api
from .errors import EXIT_FINDINGS, EXIT_OK, UsageError
from .safetext import safe

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
HISTORY_ENV = "BIO2SCAN_HISTORY"


def parse_now(text: str | None) -> _dt.datetime | None:
    if not text:
        return None
    try:
        t = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"--now / BIO2SCAN_NOW {text!r}: expected an ISO 8601 time, e.g. 2026-06-30T12:00:00Z"
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=_dt.UTC)


def pipeline_options(f: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option(
            "--waivers",
            "waivers_file",
            type=click.Path(dir_okay=False),
            help="Waivers file (YAML): matching FAILs become WAIVED.",
        ),
        click.option(
            "--baseline",
            "baseline_file",
            type=click.Path(dir_okay=False),
            help="A previous results.json: mark findings new / unchanged / resolved.",
        ),
        click.option(
            "--fail-on-new",
            is_flag=True,
            help="With --baseline: exit 1 only for new FAILs at or above --fail-on.",
        ),
        click.option(
            "--min-compliance",
            type=click.FloatRange(0, 100),
            metavar="PCT",
            help="Exit 1 when fewer than PCT % of the BIO2 controls that are neither manual nor "
            "out of scope are evidence-complete or compliant-with-accepted-risk. A share of "
            "automated evidence, not 'BIO2 compliant'.",
        ),
        click.option(
            "--history",
            "history_db",
            metavar="DB",
            envvar=HISTORY_ENV,
            help="Append the scan to this history (SQLite file or postgresql:// URL) "
            f"[env {HISTORY_ENV}].",
        ),
        click.option(
            "--history-keep",
            type=click.IntRange(1, 1000),
            default=None,
            help="Scans shown in the report's trend [default: 12].",
        ),
        click.option(
            "--verbose-results",
            is_flag=True,
            help="List every NOT_APPLICABLE result (default: a summary per rule, resource "
            "type and reason, with counts).",
        ),
        click.option(
            "--now",
            "now_text",
            hidden=True,
            envvar="BIO2SCAN_NOW",
            help="Fix the clock (ISO 8601), for tests.",
        ),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


class Pipeline:
    """The pipeline settings of one run (command line first, then the config file)."""

    def __init__(self, kw: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        config = _relative_to(config, kw.get("config"))
        self.waivers = kw.get("waivers_file") or config.get("waivers")
        self.baseline = kw.get("baseline_file") or config.get("baseline")
        self.fail_on_new = bool(kw.get("fail_on_new") or config.get("fail_on_new"))
        mc = kw.get("min_compliance")
        self.min_compliance = mc if mc is not None else config.get("min_compliance")
        self.history = kw.get("history_db") or config.get("history")
        self.keep = kw.get("history_keep") or config.get("history_keep") or 12
        # pruning after each recorded scan (`history prune` does it on demand); --history-keep
        # is only how many scans the report's trend shows
        self.retention = config.get("history_retention") or None
        self.now = parse_now(kw.get("now_text"))
        self.verbose_results = bool(kw.get("verbose_results") or config.get("verbose_results"))
        if self.fail_on_new and not self.baseline:
            raise UsageError("--fail-on-new needs --baseline (a previous results.json)")
        if self.history and kw.get("shard"):
            raise UsageError(
                "--history with --shard would record one shard as the whole "
                "estate: record the scan at `bio2scan merge` instead"
            )
        # read and validate both before a long collection, not after it
        if self.waivers:
            self.waivers = api.load_waivers(self.waivers)
        if self.baseline:
            self.baseline = api.load_baseline(self.baseline)

    def assess_kwargs(self) -> dict[str, Any]:
        return {
            "waivers": self.waivers,
            "baseline": self.baseline,
            "now": self.now,
            "verbose_results": self.verbose_results,
        }

    def messages(self, doc: dict[str, Any], quiet: bool) -> None:
        """One log line each for waivers and baseline (cron mails and Pod logs show them)."""
        if not quiet and "waivers" in doc:
            w = doc["waivers"]
            names = {
                k: ", ".join(x["id"] for x in w[k]) for k in ("expired", "stale", "expiring_soon")
            }
            click.echo(
                f"waivers: {w['applied']} result(s) waived; "
                + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in names.items() if v)
                if any(names.values())
                else f"waivers: {w['applied']} result(s) waived"
            )
        if not quiet and "baseline" in doc:
            c = doc["baseline"]["counts"]
            click.echo(
                f"baseline: {c['new']} new, {c['unchanged']} unchanged, "
                f"{c['resolved']} resolved finding(s)"
            )


def _relative_to(config: Mapping[str, Any], config_file: str | None) -> dict[str, Any]:
    """Relative file names in a config file mean: next to the config file (as in the
    ConfigMap of deploy/), whatever the working directory of the scan."""
    from pathlib import Path

    out = dict(config)
    if not config_file:
        return out
    for key in ("waivers", "baseline", "history"):
        v = out.get(key)
        if isinstance(v, str) and v and "://" not in v and not Path(v).is_absolute():
            out[key] = str(Path(config_file).parent / v)
    return out


def register(main: click.Group) -> None:
    main.add_command(waivers)
    main.add_command(history)
    main.add_command(diff)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=1, ensure_ascii=False, default=str))


@click.group(context_settings=CONTEXT)
def waivers() -> None:
    """Validate waivers files and see what expires."""


@waivers.command("check", context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--days",
    type=click.IntRange(0, 3650),
    default=30,
    show_default=True,
    help="List waivers that stop applying within this many days.",
)
@click.option(
    "--rules-dir",
    multiple=True,
    type=click.Path(),
    help="Also load the rules in this directory (repeatable).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--now", "now_text", hidden=True, envvar="BIO2SCAN_NOW")
@click.option("--debug", is_flag=True)
def waivers_check(
    file: str, days: int, rules_dir: tuple[str, ...], fmt: str, now_text: str | None, debug: bool
) -> None:
    """Validate FILE; list expired waivers and those expiring within --days.

    Exit 0: valid, nothing expired or expiring; 1: something expired or expires within --days;
    2: the file is invalid (or risk-accepts a rule that carries a government measure)."""
    report = api.check_waivers(
        file, days=days, now=parse_now(now_text), rules=api.load_rules(rules_dir)
    )
    if fmt == "json":
        _echo_json(report)
    else:
        click.echo(safe(f"{file}: {report['count']} waiver(s), valid"))
        for title, key in (("expired", "expired"), (f"expiring within {days} days", "expiring")):
            for w in report[key]:
                click.echo(
                    safe(
                        f"{title}: {w['id']} (expires {w['expires']}, owner {w['owner']}, "
                        f"rules {', '.join(w['rules'])})"
                    )
                )
        for u in report["unknown_rules"]:
            click.echo(
                safe(f"warning: {u['id']}: rule pattern {u['pattern']!r} matches no installed rule")
            )
    sys.exit(EXIT_FINDINGS if report["expired"] or report["expiring"] else EXIT_OK)


def _db_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        envvar=HISTORY_ENV,
        metavar="DB",
        help=f"History store: SQLite file or postgresql:// URL [env {HISTORY_ENV}].",
    )(f)


@click.group(context_settings=CONTEXT, invoke_without_command=True)
@_db_option
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--debug", is_flag=True)
@click.pass_context
def history(ctx: click.Context, db: str | None, limit: int, fmt: str, debug: bool) -> None:
    """List the scans in the history store, newest first; `history prune` deletes old ones."""
    if ctx.invoked_subcommand is not None:
        return
    if not db:
        raise UsageError(f"give --db (or set {HISTORY_ENV})")
    scans = api.list_scans(db, limit)
    if fmt == "json":
        _echo_json(scans)
        return
    click.echo(
        f"{'id':>5}  {'finished at':<25} {'complete':<8} {'FAIL':>5} {'evidenced':>9} "
        f"{'non-compl.':>10}  targets"
    )
    for s in scans:
        c = s["summary"]["controls"]
        # evidence complete (or with accepted risk); in brackets a scan recorded before results
        # schema 2, whose "compliant" meant one PASS
        good = (
            f"({c['compliant']})"
            if "compliant" in c
            else str(c.get("evidence-complete", 0) + c.get("compliant-with-accepted-risk", 0))
        )
        targets = ", ".join(
            t["collector"] + (f"[{','.join(t['scopes'])}]" if t.get("scopes") else "")
            for t in s["targets"]
        )
        click.echo(
            f"{s['id']:>5}  {s['finished_at']:<25} {str(s['complete']).lower():<8} "
            f"{s['summary']['results'].get('FAIL', 0):>5} {good:>9} "
            f"{c.get('non-compliant', 0):>10}  {safe(targets)}"
        )


@history.command("prune", context_settings=CONTEXT)
@_db_option
@click.option(
    "--max-age",
    "max_age",
    type=click.IntRange(1),
    metavar="DAYS",
    help="Delete the scans that finished more than DAYS days ago.",
)
@click.option(
    "--max-scans",
    type=click.IntRange(1),
    metavar="N",
    help="Keep only the N most recently recorded scans.",
)
@click.option("--config", type=click.Path(dir_okay=False), help="Read `history` and "
              "`history_retention` from this config file (the options win).")  # fmt: skip
@click.option("--now", "now_text", hidden=True, envvar="BIO2SCAN_NOW")
@click.option("--debug", is_flag=True)
def history_prune(
    db: str | None,
    max_age: int | None,
    max_scans: int | None,
    config: str | None,
    now_text: str | None,
    debug: bool,
) -> None:
    """Delete old scans and the findings no remaining scan refers to, in one transaction (an
    interrupted prune changes nothing). Without --max-age/--max-scans: the config file's
    `history_retention`."""
    c = _relative_to(api.load_config(config), config) if config else {}
    db = db or c.get("history")
    if not db:
        raise UsageError(f"give --db (or set {HISTORY_ENV}, or `history:` in --config)")
    keep = c.get("history_retention") or {}
    if max_age is None and max_scans is None:
        max_age, max_scans = keep.get("max_age_days"), keep.get("max_scans")
    if max_age is None and max_scans is None:
        raise UsageError(
            "give --max-age DAYS and/or --max-scans N (or history_retention in --config)"
        )
    done = api.prune_history(db, max_age_days=max_age, max_scans=max_scans, now=parse_now(now_text))
    click.echo(
        f"history: {done['scans_deleted']} scan(s) deleted, {done['scans_kept']} kept, "
        f"{done['rows_deleted']} finding row(s) no longer referenced deleted"
    )


@click.command(context_settings=CONTEXT)
@click.argument("scan_a")
@click.argument("scan_b")
@_db_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--debug", is_flag=True)
def diff(scan_a: str, scan_b: str, db: str | None, fmt: str, debug: bool) -> None:
    """New, resolved and changed findings from SCAN_A to SCAN_B (history ids or results files),
    over the rules that ran in both scans; the others are listed, not compared. Exit 1 when
    SCAN_B has new findings."""
    d = api.diff_scans(scan_a, scan_b, db)
    if fmt == "json":
        _echo_json(d)
    else:
        click.echo(
            f"{safe(scan_a)} → {safe(scan_b)}: {len(d['new'])} new, {len(d['resolved'])} "
            f"resolved, {len(d['changed'])} changed ({d['compared_rules']} rule(s) compared)"
        )
        for key in ("new", "resolved", "changed"):
            for r in d[key]:
                click.echo(
                    f"{key:<9} {r['severity']:<8} {r['before'] or '-':>14} → "
                    f"{r['after'] or '-':<14} {safe(r['rule_id'])}  {safe(r['resource_id'])}"
                )
        for key, scan in (("only_a", scan_a), ("only_b", scan_b)):
            ids = d["not_compared"][key]
            if ids:
                click.echo(
                    f"not compared: {len(ids)} rule(s) ran only in {safe(scan)}: "
                    + safe(
                        ", ".join(ids[:10]) + (f" … (+{len(ids) - 10})" if len(ids) > 10 else "")
                    )
                )
    sys.exit(EXIT_FINDINGS if d["new"] else EXIT_OK)


def shard_files(
    inputs: tuple[str, ...],
    expect: int | None,
    wait_s: int,
    output_dir: str | None = None,
    poll_s: float = 2.0,
) -> list[str]:
    """The files to merge: files as given, directories expanded to their ``*.json(.gz)``
    (sorted), without what bio2scan itself wrote into ``output_dir``. With ``expect``, wait up
    to ``wait_s`` seconds for that many (the merge step of an Indexed Job may start before the
    last shard has written its inventory); after that, go on with what is there — the merge
    names the shards that are missing and is incomplete (exit 3)."""
    import time
    from pathlib import Path

    out = Path(output_dir).resolve() if output_dir else None

    def found() -> list[str]:
        files: list[str] = []
        for i in inputs:
            p = Path(i)
            if p.is_dir():
                files.extend(
                    str(f)
                    for f in sorted(p.iterdir())
                    if f.is_file()
                    and f.name.endswith((".json", ".json.gz"))
                    and not f.name.startswith(".")
                    and (out is None or f.resolve().parent != out)
                )
            elif p.exists():
                files.append(str(p))
        return files

    if not expect:
        for i in inputs:
            if not Path(i).exists():
                raise UsageError(f"merge: {i}: no such file or directory")
    deadline = time.monotonic() + wait_s
    files = found()
    while expect and len(files) < expect and time.monotonic() < deadline:
        time.sleep(poll_s)
        files = found()
    if not files:
        raise UsageError("merge: no .json or .json.gz files in the inputs")
    return files
