"""The Azure section of `make demo`: two subscriptions of a fictitious municipality, served by the
local ARM server (``tests/stubs/arm.py``) and scanned with the real Azure collector.

``demo/azure/`` holds the estate as ARM returns it: ``burgerzaken-productie`` mostly configured
well, ``burgerzaken-test`` with the usual shortcuts (open NSG, TLS 1.0, no soft delete …). The
server refuses one read (the secrets of the test key vault) so the report also shows what an
ERROR looks like.
"""

from __future__ import annotations

import os
from pathlib import Path

from stubs.arm import ArmServer, load_estate

from bio2scan import api
from bio2scan.model import Inventory

HERE = Path(__file__).resolve().parent


def collect(rules: list) -> Inventory:
    estate = load_estate(HERE / "azure")
    forbidden = {"/providers/microsoft.keyvault/vaults/kv-bz-test/secrets"}
    with ArmServer(estate, forbidden=forbidden, page_size=50) as arm:
        saved = os.environ.get("AZURE_ACCESS_TOKEN")
        os.environ["AZURE_ACCESS_TOKEN"] = arm.token
        try:
            return api.collect(
                "azure", {"arm_endpoint": arm.url, "ca_bundle": arm.ca_file}, rules=rules
            )
        finally:
            if saved is None:
                os.environ.pop("AZURE_ACCESS_TOKEN", None)
            else:
                os.environ["AZURE_ACCESS_TOKEN"] = saved


if __name__ == "__main__":
    inv = collect(api.select_rules(api.load_rules(), providers=["azure"]))
    print(f"{len(inv.resources)} resources, {len(inv.errors)} collection errors")
