"""A cache of validated rule packs, so that a command does not parse and schema-check every rule
file on every run (issue 15).

An entry holds the loaded, validated ``Rule``s of one rule directory as JSON, under a key that is
the SHA-256 of everything the loading depends on:

* the content of every ``*.yaml`` file under the directory and its path in it (the files are read
  and hashed on every run: a content digest, never size and modification time alone);
* how the directory is loaded (pack name, the directory as given and resolved, the name shown
  for its files);
* bio2scan's version and a fingerprint of its own code and data (size and modification time of
  every ``.py``/``.json`` file of the package: the schema, the catalogue of controls and the
  built-in functions a check is compiled against; an editable install changes code without
  changing the version);
* the names of the functions that installed rule packs registered (a check may call them).

Parameters (``--set``, a config file's ``params``) are not part of the key because nothing in an
entry depends on them: an entry holds each rule's defaults and its uncompiled check; overrides are
applied when the checks the scan needs are compiled.

Where and how entries are kept (the user's own 0700 directory, JSON with a header carrying the
key and the SHA-256 of the body, atomic replacement, silence on failure): ``usercache``. An
entry whose header, digest or shape is wrong (truncated, foreign, another version) is ignored
and rebuilt. A rule whose data JSON cannot carry exactly (a YAML timestamp, a non-string key) is
not cached: it is loaded from its file every time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import __version__, usercache
from ..model import Link, Param, Rule, Severity

KIND = "rules"
ENV = usercache.ENV
log = logging.getLogger("bio2scan.rulecache")
cache_dir = usercache.cache_dir


@functools.cache
def code_fingerprint() -> str:
    """Size and modification time of every Python and JSON file of the bio2scan package."""
    pkg = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(__version__.encode())
    for dirpath, dirnames, filenames in os.walk(pkg):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".json")):
                full = os.path.join(dirpath, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                h.update(f"{os.path.relpath(full, pkg)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _plugin_functions() -> list[str]:
    from .functions import REGISTRY

    return sorted(
        name for name, f in REGISTRY.items() if not f.fn.__module__.startswith("bio2scan.")
    )


def key_for(root: Path, files: Sequence[Path], how: Sequence[Any]) -> str | None:
    """The key of the rules under ``root`` loaded ``how``; ``None`` when a file cannot be read
    (the loader then reports it)."""
    h = hashlib.sha256()
    head = [KIND, __version__, code_fingerprint(), _plugin_functions(), list(how)]
    h.update(json.dumps(head, default=str).encode())
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        rel = path.relative_to(root).as_posix().encode("utf-8", "surrogateescape")
        h.update(len(rel).to_bytes(8, "big") + rel)
        h.update(len(data).to_bytes(8, "big") + hashlib.sha256(data).digest())
    return h.hexdigest()


# --- entries ---------------------------------------------------------------------------------


def read(key: str) -> tuple[list[Rule], list[str]] | None:
    """The cached rules and the files whose rules are not cached, or ``None`` (a miss: no
    entry, or one that is not exactly what this key must hold)."""
    data = usercache.read(KIND, key)
    if data is None:
        return None
    try:
        rules = [_rule(d) for d in data["rules"]]
        uncached = [str(x) for x in data["uncached"]]
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        log.debug("rule cache: entry %s ignored (%s); rebuilding", key, exc)
        return None
    return rules, uncached


def write(key: str, rules: Sequence[Rule], rel_files: Callable[[Rule], str]) -> None:
    """Store ``rules`` under ``key``; a rule whose data JSON cannot carry exactly is listed as
    uncached (by its file relative to the directory, from ``rel_files``)."""
    cached: list[dict[str, Any]] = []
    uncached: list[str] = []
    for r in rules:
        d = _plain(r)
        if d is None:
            uncached.append(rel_files(r))
        else:
            cached.append(d)
    usercache.write(KIND, key, {"rules": cached, "uncached": uncached})


# --- Rule <-> JSON ---------------------------------------------------------------------------


def _plain(rule: Rule) -> dict[str, Any] | None:
    """The rule as JSON data, or ``None`` when JSON would not give back exactly the same."""
    d = {
        "id": rule.id,
        "title": dict(rule.title),
        "rationale": dict(rule.rationale),
        "remediation": dict(rule.remediation),
        "severity": rule.severity.value,
        "resource_types": list(rule.resource_types),
        "controls": list(rule.controls),
        "measures": list(rule.measures),
        "references": list(rule.references),
        "links": {k: [v.strength, v.reason] for k, v in rule.links.items()},
        "params": [[p.name, p.default, p.type, dict(p.description)] for p in rule.params.values()],
        "check": rule.check,
        "tests": list(rule.tests),
        "needs": list(rule.needs),
        "live_only": rule.live_only,
        "deprecated": rule.deprecated,
        "replaced_by": rule.replaced_by,
        "file": rule.file,
        "pack": rule.pack,
    }
    try:
        back = json.loads(json.dumps(d, allow_nan=False))
    except (TypeError, ValueError):
        return None
    if not _same(back, d) or _rule(back) != rule:
        return None
    return d


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same JSON types all the way down (``1 == 1.0 == True`` in Python)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _rule(d: dict[str, Any]) -> Rule:
    def texts(v: Any) -> dict[str, str]:
        if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
            raise TypeError("texts")
        return v

    def strs(v: Any) -> tuple[str, ...]:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise TypeError("list of strings")
        return tuple(v)

    if not isinstance(d["check"], dict) or not isinstance(d["tests"], list):
        raise TypeError("check/tests")
    params = {}
    for name, default, typ, desc in d["params"]:
        params[str(name)] = Param(str(name), default, str(typ), texts(desc))
    return Rule(
        id=str(d["id"]),
        title=texts(d["title"]),
        rationale=texts(d["rationale"]),
        remediation=texts(d["remediation"]),
        severity=Severity(d["severity"]),
        resource_types=strs(d["resource_types"]),
        controls=strs(d["controls"]),
        measures=strs(d["measures"]),
        references=strs(d["references"]),
        links={str(k): Link(str(s), str(why)) for k, (s, why) in d["links"].items()},
        params=params,
        check=d["check"],
        tests=tuple(d["tests"]),
        needs=strs(d["needs"]),
        live_only=d["live_only"] is True,
        deprecated=d["deprecated"] is True,
        replaced_by=None if d["replaced_by"] is None else str(d["replaced_by"]),
        file=str(d["file"]),
        pack=str(d["pack"]),
    )
