"""The demo's live-cluster section: a built-in cluster served by the local API server stub
(``stubs.kube``) and scanned by the real ``kubernetes`` collector.

The objects live in ``demo/cluster/*.yaml`` — one well-kept namespace (``shop``) and one
neglected one (``legacy``). TLS Secrets get certificates made on the spot (a good one, and an
RSA-2048 one that expires in ten days), so the certificate rules have something to judge and the
demo shows that the report keeps no key material. The cluster is version 1.33 (out of support).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from stubs.kube import KubeStub, load_objects, tls_secret, write_kubeconfig

from bio2scan import api
from bio2scan.model import Inventory

HERE = Path(__file__).resolve().parent
CONTEXT = "demo-cluster"


def demo_objects() -> list[dict]:
    """The demo cluster's objects, certificates included."""
    return [
        *load_objects(HERE / "cluster"),
        tls_secret("shop-tls", "shop", "shop.example.nl", key="ec", days=300),
        tls_secret("intranet-tls", "legacy", "intranet.example.nl", key="rsa2048", days=10),
    ]


def collect(rules: list) -> Inventory:
    # The scanner may not read Secrets in kube-system (a common hardening): the report shows
    # those checks as ERROR — "could not look" — never as PASS.
    with (
        KubeStub(
            demo_objects(),
            forbidden={"secrets@kube-system"},
            version={"major": "1", "minor": "33", "gitVersion": "v1.33.5"},
        ) as stub,
        tempfile.TemporaryDirectory(prefix="bio2scan-demo-") as tmp,
    ):
        kubeconfig = write_kubeconfig(Path(tmp) / "kubeconfig", {CONTEXT: stub})
        return api.collect(
            "kubernetes", {"kubeconfig": str(kubeconfig), "context": [CONTEXT]}, rules=rules
        )


if __name__ == "__main__":
    import time

    start = time.perf_counter()
    inv = collect(api.select_rules(api.load_rules()))
    took = time.perf_counter() - start
    print(
        f"{len(inv.resources)} resources, {sum(inv.meta.api_calls.values())} API calls, "
        f"{len(inv.errors)} errors, {took:.2f} s"
    )
