"""The evidence pack: one directory an auditor can archive and check later.

``write_pack`` puts the inventory (``inventory.json.gz``, or the evaluated inventory file byte
for byte), the results document (``results.json``, which names the tool version, the rule-set
digest and the inventory's SHA-256) and the reports into a directory, then seals it with a
``SHA256SUMS`` manifest in the format of ``sha256sum`` (so ``sha256sum -c SHA256SUMS`` works
too). ``verify`` recomputes every digest and reports each file that changed, is missing or was
added, and checks that ``results.json`` still names the inventory it was made from.

What this proves and what not: the pack is consistent with its manifest. Someone who can rewrite
every file can rewrite ``SHA256SUMS`` as well, so record the manifest's own SHA-256 (printed when
the pack is written) somewhere else — a ticket, a signed e-mail — or sign it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .documents import (
    atomic_stream,
    atomic_write,
    copy_hashed,
    open_written,
    os_reason,
    read_json,
    save_inventory,
    sha256_file,
)
from .errors import InputError, OutputError, UsageError
from .model import Inventory

MANIFEST = "SHA256SUMS"
_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def _files(directory: Path) -> list[str]:
    return sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file()
        and p.name != MANIFEST
        and not p.name.startswith(".")
        and not p.name.endswith(".tmp")
    )


def ensure_empty(directory: str | Path) -> None:
    """A pack holds one scan: refuse a directory that already has files (an older pack's
    reports would otherwise be sealed together with this scan's results)."""
    d = Path(directory)
    if d.exists() and (not d.is_dir() or any(d.iterdir())):
        raise UsageError(
            f"--evidence-dir {directory}: not an empty directory; an evidence pack "
            "holds one scan, choose a new directory"
        )


def seal(directory: str | Path) -> str:
    """Write ``SHA256SUMS`` over every file in ``directory``; return the manifest's SHA-256."""
    d = Path(directory)
    lines = [f"{sha256_file(d / name)}  {name}\n" for name in _files(d)]
    return atomic_write(d / MANIFEST, "".join(lines))


def write_pack(
    directory: str | Path,
    document: dict[str, Any],
    render: Callable[[dict[str, Any], Path], dict[str, Path]],
    *,
    inventory: Inventory | None = None,
    inventory_files: Iterable[str] = (),
    written: tuple[Path, str] | None = None,
) -> str:
    """Write inventory, results and reports into ``directory`` and seal it.

    ``render(document, directory)`` writes the reports (``results.json`` among them). The
    inventory is ``inventory`` when given, else the one file in ``inventory_files`` copied as
    it is, else several files merged by the caller into ``inventory``. ``written``: a file
    already holding ``inventory``'s gzip file and that file's SHA-256 when it was written (the
    report set's): it is copied instead of encoded again, and kept only if the copy has that
    digest (a file replaced meanwhile is not trusted: ``inventory`` is encoded then). Returns
    the manifest's SHA-256.

    A pack that cannot be written whole (a full disk half-way) is not left behind half
    written: what this call wrote into ``directory`` is removed again, and ``OutputError``
    says why."""
    d = Path(directory)
    created = not d.exists()
    try:
        before = set(d.iterdir()) if d.is_dir() else set()
    except OSError:
        before = set()
    try:
        d.mkdir(parents=True, exist_ok=True)
        return _write_pack(d, document, render, inventory, inventory_files, written)
    except (OSError, OutputError) as exc:
        if created:
            shutil.rmtree(d, ignore_errors=True)
        else:
            _remove_new(d, before)
        reason = os_reason(exc) if isinstance(exc, OSError) else exc.reason
        raise OutputError(
            f"cannot write the evidence pack into {directory}: {reason}; the reports are "
            "written, the pack is removed",
            reason=reason,
        ) from None


def _write_pack(
    d: Path,
    document: dict[str, Any],
    render: Callable[[dict[str, Any], Path], dict[str, Path]],
    inventory: Inventory | None,
    inventory_files: Iterable[str],
    written: tuple[Path, str] | None,
) -> str:
    files = [f for f in inventory_files if f != "-"]
    sha: str | None = None
    if inventory is not None:
        target = d / "inventory.json.gz"
        sha = _copied(written, target) if written is not None else None
        if sha is None:
            sha = save_inventory(target, inventory)
    elif len(files) == 1:
        src = Path(files[0])
        target = d / ("inventory.json.gz" if src.name.endswith(".gz") else "inventory.json")
        if src.resolve() != target.resolve():
            with open(src, "rb") as r:
                sha = atomic_stream(target, lambda fh: copy_hashed(r, fh))
        else:
            sha = sha256_file(target)
    doc = document
    if sha is not None:
        doc = dict(document, scan=dict(document["scan"], inventory_sha256=sha))
    render(doc, d)
    if not (d / "results.json").exists():
        raise InputError("an evidence pack needs results.json (the json format)", file=str(d))
    return seal(d)


def _copied(written: tuple[Path, str], target: Path) -> str | None:
    """``written``'s file (path, digest) copied to ``target`` when the copy has that digest;
    else None (the file is gone or was replaced: the caller encodes the inventory itself). A
    full disk while copying is raised."""
    path, digest = written
    src = open_written(path)
    if src is None:
        return None
    with src:
        sha = atomic_stream(target, lambda fh: copy_hashed(src, fh))
    return sha if sha == digest else None


def _remove_new(d: Path, before: set[Path]) -> None:
    """Remove what appeared in ``d`` since ``before`` (this call's files and directories)."""
    try:
        entries = list(d.iterdir())
    except OSError:
        return
    for p in entries:
        if p in before:
            continue
        with contextlib.suppress(OSError):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()


@dataclass
class Verification:
    """The outcome of ``verify``: ``ok`` only when nothing changed, went missing or was added."""

    directory: str
    checked: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.unexpected or self.problems)


def _manifest(d: Path) -> dict[str, str]:
    path = d / MANIFEST
    if not path.is_file():
        raise InputError(f"not an evidence pack: no {MANIFEST}", file=str(d))
    entries: dict[str, str] = {}
    for n, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        name = m.group(2) if m else ""
        if not m or name.startswith("/") or ".." in Path(name).parts:
            raise InputError(
                'not a SHA256SUMS line ("<sha256>  <relative path>")', file=str(path), line=n
            )
        entries[name] = m.group(1)
    return entries


def verify(directory: str | Path) -> Verification:
    d = Path(directory)
    if not d.is_dir():
        raise InputError("not a directory", file=str(d))
    entries = _manifest(d)
    v = Verification(str(d))
    manifest_sha = hashlib.sha256((d / MANIFEST).read_bytes()).hexdigest()
    v.facts["manifest_sha256"] = manifest_sha
    actual: dict[str, str] = {}
    for name, digest in sorted(entries.items()):
        p = d / name
        if not p.is_file():
            v.missing.append(name)
            continue
        actual[name] = sha256_file(p)
        (v.checked if actual[name] == digest else v.changed).append(name)
    v.unexpected = [f for f in _files(d) if f not in entries]
    if "results.json" not in entries:
        v.problems.append("results.json is not listed in SHA256SUMS")
    elif "results.json" in v.checked:
        _check_results(d, actual, v)
    return v


def _check_results(d: Path, actual: dict[str, str], v: Verification) -> None:
    try:
        doc = read_json(d / "results.json")
        v.facts["tool"] = f"{doc['tool']['name']} {doc['tool']['version']}"
        v.facts["ruleset"] = str(doc["ruleset"]["digest"])
        v.facts["finished_at"] = str(doc["scan"]["finished_at"])
        named = doc["scan"].get("inventory_sha256")
    except (InputError, KeyError, TypeError) as exc:
        v.problems.append(f"results.json is not a results document: {exc}")
        return
    inv = next((n for n in ("inventory.json.gz", "inventory.json") if n in actual), None)
    if inv and named and actual[inv] != named:
        v.problems.append(
            f"results.json names inventory sha256 {named}, but {inv} is {actual[inv]}"
        )


def to_json(v: Verification) -> str:
    return json.dumps(
        {
            "directory": v.directory,
            "ok": v.ok,
            "checked": v.checked,
            "changed": v.changed,
            "missing": v.missing,
            "unexpected": v.unexpected,
            "problems": v.problems,
            "facts": v.facts,
        },
        indent=1,
    )
