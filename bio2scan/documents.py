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
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from .errors import InputError, InventoryError
from .model import Inventory

SCHEMAS = ("inventory", "results", "waivers")


@functools.cache
def schema(name: str) -> dict[str, Any]:
    text = resources.files("bio2scan").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _validator(name: str) -> Any:
    s = schema(name)
    return jsonschema.validators.validator_for(s)(s)


def validate(name: str, doc: Any, file: str = "<document>", error: type = InputError) -> None:
    err = jsonschema.exceptions.best_match(_validator(name).iter_errors(doc))
    if err is not None:
        field = "/".join(str(p) for p in err.absolute_path) or None
        raise error(f"not a valid {name} document: {err.message}", file=file, field=field)


def atomic_write(path: str | Path, data: bytes | str) -> str:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never
    half of it. Returns the SHA-256 of what was written."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return hashlib.sha256(raw).hexdigest()


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
    """Atomically write ``doc`` as JSON (gzip when the name ends in ``.gz``); return SHA-256.

    A ``.gz`` file is for machines: compact JSON (the C encoder; indenting makes ``json`` fall
    back to its pure-Python encoder, six times slower on a 100k-resource inventory) at gzip
    level 6 (a fifth of level 9's time for a third more bytes). Still reproducible: the same
    document gives the same bytes."""
    if str(path).endswith(".gz"):
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        return atomic_write(path, gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))
    return atomic_write(path, dumps(doc))


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
    return write_json(path, inventory.to_dict())


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
