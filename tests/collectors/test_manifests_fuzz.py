"""Fuzzing the manifest reader for a bounded time: mutated real manifests and generated YAML never
crash it, never raise, never hang (every outcome is objects, notices or collection errors)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bio2scan.collectors.kubernetes.objects import coverage_notice, mark_controlled
from bio2scan.collectors.manifest_files import Job, load_job
from bio2scan.collectors.yaml_objects import Limits

SEED = b"""\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, annotations: {a: &x "v"}}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      hostPID: y
      containers:
      - name: web
        image: web@sha256:0000000000000000000000000000000000000000000000000000000000000000
        args: ["--password=x", *x]
        env: [{name: DB_PASSWORD, value: geheim}, {name: U, value: "postgres://a:b@c/d"}]
---
apiVersion: v1
kind: List
items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {k: "password=1"}}]
"""
LIMITS = Limits(max_bytes=1 << 20, max_depth=50, max_alias_nodes=10_000, max_objects=1000)
TOKENS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b"&a ",
    b"*a",
    b"<<: ",
    b"- ",
    b": ",
    b"\n",
    b"---\n",
    b"!!",
    b'"',
    b"\t",
    b"{{",
    b"\x00",
    b"\xff",
]


def _check(raw: bytes) -> None:
    out = load_job(Job("fuzz.yaml", None, True, raw), "c", None, LIMITS)
    for r in out.resources:
        assert r.id and r.type.startswith("k8s.")
        coverage_notice(r)  # the collector's next steps take whatever came through
    mark_controlled(out.resources, live=False)
    for message, _line in out.errors:
        assert "\n" not in message or message.startswith("cannot read")


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(SEED)), st.sampled_from(TOKENS)), max_size=6))
def test_mutated_manifests_never_crash(edits):
    raw = bytearray(SEED)
    for pos, token in edits:
        raw[pos:pos] = token
    _check(bytes(raw))


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(raw):
    _check(raw)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_values = st.recursive(
    _scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=12,
)


@settings(max_examples=200, deadline=2000)
@given(_values, st.sampled_from(["Pod", "Deployment", "CronJob", "List", "Rollout", "X"]))
def test_any_shape_under_a_known_kind_never_crashes(spec, kind):
    import json

    doc = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "n"}, "spec": spec}
    if kind == "List":
        doc["items"] = [spec, doc.copy()]
    _check(json.dumps(doc).encode())
