"""No workload escapes the pod rules: every kind that carries a pod template (every apiVersion
Kubernetes ever served, the common custom kinds, and custom resources found by shape), owners
that exist nowhere, pod specs of the wrong type and YAML 1.1 spellings — through the manifests
collector and the real rules."""

from __future__ import annotations

import pytest
import yaml

from bio2scan import api
from bio2scan.engine.evaluate import compile_rule, evaluate
from bio2scan.kinds import WORKLOADS

RULES = api.load_rules()
PRIVILEGED = "k8s.pod.privileged_container"
HOST_PID = "k8s.pod.host_pid"

BAD_POD = {
    "hostPID": True,
    "containers": [{"name": "x", "image": "x:1", "securityContext": {"privileged": True}}],
}


def _put(obj: dict, steps: tuple[str, ...], spec: dict) -> None:
    cur = obj
    for i, s in enumerate(steps[:-1]):
        nxt = steps[i + 1]
        if s == "*":
            continue
        if nxt == "*":
            holder = (
                [{}] if s in ("tasks", "workerGroupSpecs", "replicatedJobs") else {"Worker": {}}
            )
            cur[s] = holder
            cur = holder[0] if isinstance(holder, list) else holder["Worker"]
        else:
            cur = cur.setdefault(s, {})
    cur[steps[-1]] = spec


def _object(w) -> dict:
    group = w.groups[0]
    obj = {
        "apiVersion": f"{group}/v1" if group else "v1",
        "kind": w.kind,
        "metadata": {"name": "w", "namespace": "ns"},
    }
    for steps in w.paths:
        _put(obj, steps, BAD_POD)
    return obj


def _scan(tmp_path, docs, rule_ids=(PRIVILEGED, HOST_PID), **opts):
    f = tmp_path / "in.yaml"
    f.write_text(yaml.safe_dump_all(docs) if not isinstance(docs, str) else docs)
    inv = api.collect("manifests", {"paths": [str(f)], **opts})
    compiled = [compile_rule(RULES[r]) for r in rule_ids]
    return inv, evaluate(inv, compiled)


def _status(results, rule, rid):
    return [r.status.value for r in results if r.rule_id == rule and r.resource_id == rid]


@pytest.mark.parametrize(
    "w",
    [w for w in WORKLOADS for _ in w.groups[:1]] + [w for w in WORKLOADS if len(w.groups) > 1],
    ids=lambda w: f"{w.kind}",
)
def test_each_listed_kind_with_a_privileged_container_fails(tmp_path, w):
    obj = _object(w)
    inv, results = _scan(tmp_path, [obj])
    (r,) = inv.resources
    assert r.type == w.type
    assert _status(results, PRIVILEGED, r.id) == ["FAIL"], (r.type, results)


@pytest.mark.parametrize(
    "api_version, kind",
    [
        ("extensions/v1beta1", "Deployment"),
        ("apps/v1beta1", "Deployment"),
        ("apps/v1beta2", "Deployment"),
        ("extensions/v1beta1", "DaemonSet"),
        ("apps/v1beta2", "DaemonSet"),
        ("extensions/v1beta1", "ReplicaSet"),
        ("apps/v1beta1", "StatefulSet"),
        ("batch/v1beta1", "CronJob"),
        ("batch/v2alpha1", "CronJob"),
        ("apps.openshift.io/v1", "DeploymentConfig"),
        ("v1", "DeploymentConfig"),
    ],
)
def test_every_served_api_version_is_a_workload(tmp_path, api_version, kind):
    spec = {"template": {"spec": BAD_POD}}
    if kind == "CronJob":
        spec = {"jobTemplate": {"spec": spec}}
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "w", "namespace": "prod"}}
    obj["spec"] = spec
    inv, results = _scan(tmp_path, [obj])
    (r,) = inv.resources
    assert _status(results, PRIVILEGED, r.id) == ["FAIL"]
    assert _status(results, HOST_PID, r.id) == ["FAIL"]


def test_custom_resource_with_a_pod_template_is_checked_by_shape(tmp_path):
    obj = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "prod"},
        "spec": {"runner": {"template": {"spec": BAD_POD}}},
    }
    inv, results = _scan(tmp_path, [obj])
    (r,) = inv.resources
    assert r.type == "k8s.custom.workload" and not inv.notices
    assert _status(results, PRIVILEGED, r.id) == ["FAIL"]


def test_unknown_kind_is_listed_as_not_checked(tmp_path):
    obj = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}
    inv, results = _scan(tmp_path, [obj])
    (n,) = inv.notices
    assert n.code == "not-checked" and n.kind == "Gadget" and n.line == 1
    assert "not known" in n.reason and not results


def test_phantom_owner_hides_nothing(tmp_path):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "namespace": "ns",
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "ghost",
                    "uid": "1",
                    "controller": True,
                }
            ],
        },
        "spec": BAD_POD,
    }
    _inv, results = _scan(tmp_path, [pod])
    assert _status(results, PRIVILEGED, "ns/Pod/p") == ["FAIL"]
    assert _status(results, HOST_PID, "ns/Pod/p") == ["FAIL"]


def test_owner_in_the_same_inputs_checks_once_only_when_the_spec_is_its_template(tmp_path):
    def pod(name, spec):
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": "ns",
                "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "controller": True}],
            },
            "spec": spec,
        }

    harmless = {"containers": [{"name": "x", "image": "x:1"}]}
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "rs", "namespace": "ns"},
        "spec": {"template": {"spec": harmless}},
    }
    _inv, results = _scan(tmp_path, [rs, pod("same", harmless), pod("evil", BAD_POD)])
    assert _status(results, PRIVILEGED, "ns/Pod/same") == ["NOT_APPLICABLE"]
    assert _status(results, PRIVILEGED, "ns/Pod/evil") == ["FAIL"]  # names a harmless owner
    assert _status(results, PRIVILEGED, "ns/ReplicaSet/rs") == ["PASS"]


@pytest.mark.parametrize(
    "spec",
    [[{"containers": []}], "privileged", {"containers": {"name": "x"}}, {"containers": []}],
)
def test_pod_spec_of_the_wrong_type_is_error_and_not_checked(tmp_path, spec):
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "prod"}}
    obj["spec"] = spec
    inv, results = _scan(tmp_path, [obj], rule_ids=[r for r in RULES if r.startswith("k8s.pod.")])
    statuses = {r.status.value for r in results if r.resource_id == "prod/Pod/p"}
    assert statuses == {"ERROR"}, statuses
    assert [n.code for n in inv.notices] == ["not-checked"]


YAML11 = """\
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: prod}
spec:
  hostPID: %s
  containers:
  - name: a
    image: a:1
    securityContext: {privileged: %s}
"""


@pytest.mark.parametrize("word", ["y", "Y", "yes", "on", "ON", "True"])
def test_yaml_1_1_booleans_are_read_as_kubectl_reads_them(tmp_path, word):
    _inv, results = _scan(tmp_path, YAML11 % (word, word))
    assert _status(results, PRIVILEGED, "prod/Pod/p") == ["FAIL"]
    assert _status(results, HOST_PID, "prod/Pod/p") == ["FAIL"]


@pytest.mark.parametrize("word", ["n", "no", "off", "false"])
def test_yaml_1_1_false_passes(tmp_path, word):
    _inv, results = _scan(tmp_path, YAML11 % (word, word))
    assert _status(results, PRIVILEGED, "prod/Pod/p") == ["PASS"]


def test_a_quoted_true_is_error_never_pass(tmp_path):
    _inv, results = _scan(tmp_path, YAML11 % ('"true"', '"true"'))
    assert _status(results, PRIVILEGED, "prod/Pod/p") == ["ERROR"]
    assert _status(results, HOST_PID, "prod/Pod/p") == ["ERROR"]


def test_every_pod_rule_lists_every_workload_type():
    from bio2scan.kinds import WORKLOAD_TYPES

    for rule in RULES.values():
        if rule.check.get("subject") == "pod_spec":
            assert set(WORKLOAD_TYPES) <= set(rule.resource_types), rule.id
