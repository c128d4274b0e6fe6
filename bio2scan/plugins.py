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
from dataclasses import dataclass
from typing import Any

from . import PLUGIN_API as _PLUGIN_API
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


@functools.cache
def _all_entry_points() -> Any:
    """Every installed entry point: the distributions are read once, not once per group."""
    from importlib.metadata import entry_points

    return entry_points()


@functools.cache
def _entry_points(group: str) -> dict[str, Any]:
    """The entry points of ``group`` by name (the first of a name wins), none loaded."""
    if group not in GROUPS:
        raise PluginError(f"unknown plugin group {group!r}")
    out: dict[str, Any] = {}
    for ep in sorted(_all_entry_points().select(group=group), key=lambda e: e.name):
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
    dist = ep.dist.name if ep.dist is not None else "?"
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
