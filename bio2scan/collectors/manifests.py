"""Kubernetes manifests from files, directories or standard input: the pre-deployment view.

Reads multi-document YAML and JSON the way ``kubectl`` does (``yaml_objects.py``), unwraps
``List`` kinds, and gives every object the same shape a live cluster gives
(``kubernetes/objects.py``) with its file and line.

Hostile input is expected (a pull request is written by someone else), so:

* only regular files are read; a symlink is followed only when it stays inside the scanned tree;
  files and directories given in ``exclude`` (the report directory) and documents bio2scan
  wrote itself (``kind: bio2scan-…``) are never read;
* every file is bounded (``Limits``: size, depth, alias expansion; and the number of objects of
  the whole scan), and a limit hit is a collection error naming the file;
* one bad file or document is one collection error (type ``*``: every rule reports ERROR for
  what it could not see) and the scan goes on;
* files that hold no objects by design (Helm ``Chart.yaml``/``values.yaml``, Go templates,
  kustomizations, kustomize patches, YAML that is no Kubernetes object) are skipped with a
  ``skipped`` notice, with the command that renders them where there is one;
* the same object (kind, namespace, name) in two places is evaluated once; the second place is a
  ``duplicate`` notice naming both.

Large inputs are parsed on every core (``manifest_files.run_jobs``: this process takes files
from the front of the list, one forked worker per extra core from the back, until they meet; the
workers, processes of our own, pause the cyclic garbage collector, and die with this process:
a scan killed while it reads leaves none behind) — not while the process runs other threads,
whose locks a forked worker would inherit held. In the calling process the
collector is left alone: a library must not switch it for the host (the CLI tunes it for its
own process).
"""

from __future__ import annotations

import os
import stat
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import ManifestError
from ..model import CollectionError, Inventory, Notice, Resource
from .base import CollectRequest, Option, Recorder
from .kubernetes.objects import mark_controlled
from .manifest_files import Job, Outcome, load_job, run_jobs
from .yaml_objects import Limits

_EXTENSIONS = (".yaml", ".yml", ".json")
_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".terraform", "__pycache__", ".venv"}
_PARALLEL_BYTES = 4 * 1024 * 1024  # below this, starting a worker costs more than it saves

PROVIDER = "k8s"


class ManifestCollector:
    name = "manifests"
    provider = PROVIDER
    description = (
        "Kubernetes manifests from files, directories or - (stdin): helm template, kustomize build"
    )
    resource_types: tuple[str, ...] = ()  # any kind it finds
    options = (
        Option(
            "paths",
            "Files or directories (- for standard input).",
            type="path",
            multiple=True,
            argument=True,
            required=True,
        ),
        Option(
            "cluster",
            "Name to record as the scope (the cluster these are meant for).",
            default="manifests",
        ),
        Option(
            "namespace",
            "Namespace the objects that name none will be deployed to (without it, rules that "
            "depend on the namespace report NOT_APPLICABLE: decided at deploy time).",
        ),
        Option("exclude", "Files or directories not to read (repeatable).", multiple=True),
        Option(
            "max_file_mib",
            "Largest file (or standard input) read, in MiB.",
            type="integer",
            default=64,
        ),
        Option("max_depth", "Deepest nesting of a document.", type="integer", default=200),
        Option(
            "max_alias_nodes",
            "Most nodes that YAML aliases may add to one file.",
            type="integer",
            default=1_000_000,
        ),
        Option("max_objects", "Most objects read in one scan.", type="integer", default=100_000),
    )

    def collect(self, request: CollectRequest) -> Inventory:
        opts = request.options
        paths = [str(p) for p in opts.get("paths") or ()]
        if not paths:
            raise ManifestError("no paths given (use - for standard input)")
        cluster = opts.get("cluster") or "manifests"
        namespace = opts.get("namespace") or None
        limits = _limits(opts)
        rec = Recorder(self.name, request)
        rec.scope(cluster)
        excluded = _excluded(opts.get("exclude"))
        jobs: list[Job] = []
        for p in paths:
            for job in _inputs(p, excluded, limits, rec, cluster):
                if request.owns(job.display):  # --shard: each file belongs to one shard
                    jobs.append(job)
        # no process-wide switch of the cyclic garbage collector here (a library call must not
        # change how the host's other threads collect); the CLI, which owns its process, tunes it
        intake = _Intake(request, rec, cluster, limits)
        _run(jobs, cluster, namespace, limits, intake.take, request)
        intake.finish()
        shown = {"paths": paths, "cluster": cluster}
        if namespace:
            shown["namespace"] = namespace
        return rec.inventory(shown)


def _limits(opts: Any) -> Limits:
    d = Limits()
    try:
        return Limits(
            max_bytes=int(opts.get("max_file_mib") or d.max_bytes // (1024 * 1024)) * 1024 * 1024,
            max_depth=int(opts.get("max_depth") or d.max_depth),
            max_alias_nodes=int(opts.get("max_alias_nodes") or d.max_alias_nodes),
            max_objects=int(opts.get("max_objects") or d.max_objects),
        )
    except (TypeError, ValueError):
        raise ManifestError("limits must be whole numbers") from None


def _excluded(values: Any) -> frozenset[str]:
    out = set()
    for v in values or ():
        for part in str(v).split(","):
            if part.strip():
                out.add(os.path.realpath(part.strip()))
    return frozenset(out)


def _is_excluded(real: str, excluded: frozenset[str]) -> bool:
    return any(real == e or real.startswith(e.rstrip(os.sep) + os.sep) for e in excluded)


def _error(rec: Recorder, cluster: str, file: str, message: str, line: int | None = None) -> None:
    where = f"{file}:{line}" if line else file
    rec.error(
        CollectionError(
            PROVIDER,
            "*",
            cluster,
            f"{where}: {message}",
            code="Error",
            api=f"read {file}",
            file=file,
            line=line or None,
        )
    )


def _inputs(
    p: str, excluded: frozenset[str], limits: Limits, rec: Recorder, cluster: str
) -> Iterator[Job]:
    """The files behind one path argument, as jobs. Bad input here is a collection error too,
    except a path that does not exist at all (an invalid invocation)."""
    if p == "-":
        raw = sys.stdin.buffer.read(limits.max_bytes + 1)
        if not raw.strip():
            # in `helm template … | bio2scan scan manifests -` an empty pipe means the command
            # before it failed; passing would hide that
            raise ManifestError("no input (did the command before the pipe fail?)", file="<stdin>")
        yield Job("<stdin>", None, True, raw)
        return
    if not os.path.lexists(p):
        raise ManifestError("no such file or directory", file=p)
    real = os.path.realpath(p)
    if _is_excluded(real, excluded):
        return
    if os.path.isdir(real):
        yield from _walk(real, p, excluded, rec, cluster)
        return
    yield Job(p, real, True, None)


def _walk(
    root: str, shown: str, excluded: frozenset[str], rec: Recorder, cluster: str
) -> Iterator[Job]:
    """Every YAML/JSON file under ``root`` in a stable order; symlinks only within ``root``,
    each directory once."""
    seen: set[str] = set()
    stack = [(root, shown)]
    while stack:
        real_dir, shown_dir = stack.pop()
        if real_dir in seen:
            continue
        seen.add(real_dir)
        try:
            entries = sorted(os.scandir(real_dir), key=lambda e: e.name)
        except OSError as exc:
            _error(rec, cluster, shown_dir, f"cannot list the directory: {exc.strerror or exc}")
            continue
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            display = os.path.join(shown_dir, entry.name)
            target = entry.path
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if not (target == root or target.startswith(root.rstrip(os.sep) + os.sep)):
                    if entry.name.lower().endswith(_EXTENSIONS) or os.path.isdir(target):
                        _error(
                            rec,
                            cluster,
                            display,
                            "symlink leads outside the scanned tree; not followed",
                        )
                    continue
                try:
                    is_dir = stat.S_ISDIR(os.stat(target).st_mode)
                except OSError as exc:
                    _error(rec, cluster, display, f"cannot read: {exc.strerror or exc}")
                    continue
            else:
                # ``real_dir`` is a real path and the entry no link, so ``target`` is real
                # too; the entry's type comes with the directory listing (no stat): a file
                # that cannot be read is reported when it is read
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError as exc:  # pragma: no cover - a listing without types
                    _error(rec, cluster, display, f"cannot read: {exc.strerror or exc}")
                    continue
            if excluded and _is_excluded(target, excluded):
                continue
            if is_dir:
                if entry.name not in _SKIP_DIRS:
                    subdirs.append((target, display))
                continue
            if not entry.name.lower().endswith(_EXTENSIONS):
                continue
            yield Job(display, target, False, None)
        stack.extend(reversed(subdirs))


def _run(
    jobs: Sequence[Job],
    cluster: str,
    namespace: str | None,
    limits: Limits,
    take: Any,
    request: CollectRequest,
) -> None:
    """Every job's outcome to ``take``, in job order: large inputs on a second core too."""
    task = request.progress.task("manifests: files read", total=len(jobs))

    def take_one(outcome: Outcome) -> None:
        take(outcome)
        task.advance()

    workers = _cores() - 1 if len(jobs) >= 4 and _at_least(jobs, _PARALLEL_BYTES) else 0
    if threading.active_count() > 1:
        # a lock another thread of the host holds at the fork would stay held in the worker,
        # which could then hang for ever: read every file in this process instead
        workers = 0
    run_jobs(jobs, lambda j: load_job(j, cluster, namespace, limits), take_one, workers)
    task.done()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _at_least(jobs: Sequence[Job], size: int) -> bool:
    """Whether the inputs hold ``size`` bytes or more (stops counting there)."""
    total = 0
    for job in jobs:
        if job.data is not None:
            total += len(job.data)
        else:
            try:
                total += os.stat(job.path or "").st_size
            except OSError:
                continue
        if total >= size:
            return True
    return False


class _Intake:
    """Errors, notices and resources of every file, taken in job order; duplicates dropped
    (with a notice), owners in the same inputs marked, objects the rules cannot check listed."""

    def __init__(self, request: CollectRequest, rec: Recorder, cluster: str, limits: Limits):
        self.request, self.rec, self.cluster, self.limits = request, rec, cluster, limits
        self.seen: dict[tuple[str, str], str] = {}
        self.kept: list[Resource] = []
        self.full = False
        self.objects = request.progress.task("manifests: objects")

    def take(self, o: Outcome) -> None:
        if self.full:
            return
        rec, request = self.rec, self.request
        for message, line in o.errors:
            _error(rec, self.cluster, o.display, message, line)
        for n in o.notices:
            rec.notice(n)
        self.objects.advance(len(o.resources))
        seen = self.seen
        for r, note in zip(o.resources, o.checks, strict=True):
            if request.resource_types is not None and not request.wants(r.type):
                continue
            key = (r.type, r.id)
            if key in seen:
                rec.notice(
                    Notice(
                        "duplicate",
                        f"{r.id} is also defined at {seen[key]}; evaluated once, from there",
                        provider=PROVIDER,
                        file=r.source.file,
                        line=r.source.line,
                        kind=str(r.data.get("kind")),
                        name=r.name,
                    )
                )
                continue
            if len(self.kept) >= self.limits.max_objects:
                _error(
                    rec,
                    self.cluster,
                    o.display,
                    f"more than {self.limits.max_objects} objects in this scan; the rest is not "
                    "read (raise --max-objects)",
                )
                self.full = True
                return
            seen[key] = f"{r.source.file}:{r.source.line}"
            self.kept.append(r)
            if note is not None:
                rec.notice(note)

    def finish(self) -> None:
        self.objects.done()
        self.rec.extend(mark_controlled(self.kept, live=False))
