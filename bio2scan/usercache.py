"""The user's cache directory: JSON entries that only save time (issue 15).

Two kinds of entry live there: the validated rules of a rule directory (``engine/rulecache.py``)
and the list of installed plugins (``plugins.py``). Each is a file ``<kind>-<key>.json`` whose
first line is a header with the format, the key and the SHA-256 of the body; ``read`` returns
the body only when all three match, so a truncated, corrupt, foreign or other-version file is a
miss (the caller rebuilds it), never an error.

Where: ``$BIO2SCAN_CACHE`` (a directory; ``off`` disables the cache), otherwise
``$XDG_CACHE_HOME/bio2scan`` or ``~/.cache/bio2scan``. The directory is created with mode 0700
and used only when it belongs to the user and nobody else may write to it: whoever can write an
entry decides what the rules check. Entries are JSON, which cannot run code however the file was
made (``pickle`` would; ``marshal`` is documented as unsafe for erroneous input). Writers write a
temporary file in the same directory and ``os.replace`` it, so concurrent writers never leave a
half-written entry. Every failure to read or write is silent (logged at debug level): the caller
then does the work, as without a cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("bio2scan.cache")

ENV = "BIO2SCAN_CACHE"
FORMAT = "bio2scan-cache/1"
MAX_ENTRIES = 32  # entries kept per kind; the oldest go first
_OFF = ("", "0", "off", "no", "false", "none")
_MAX_ENTRY_BYTES = 64 * 1024 * 1024


def cache_dir() -> Path | None:
    """The cache directory, or ``None`` when caching is turned off."""
    given = os.environ.get(ENV)
    if given is not None:
        return None if given.strip().lower() in _OFF else Path(given)
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "bio2scan"


def usable_dir(create: bool) -> Path | None:
    """The cache directory when it is the user's own and writable by nobody else."""
    where = cache_dir()
    if where is None:
        return None
    try:
        if create:
            where.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(where, follow_symlinks=False)
    except OSError as exc:
        log.debug("cache: %s: %s", where, exc)
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
        log.debug("cache: %s is not a directory of this user's only; not used", where)
        return None
    return where


def entry_path(kind: str, key: str) -> Path | None:
    where = cache_dir()
    return where / f"{kind}-{key}.json" if where is not None else None


def read(kind: str, key: str) -> Any:
    """The body of entry ``kind``/``key``, or ``None`` (a miss: no entry, or one whose header
    does not match this key and its body)."""
    where = usable_dir(create=False)
    if where is None:
        return None
    path = where / f"{kind}-{key}.json"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if (
                not stat.S_ISREG(st.st_mode)
                or st.st_uid != os.getuid()
                or st.st_size > _MAX_ENTRY_BYTES
            ):
                return None
            raw = f.read()
    except OSError:
        return None
    try:
        head_raw, sep, body = raw.partition(b"\n")
        head = json.loads(head_raw)
        if (
            not sep
            or not isinstance(head, dict)
            or head.get("format") != FORMAT
            or head.get("kind") != kind
            or head.get("key") != key
            or head.get("sha256") != hashlib.sha256(body).hexdigest()
        ):
            raise ValueError("header does not match")
        return json.loads(body)
    except ValueError as exc:
        log.debug("cache: %s ignored (%s); rebuilding", path.name, exc)
        return None


def write(kind: str, key: str, body: Any) -> None:
    """Store ``body`` (JSON data) as entry ``kind``/``key``, atomically."""
    where = usable_dir(create=True)
    if where is None:
        return
    try:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        log.debug("cache: %s entry not written (%s)", kind, exc)
        return
    head = {"format": FORMAT, "kind": kind, "key": key, "sha256": hashlib.sha256(data).hexdigest()}
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=where)
        with os.fdopen(fd, "wb") as f:
            f.write(json.dumps(head).encode() + b"\n" + data)
        os.replace(tmp, where / f"{kind}-{key}.json")
        tmp = None
        _prune(where, kind)
    except OSError as exc:
        log.debug("cache: not written to %s (%s)", where, exc)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(where: Path, kind: str) -> None:
    """Keep the newest ``MAX_ENTRIES`` entries of ``kind``; remove temporary files an hour old."""
    entries = []
    now = time.time()
    for p in where.iterdir():
        try:
            st = p.stat(follow_symlinks=False)
        except OSError:
            continue
        if p.name.startswith(f"{kind}-") and p.name.endswith(".json"):
            entries.append((st.st_mtime, p))
        elif p.name.startswith(".tmp-") and now - st.st_mtime > 3600:
            p.unlink(missing_ok=True)
    entries.sort(reverse=True)
    for _, p in entries[MAX_ENTRIES:]:
        p.unlink(missing_ok=True)
