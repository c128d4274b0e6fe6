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
from importlib.metadata import entry_points
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
def load(group: str) -> dict[str, Plugin]:
    """Load every entry point of ``group``; raise ``PluginError`` naming a broken one."""
    if group not in GROUPS:
        raise PluginError(f"unknown plugin group {group!r}")
    out: dict[str, Plugin] = {}
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        if ep.name in out:
            continue  # the same distribution seen twice on sys.path
        try:
            obj = ep.load()
        except Exception as exc:
            raise PluginError(
                f"plugin {ep.name!r} ({group} = {ep.value}) failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        dist = ep.dist.name if ep.dist is not None else "?"
        _check_api(group, ep.name, dist, obj)
        out[ep.name] = Plugin(group, ep.name, ep.value, dist, obj)
    return out


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
