"""Shared set-up for the live-collector tests: the demo cluster's objects and a scan helper."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


@lru_cache(maxsize=1)
def cluster_objects() -> tuple[dict, ...]:
    """The demo cluster (demo/cluster/*.yaml plus two generated TLS Secrets), made once."""
    sys.path.insert(0, str(ROOT / "demo"))
    try:
        import cluster_estate
    finally:
        sys.path.remove(str(ROOT / "demo"))
    return tuple(cluster_estate.demo_objects())
