"""One rule set before and after deployment: the same objects served by the API stub and written
as manifests give the same results (rule, resource, status) — live-only rules aside."""

from __future__ import annotations

import datetime as _dt

import yaml
from kubefixtures import cluster_objects
from stubs.kube import KubeStub, write_kubeconfig

from bio2scan import api

NOW = _dt.datetime.now(_dt.UTC)


def _key(doc, live_only):
    return sorted(
        (r["rule_id"], r["resource_id"], r["status"])
        for r in doc["results"]
        if r["rule_id"] not in live_only
    )


def test_live_and_manifests_give_identical_results(tmp_path):
    rules = api.select_rules(api.load_rules(), patterns=["k8s.*"])
    live_only = {r.id for r in rules if r.live_only}
    assert live_only >= {"k8s.cluster.version_supported", "k8s.secret.opaque_secret_rotation"}
    with KubeStub(cluster_objects()) as stub:
        kc = write_kubeconfig(tmp_path / "kubeconfig", {"parity": stub})
        live_inv = api.collect("kubernetes", {"kubeconfig": str(kc)}, rules=rules)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "all.yaml").write_text(yaml.safe_dump_all(list(cluster_objects())))
    man_inv = api.collect(
        "manifests", {"paths": [str(tmp_path / "m")], "cluster": "parity"}, rules=rules
    )
    live = api.assess(live_inv, rules, now=NOW, verbose_results=True)
    man = api.assess(man_inv, rules, now=NOW, verbose_results=True)
    assert _key(live, live_only) == _key(man, live_only)
    assert len(_key(live, live_only)) >= 90
    statuses = {r["status"] for r in live["results"]}
    assert {"PASS", "FAIL", "NOT_APPLICABLE"} <= statuses
    # live-only rules judge the live objects and step aside for manifests
    for rid in live_only:
        assert {r["status"] for r in man["results"] if r["rule_id"] == rid} <= {"NOT_APPLICABLE"}
    assert any(
        r["rule_id"] == "k8s.secret.opaque_secret_rotation" and r["status"] == "FAIL"
        for r in live["results"]
    )
    # same data for the same object, whatever its source (the stub adds server-side metadata)
    live_tls = next(r for r in live_inv.resources if r.id == "legacy/Secret/intranet-tls")
    man_tls = next(r for r in man_inv.resources if r.id == "legacy/Secret/intranet-tls")
    assert live_tls.data["x-bio2scan"] == man_tls.data["x-bio2scan"]
    assert live_tls.data["data"] == man_tls.data["data"]
