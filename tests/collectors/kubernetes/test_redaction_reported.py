"""What the Kubernetes collectors redact, a rule reports: every ``<redacted>`` outside a Secret's
own values is the evidence of a FAIL, live (the real client against the API stub) and from
manifests — and no secret, nor a hash of it, reaches the inventory or the results."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import yaml
from stubs.kube import KubeStub, write_kubeconfig

from bio2scan import api
from bio2scan.credentials import REDACTED

SECRETS = ("Welkom01!", "geheim-db-pw", "tok-987654321", "c3VwZXJnZWhlaW0=", "tiger-pw")
LAST = "kubectl.kubernetes.io/last-applied-configuration"


def _applied(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` as ``kubectl apply`` leaves it: with a copy of itself in an annotation."""
    meta = dict(obj["metadata"])
    meta["annotations"] = {**meta.get("annotations", {}), LAST: json.dumps(obj)}
    return {**obj, "metadata": meta}


def _objects() -> list[dict[str, Any]]:
    pod_spec = {
        "containers": [
            {
                "name": "web",
                "image": "web:1.0",
                "env": [{"name": "ADMIN_PASSWORD", "value": "Welkom01!"}],
                "args": ["--db=jdbc:oracle:thin:app/tiger-pw@db:1521/x"],
                "readinessProbe": {
                    "httpGet": {
                        "path": "/",
                        "port": 80,
                        "httpHeaders": [{"name": "X-Api-Token", "value": "tok-987654321"}],
                    }
                },
            }
        ]
    }
    ns = {"namespace": "shop"}
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "web",
                **ns,
                "annotations": {"example.nl/db-password": "geheim-db-pw"},
            },
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec}},
        },
        _applied(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "web", **ns},
                "data": {"config.yaml": "db:\n  password: geheim-db-pw\n", "LOG": "debug"},
            }
        ),
        _applied(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "db", **ns},
                "data": {"password": "c3VwZXJnZWhlaW0="},
            }
        ),
        _applied(  # a clean object applied with kubectl: its copy holds nothing, it is dropped
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", **ns}}
        ),
        _applied(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "debug", **ns},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "image": "c:1",
                            "env": [{"name": "DB_PWD", "value": "geheim-db-pw"}],
                        }
                    ]
                },
            }
        ),
    ]


def _markers(node: Any, path: str = "") -> list[str]:
    """Paths of every ``<redacted>`` in ``node``."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _markers(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _markers(v, f"{path}[{i}]")]
    return [path] if isinstance(node, str) and REDACTED in node else []


def _expected_elsewhere(r: Any, path: str) -> bool:
    """A Secret's own values are where credentials belong: redacted, not a finding."""
    return r.data.get("kind") == "Secret" and path.split(".")[1] in ("data", "stringData")


def _check(inv: Any, tmp_path: Any) -> None:
    rules = api.select_rules(api.load_rules(), patterns=["k8s.*"])
    doc = api.assess(inv, rules)
    fails: dict[str, set[str]] = {}
    for res in doc["results"]:
        if res["status"] == "FAIL":
            fails.setdefault(res["resource_id"], set()).add(res["rule_id"])
    credential_rules = {
        "k8s.pod.env_literal_credentials",
        "k8s.config.configmap_credentials",
        "k8s.config.annotation_credentials",
    }
    seen = 0
    for r in inv.resources:
        marks = [p for p in _markers(r.data) if not _expected_elsewhere(r, p)]
        seen += len(marks)
        if marks:
            assert fails.get(r.id, set()) & credential_rules, (r.id, marks)
    assert seen >= 8
    sa = next(r for r in inv.resources if r.data.get("kind") == "ServiceAccount")
    assert LAST not in (sa.data["metadata"].get("annotations") or {})
    text = json.dumps(inv.to_dict()) + json.dumps(doc, default=str)
    for secret in SECRETS:
        assert secret not in text
        for algo in ("sha256", "sha1", "md5"):
            assert hashlib.new(algo, secret.encode()).hexdigest()[:12] not in text


def test_manifests(tmp_path):
    f = tmp_path / "app.yaml"
    f.write_text(yaml.safe_dump_all(_objects()))
    _check(api.collect("manifests", {"paths": [str(f)]}), tmp_path)


@pytest.mark.parametrize("page_size", [500])
def test_live(tmp_path, page_size):
    with KubeStub(_objects()) as stub:
        kc = write_kubeconfig(tmp_path / "kubeconfig", {"c1": stub})
        inv = api.collect("kubernetes", {"kubeconfig": str(kc), "page_size": page_size})
    _check(inv, tmp_path)
