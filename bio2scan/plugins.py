"""Plugins through entry points. Built-ins register exactly like third-party packages do.

Groups:

* ``bio2scan.collectors`` — a class or factory; calling it gives a collector
  (see ``bio2scan.collectors.base``). The entry point's name is the scan target.
* ``bio2scan.rules`` — a callable returning the directory of a rule pack (rules laid out as
  ``<provider>/<service>/<name>.yaml``); importing its module may register named functions.
* ``bio2scan.renderers`` — a class or factory; calling it gives a renderer (``bio2scan.render``).

Nothing is loaded at import time; ``load(group)`` does it once, on demand.

The interfaces are versioned (``PLUGIN_API``, "MAJOR.MINOR", docs/plugins.md): a minor release
only adds, a major one may break. A plugin may say which major version it was written for with an
attribute ``plugin_api = 1`` on the object its entry point names (the collector or renderer class,
the rule pack's callable); a plugin written for another major version is refused with a message
that names it, instead of failing somewhere in a scan.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from . import PLUGIN_API as _PLUGIN_API
from . import usercache
from .errors import PluginError

GROUPS = ("bio2scan.collectors", "bio2scan.rules", "bio2scan.renderers")
PLUGIN_API = _PLUGIN_API


@dataclass(frozen=True)
class Plugin:
    group: str
    name: str
    value: str
    distribution: str
    obj: Any


@dataclass(frozen=True)
class _EntryPoint:
    """An entry point as ``importlib.metadata`` found it (kept in the user's cache)."""

    name: str
    value: str
    group: str
    dist: str

    def load(self) -> Any:
        """Import the module and get the attribute, as ``EntryPoint.load`` does."""
        import importlib

        m = _EP_PATTERN.match(self.value)
        if m is None:
            raise ValueError(f"not an entry point reference: {self.value!r}")
        obj: Any = importlib.import_module(m.group("module"))
        for attr in (m.group("attr") or "").split("."):
            if attr:
                obj = getattr(obj, attr)
        return obj


# importlib.metadata's own syntax of an entry point's value
_EP_PATTERN = re.compile(
    r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$"
)
_RACY_S = 2.0  # a file changed this recently may change again within the clock's resolution


@functools.cache
def _all_entry_points() -> list[_EntryPoint]:
    """Every installed entry point: the distributions are read once, not once per group, and
    not at all when the user's cache holds the list for these exact ``entry_points.txt`` files
    (``_environment_key``): importing ``importlib.metadata`` alone takes longer than a small
    scan takes to run."""
    key = _environment_key()
    if key is not None:
        hit = usercache.read("plugins", key)
        if isinstance(hit, list) and all(
            isinstance(row, list) and len(row) == 4 and all(isinstance(x, str) for x in row)
            for row in hit
        ):
            return [_EntryPoint(*row) for row in hit]
    from importlib.metadata import entry_points

    every = entry_points()  # 3.11: a mapping of groups; 3.12: EntryPoints; both select()
    found = [
        _EntryPoint(ep.name, ep.value, ep.group, ep.dist.name if ep.dist is not None else "?")
        for group in sorted(every.groups)
        for ep in every.select(group=group)
    ]
    if key is not None:
        usercache.write("plugins", key, [[e.name, e.value, e.group, e.dist] for e in found])
    return found


def _environment_key() -> str | None:
    """A digest of where ``importlib.metadata`` finds entry points: every ``sys.path`` entry,
    the names of the distributions' metadata directories in it, and the size, inode, change and
    modification times of their ``entry_points.txt``. ``None`` (no cache) when distributions may
    come from elsewhere (a zip on ``sys.path``, another finder of distributions) or a file
    changed too recently for its times to tell a later change apart."""
    import hashlib
    import importlib.machinery
    import os
    import sys
    import time

    for finder in sys.meta_path:
        if finder is not importlib.machinery.PathFinder and hasattr(finder, "find_distributions"):
            return None
    h = hashlib.sha256(f"{sys.version}\0{sys.prefix}\0{sys.executable}".encode())
    now = time.time()
    for entry in sys.path:
        where = entry or "."
        h.update(b"\1" + os.fsencode(entry))
        try:
            names = sorted(
                e.name for e in os.scandir(where) if e.name.endswith((".dist-info", ".egg-info"))
            )
        except NotADirectoryError:
            return None  # a zip file: its distributions are not listed here
        except OSError:
            continue
        for name in names:
            path = os.path.join(where, name)
            try:
                st = os.stat(path)
                if os.path.isdir(path):
                    st = os.stat(os.path.join(path, "entry_points.txt"))
            except FileNotFoundError:
                h.update(b"\2" + os.fsencode(name))
                continue
            except OSError:
                return None
            if now - st.st_ctime < _RACY_S or now - st.st_mtime < _RACY_S:
                return None
            times = f"\0{st.st_size}\0{st.st_ino}\0{st.st_mtime_ns}\0{st.st_ctime_ns}"
            h.update(b"\3" + os.fsencode(name) + times.encode())
    return h.hexdigest()


@functools.cache
def _entry_points(group: str) -> dict[str, Any]:
    """The entry points of ``group`` by name (the first of a name wins), none loaded."""
    if group not in GROUPS:
        raise PluginError(f"unknown plugin group {group!r}")
    out: dict[str, Any] = {}
    for ep in sorted((e for e in _all_entry_points() if e.group == group), key=lambda e: e.name):
        out.setdefault(ep.name, ep)  # the same distribution seen twice on sys.path
    return out


def names(group: str) -> list[str]:
    """The names of the installed plugins of ``group``, without loading any."""
    return list(_entry_points(group))


@functools.cache
def get(group: str, name: str) -> Plugin | None:
    """Load the one plugin ``name`` of ``group`` (``None`` when none is installed); raise
    ``PluginError`` naming it when it is broken. A command loads only the plugins it uses:
    ``scan manifests`` does not import the AWS collector."""
    ep = _entry_points(group).get(name)
    if ep is None:
        return None
    try:
        obj = ep.load()
    except Exception as exc:
        raise PluginError(
            f"plugin {ep.name!r} ({group} = {ep.value}) failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    dist = ep.dist
    _check_api(group, ep.name, dist, obj)
    return Plugin(group, ep.name, ep.value, dist, obj)


@functools.cache
def load(group: str) -> dict[str, Plugin]:
    """Load every entry point of ``group``; raise ``PluginError`` naming a broken one."""
    out: dict[str, Plugin] = {}
    for name in _entry_points(group):
        plugin = get(group, name)
        if plugin is not None:
            out[name] = plugin
    return out


def collector(name: str) -> Any | None:
    """An instance of the collector for target ``name``, or ``None`` when none is installed."""
    plugin = get("bio2scan.collectors", name)
    return plugin.obj() if plugin is not None else None


def renderer(name: str) -> Any | None:
    """An instance of the renderer of format ``name``, or ``None`` when none is installed."""
    plugin = get("bio2scan.renderers", name)
    return plugin.obj() if plugin is not None else None


def collectors() -> dict[str, Any]:
    """Instances of every installed collector, by target name."""
    return {name: p.obj() for name, p in load("bio2scan.collectors").items()}


def renderers() -> dict[str, Any]:
    return {name: p.obj() for name, p in load("bio2scan.renderers").items()}


def rule_packs() -> dict[str, Any]:
    """Rule pack directories, by pack name."""
    return {name: p.obj() for name, p in load("bio2scan.rules").items()}


def _check_api(group: str, name: str, dist: str, obj: Any) -> None:
    wanted = getattr(obj, "plugin_api", None)
    if wanted is None:
        return
    major = PLUGIN_API.split(".")[0]
    if str(wanted).split(".")[0] != major:
        raise PluginError(
            f"plugin {name!r} ({group}, from {dist}) was written for plugin API {wanted}; "
            f"this bio2scan provides {PLUGIN_API} (docs/plugins.md)"
        )
