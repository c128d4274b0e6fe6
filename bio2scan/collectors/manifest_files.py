"""One manifest file → its objects, errors and notices (a pure function of the file, so that
files can be read in worker processes).

What is read: a regular file only (opened without blocking and checked with ``fstat``, so a FIFO
or a device named ``x.yaml`` is refused, never waited on), at most ``Limits.max_bytes``.
What is skipped with a notice: documents bio2scan wrote (``kind: bio2scan-…``), Helm
``Chart.yaml``/``values*.yaml``, Go templates (``{{ }}`` that do not parse as YAML or give no
object), kustomizations and the patches they name, and YAML that is no Kubernetes object.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from ..model import Notice, Resource, Source
from ..parallel import collector_paused
from ..sharing import shared
from .kubernetes.objects import (
    CLEANED_KEYS,
    coverage_notice,
    needs_cleaning,
    to_resource,
    untrusted,
)
from .yaml_objects import Limits, LoadError, load

PROVIDER = "k8s"
_OWN_KIND = re.compile(rb'"kind"\s*:\s*"bio2scan-[a-z-]+"')
_HELM_FILES = re.compile(r"^(Chart\.ya?ml|values([-_.][\w.-]*)?\.ya?ml|values\.schema\.json)$")
_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.DOTALL)


class Job(NamedTuple):
    display: str  # the name shown in errors and provenance
    path: str | None  # the file to read (None: ``data`` is the input)
    explicit: bool  # named on the command line (not found in a directory walk)
    data: bytes | None = None


class Outcome(NamedTuple):
    display: str
    resources: list[Resource]
    errors: list[tuple[str, int | None]]
    notices: list[Notice]
    # per resource: the notice that no rule can judge it (``coverage_notice``), or None; made
    # where the file is read (a worker's share on its core), recorded if the resource is kept
    checks: list[Notice | None]


def _skip(display: str, reason: str, hint: str | None = None, line: int | None = None) -> Notice:
    return Notice("skipped", reason, provider=PROVIDER, file=display, line=line, hint=hint)


def read_regular(path: str, limit: int) -> bytes:
    """The bytes of a regular file, at most ``limit`` (more raises ``LoadError``)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
            raise LoadError(f"not a regular file ({kind}); not read")
        if st.st_size > limit:
            raise LoadError(f"larger than {limit // (1024 * 1024)} MiB; not read (--max-file-mib)")
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        raw = b"".join(chunks)
        if len(raw) > limit:
            raise LoadError(f"larger than {limit // (1024 * 1024)} MiB; not read (--max-file-mib)")
        return raw
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:8192]:
        raise LoadError("binary file, expected YAML or JSON")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not UTF-8 text (byte {exc.start})") from None


def load_job(job: Job, cluster: str, namespace: str | None, limits: Limits) -> Outcome:
    """Read, parse and convert one file; never raises."""
    out = _load_job(job, cluster, namespace, limits)
    out.checks.extend(map(coverage_notice, out.resources))
    return out


def _load_job(job: Job, cluster: str, namespace: str | None, limits: Limits) -> Outcome:
    out = Outcome(job.display, [], [], [], [])
    base = os.path.basename(job.display)
    if not job.explicit and _HELM_FILES.match(base):
        chart = os.path.dirname(job.display) or "."
        out.notices.append(
            _skip(
                job.display,
                "Helm chart file, not a manifest",
                f"helm template {chart} | bio2scan scan manifests -",
            )
        )
        return out
    try:
        raw = job.data if job.data is not None else read_regular(job.path or "", limits.max_bytes)
        if len(raw) > limits.max_bytes:
            raise LoadError(f"larger than {limits.max_bytes // (1024 * 1024)} MiB; not read")
        if _OWN_KIND.search(raw[:4096]):
            out.notices.append(_skip(job.display, "written by bio2scan (a report or inventory)"))
            return out
        text = _decode(raw)
    except LoadError as exc:
        out.errors.append((str(exc), exc.line))
        return out
    if base in _KUSTOMIZATIONS:
        out.notices.append(_kustomize(job.display))
        return out
    if not text.strip():
        out.notices.append(_skip(job.display, "empty file"))
        return out
    templated = bool(_TEMPLATE.search(text))
    try:
        _parse(job, text, cluster, namespace, limits, out, templated)
    except LoadError as exc:
        del out.resources[:]
        if templated:
            out.notices.append(_template(job.display))
        else:
            out.errors.append((str(exc), exc.line))
    except RecursionError:
        del out.resources[:]
        out.errors.append(("nested too deeply to read", None))
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop the scan
        del out.resources[:]
        out.errors.append((f"cannot read ({type(exc).__name__}: {exc})", None))
    return out


def _template(display: str) -> Notice:
    return _skip(
        display,
        "Go/Helm template ({{ … }}), not a manifest",
        "helm template <chart> | bio2scan scan manifests -",
    )


def _kustomize(display: str) -> Notice:
    d = os.path.dirname(display) or "."
    return _skip(
        display,
        "kustomization, not a manifest",
        f"kubectl kustomize {d} | bio2scan scan manifests -",
    )


def _parse(
    job: Job,
    text: str,
    cluster: str,
    namespace: str | None,
    limits: Limits,
    out: Outcome,
    templated: bool,
) -> None:
    found = any_doc = False
    for doc in load(text, limits, CLEANED_KEYS):
        if doc.value is None:
            continue
        any_doc = True
        # nothing in the document for ``sanitize`` to remove (the usual case): no walk of it
        clean = doc.watched is not None and not needs_cleaning(doc.watched)
        lines = doc.items or ()
        if isinstance(doc.value, list):  # a JSON array or YAML sequence of objects
            units = [
                (lines[i] if i < len(lines) else doc.line, v, True) for i, v in enumerate(doc.value)
            ]
        else:
            units = [(doc.line, doc.value, job.explicit)]
        for line, value, strict in units:
            for lineno, obj, item in _unwrap(value, line, lines if value is doc.value else ()):
                problem = _problem(obj)
                if problem is None:
                    found = True
                    out.resources.append(
                        to_resource(
                            untrusted(obj),
                            cluster=cluster,
                            default_namespace=namespace,
                            source=Source(file=job.display, line=lineno),
                            clean=clean,
                        )
                    )
                elif isinstance(obj, dict) and obj.get("kind") in ("Kustomization", "Component"):
                    out.notices.append(_kustomize(job.display))
                elif templated:
                    del out.resources[:]
                    out.notices.append(_template(job.display))
                    return
                elif not (strict or item) and not (isinstance(obj, dict) and "kind" in obj):
                    out.notices.append(
                        _skip(job.display, "YAML that is not a Kubernetes object", line=lineno)
                    )
                else:
                    out.errors.append((problem, lineno))
    if not found and not any_doc:
        out.notices.append(_skip(job.display, "no Kubernetes objects, only comments"))


def _unwrap(value: Any, line: int, item_lines: Any) -> list[tuple[int, Any, bool]]:
    """``(line, object, is a List item)``; a ``List`` gives its items (one level)."""
    if (
        isinstance(value, dict)
        and isinstance(value.get("kind"), str)
        and value["kind"].endswith("List")
        and isinstance(value.get("items"), list)
    ):
        lines = list(item_lines) if item_lines else []
        return [
            (lines[i] if i < len(lines) else line, item, True)
            for i, item in enumerate(value["items"])
        ]
    return [(line, value, False)]


def _problem(obj: Any) -> str | None:
    """Why ``obj`` is not a Kubernetes object the scanner can take, or None."""
    if not isinstance(obj, dict):
        what = "null" if obj is None else type(obj).__name__
        return f"not a Kubernetes object ({what}, expected a mapping with 'kind')"
    kind = obj.get("kind")
    if "kind" not in obj:
        return "not a Kubernetes object (no 'kind')"
    if not isinstance(kind, str) or not kind:
        return "'kind' must be a non-empty string"
    if not isinstance(obj.get("apiVersion"), str) or not obj["apiVersion"]:
        return f"{kind} has no 'apiVersion'"
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not (meta.get("name") or meta.get("generateName")):
        return f"{kind} has no metadata.name"
    if not isinstance(meta.get("name") or meta.get("generateName"), str):
        return f"{kind}: metadata.name must be a string"
    ns = meta.get("namespace")
    if ns is not None and not isinstance(ns, str):
        return f"{kind}: metadata.namespace must be a string"
    return None


def run_jobs(
    jobs: Sequence[Job],
    load: Callable[[Job], Outcome],
    take: Callable[[Outcome], None],
    workers: int,
) -> None:
    """``take(load(job))`` for every job, in job order. With ``workers`` (and ``fork``), worker
    processes read jobs from the back while this process reads from the front, a few at a
    time, until they meet: the split follows the real cost of each file and the load of the
    machine, and this process takes (records) its own outcomes while the workers still read.
    A worker, a process of our own, pauses the cyclic garbage collector and sends its outcomes
    back as plain values (``_pack``), pickled, one frame per job, as it goes; this process
    unpacks them between its own files (``sharing``), so that only taking them, in order, is
    left once both have met. Jobs that a worker which died did not return are read here."""
    import pickle

    back: dict[int, Outcome] = {}  # the workers' outcomes, unpacked, by job

    def unpacked(i: int, payload: memoryview) -> None:
        back[i] = _unpack(pickle.loads(payload))

    # what is read lives until the scan ends, and reading makes no cycles (not even a file that
    # cannot be read: tests/collectors/test_manifests_hostile.py): in bio2scan's own process
    # this process, like a worker, does not run the cyclic collector meanwhile
    with collector_paused():
        first_back = None
        if workers >= 1 and len(jobs) >= 2 and hasattr(os, "fork"):
            first_back = shared(
                len(jobs),
                workers,
                lambda i: take(load(jobs[i])),
                lambda i: pickle.dumps(_pack(load(jobs[i])), pickle.HIGHEST_PROTOCOL),
                unpacked,
            )
        # from where this process stopped (all of them: no worker was started) in order, each
        # job's outcome as a worker sent it, else read here
        for i in range(first_back or 0, len(jobs)):
            o = back.pop(i, None)
            take(o if o is not None else load(jobs[i]))


# What a worker sends: an outcome as plain tuples, lists and dicts. Pickling the model's
# dataclasses instances costs twice as much (each goes through ``__reduce_ex__`` and is rebuilt
# field by field), in the worker and again in this process.
_RESOURCE_FIELDS = (
    "type", "id", "name", "scope", "data", "source", "region", "namespace", "tags", "errors",
    "deferred",
)  # fmt: skip
_SOURCE_FIELDS = ("api", "region", "time", "file", "line")
_NOTICE_FIELDS = ("code", "reason", "provider", "file", "line", "kind", "name", "hint")


def _pack(o: Outcome) -> tuple[Any, ...]:
    """``o`` as plain values (``_unpack`` gives it back, equal)."""
    return (
        o.display,
        [
            (
                r.type,
                r.id,
                r.name,
                r.scope,
                r.data,
                (s.api, s.region, s.time, s.file, s.line),
                r.region,
                r.namespace,
                r.tags,
                r.errors,
                r.deferred,
            )
            for r in o.resources
            for s in (r.source,)
        ],
        o.errors,
        [_notice_values(n) for n in o.notices],
        [None if n is None else _notice_values(n) for n in o.checks],
    )


def _notice_values(n: Notice) -> tuple[Any, ...]:
    return (n.code, n.reason, n.provider, n.file, n.line, n.kind, n.name, n.hint)


def _unpack(p: tuple[Any, ...]) -> Outcome:
    display, resources, errors, notices, checks = p
    return Outcome(
        display,
        [
            Resource(t, i, n, sc, data, Source(*src), reg, ns, tags, errs, dfr)
            for t, i, n, sc, data, src, reg, ns, tags, errs, dfr in resources
        ],
        errors,
        [Notice(*n) for n in notices],
        [None if n is None else Notice(*n) for n in checks],
    )
