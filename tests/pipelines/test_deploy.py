"""``deploy/`` passes bio2scan's own Kubernetes rules, as files and as kustomize builds it, and is
hardened whatever rules exist; the sharded overlay's N is the same in every place."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml
from pipeline_support import ROOT, cli, results

DEPLOY = ROOT / "deploy"


def _no_fail(doc: dict) -> None:
    fails = [
        (r["rule_id"], r["resource_id"], r["message"])
        for r in doc["results"]
        if r["status"] in ("FAIL", "ERROR")
    ]
    assert fails == []


def test_deploy_passes_own_rules(tmp_path):
    r = cli("scan", "manifests", str(DEPLOY), "--fail-on", "low", "-q", "-o", str(tmp_path))
    doc = results(tmp_path)
    _no_fail(doc)
    assert r.returncode == 0, r.stderr
    types = {x["resource_type"] for x in doc["results"]}
    assert {
        "k8s.batch.cronjob",
        "k8s.batch.job",
        "k8s.rbac.clusterrole",
        "k8s.core.namespace",
        "k8s.core.serviceaccount",
    } <= types


def _build(overlay: str) -> str:
    kubectl = shutil.which("kubectl")
    if not kubectl:
        pytest.skip("kubectl (kustomize) not installed")
    return subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / overlay)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


@pytest.mark.parametrize("overlay", ["base", "sharded"])
def test_kustomize_builds_pass_own_rules(tmp_path, overlay):
    built = _build(overlay)
    r = cli("scan", "manifests", "-", "--fail-on", "low", "-q", "-o", str(tmp_path), input=built)
    doc = results(tmp_path)
    _no_fail(doc)
    assert r.returncode == 0, r.stderr
    assert len(doc["results"]) > 10


def _objects() -> list[dict]:
    out = []
    for f in sorted(DEPLOY.rglob("*.yaml")):
        out.extend(d for d in yaml.safe_load_all(f.read_text()) if d)
    return out


def _pod_specs():
    for o in _objects():
        if o["kind"] == "CronJob":
            yield o["metadata"]["name"], o["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        elif o["kind"] == "Job":
            yield o["metadata"]["name"], o["spec"]["template"]["spec"]


def test_workloads_are_hardened():
    specs = list(_pod_specs())
    assert len(specs) == 3
    images: set[str] = set()
    for name, spec in specs:
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["serviceAccountName"] == "bio2scan", name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"] and not sc.get("privileged")
            assert {"cpu", "memory"} <= set(c["resources"]["limits"]), name
            assert re.fullmatch(r"ghcr\.io/bio2scan/bio2scan@sha256:[0-9a-f]{64}", c["image"])
            images.add(c["image"])
    assert len(images) == 1, "one image for every workload (kustomize edit set image)"
    sa = next(o for o in _objects() if o["kind"] == "ServiceAccount")
    assert sa["automountServiceAccountToken"] is False


def _grants(rules: list[dict]) -> set[tuple[str, str]]:
    return {
        (g, res)
        for rule in rules
        for g in rule.get("apiGroups", [])
        for res in rule.get("resources", [])
    } | {("url", u) for rule in rules for u in rule.get("nonResourceURLs", [])}


def test_cluster_role_grants_exactly_what_the_cronjob_rules_need():
    """Read-only; no Secrets; everything the CronJob's rules need (``bio2scan permissions``
    for its ``--rules``), and nothing they do not."""
    role = next(o for o in _objects() if o["kind"] == "ClusterRole")
    for rule in role["rules"]:
        assert set(rule["verbs"]) <= {"get", "list", "watch"}
    granted = _grants(role["rules"])
    assert not any(res == "secrets" for _, res in granted)
    cron = next(o for o in _objects() if o["kind"] == "CronJob")
    args = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
    r = cli("permissions", "kubernetes", "--rules", args[args.index("--rules") + 1])
    assert r.returncode == 0, r.stderr
    assert granted == _grants(yaml.safe_load(r.stdout)["rules"])


def test_shard_count_is_the_same_everywhere():
    objs = {o["metadata"]["name"]: o for o in _objects() if o["kind"] == "Job"}
    shards, merge = objs["bio2scan-shards"]["spec"], objs["bio2scan-merge"]["spec"]
    assert shards["completionMode"] == "Indexed"
    n = shards["completions"]
    assert shards["parallelism"] == n
    args = shards["template"]["spec"]["containers"][0]["args"]
    assert args[:2] == ["collect", "azure"]
    assert args[args.index("--shard") + 1] == f"$(SHARD_INDEX)/{n}"
    margs = merge["template"]["spec"]["containers"][0]["args"]
    assert margs[0] == "merge" and margs[margs.index("--expect") + 1] == str(n)
    env = {e["name"]: e for e in shards["template"]["spec"]["containers"][0]["env"]}
    assert (
        env["SHARD_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"]
        == "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    )
