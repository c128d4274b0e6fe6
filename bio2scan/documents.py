"""Reading and writing bio2scan's JSON documents (inventory, results): ``.json`` or ``.json.gz``,
validated against the schemas shipped in ``bio2scan/schemas/``, written atomically (a temporary
file in the same directory, then ``os.replace``), with their SHA-256."""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import json
import os
import shutil
import stat
import tempfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError, InventoryError, OutputError, UsageError
from .model import Inventory
from .resultrows import is_encoded, write_rows

SCHEMAS = ("inventory", "results", "waivers", "config")


@functools.cache
def schema(name: str) -> dict[str, Any]:
    text = resources.files("bio2scan").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _validator(name: str) -> Any:
    import jsonschema  # only when a document is validated

    s = schema(name)
    return jsonschema.validators.validator_for(s)(s)


def validate(name: str, doc: Any, file: str = "<document>", error: type = InputError) -> None:
    import jsonschema

    err = jsonschema.exceptions.best_match(_validator(name).iter_errors(doc))
    if err is not None:
        field = "/".join(str(p) for p in err.absolute_path) or None
        raise error(f"not a valid {name} document: {err.message}", file=file, field=field)


def atomic_write(path: str | Path, data: bytes | str) -> str:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never
    half of it. Returns the SHA-256 of what was written."""
    raw = data.encode("utf-8") if isinstance(data, str) else data

    def write(fh: BinaryIO) -> str:
        fh.write(raw)
        return hashlib.sha256(raw).hexdigest()

    return atomic_stream(path, write)


def os_reason(exc: OSError) -> str:
    """What an ``OSError`` says, with the file it names: ``No space left on device (f.csv)``."""
    return f"{exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}"


def atomic_stream(path: str | Path, write: Callable[[BinaryIO], str]) -> str:
    """``atomic_write`` for a file written as a stream: ``write(fh)`` writes it into a
    temporary file beside ``path`` and returns the SHA-256 of what it wrote; the file replaces
    ``path`` only once it is whole and on disk. On any error (a full disk half-way) the
    temporary file is removed and ``path`` is as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            digest = write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return digest


# --- a set of files that belong together (the reports of one scan) ---------------------------

SET_MANIFEST = ".bio2scan-set"  # JSON; no .json suffix: nothing takes it for a document
_STAGING = ".bio2scan-staging-"

# the bytes or text of a file, or a function that writes it at the path it is given (and may
# return the SHA-256 of what it wrote)
Content = bytes | str | Callable[[Path], str | None]


def check_writable_dir(directory: str | Path, label: str | None = None) -> None:
    """Before any work: ``directory`` is, or can be made, a directory we may write into.
    ``label`` starts the error message (default ``--output-dir DIR``)."""
    d = Path(directory)
    label = label or f"--output-dir {directory}"
    if d.exists():
        if not d.is_dir():
            raise UsageError(f"{label}: exists and is not a directory")
        try:
            fd, probe = tempfile.mkstemp(prefix=".bio2scan-probe-", dir=d)
        except OSError as exc:
            raise UsageError(f"{label}: cannot write there ({exc.strerror or exc})") from None
        os.close(fd)
        os.unlink(probe)
        return
    parent = d.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{label}: cannot be created ({parent} is not a directory)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{label}: cannot be created ({parent} is not writable)")


def write_set(
    directory: str | Path,
    files: Mapping[str, Content],
    key: str | None = None,
    *,
    record: bool = True,
    join: bool = True,
) -> dict[str, str]:
    """Write ``files`` (name → content, or a function that writes the file at the path it is
    given) into ``directory`` as one set: each is written into a staging directory inside
    ``directory`` first, and only when all are complete are they moved into place — so an
    interrupted run (killed, disk full, a renderer that fails) leaves the previous set as it
    was. The files of the previous set that the new one does not have are removed (the set is
    recorded in ``.bio2scan-set``), so the directory never mixes two scans — unless both
    sets carry the same ``key`` (the same scan rendered again in other formats): then the new
    files join the set. ``join=False``: the files are a new scan's, which never joins a set,
    whatever its key (two scans can share one: the same targets and rules within a second).
    ``record=False``: keep no record (a directory with a manifest of its own, such as an
    evidence pack). Returns the SHA-256 of each file written, by name, as it was written (a
    writer that returns none has none)."""
    d = Path(directory)
    try:
        d.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(d)
        staging = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{os.getpid()}-", dir=d))
    except OSError as exc:
        raise OutputError(
            f"cannot write into {directory}: {exc.strerror or exc}", reason=os_reason(exc)
        ) from None
    try:
        return _write_set(d, staging, files, key, record, join)
    except OSError as exc:
        raise OutputError(
            f"cannot write the reports into {directory}: {os_reason(exc)}; the previous ones "
            "are unchanged",
            reason=os_reason(exc),
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_set(
    d: Path,
    staging: Path,
    files: Mapping[str, Content],
    key: str | None,
    record: bool,
    join: bool,
) -> dict[str, str]:
    digests: dict[str, str] = {}
    for name, content in files.items():
        if "/" in name or name.startswith("."):
            raise ValueError(f"not a plain file name: {name!r}")
        target = staging / name
        if callable(content):
            digest = content(target)
            if isinstance(digest, str):
                digests[name] = digest
        else:
            raw = content.encode("utf-8") if isinstance(content, str) else content
            target.write_bytes(raw)
            digests[name] = hashlib.sha256(raw).hexdigest()
        with open(target, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(target, 0o644)
    _fsync_dir(staging)
    for name in files:  # what would stop the commit half-way, found before it starts
        if (d / name).is_dir():
            raise IsADirectoryError(21, "is a directory", str(d / name))
    previous_key, previous = _previous_set(d)
    names = set(files)
    for name in files:  # the commit: renames within one file system, microseconds
        os.replace(staging / name, d / name)
    same = join and key is not None and key == previous_key
    if same:
        names |= {n for n in previous if (d / n).is_file()}
    else:
        for name in previous - names:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                os.unlink(d / name)
    if record:
        manifest: dict[str, Any] = {"key": key, "files": sorted(names)}
        known = {**_previous_digests(d), **digests} if same else digests
        manifest["sha256"] = {n: known[n] for n in sorted(names) if n in known}
        atomic_write(d / SET_MANIFEST, json.dumps(manifest, indent=1) + "\n")
    _fsync_dir(d)
    return digests


def _previous_set(d: Path) -> tuple[str | None, set[str]]:
    try:
        manifest = json.loads((d / SET_MANIFEST).read_text("utf-8"))
        names, key = manifest.get("files", []), manifest.get("key")
    except (OSError, ValueError, AttributeError):
        return None, set()
    ok = {n for n in names if isinstance(n, str) and "/" not in n and not n.startswith(".")}
    return (key if isinstance(key, str) else None), ok


def _previous_digests(d: Path) -> dict[str, str]:
    try:
        found = json.loads((d / SET_MANIFEST).read_text("utf-8")).get("sha256") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _remove_stale_staging(d: Path) -> None:
    """Staging directories of runs that were killed (their process is gone)."""
    for p in d.glob(f"{_STAGING}*"):
        pid = p.name[len(_STAGING) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, another user's
        return True
    return True


def _fsync_dir(d: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class HashingWriter:
    """A binary file that text and bytes are written to, hashed (SHA-256) as they go: a
    report is hashed while it is written, never read back or held whole in memory."""

    __slots__ = ("fh", "hash", "size")

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: str | bytes) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        self.hash.update(raw)
        self.fh.write(raw)
        self.size += len(raw)

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


def open_written(path: str | Path) -> BinaryIO | None:
    """A file this run wrote before (a report, an inventory), opened to be copied: only a
    regular file, never through a symbolic link, and never waiting on a FIFO or device put in
    its place; None when there is no such file. (Whoever can write the directory could put
    anything there meanwhile; the caller still checks the bytes against their digest.)"""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        return os.fdopen(fd, "rb")
    except OSError:
        os.close(fd)
        return None


def copy_hashed(src: BinaryIO, fh: BinaryIO) -> str:
    """``src`` (an open file) into ``fh`` byte for byte; its SHA-256."""
    out = HashingWriter(fh)
    shutil.copyfileobj(src, out)
    return out.hexdigest()


def stream_json(
    out: HashingWriter,
    doc: Mapping[str, Any],
    sections: Mapping[str, Callable[[Callable[[str], Any], Any], None]],
    end: str = "\n",
) -> None:
    """Write ``doc`` as one compact JSON object, key by key; the keys in ``sections`` are
    written by their function (``fn(write, value)``), piece by piece; ``end`` follows."""
    out.write("{")
    for i, (key, value) in enumerate(doc.items()):
        out.write(("," if i else "") + json.dumps(str(key), ensure_ascii=False) + ":")
        if key in sections:
            sections[key](out.write, value)
        else:
            out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))
    out.write("}" + end)


def write_results(fh: BinaryIO, doc: Mapping[str, Any]) -> str:
    """Write a results document (its rows in the stored form, ``resultrows``) to ``fh``,
    streamed: memory does not grow with the number of results. Returns its SHA-256."""
    out = HashingWriter(fh)

    def rows(write: Callable[[str], Any], value: Any) -> None:
        if is_encoded(value):
            write(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))
        else:
            write_rows(write, value, doc.get("rules") or {})

    stream_json(out, doc, {"results": rows})
    return out.hexdigest()


# Above this many results (or resources) a document is written compact: nobody reads it by eye,
# and an indent makes ``json`` use its pure-Python encoder, six times slower than the C one
# (100k workloads × 26 rules: a 1.7 GB results.json took ~50 s to write).
LARGE = 20_000


def dumps(doc: Any) -> str:
    """The JSON text of a document: indented for people, compact when it is large."""
    large = isinstance(doc, dict) and (
        len(doc.get("results") or ()) > LARGE or len(doc.get("resources") or ()) > LARGE
    )
    if large:
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False, default=str) + "\n"


def write_json(path: str | Path, doc: Any) -> str:
    """Atomically write ``doc`` as JSON (gzip when the name ends in ``.gz``); return SHA-256."""
    return atomic_write(path, encode_json(doc, gz=str(path).endswith(".gz")))


# gzip at level 6 (a fifth of level 9's time for a third more bytes), the member written by
# zlib itself (``wbits`` 16 + 15: no name, time 0, zlib's header), so that a document gives the
# same bytes whatever Python's ``gzip`` module writes, whole (``encode_json``) or streamed
# (``write_inventory``)
_GZ_LEVEL = 6
_GZ_WBITS = 16 + zlib.MAX_WBITS


def encode_json(doc: Any, gz: bool = False) -> bytes:
    """The bytes of a JSON document file. A ``.gz`` file is for machines: compact JSON (the C
    encoder; indenting makes ``json`` fall back to its pure-Python encoder, six times slower on
    a 100k-resource inventory) at gzip level 6. Still reproducible: the same document gives the
    same bytes."""
    if gz:
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        return zlib.compress(text.encode("utf-8"), _GZ_LEVEL, _GZ_WBITS)
    return dumps(doc).encode("utf-8")


def read_json(path: str | Path, error: type = InputError) -> Any:
    name = str(path)
    try:
        raw = Path(path).read_bytes() if name != "-" else __import__("sys").stdin.buffer.read()
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", file=name) from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise error(f"broken gzip data: {exc}", file=name) from None
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise error("not UTF-8 text (is this a bio2scan JSON document?)", file=name) from None
    except json.JSONDecodeError as exc:
        raise error(f"invalid JSON: {exc.msg}", file=name, line=exc.lineno) from None


def load_inventory(path: str | Path) -> Inventory:
    doc = read_json(path, InventoryError)
    if not isinstance(doc, dict) or doc.get("kind") != "bio2scan-inventory":
        raise InventoryError(
            'not a bio2scan inventory (expected "kind": "bio2scan-inventory")', file=str(path)
        )
    validate("inventory", doc, str(path), InventoryError)
    return Inventory.from_dict(doc)


def save_inventory(path: str | Path, inventory: Inventory) -> str:
    """Atomically write ``inventory`` (gzip when the name ends in ``.gz``), streamed
    (``write_inventory``); return the file's SHA-256."""
    gz = str(path).endswith(".gz")
    return atomic_stream(path, lambda fh: write_inventory(fh, inventory, gz=gz))


# resources encoded, joined and handed to the file (or the compressor) at a time: the text in
# memory is a batch's, whatever the size of the inventory
_INVENTORY_BATCH = 256


def write_inventory(fh: BinaryIO, inventory: Inventory, *, gz: bool) -> str:
    """Write ``inventory``'s JSON document into ``fh`` as a stream, gzip-compressed when ``gz``;
    return the SHA-256 of the bytes written. The bytes are ``encode_json(inventory.to_dict(),
    gz)``'s (so the same inventory gives the same file); but neither the document nor its text
    is ever whole in memory: the resources are encoded a batch at a time, through a streaming
    compressor. An inventory small enough to be indented (``dumps``) is written whole."""
    out = HashingWriter(fh)
    large = gz or len(inventory.resources) > LARGE
    if not large:
        out.write(dumps(inventory.to_dict()))
        return out.hexdigest()
    if not gz:
        for piece in _inventory_text(inventory):
            out.write(piece)
        return out.hexdigest()
    deflate = zlib.compressobj(_GZ_LEVEL, zlib.DEFLATED, _GZ_WBITS)
    for piece in _inventory_text(inventory):
        if packed := deflate.compress(piece.encode("utf-8")):
            out.write(packed)
    out.write(deflate.flush())
    return out.hexdigest()


def _inventory_text(inventory: Inventory) -> Iterator[str]:
    """The compact JSON text of ``inventory.to_dict()`` (as ``json.dumps`` with the
    separators and ``default=str`` of ``encode_json`` gives it, and its newline), in pieces."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
    head = encode(inventory.head_dict())
    yield head[:-1] + ',"resources":['
    resources = inventory.resources
    for start in range(0, len(resources), _INVENTORY_BATCH):
        batch = resources[start : start + _INVENTORY_BATCH]
        yield ("," if start else "") + ",".join([encode(r.to_dict()) for r in batch])
    yield "]}\n"


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
