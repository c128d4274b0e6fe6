"""Running the Entra collector against both stubs (one CA file for both)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graph_fixture import TENANT
from stubs.arm import ArmServer
from stubs.graph import GraphServer

from bio2scan import api


@contextmanager
def servers(graph_estate: dict, arm_estate: dict, tmp_path: Path, **graph_opts: Any):
    with GraphServer(graph_estate, **graph_opts) as g, ArmServer(arm_estate, page_size=50) as a:
        bundle = tmp_path / "ca-bundle.pem"
        bundle.write_bytes(Path(g.ca_file).read_bytes() + Path(a.ca_file).read_bytes())
        yield g, a, str(bundle)


def collect(g: Any, a: Any, bundle: str, rules=None, **opts: Any):
    options = {
        "tenant": TENANT,
        "graph_endpoint": g.url,
        "arm_endpoint": a.url,
        "ca_bundle": bundle,
        "retries": 2,
        **opts,
    }
    return api.collect("entra", options, rules=rules, max_workers=4)


def by_type(inv, rtype: str) -> dict:
    return {r.id: r for r in inv.resources if r.type == rtype}
