"""The Entra ID section of `make demo`: the tenant of a fictitious municipality, served by the
local Graph server (``tests/stubs/graph.py``) and, for its diagnostic settings and alert rules, the
local ARM server (``tests/stubs/arm.py``), scanned with the real Entra collector.

``demo/entra/graph.json`` holds what Graph returns (paths under ``/v1.0``), ``demo/entra/arm.json``
the ARM side. A mix of good and bad: MFA for admin roles and legacy authentication blocked, but the
all-users policy excludes an undeclared account and a group, the phishing-resistant policy is still
report-only, a guest is eligible for a privileged role, one admin has no MFA method, an app has a
tier-0 permission and no owner, the audit log is kept 400 days instead of three years, and the test
subscription has no alert on role-assignment changes.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from stubs.arm import ArmServer
from stubs.graph import GraphServer

from bio2scan import api
from bio2scan.model import Inventory

HERE = Path(__file__).resolve().parent
TENANT = "3f6a2c1e-8b4d-4e7a-9c2f-5d1b7e0a4c93"


def collect(rules: list) -> Inventory:
    graph = json.loads((HERE / "entra" / "graph.json").read_text())
    arm = json.loads((HERE / "entra" / "arm.json").read_text())
    saved = {k: os.environ.get(k) for k in ("AZURE_GRAPH_TOKEN", "AZURE_ACCESS_TOKEN")}
    with (
        GraphServer(graph, page_size=50) as g,
        ArmServer(arm, page_size=50) as a,
        tempfile.TemporaryDirectory(prefix="bio2scan-demo-") as tmp,
    ):
        bundle = Path(tmp) / "ca.pem"
        bundle.write_bytes(Path(g.ca_file).read_bytes() + Path(a.ca_file).read_bytes())
        os.environ["AZURE_GRAPH_TOKEN"] = g.token
        os.environ["AZURE_ACCESS_TOKEN"] = a.token
        try:
            options = {
                "tenant": TENANT,
                "graph_endpoint": g.url,
                "arm_endpoint": a.url,
                "ca_bundle": str(bundle),
            }
            return api.collect("entra", options, rules=rules)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


if __name__ == "__main__":
    inv = collect(api.select_rules(api.load_rules(), providers=["azure"]))
    print(f"{len(inv.resources)} resources, {len(inv.errors)} collection errors")
