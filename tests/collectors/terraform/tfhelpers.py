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


DEFERRED = object()  # known only after deployment: in Resource.deferred at that path
ERROR = object()  # unresolved: in Resource.errors at that path
ABSENT = object()  # the key is not in the data


def get_path(data: Any, path: str) -> Any:
    """The value at ``a.b[0].c`` in a resource's data (``ABSENT`` when not there)."""
    cur = data
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(cur, list):
            cur = cur[int(part)]
        elif isinstance(cur, dict):
            if part not in cur:
                return ABSENT
            cur = cur[part]
        else:
            return ABSENT
    return cur


def check_paths(inventory: Any, checks: list[tuple[str, str, str, Any]]) -> None:
    """Each ``(type, name, path, expected)``: the value there, or DEFERRED/ERROR at the path."""
    found = {(r.type, r.name): r for r in inventory.resources}
    for rtype, name, path, expected in checks:
        assert (rtype, name) in found, (rtype, name, sorted(found))
        res = found[(rtype, name)]
        if expected is DEFERRED:
            assert path in res.deferred, (name, path, res.deferred)
        elif expected is ERROR:
            assert path in res.errors, (name, path, res.errors)
        else:
            assert path not in res.errors and path not in res.deferred, (name, path)
            assert get_path(res.data, path) == expected, (name, path, get_path(res.data, path))
