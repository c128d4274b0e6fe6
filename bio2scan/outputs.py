"""What a scan writes and reads back: the reports (as one set), results documents, evidence
packs and the scan history. Part of the library's face: ``bio2scan.api`` re-exports every
public name here, and the CLI reaches it only through ``api``.

The order of a scan's outputs is the promise this module keeps (``finish``):

1. *before any work* (``check_outputs``): the output and evidence directories can be written,
   the history store opens;
2. the reports are rendered into a staging directory and moved into place **together**
   (``documents.write_set``): an interrupted run leaves the previous complete set;
3. the evidence pack, when asked for;
4. the history entry, **last**: a history never records a scan whose reports were not written.
   The reports' trend already shows the scan being written (as ``"current"``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from . import parallel, plugins
from .assess import compliance as _compliance
from .assess.document import check_version, decode, read_results
from .baseline import diff as _diff
from .coverage import Coverage
from .documents import (
    Content,
    check_writable_dir,
    copy_hashed,
    open_written,
    validate,
    write_inventory,
    write_set,
)
from .errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, OutputError, UsageError
from .model import Inventory, Severity, Status
from .resultrows import findings_first

INVENTORY_FILE = "inventory.json.gz"


class Finished(NamedTuple):
    """What ``finish`` wrote: format → path, the history id, the evidence pack's digest."""

    paths: dict[str, Path]
    scan_id: int | None = None
    evidence_sha256: str | None = None


def renderers() -> dict[str, Any]:
    return plugins.renderers()


def parse_formats(spec: Iterable[str]) -> list[str]:
    available = plugins.names("bio2scan.renderers")  # names only: a renderer loads when used
    out: list[str] = []
    for item in spec:
        for f in str(item).split(","):
            f = f.strip().lower()
            if not f:
                continue
            if f not in available:
                raise UsageError(
                    f"--format {f!r}: unknown; available: {', '.join(sorted(available))}"
                )
            if f not in out:
                out.append(f)
    return out


def check_outputs(
    output_dir: str | Path | None = None,
    *,
    history: str | None = None,
    evidence_dir: str | Path | None = None,
    output_file: str | Path | None = None,
) -> None:
    """Before collection starts: every place the scan will write is usable. An output
    directory that cannot be written, an evidence directory that is not empty, a history store
    that cannot be opened: exit 2 now rather than after an hour of collection."""
    if output_dir is not None:
        check_writable_dir(output_dir)
    if output_file is not None:
        if Path(output_file).is_dir():
            raise UsageError(f"--output {output_file}: is a directory; give a file name")
        parent = Path(output_file).parent
        check_writable_dir(parent, f"--output {output_file} (directory {parent})")
    if evidence_dir is not None:
        from .evidence import ensure_empty

        ensure_empty(evidence_dir)
        check_writable_dir(evidence_dir, f"--evidence-dir {evidence_dir}")
    if history:
        from .history import is_url, open_history

        parent = Path(history).parent
        if not is_url(history) and "://" not in history and not parent.exists():
            # a new store in a directory still to be made (beside the reports, say)
            check_writable_dir(parent, f"--history {history} (directory {parent})")
            return
        with open_history(history):  # creates or migrates it: the write later cannot fail on it
            pass


def _open_history(target: str) -> Any:
    from .history import is_url, open_history

    if not is_url(target) and "://" not in target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    return open_history(target)


def set_key(document: Mapping[str, Any]) -> str:
    """What identifies one scan's report set: its times, targets and rule set."""
    scan = document.get("scan") or {}
    raw = json.dumps(
        [
            scan.get("started_at"),
            scan.get("finished_at"),
            scan.get("evaluated_at"),
            scan.get("targets"),
            (document.get("ruleset") or {}).get("digest"),
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


# (in bio2scan's own process the cyclic collector is paused while a set is written: the writers
# make a great many objects and no cycles but the HTML template's, a fixed 2,000 objects
# whatever the size of the document; ``parallel.collector_paused``)
@parallel.collector_paused()
def render(
    document: dict[str, Any],
    formats: Iterable[str],
    output_dir: str | Path,
    lang: str = "en",
    *,
    inventory: Inventory | None = None,
    record: bool = True,
    workers: int | None = None,
    join: bool = True,
    ahead: parallel.Ahead | None = None,
    digests: dict[str, str] | None = None,
    bound: Callable[[str], object] | None = None,
    copies: Mapping[str, tuple[Path, str]] | None = None,
) -> dict[str, Path]:
    """Render each format (and the inventory, when given) and write them into ``output_dir`` as
    one set: all or nothing (``documents.write_set``). Returns format → path. The formats are
    written side by side, ``workers`` at a time (default: the CPUs this process may use), each
    in a child process where that is possible (``parallel``); ``workers=1``: one by one.
    ``join=False``: a new scan's set (``finish``), which replaces the previous set even when
    their keys are equal; otherwise the files of the same scan rendered again join its set.
    ``ahead``: the files it started writing (``write_ahead``) are taken from it. ``digests``
    is filled with the SHA-256 of each file as it was written (file name → digest).

    With ``inventory``, the set's results are bound to it: its file is written first, and the
    reports name its SHA-256 as ``scan.inventory_sha256`` (the digest of the file beside them);
    ``bound`` is called with that digest. ``copies``: file name → (a file, its SHA-256) to copy
    instead of rendering — the same document's report, written before (an evidence pack copies
    the report set's); a copy is kept only if it has that digest, else the report is rendered."""
    doc = decode(dict(document, lang=lang))  # rows, also of a document read as plain JSON
    files: dict[str, Callable[[Path], str | None]] = {}
    names: dict[str, str] = {}
    for f in parse_formats(formats):
        r = plugins.renderer(f)  # only the formats asked for are imported (jinja2 for html)
        assert r is not None  # parse_formats checked the name
        name = getattr(r, "filename", f"report.{r.extension}")
        files[name] = _streamed(r, doc, lang)
        if copies and name in copies:
            files[name] = _copy_or(*copies[name], files[name])
        names[f] = name
    first = None
    if inventory is not None:
        files[INVENTORY_FILE] = _inventory(inventory)
        # named once its file is written (``bind``); never a digest that is not its file's
        doc["scan"] = {**doc["scan"], "inventory_sha256": None}

        def bind(digest: str) -> None:  # (the writers read doc["scan"] when they write)
            doc["scan"] = {**doc["scan"], "inventory_sha256": digest}
            if bound is not None:
                bound(digest)

        first = (INVENTORY_FILE, bind)
    cost = {n: _COST.get(f, 2) for f, n in [*names.items(), ("inventory", INVENTORY_FILE)]}
    jobs = {n: files[n] for n in sorted(cost, key=cost.__getitem__) if n in files}  # slowest 1st
    workers = workers or parallel.default_workers()
    with parallel.prepared(output_dir, jobs, workers, ahead, first) as done:
        written: dict[str, Content] = {**files, **done}  # in the order asked
        made = write_set(output_dir, written, key=set_key(document), record=record, join=join)
    if digests is not None:
        digests.update(made)
    return {f: Path(output_dir) / name for f, name in names.items()}


def pack_formats(formats: Iterable[str]) -> list[str]:
    """The formats of an evidence pack written beside a report set of ``formats``: those and
    the results and the HTML report, which every pack holds."""
    return list(dict.fromkeys(["json", "html", *parse_formats(formats)]))


def prepare(formats: Iterable[str]) -> None:
    """Make the writers of ``formats`` ready before their document exists: their modules
    imported and what they load that does not depend on the document (the report templates:
    0.035 s from their compiled modules, 0.15 s compiled from their text) loaded, in this
    process — a scan does it while the evaluation's forked child works (``api.assess``), so
    that the child takes more of the evaluation and the writing starts at once. What cannot be
    done here (an unknown format, a renderer that fails) is left alone: it is met again, and
    reported, when the file is written."""
    for f in formats:
        try:
            r = plugins.renderer(f)
            if r is not None and hasattr(r, "prepare"):
                r.prepare()
        except Exception:  # noqa: BLE001 - reported where the file is written
            continue


# the order in which the formats start when written side by side: the two slowest first (html,
# csv: 0.6 s each at 10,000 objects), then junit (0.33 s) before json (0.4 s), so that whichever
# process is free first takes the shorter and the last two to finish are short (sarif 0.22 s,
# md): the write phase's tail, one CPU idle, 0.04-0.07 s against 0.19 s in the order by time
_COST = {"html": 0, "csv": 1, "junit": 1.5, "inventory": 2, "json": 3, "sarif": 4, "md": 6}


def write_ahead(ahead: parallel.Ahead, inventory: Inventory) -> bool:
    """Fork the child that writes the inventory's file (``INVENTORY_FILE``) once ``ahead`` is
    let go (``Ahead.go``; ``api.assess(..., ahead=)`` does it when the evaluation leaves a CPU
    free), for the report set that ``finish(..., ahead=)`` writes later; whether it was
    started."""
    return ahead.start({INVENTORY_FILE: _inventory(inventory)})


def _bytes(make: Callable[[], str | bytes]) -> Callable[[Path], str]:
    def write(path: Path) -> str:
        data = make()
        raw = data.encode("utf-8") if isinstance(data, str) else data
        path.write_bytes(raw)
        return hashlib.sha256(raw).hexdigest()

    return write


def _inventory(inventory: Inventory) -> Callable[[Path], str]:
    """The inventory's writer: streamed through gzip, hashed while written
    (``documents.write_inventory``)."""

    def write(path: Path) -> str:
        with open(path, "wb") as fh:
            return write_inventory(fh, inventory, gz=True)

    return write


def _copy_or(
    source: Path, digest: str, render: Callable[[Path], str | None]
) -> Callable[[Path], str | None]:
    """A writer that copies ``source`` and keeps the copy when it has ``digest``; else (the file
    is gone, or was replaced since it was written) writes ``render``'s file instead."""

    def write(path: Path) -> str | None:
        src = open_written(source)
        if src is None:
            return render(path)
        with src, open(path, "wb") as fh:
            copied = copy_hashed(src, fh)
        return digest if copied == digest else render(path)

    return write


def _streamed(renderer: Any, doc: dict[str, Any], lang: str) -> Callable[[Path], str | None]:
    """A renderer's writer, called with the staging path. One that streams (``write(document,
    lang, fh)``, returning the SHA-256) is never whole in memory, hashed while it is written."""

    if not hasattr(renderer, "write"):
        return _bytes(lambda: renderer.render(doc, lang))

    def write(path: Path) -> str | None:
        with open(path, "wb") as fh:
            digest = renderer.write(doc, lang, fh)
        return digest if isinstance(digest, str) else None

    return write


def finish(
    document: dict[str, Any],
    formats: Iterable[str],
    output_dir: str | Path,
    *,
    lang: str = "en",
    inventory: Inventory | None = None,
    inventory_files: Iterable[str] = (),
    history: str | None = None,
    keep: int = 12,
    evidence_dir: str | Path | None = None,
    retention: Mapping[str, int] | None = None,
    ahead: parallel.Ahead | None = None,
) -> Finished:
    """The end of a scan, in the order that keeps every output true (see the module's doc):
    trend → reports (one set) → evidence pack → history entry. ``document`` gets its
    ``history`` section (the trend, this scan last). ``retention`` (``max_age_days``,
    ``max_scans``): prune the history after recording, never this scan. ``ahead``: the report
    files started before (``write_ahead``). With ``inventory``, the reports name the digest of
    its file in the set (``render``), and so does ``document`` (``scan.inventory_sha256``).

    The evidence pack copies the report set's files (each kept only if it is still what was
    written) when its document is the set's — the same inventory digest — and renders the
    rest (``json`` and ``html`` when the set has none)."""
    if history:
        with _open_history(history) as h:
            document["history"] = h.trend(keep, pending=document)
    digests: dict[str, str] = {}
    if inventory is not None:  # (``bound`` names the file's digest once it is written)
        document["scan"] = {**document["scan"], "inventory_sha256": None}

    def bound(sha: str) -> None:
        document["scan"] = {**document["scan"], "inventory_sha256": sha}

    paths = render(
        document,
        formats,
        output_dir,
        lang,
        inventory=inventory,
        join=False,
        ahead=ahead,
        digests=digests,
        bound=bound,
    )
    digest = None
    if evidence_dir is not None:
        from .evidence import write_pack

        in_pack = pack_formats(formats)
        written = {p.name: (p, digests[p.name]) for p in paths.values() if p.name in digests}
        same = document["scan"].get("inventory_sha256")

        def pack(d: dict[str, Any], out: Path) -> dict[str, Path]:
            copies = written if d["scan"].get("inventory_sha256") == same else None
            return render(d, in_pack, out, lang, record=False, copies=copies)

        digest = write_pack(
            evidence_dir,
            document,
            pack,
            inventory=inventory,
            inventory_files=inventory_files,
            # the report set's inventory file, copied if it still is what was written
            written=(Path(output_dir) / INVENTORY_FILE, digests[INVENTORY_FILE])
            if inventory is not None and INVENTORY_FILE in digests
            else None,
        )
    scan_id = None
    if history:
        try:
            with _open_history(history) as h:
                scan_id = h.record(document)
                if retention:
                    _prune_after(h, retention, scan_id)
        except Exception as exc:
            if not isinstance(exc, OSError) and not type(exc).__module__.startswith(
                ("sqlite3", "psycopg")
            ):
                raise
            raise OutputError(
                f"history {history}: the scan could not be recorded "
                f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                "its reports are written"
            ) from None
    return Finished(paths, scan_id, digest)


def validate_results(
    document: Any, file: str = "<results>", purpose: str = "render or merge it"
) -> None:
    """Validate a results document of this schema version; an older one is refused with a
    message that says what to do (``assess.check_version``). Its stored rows (schema 3) are
    read back into ``document["results"]`` (``assess.document.decode``)."""
    if isinstance(document, dict) and document.get("kind") == "bio2scan-results":
        check_version(document, file, purpose)
    validate("results", document, file)
    if isinstance(document, dict):
        decode(document, file)


def load_results(path: str | Path, *, findings_only: bool = False) -> dict[str, Any]:
    """Read and validate a results document. ``findings_only`` (baselines, diffs) also accepts
    older schema versions, of which only the results are used."""
    return read_results(path, findings_only=findings_only)


def record_history(
    target: str, document: Mapping[str, Any], *, keep: int = 12
) -> tuple[int, dict[str, Any]]:
    """Append the scan to the history store; return its id and the last ``keep`` scans (the
    document's ``history`` section, for trend charts). ``finish`` does this after the reports
    are written; call it yourself only when you write no reports."""
    from .history import open_history

    with open_history(target) as h:
        scan_id = h.record(document)
        return scan_id, h.trend(keep)


def _retention(retention: Mapping[str, int]) -> dict[str, int | None]:
    return {k: retention.get(k) for k in ("max_age_days", "max_scans")}


def _prune_after(h: Any, retention: Mapping[str, int], scan_id: int) -> None:
    """The config's retention after a recorded scan. A prune that fails (a lock held too long)
    changes nothing and is only a warning: the scan is recorded, the next one prunes."""
    import logging

    try:
        h.prune(**_retention(retention), keep=(scan_id,))
    except Exception as exc:
        if not isinstance(exc, OSError) and not type(exc).__module__.startswith(
            ("sqlite3", "psycopg")
        ):
            raise
        logging.getLogger("bio2scan").warning(
            "history: scan %s recorded; pruning failed and is left to the next scan (%s)",
            scan_id,
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )


def prune_history(
    target: str,
    *,
    max_age_days: int | None = None,
    max_scans: int | None = None,
    now: Any = None,
) -> dict[str, int]:
    """Delete the scans older than ``max_age_days`` days and those beyond the newest
    ``max_scans``, and the finding rows no scan refers to any more, in one transaction."""
    from .history import open_history

    with open_history(target, create=False) as h:
        return h.prune(max_age_days=max_age_days, max_scans=max_scans, now=now)


def list_scans(target: str, limit: int | None = None) -> list[dict[str, Any]]:
    from .history import open_history

    with open_history(target, create=False) as h:
        return h.scans(limit)


# what the history keeps of a scan, so a diff of two results files says what one of two history
# scans says: a result that is not one of these is "not a finding" (before/after None)
_KEPT = frozenset({"FAIL", "ERROR", "WAIVED"})
_KEYS = ("finding_id", "rule_id", "resource_id", "resource_type", "scope", "status", "severity")


def diff_scans(a: str, b: str, db: str | None = None) -> dict[str, Any]:
    """New, resolved and changed findings from scan ``a`` to scan ``b`` (each a scan id in the
    history ``db`` or a results file), over the rules that ran in **both** scans only: a rule
    that one of them did not run can show neither a new nor a resolved finding. Those rules
    are listed under ``not_compared`` (``only_a``, ``only_b``)."""

    def load(ref: str) -> tuple[dict[str, dict[str, Any]], set[str]]:
        if ref.isdigit() and not Path(ref).exists():
            if not db:
                raise UsageError(f"{ref!r} looks like a scan id: give --db (the history)")
            from .history import open_history

            with open_history(db, create=False) as h:
                return h.findings(int(ref)), h.rules(int(ref))
        doc = load_results(ref, findings_only=True)
        found = {
            r["finding_id"]: {k: r.get(k) for k in _KEYS}
            for r in doc["results"]
            if r.get("status") in _KEPT
        }
        ran = doc.get("rules")
        return found, set(ran) if isinstance(ran, dict) else {r["rule_id"] for r in doc["results"]}

    (before, rules_a), (after, rules_b) = load(a), load(b)
    both = rules_a & rules_b
    out: dict[str, Any] = {"a": a, "b": b}
    out.update(
        _diff(
            {k: v for k, v in before.items() if v["rule_id"] in both},
            {k: v for k, v in after.items() if v["rule_id"] in both},
        )
    )
    out["compared_rules"] = len(both)
    out["not_compared"] = {"only_a": sorted(rules_a - both), "only_b": sorted(rules_b - both)}
    return out


def summary(
    document: dict[str, Any], lang: str = "en", *, color: bool = False, width: int = 80
) -> str:
    """The summary for a terminal or a log: escape sequences from the estate escaped; fits
    ``width`` columns."""
    from .render.terminal import summary as _summary

    return _summary(document, lang, width=width, color=color)


def verify_pack(directory: str | Path) -> Any:
    """Check an evidence pack (``evidence.Verification``: ``ok``, ``changed``, ``missing`` …)."""
    from .evidence import verify

    return verify(directory)


def verification_json(verification: Any) -> str:
    from .evidence import to_json

    return str(to_json(verification))


def blind_spots(document: Mapping[str, Any]) -> list[str]:
    """Why a scan saw nothing of something it was asked to look at: scopes from which nothing
    could be read, missing shards, or no resources and only collection errors. Empty: none."""
    if "coverage" in document:
        return Coverage.from_dict(document["coverage"]).blind()
    # a document from before the coverage section: no result but ERROR, and collection errors
    if document.get("collection_errors") and not any(
        r["status"] != Status.ERROR.value for r in document["results"]
    ):
        return ["nothing could be read (no resources, only collection errors)"]
    return []


def compliance(document: Mapping[str, Any]) -> float:
    """What ``--min-compliance`` compares: the percentage of BIO2 controls that are
    ``evidence-complete`` or ``compliant-with-accepted-risk`` among those that are neither
    ``manual`` nor ``out-of-scope`` (0 when there are none — no evidence is no compliance).
    It is a share of automated evidence, not "BIO2 compliant"."""
    return float(_compliance(document["summary"]["controls"])["percent"])


def exit_code(
    document: Mapping[str, Any],
    fail_on: str | None = "high",
    *,
    allow_incomplete: bool = False,
    fail_on_new: bool = False,
    min_compliance: float | None = None,
    fail_on_error: bool | None = None,
) -> int:
    """The exit code of a scan (part of the API):

    * 3 — the scan was incomplete: collection errors or ERROR results (``summary.complete`` is
      false). ``allow_incomplete`` turns this off, except where nothing could be read at all (a
      scope of which not one resource was read, a scan with no resources and only errors, a
      merge that lacks shards): that is 3 always. 3 takes precedence over 1.
    * 1 — a FAIL at or above ``fail_on`` (after waivers; with ``fail_on_new`` only a *new*
      one), or a compliance share below ``min_compliance``.
    * 0 — otherwise.

    ``fail_on_error`` is deprecated and has no effect: an incomplete scan exits 3 by default."""
    del fail_on_error  # deprecated no-op, kept so that older callers keep working
    if fail_on_new and "baseline" not in document:
        raise UsageError("--fail-on-new needs --baseline (a previous results file)")
    if blind_spots(document) or (not allow_incomplete and not document["summary"]["complete"]):
        return EXIT_INCOMPLETE
    if min_compliance is not None and compliance(document) < min_compliance:
        return EXIT_FINDINGS
    if fail_on in (None, "none"):
        return EXIT_OK
    threshold = Severity(fail_on).rank
    for r in findings_first(document["results"]):
        if (
            r["status"] == Status.FAIL.value
            and Severity(r["severity"]).rank >= threshold
            and (not fail_on_new or r.get("change") == "new")
        ):
            return EXIT_FINDINGS
    return EXIT_OK
