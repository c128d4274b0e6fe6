"""Finding and parsing a module's files: ``.tf`` files of one directory (Terraform does not
descend into subdirectories; modules are found through their ``source``), in parallel when
there is enough to parse, and variable values from ``.tfvars``/``.tfvars.json`` files and
``--var`` options.

Parsing is CPU-bound pure Python, so the pool is one of processes, used only when the files
are large enough to repay starting it (``PARALLEL_BYTES``). A file that cannot be read or
parsed comes back as an ``HclError`` in its place; the others are unaffected.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from .hcl import Body, HclError, parse_many, parse_text

PARALLEL_BYTES = 192 * 1024
_SKIP_DIRS = {".terraform", ".git"}


def tf_files(directory: str) -> list[str]:
    """The ``.tf`` files of one module directory, sorted (``.tf.json`` is not read: noted by
    the caller)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [
        os.path.join(directory, n)
        for n in names
        if n.endswith(".tf") and os.path.isfile(os.path.join(directory, n))
    ]


def json_tf_files(directory: str) -> list[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names if n.endswith(".tf.json")]


def parse_all(paths: Sequence[str], max_workers: int) -> dict[str, Body | HclError]:
    """Parse ``paths``; in worker processes when that pays."""
    paths = list(paths)
    sizes = {p: _size(p) for p in paths}
    total = sum(sizes.values())
    workers = min(max_workers, os.cpu_count() or 1, len(paths))
    if workers < 2 or total < PARALLEL_BYTES:
        return dict(zip(paths, parse_many(paths)))
    chunks: list[list[str]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for p in sorted(paths, key=lambda p: -sizes[p]):  # largest first onto the lightest chunk
        i = loads.index(min(loads))
        chunks[i].append(p)
        loads[i] += sizes[p]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        ctx = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=watch, initargs=(os.getpid(),)
        ) as pool:
            results = list(pool.map(parse_many, chunks))
    except Exception:  # noqa: BLE001 — no processes here (a sandbox), a broken pool: parse here
        return dict(zip(paths, parse_many(paths)))
    out: dict[str, Body | HclError] = {}
    for chunk, res in zip(chunks, results):
        out.update(zip(chunk, res))
    return {p: out[p] for p in paths}


def watch(scan: int) -> None:
    """In a pool worker: exit as soon as the scan's process ``scan`` does. The forkserver, not
    the scan, is a worker's parent, so ``PR_SET_PDEATHSIG`` cannot say it; and a worker whose
    scan was killed would otherwise wait for ever for work on a queue it holds open itself —
    keeping the forkserver, the resource tracker and the scan's output pipe alive with it. A
    thread waits on a pidfd of the scan (Linux), else checks every half second that it runs."""
    import threading

    try:
        fd = os.pidfd_open(scan)
    except (AttributeError, OSError):
        fd = -1
        if not _running(scan):  # gone before this worker started (or not ours to see)
            os._exit(1)
    threading.Thread(target=_exit_after, args=(scan, fd), daemon=True).start()


def _exit_after(scan: int, fd: int) -> None:  # pragma: no cover - a pool worker's thread
    import select
    import time

    if fd >= 0:
        select.select([fd], [], [])
    else:
        while _running(scan):
            time.sleep(0.5)
    os._exit(1)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists (another user's would say EPERM)
        return True
    return True


def _size(p: str) -> int:
    try:
        return os.path.getsize(p)
    except OSError:
        return 0


def default_var_files(root: str) -> list[str]:
    """The files Terraform loads by itself, in its order: ``terraform.tfvars``,
    ``terraform.tfvars.json``, then ``*.auto.tfvars`` / ``*.auto.tfvars.json`` by name."""
    out = [
        os.path.join(root, n)
        for n in ("terraform.tfvars", "terraform.tfvars.json")
        if os.path.isfile(os.path.join(root, n))
    ]
    try:
        names = sorted(os.listdir(root))
    except OSError:
        names = []
    out += [
        os.path.join(root, n)
        for n in names
        if n.endswith((".auto.tfvars", ".auto.tfvars.json"))
        and os.path.isfile(os.path.join(root, n))
    ]
    return out


def read_var_file(path: str) -> dict[str, Any]:
    """Values of a ``.tfvars`` (HCL, literals only) or ``.tfvars.json`` file. Raises
    ``HclError`` naming the line."""
    try:
        with open(path, "rb") as f:
            raw = f.read(4 * 1024 * 1024 + 1)
    except OSError as exc:
        raise HclError(f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HclError(f"not UTF-8 text (byte {exc.start})") from None
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise HclError(f"invalid JSON: {exc.msg}", exc.lineno) from None
        if not isinstance(data, dict):
            raise HclError("expected a JSON object of variable values", 1)
        return data
    attrs, blocks = parse_text(text)
    if blocks:
        raise HclError("a variables file holds only NAME = VALUE lines", blocks[0][3])
    return {name: _literal(expr, line) for name, (expr, line) in attrs.items()}


def _literal(expr: Any, line: int) -> Any:
    from .expr import Scope, evaluate
    from .values import Unresolved

    def nothing(name: str, line: int) -> Any:
        return Unresolved(f"a variables file cannot refer to {name}")

    value = evaluate(expr, Scope(nothing, "tfvars"))
    if isinstance(value, Unresolved):
        raise HclError(value.reason, line)
    return value


def parse_var_option(text: str, declared_type: Any) -> tuple[str, Any]:
    """``NAME=VALUE`` of ``--var``: a string for string (or untyped) variables, else an HCL
    expression (``--var 'ports=[22, 443]'``), as Terraform reads ``-var``."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise HclError(f"--var {text!r}: expected NAME=VALUE")
    if declared_type in (None, "string"):
        return name, value
    attrs, _ = parse_text(f"v = {value}\n")
    return name, _literal(attrs["v"][0], 1)


def type_name(expr: Any) -> str | None:
    """``string`` / ``number`` / ``bool`` / ``list`` … of a variable's ``type`` expression."""
    if expr is None:
        return None
    if expr[0] == "R":
        return str(expr[1])
    if expr[0] == "C":
        return str(expr[1])
    return "any"


def module_manifest(root: str) -> Mapping[str, str]:
    """``.terraform/modules/modules.json`` (written by ``terraform init``): module key →
    directory, so modules from registries and Git can be read where init put them."""
    path = os.path.join(root, ".terraform", "modules", "modules.json")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    out: dict[str, str] = {}
    for m in data.get("Modules") or () if isinstance(data, dict) else ():
        if isinstance(m, dict) and isinstance(m.get("Key"), str) and isinstance(m.get("Dir"), str):
            out[m["Key"]] = os.path.normpath(os.path.join(root, m["Dir"]))
    return out
