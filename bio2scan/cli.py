"""The command line: parse arguments, call ``bio2scan.api``, map exceptions to exit codes.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage or input
error (one line on stderr, no traceback unless ``--debug``); 3 an incomplete scan (collection
errors or ERROR results; with ``--allow-incomplete`` only a target from which nothing could be
read) — 3 wins over 1.

Everything here goes through ``bio2scan.api``; what reaches the terminal from the scanned estate
(names, file names, messages) passes ``safetext.safe`` first.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from . import __version__, api
from .cli_options import Settings, _split, output_options, rule_options
from .errors import EXIT_USAGE, Bio2scanError, OutputError, UsageError
from .safetext import safe, safe_block

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_DEBUG = "--debug" in sys.argv


def _fail(message: str) -> None:
    raise UsageError(message)


def _color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _width() -> int:
    """The terminal's width; 80 columns in a log (no TTY): a cron mail, a CI log, a Pod log."""
    if sys.stdout.isatty():
        import shutil

        return max(60, shutil.get_terminal_size().columns)
    return 80


def _finish(
    settings: Settings,
    doc: dict[str, Any],
    inventory: Any = None,
    inventory_files: tuple[str, ...] = (),
    ahead: api.Ahead | None = None,
) -> None:
    """Reports (one set), evidence pack, history — in that order (``api.finish``) — then the
    summary and the exit code. ``ahead``: report files started before (``api.write_ahead``)."""
    settings.pipeline.messages(doc, settings.quiet)
    done = api.finish(
        doc,
        settings.formats,
        settings.output_dir,
        lang=settings.lang,
        inventory=inventory,
        inventory_files=inventory_files,
        history=settings.pipeline.history,
        keep=settings.pipeline.keep,
        evidence_dir=settings.evidence_dir,
        retention=settings.pipeline.retention,
        ahead=ahead,
    )
    if not settings.quiet:
        click.echo(api.summary(doc, settings.lang, color=_color(), width=_width()), nl=False)
        for fmt, path in done.paths.items():
            click.echo(f"{fmt}: {safe(path)}")
        if done.evidence_sha256:
            click.echo(
                f"evidence pack: {safe(settings.evidence_dir)} "
                f"(SHA256SUMS sha256 {done.evidence_sha256})"
            )
        if done.scan_id is not None:
            click.echo(f"history: scan {done.scan_id} recorded")
    code = settings.exit_code(doc)
    _left_to_exit(doc, inventory)
    sys.exit(code)


def _left_to_exit(*scan: Any) -> None:
    """The command's work is done and its process ends: the scan's objects (millions at 100,000
    objects, about 0.2 s per 10,000 to free one by one) are left to the operating system at
    exit (``api.kept_to_exit``: in bio2scan's own process; ``main`` called by a host frees
    them). ``atexit`` handlers still run (unlike ``os._exit``) and output is flushed as usual."""
    api.kept_to_exit(*scan)


# --- progress --------------------------------------------------------------------------------


def _progress(quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return api.Progress()
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    class _Task(api.ProgressTask):
        def __init__(self, bar: Any, tid: Any) -> None:
            self.bar, self.tid = bar, tid
            self.shown = 0.0

        def advance(self, n: int = 1) -> None:
            self.bar.advance(self.tid, n)
            now = time.monotonic()
            if now - self.shown >= 0.1:  # drawn here, at most ten times a second
                self.shown = now
                self.bar.refresh()

        def done(self) -> None:
            self.bar.update(
                self.tid,
                completed=self.bar.tasks[self.tid].total or 1,
                total=self.bar.tasks[self.tid].total or 1,
                refresh=True,
            )

    class _Rich(api.Progress):
        def __init__(self) -> None:
            self.bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
                # no refresh thread: the scan forks (manifest readers, report writers), and a
                # lock a thread holds at that moment stays held in the child
                auto_refresh=False,
            )

        def task(self, description: str, total: int | None = None) -> api.ProgressTask:
            self.bar.start()
            t = _Task(self.bar, self.bar.add_task(safe(description), total=total))
            self.bar.refresh()
            return t

        def stop(self) -> None:
            self.bar.stop()

    return _Rich()


# --- the command group -----------------------------------------------------------------------


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="bio2scan")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
def main(debug: bool) -> None:
    """bio2scan — how your AWS, Azure and Kubernetes configuration stands against BIO2."""
    # The command line owns its process (a library call must not do this: issue 10). A scan
    # allocates millions of acyclic objects that reference counting frees; with the default
    # thresholds the cyclic collector would walk them again and again. Rarer young-generation
    # collections keep it working for what is cyclic.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _collector_params(collector: Any) -> list[click.Parameter]:
    params: list[click.Parameter] = []
    for o in collector.options:
        kind = {
            "integer": int,
            "path": click.Path(allow_dash=True),
            "choice": click.Choice(list(o.choices)) if o.choices else str,
        }.get(o.type, str)
        if o.argument:
            params.append(
                click.Argument(
                    [o.name], nargs=-1 if o.multiple else 1, type=kind, required=o.required
                )
            )
        elif o.type == "flag":
            params.append(
                click.Option(
                    [f"--{o.name.replace('_', '-')}", o.name],
                    is_flag=True,
                    help=o.help,
                    envvar=o.envvar,
                )
            )
        else:
            params.append(
                click.Option(
                    [f"--{o.name.replace('_', '-')}", o.name],
                    type=kind,
                    multiple=o.multiple,
                    default=o.default,
                    help=o.help,
                    envvar=o.envvar,
                    required=o.required,
                    show_envvar=bool(o.envvar),
                )
            )
    return params


def _exclude_own(collector: Any, options: dict[str, Any], *written: Any) -> None:
    """The output never feeds the input (issue 13.3): what this run writes (the report and
    evidence directories, the inventory file) is excluded from a collector that reads files
    (one with an ``exclude`` option), so that scanning ``.`` twice gives the same result."""
    if any(o.name == "exclude" for o in collector.options):
        own = [str(p) for p in written if p]
        options["exclude"] = [*(options.get("exclude") or ()), *own]


def _target_options(collector: Any, kw: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for o in collector.options:
        v = kw.pop(o.name, None)
        if o.multiple and not o.argument and v is not None:
            v = _split(v)
        elif o.multiple and v is not None:
            v = list(v)
        out[o.name] = v
    return out


class _TargetGroup(click.Group):
    """``scan`` / ``collect``: one sub-command per installed collector, built from its options."""

    def __init__(self, *args: Any, make: Callable[[str, Any], click.Command], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._make = make

    def list_commands(self, ctx: click.Context) -> list[str]:
        return api.collector_names()

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        found = api.collector(name)  # only this collector's module is imported
        return self._make(name, found) if found else None


def _scan_command(name: str, collector: Any) -> click.Command:
    @rule_options
    @output_options
    @click.option("--shard", metavar="INDEX/COUNT", help="Scan only this share of the scopes.")
    @click.option(
        "--max-workers", type=int, default=16, show_default=True, help="Concurrent API calls."
    )
    def run(**kw: Any) -> None:
        target_opts = _target_options(collector, kw)
        s = Settings(kw)  # checks config, rules, waivers, baseline, outputs, history: before
        _exclude_own(collector, target_opts, s.output_dir, s.evidence_dir)
        progress = _progress(s.quiet)
        # the inventory's file is written while the results are rolled up (api.scan's ahead)
        with api.Ahead(s.output_dir) as ahead:
            try:
                inv, doc = api.scan(
                    name,
                    target_opts,
                    rules=s.rules,
                    overrides=s.overrides,
                    shard=kw.get("shard"),
                    progress=progress,
                    max_workers=kw["max_workers"],
                    lang=s.lang,
                    ahead=ahead,
                    formats=s.written_formats(),
                    **s.pipeline.assess_kwargs(),
                )
            finally:
                getattr(progress, "stop", lambda: None)()
            _finish(s, doc, inv, ahead=ahead)

    cmd = click.command(
        name, help=f"Collect and evaluate: {collector.description}", context_settings=CONTEXT
    )(run)
    cmd.params[:0] = _collector_params(collector)
    return cmd


def _collect_command(name: str, collector: Any) -> click.Command:
    @rule_options
    @click.option(
        "--output",
        "-o",
        "out",
        type=click.Path(),
        required=True,
        help="Inventory file to write (.json or .json.gz).",
    )
    @click.option("--shard", metavar="INDEX/COUNT", help="Collect only this share of the scopes.")
    @click.option("--max-workers", type=int, default=16, show_default=True)
    @click.option("--quiet", "-q", is_flag=True)
    @click.option("--debug", is_flag=True)
    def run(**kw: Any) -> None:
        target_opts = _target_options(collector, kw)
        s = Settings(dict(kw, formats=None), outputs=False)
        api.check_outputs(output_file=kw["out"])
        _exclude_own(collector, target_opts, kw["out"])
        progress = _progress(kw["quiet"])
        try:
            inv = api.collect(
                name,
                target_opts,
                rules=s.rules,
                shard=kw.get("shard"),
                progress=progress,
                max_workers=kw["max_workers"],
            )
        finally:
            getattr(progress, "stop", lambda: None)()
        try:
            digest = api.save_inventory(kw["out"], inv)
        except OSError as exc:  # a full disk half-way: the file is replaced only when whole
            raise OutputError(
                f"cannot write the inventory {kw['out']}: {exc.strerror or exc}; "
                "a previous file there is unchanged"
            ) from None
        if not kw["quiet"]:
            notices = f", {len(inv.notices)} notices" if inv.notices else ""
            click.echo(
                f"{len(inv.resources)} resources, {len(inv.errors)} collection errors{notices} → "
                f"{safe(kw['out'])} (sha256 {digest})"
            )

    cmd = click.command(
        name, help=f"Collect only: {collector.description}", context_settings=CONTEXT
    )(run)
    cmd.params[:0] = _collector_params(collector)
    return cmd


main.add_command(
    _TargetGroup("scan", make=_scan_command, help="Collect from a target and evaluate the rules.")
)
main.add_command(
    _TargetGroup(
        "collect", make=_collect_command, help="Collect an inventory (evidence) without evaluating."
    )
)


@main.command(context_settings=CONTEXT)
@click.argument("inventories", nargs=-1, required=True, type=click.Path(allow_dash=True))
@rule_options
@output_options
def evaluate(inventories: tuple[str, ...], **kw: Any) -> None:
    """Evaluate the rules on stored inventories (offline)."""
    s = Settings(kw)
    invs = [api.load_inventory(p) for p in inventories]
    single = len(inventories) == 1 and inventories[0] != "-"
    sha = api.sha256_file(inventories[0]) if single else None
    progress = _progress(s.quiet)
    try:
        doc = api.assess(
            invs,
            s.rules,
            overrides=s.overrides,
            lang=s.lang,
            inventory_sha256=sha,
            progress=progress,
            formats=s.written_formats(),
            **s.pipeline.assess_kwargs(),
        )
    finally:
        getattr(progress, "stop", lambda: None)()
    if single:
        _finish(s, doc, inventory_files=inventories)
    else:  # several (or piped) inventories: the pack holds them merged
        _finish(s, doc, api.merge_inventories(invs) if s.evidence_dir else None)


@main.command(context_settings=CONTEXT)
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option(
    "--expect",
    type=click.IntRange(1),
    metavar="N",
    help="Wait until N input files exist (shards still running) [default: no wait].",
)
@click.option(
    "--wait",
    "wait_s",
    type=click.IntRange(0),
    default=0,
    metavar="SECONDS",
    help="How long --expect waits; then the merge goes on with what is there, names the "
    "missing shards and exits 3.",
)
@rule_options
@output_options
def merge(inputs: tuple[str, ...], expect: int | None, wait_s: int, **kw: Any) -> None:
    """Merge the inventories (or results) of shards into one report and history entry.

    INPUTS are files or directories (every *.json / *.json.gz in them). Shards that are not
    among them are named in the report, and the merge exits 3 until all are there."""
    from .cli_pipeline import shard_files

    s = Settings(kw)
    files = shard_files(inputs, expect, wait_s, s.output_dir)
    inv, doc = api.merge(
        files,
        s.rules,
        overrides=s.overrides,
        lang=s.lang,
        expect=expect,
        **s.pipeline.assess_kwargs(),
    )
    _finish(s, doc, inv)


@main.command(context_settings=CONTEXT)
@click.argument("results", type=click.Path(allow_dash=True))
@click.option("--format", "formats", multiple=True, metavar="FORMATS", required=True)
@click.option("--output-dir", "-o", type=click.Path(), default="bio2scan-report", show_default=True)
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True)
@click.option("--debug", is_flag=True)
def report(results: str, formats: tuple[str, ...], output_dir: str, lang: str, debug: bool) -> None:
    """Render a stored results document in other formats."""
    formats_ = api.parse_formats(_split(formats))
    api.check_outputs(output_dir)
    doc = api.load_results(results)
    for fmt, path in api.render(doc, formats_, output_dir, lang=lang).items():
        click.echo(f"{fmt}: {safe(path)}")


@main.command(context_settings=CONTEXT)
@click.argument("directory", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option("--debug", is_flag=True)
def verify(directory: str, as_json: bool, debug: bool) -> None:
    """Check an evidence pack: exit 0 intact, 1 a file changed, went missing or was added,
    2 not an evidence pack."""
    v = api.verify_pack(directory)
    if as_json:
        click.echo(api.verification_json(v))
    else:
        for name in v.changed:
            click.echo(f"CHANGED     {safe(name)}")
        for name in v.missing:
            click.echo(f"MISSING     {safe(name)}")
        for name in v.unexpected:
            click.echo(f"UNEXPECTED  {safe(name)}")
        for p in v.problems:
            click.echo(f"PROBLEM     {safe(p)}")
        facts = ", ".join(f"{k} {safe(val)}" for k, val in v.facts.items())
        click.echo(
            f"{'intact' if v.ok else 'NOT INTACT'}: {safe(directory)} — {len(v.checked)} "
            f"file(s) verified; {facts}"
        )
    sys.exit(0 if v.ok else 1)


from . import cli_info  # noqa: E402  (the information commands: controls, rules, plugins …)

cli_info.register(main)
from . import cli_pipeline  # noqa: E402  (waivers check, history, diff)

cli_pipeline.register(main)


def _setup_logging() -> None:
    """Notices (skipped files …) on a terminal; only errors under --quiet or without a TTY."""
    import logging

    quiet = "-q" in sys.argv or "--quiet" in sys.argv
    level = logging.INFO if sys.stderr.isatty() and not quiet else logging.ERROR
    if _DEBUG:
        level = logging.DEBUG

    class _SafeFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return safe_block(super().format(record))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("bio2scan: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    for noisy in ("botocore", "boto3", "urllib3", "azure", "kubernetes", "werkzeug"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def run() -> None:
    """Console-script entry point: one line per error, exit codes from the exception. The
    process is bio2scan's own (``api.own_process``); ``main`` called by a host is not."""
    _setup_logging()
    api.own_process()
    try:
        main.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("bio2scan: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Bio2scanError as exc:
        if _DEBUG:
            traceback.print_exc()
        click.echo(f"bio2scan: error: {safe(exc)}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - a bug: still one line, unless --debug
        if _DEBUG:
            traceback.print_exc()
        click.echo(
            f"bio2scan: internal error: {type(exc).__name__}: {safe(exc)} "
            "(run with --debug for a traceback)",
            err=True,
        )
        sys.exit(EXIT_USAGE if isinstance(exc, (ValueError, OSError)) else 70)


if __name__ == "__main__":  # pragma: no cover
    run()
