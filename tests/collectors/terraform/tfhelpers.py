"""Helpers for the Terraform collector tests (a unique module name: several conftests exist)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ESTATES = HERE / "estates"
PLANS = HERE / "plans"


def collect(path: Any, types: set[str] | None = None, **options: Any) -> Any:
    """The real collector on ``path`` (a directory or a plan JSON file)."""
    from bio2scan.collectors.base import CollectRequest
    from bio2scan.collectors.terraform import TerraformCollector

    return TerraformCollector().collect(
        CollectRequest(
            options={"path": str(path), **options},
            resource_types=frozenset(types) if types is not None else None,
            max_workers=2,
        )
    )


def evaluate(inventory: Any, provider: str | None = None) -> list[Any]:
    """Every built-in rule (of ``provider``) on ``inventory``."""
    from bio2scan import api
    from bio2scan.engine.evaluate import evaluate as run

    rules = [r for r in api.load_rules().values() if provider is None or r.provider == provider]
    return run(inventory, api.compile_rules(rules))


def by_name(inventory: Any, rtype: str) -> dict[str, Any]:
    return {r.name: r for r in inventory.resources if r.type == rtype}


def write(tmp: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp
