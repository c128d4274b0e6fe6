"""bio2scan: how an AWS, Azure or Kubernetes estate stands against BIO2, with evidence.

The public API is ``bio2scan.api``; its main functions are re-exported here, loaded on first use
(PEP 562), so that ``import bio2scan`` stays light: no cloud SDK, no rule loading, no I/O.

    import bio2scan
    rules = bio2scan.select_rules(bio2scan.load_rules(), patterns=["k8s.*"])
    inventory, document = bio2scan.scan("manifests", {"paths": ["deploy/"]}, rules=rules)
    code = bio2scan.exit_code(document, fail_on="high")
"""

from typing import Any

__version__ = "0.1.0"


def _checkout_data() -> None:
    """A plain checkout on ``sys.path`` (nothing installed): ``rules/`` and ``reports/`` stand
    beside this package, not inside it. Installed (wheel or ``pip install -e``), setuptools maps
    them to ``bio2scan.rules`` and ``bio2scan.reports`` and this does nothing."""
    import importlib.abc
    import importlib.util
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    if not (root / "rules" / "__init__.py").is_file() or not (root / "pyproject.toml").is_file():
        return
    if importlib.util.find_spec("bio2scan.rules") is not None:
        return

    class _CheckoutData(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
            if name not in ("bio2scan.rules", "bio2scan.reports"):
                return None
            where = root / name.rpartition(".")[2]
            return importlib.util.spec_from_file_location(
                name, where / "__init__.py", submodule_search_locations=[str(where)]
            )

    sys.meta_path.append(_CheckoutData())


_checkout_data()

PLUGIN_API = "1.0"  # the collector, rule-pack and renderer interfaces (docs/plugins.md)

_API = ("load_rules", "select_rules", "collect", "assess", "scan", "render", "exit_code")

__all__ = ["PLUGIN_API", "__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'bio2scan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
