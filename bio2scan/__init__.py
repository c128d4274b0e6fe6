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

_API = ("load_rules", "select_rules", "collect", "assess", "scan", "render", "exit_code")

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'bio2scan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
