"""In-cluster configuration (a Pod's service account) and certificate facts from manifests."""

from __future__ import annotations

import pytest
import yaml
from kubefixtures import cluster_objects
from stubs.certs import self_signed
from stubs.kube import KubeStub

from bio2scan import api


def test_in_cluster_service_account(tmp_path, monkeypatch):
    """Without a kubeconfig, inside a Pod: the mounted token and CA, over HTTPS."""
    import kubernetes.config.incluster_config as incluster

    with KubeStub(cluster_objects()[:6], tls=True) as stub:
        (tmp_path / "token").write_text(stub.token)
        (tmp_path / "ca.crt").write_bytes(stub.ca_pem)
        # the client reads these fixed Pod paths; point them at the test's files
        monkeypatch.setattr(incluster, "SERVICE_TOKEN_FILENAME", str(tmp_path / "token"))
        monkeypatch.setattr(incluster, "SERVICE_CERT_FILENAME", str(tmp_path / "ca.crt"))
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", stub.url.rsplit(":", 1)[1])
        monkeypatch.delenv("KUBECONFIG", raising=False)
        inv = api.collect("kubernetes", {"cluster_name": "prod-eu"})
    assert not inv.errors
    assert {r.scope for r in inv.resources} == {"prod-eu"}
    assert len([r for r in inv.resources if r.type != "k8s.cluster.version"]) == 6


def _tls_manifest(tmp_path, **secret):
    doc = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": "web-tls", "namespace": "shop"},
        **secret,
    }
    (tmp_path / "secret.yaml").write_text(yaml.safe_dump(doc))
    rules = api.select_rules(api.load_rules(), patterns=["k8s.secret.tls_*"])
    inv = api.collect("manifests", {"paths": [str(tmp_path / "secret.yaml")]}, rules=rules)
    return inv, {r["rule_id"]: r for r in api.assess(inv, rules)["results"]}


def test_certificate_in_string_data_of_a_manifest(tmp_path):
    crt, key = self_signed("www.example.nl", key="rsa3072", days=400)
    inv, results = _tls_manifest(
        tmp_path, stringData={"tls.crt": crt.decode(), "tls.key": key.decode()}
    )
    data = inv.resources[0].data
    assert data["stringData"] == {"tls.crt": "<redacted>", "tls.key": "<redacted>"}
    assert data["x-bio2scan"]["certificate"]["keySize"] == 3072
    assert results["k8s.secret.tls_key_strength"]["status"] == "PASS"
    assert results["k8s.secret.tls_certificate_expiry"]["status"] == "PASS"


@pytest.mark.parametrize("value", ["bm90IGEgY2VydGlmaWNhdGU=", "%%% not base64"])
def test_unreadable_certificate_is_an_error_not_a_pass(tmp_path, value):
    inv, results = _tls_manifest(tmp_path, data={"tls.crt": value})
    assert "error" in inv.resources[0].data["x-bio2scan"]["certificate"]
    assert results["k8s.secret.tls_key_strength"]["status"] == "ERROR"
    assert results["k8s.secret.tls_certificate_expiry"]["status"] == "ERROR"
