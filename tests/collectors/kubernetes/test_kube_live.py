"""The real ``kubernetes`` client against the local API server stub, through a kubeconfig."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
import yaml
from kubefixtures import cluster_objects
from stubs.kube import KubeStub, write_kubeconfig

from bio2scan import api


@pytest.fixture()
def stub():
    with KubeStub(cluster_objects()) as s:
        yield s


def _collect(tmp_path, stubs, rules=None, **opts):
    kc = write_kubeconfig(tmp_path / "kubeconfig", stubs)
    return api.collect("kubernetes", {"kubeconfig": str(kc), **opts}, rules=rules)


def test_lists_every_object_with_kubectl_shape(tmp_path, stub):
    inv = _collect(tmp_path, {"c1": stub})
    served = {(o["kind"], o["metadata"]["name"]) for o in cluster_objects()}
    got = {(r.data["kind"], r.name) for r in inv.resources if r.type != "k8s.cluster.version"}
    assert got == served
    assert not inv.errors
    dep = next(r for r in inv.resources if r.id == "shop/Deployment/checkout")
    assert dep.data["apiVersion"] == "apps/v1" and dep.data["kind"] == "Deployment"
    assert dep.scope == "c1" and dep.source.api == "GET /apis/apps/v1/deployments"
    version = next(r for r in inv.resources if r.type == "k8s.cluster.version")
    assert version.data["gitVersion"] == "v1.35.2"
    assert inv.meta.api_calls["GET /version"] == 1


def test_pages_with_limit_and_continue(tmp_path, stub):
    inv = _collect(tmp_path, {"c1": stub}, page_size=2)
    deps = [r for r in inv.resources if r.type == "k8s.core.secret"]
    assert len(deps) == 4
    assert inv.meta.api_calls["GET /api/v1/secrets"] == 2
    assert any("continue=" in q for q in stub.requests if q.startswith("/api/v1/secrets"))


def test_only_kinds_the_rules_need(tmp_path, stub):
    rules = api.select_rules(api.load_rules(), patterns=["k8s.network.ingress_tls"])
    inv = _collect(tmp_path, {"c1": stub}, rules=rules)
    assert {r.type for r in inv.resources} == {"k8s.networking.ingress"}
    assert set(inv.meta.api_calls) == {
        "GET /version",
        "GET /api/v1/namespaces",
        "GET /apis/networking.k8s.io/v1/ingresses",
    }


def test_secrets_never_carry_data(tmp_path, stub):
    inv = _collect(tmp_path, {"c1": stub})
    text = json.dumps(inv.to_dict())
    for obj in cluster_objects():
        if obj["kind"] == "Secret":
            for value in (obj.get("data") or {}).values():
                assert value not in text
                assert base64.b64decode(value).decode(errors="replace")[:20] not in text
    assert "PRIVATE KEY" not in text and "Welkom01" not in text
    tls = next(r for r in inv.resources if r.id == "legacy/Secret/intranet-tls")
    assert tls.data["data"] == {"tls.crt": "<redacted>", "tls.key": "<redacted>"}
    cert = tls.data["x-bio2scan"]["certificate"]
    assert cert["keyType"] == "RSA" and cert["keySize"] == 2048
    assert cert["dnsNames"] == ["intranet.example.nl"]


def test_forbidden_kinds_give_errors_and_the_scan_finishes(tmp_path):
    with KubeStub(cluster_objects(), forbidden={"secrets@kube-system", "networkpolicies"}) as s:
        rules = api.select_rules(api.load_rules(), patterns=["k8s.*"])
        inv = _collect(tmp_path, {"c1": s}, rules=rules)
    secret_err = [e for e in inv.errors if e.resource_type == "k8s.core.secret"]
    # the cluster-wide list was retried per namespace: only kube-system is missing
    assert [(e.namespace, e.code) for e in secret_err] == [("kube-system", "AccessDenied")]
    assert any(r.id == "shop/Secret/shop-tls" for r in inv.resources)
    netpol = [e for e in inv.errors if e.resource_type == "k8s.networking.networkpolicy"]
    assert {e.namespace for e in netpol} == {"default", "kube-system", "legacy", "shop"}
    doc = api.assess(inv, rules, verbose_results=True)
    results = doc["results"]
    deny = [
        r
        for r in results
        if r["rule_id"] == "k8s.namespace.default_deny_networkpolicy"
        and r["status"] != "NOT_APPLICABLE"
    ]
    assert deny and {r["status"] for r in deny} == {"ERROR"}
    assert all("forbidden" in r["message"] for r in deny)
    sec = [
        r
        for r in results
        if r["rule_id"] == "k8s.secret.tls_key_strength" and r["status"] == "ERROR"
    ]
    assert sec and "kube-system" in sec[0]["message"] + sec[0]["resource_id"]
    assert doc["summary"]["complete"] is False


def test_absent_api_group_is_recorded(tmp_path):
    objs = [o for o in cluster_objects() if not o["apiVersion"].startswith("gateway.")]
    with KubeStub(objs, absent_groups={"gateway.networking.k8s.io"}) as s:
        inv = _collect(tmp_path, {"c1": s})
    gw = {e.resource_type: e for e in inv.errors}
    assert set(gw) == {"k8s.gateway.gateway", "k8s.gateway.httproute"}
    assert gw["k8s.gateway.gateway"].code == "NotFound"
    assert gw["k8s.gateway.gateway"].api == "GET /apis/gateway.networking.k8s.io/v1/gateways"


def test_timeout_is_recorded(tmp_path):
    with KubeStub(cluster_objects(), delays={"configmaps": 1.6}) as s:
        inv = _collect(tmp_path, {"c1": s}, timeout=1)
    errs = [e for e in inv.errors if e.resource_type == "k8s.core.configmap"]
    assert [e.code for e in errs] == ["Timeout"]
    assert any(r.type == "k8s.apps.deployment" for r in inv.resources)


def test_unreachable_cluster_is_one_error(tmp_path):
    s = KubeStub(cluster_objects()).start()
    kc = write_kubeconfig(tmp_path / "kubeconfig", {"gone": s})
    s.stop()
    inv = api.collect("kubernetes", {"kubeconfig": str(kc), "timeout": 2})
    assert [(e.resource_type, e.scope) for e in inv.errors] == [("*", "gone")]
    assert not inv.resources


def test_several_contexts_tls_and_sharding(tmp_path, stub):
    with KubeStub(cluster_objects()[:5], tls=True) as other:
        inv = _collect(tmp_path, {"a": stub, "b": other}, all_contexts=True)
        assert set(inv.meta.targets[0].scopes) == {"a", "b"}
        assert {r.scope for r in inv.resources} == {"a", "b"}
        only_b = _collect(tmp_path, {"a": stub, "b": other}, context=["b"])
        assert {r.scope for r in only_b.resources} == {"b"}
        kc = str(tmp_path / "kubeconfig")
        shards = [
            api.collect("kubernetes", {"kubeconfig": kc, "all_contexts": True}, shard=f"{i}/2")
            for i in range(2)
        ]
    scopes = [set(s.meta.targets[0].scopes) for s in shards]
    assert scopes[0] | scopes[1] == {"a", "b"} and not scopes[0] & scopes[1]


def test_namespace_filter(tmp_path, stub):
    inv = _collect(tmp_path, {"c1": stub}, namespaces=["shop"])
    namespaced = {r.namespace for r in inv.resources if r.namespace}
    assert namespaced == {"shop"}
    assert [r.name for r in inv.resources if r.type == "k8s.core.namespace"] == ["shop"]
    assert any(r.type == "k8s.rbac.clusterrole" for r in inv.resources)
    assert "GET /api/v1/namespaces/{namespace}/pods" in inv.meta.api_calls


def test_unknown_context_is_a_usage_error(tmp_path, stub):
    from bio2scan.errors import UsageError

    with pytest.raises(UsageError, match="nope"):
        _collect(tmp_path, {"c1": stub}, context=["nope"])


def test_permissions_are_read_only_and_exact():
    col = api.collectors()["kubernetes"]
    rules = api.select_rules(api.load_rules(), patterns=["k8s.rbac.*", "k8s.cluster.*"])
    role = yaml.safe_load(col.permissions(set(api.needed_types(rules))))
    assert role["kind"] == "ClusterRole"
    verbs = {v for r in role["rules"] for v in r["verbs"]}
    assert verbs == {"get", "list"}
    resources = {x for r in role["rules"] for x in r.get("resources", ())}
    assert resources == {
        "namespaces",
        "roles",
        "clusterroles",
        "rolebindings",
        "clusterrolebindings",
        "validatingwebhookconfigurations",
        "mutatingwebhookconfigurations",
    }
    assert {"nonResourceURLs": ["/version"], "verbs": ["get"]} in role["rules"]
    assert "*" not in json.dumps(role)


def run_cli(*args):
    """The real console entry point in a subprocess (``conftest.run_cli`` is shadowed when
    several conftest modules share the name)."""
    return subprocess.run(
        [sys.executable, "-m", "bio2scan", *args],
        capture_output=True,
        timeout=120,
        env=dict(os.environ, NO_COLOR="1"),
    )


def test_cli_scan_and_permissions(tmp_path, stub):
    kc = write_kubeconfig(tmp_path / "kubeconfig", {"c1": stub})
    out = tmp_path / "out"
    p = run_cli(
        "scan",
        "kubernetes",
        "--kubeconfig",
        str(kc),
        "--rules",
        "k8s.rbac.*",
        "--format",
        "json",
        "-o",
        str(out),
        "--fail-on",
        "none",
        "-q",
    )
    assert p.returncode == 0, p.stderr
    doc = api.load_results(out / next(f.name for f in out.iterdir() if f.suffix == ".json"))
    assert any(
        r["rule_id"] == "k8s.rbac.cluster_admin_binding" and r["status"] == "FAIL"
        for r in doc["results"]
    )
    p = run_cli("permissions", "kubernetes", "--rules", "k8s.secret.*")
    assert p.returncode == 0, p.stderr
    assert b"secrets" in p.stdout and b"deployments" not in p.stdout


def test_untrusted_certificate_is_one_error(tmp_path):
    """A TLS failure (the kubeconfig does not trust the server) is like an unreachable cluster."""
    with KubeStub(cluster_objects()[:3], tls=True) as s:
        kc = write_kubeconfig(tmp_path / "kubeconfig", {"mitm": s})
        doc = yaml.safe_load(kc.read_text())
        del doc["clusters"][0]["cluster"]["certificate-authority-data"]
        kc.write_text(yaml.safe_dump(doc))
        inv = api.collect("kubernetes", {"kubeconfig": str(kc), "timeout": 5})
    assert [(e.resource_type, e.scope) for e in inv.errors] == [("*", "mitm")]
    assert "cert" in inv.errors[0].reason.lower() or "ssl" in inv.errors[0].reason.lower()


def test_stub_answers_parse_into_the_clients_typed_models(tmp_path, stub):
    """The stub's JSON is complete enough for the client's own models (discovery, version,
    typed lists with paging metadata), not only for bio2scan's raw reads."""
    from kubernetes import client, config

    kc = write_kubeconfig(tmp_path / "kubeconfig", {"c1": stub})
    api_client = config.new_client_from_config(str(kc), "c1")
    try:
        assert client.VersionApi(api_client).get_code().git_version == "v1.35.2"
        assert client.CoreApi(api_client).get_api_versions().versions == ["v1"]
        groups = {g.name for g in client.ApisApi(api_client).get_api_versions().groups}
        assert {"apps", "rbac.authorization.k8s.io", "gateway.networking.k8s.io"} <= groups
        page = client.AppsV1Api(api_client).list_deployment_for_all_namespaces(limit=1)
        assert len(page.items) == 1 and page.metadata._continue
        assert page.metadata.resource_version
        rest = client.AppsV1Api(api_client).list_deployment_for_all_namespaces(
            limit=10, _continue=page.metadata._continue
        )
        names = {d.metadata.name for d in page.items + rest.items}
        assert names == {"checkout", "intranet"}
        roles = client.RbacAuthorizationV1Api(api_client).list_cluster_role()
        assert "cluster-admin" in {r.metadata.name for r in roles.items}
    finally:
        api_client.close()


def test_broken_contexts_do_not_stop_the_others(tmp_path, stub):
    """A context naming a cluster the kubeconfig lacks cannot be set up; one whose client
    certificate is missing is refused (401). Each is one error; the good context is scanned."""
    kc = write_kubeconfig(
        tmp_path / "kubeconfig", {"good": stub, "nocluster": stub, "badcreds": stub}
    )
    doc = yaml.safe_load(kc.read_text())
    next(c for c in doc["contexts"] if c["name"] == "nocluster")["context"]["cluster"] = "gone"
    next(u for u in doc["users"] if u["name"] == "badcreds-user")["user"] = {
        "client-certificate": str(tmp_path / "missing.crt"),
        "client-key": str(tmp_path / "missing.key"),
    }
    kc.write_text(yaml.safe_dump(doc))
    inv = api.collect("kubernetes", {"kubeconfig": str(kc), "all_contexts": True})
    assert sorted((e.scope, e.resource_type, e.api, e.code) for e in inv.errors) == [
        ("badcreds", "*", "GET /version", "AccessDenied"),
        ("nocluster", "*", "kubeconfig", "Error"),
    ]
    assert {r.scope for r in inv.resources} == {"good"}
    assert set(inv.meta.targets[0].scopes) == {"good", "nocluster", "badcreds"}


def test_owned_pods_are_skipped_only_when_their_owner_is_in_the_cluster(tmp_path):
    spec = {"containers": [{"name": "a", "image": "a:1", "securityContext": {"privileged": True}}]}
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "web", "namespace": "shop", "uid": "rs-uid"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"spec": spec}},
    }

    def pod(name, uid, labels):
        ref = {"kind": "ReplicaSet", "name": "web", "uid": uid, "controller": True}
        meta = {"name": name, "namespace": "shop", "labels": labels, "ownerReferences": [ref]}
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}

    objects = [
        rs,
        pod("owned", "rs-uid", {"app": "web"}),
        pod("phantom", "no-such-uid", {"app": "web"}),
        pod("unselected", "rs-uid", {"app": "other"}),
    ]
    with KubeStub(objects) as s:
        inv = _collect(tmp_path, {"c1": s})
    marked = {r.name for r in inv.resources if (r.data.get("x-bio2scan") or {}).get("controlledBy")}
    assert marked == {"owned"}
    from bio2scan.engine.evaluate import compile_rule, evaluate

    results = evaluate(inv, [compile_rule(api.load_rules()["k8s.pod.privileged_container"])])
    status = {r.resource_name: r.status.value for r in results}
    assert status == {
        "web": "FAIL",
        "owned": "NOT_APPLICABLE",
        "phantom": "FAIL",
        "unselected": "FAIL",
    }


def test_persistent_volumes_are_listed_and_a_host_path_one_fails(tmp_path):
    """A PersistentVolume is where a node's directory reaches pods without a hostPath in the
    pod: listed cluster-wide (read-only), judged by the PersistentVolume rule."""
    volumes = [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": name},
            "spec": {"capacity": {"storage": "1Gi"}, **source},
        }
        for name, source in (
            ("node-etc", {"hostPath": {"path": "/etc"}}),
            ("disk", {"csi": {"driver": "disk.csi.example", "volumeHandle": "d-1"}}),
        )
    ]
    rules = api.select_rules(api.load_rules(), patterns=["k8s.storage.persistent_volume_host_path"])
    with KubeStub(volumes) as s:
        inv = _collect(tmp_path, {"c1": s}, rules=rules)
    assert "GET /api/v1/persistentvolumes" in inv.meta.api_calls
    got = {r.id: r.namespace for r in inv.resources if r.type == "k8s.core.persistentvolume"}
    assert got == {"PersistentVolume/node-etc": None, "PersistentVolume/disk": None}
    results = {r["resource_id"]: r["status"] for r in api.assess(inv, rules)["results"]}
    assert results == {"PersistentVolume/node-etc": "FAIL", "PersistentVolume/disk": "PASS"}


def test_the_printed_cluster_role_can_read_persistent_volumes():
    from bio2scan.collectors.kubernetes.resources import cluster_role

    role = yaml.safe_load(cluster_role({"k8s.core.persistentvolume"}).split("\n", 2)[2])
    core = next(r for r in role["rules"] if r.get("apiGroups") == [""])
    assert "persistentvolumes" in core["resources"] and core["verbs"] == ["get", "list"]
