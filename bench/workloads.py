"""A generator of realistic Kubernetes workload inventories for the engine benchmark.

Every resource is distinct where a real cluster is distinct (name, namespace, labels, image tag,
replica count), while the deep parts that real clusters repeat (container specs from a few
dozen base images and hardening levels) are drawn from a small pool and shared, so generating a
million resources takes seconds and is not what the benchmark measures. The mix: Deployments,
StatefulSets, DaemonSets, CronJobs, Jobs, bare Pods and Pods owned by ReplicaSets (which
workload rules skip, as on a live cluster), containers with and without ``securityContext``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

from bio2scan.model import Resource, Source

KINDS = (  # (kind, apiVersion, type, weight)
    ("Deployment", "apps/v1", "k8s.apps.deployment", 30),
    ("Pod", "v1", "k8s.core.pod", 35),
    ("ReplicaSet", "apps/v1", "k8s.apps.replicaset", 10),
    ("StatefulSet", "apps/v1", "k8s.apps.statefulset", 6),
    ("DaemonSet", "apps/v1", "k8s.apps.daemonset", 3),
    ("CronJob", "batch/v1", "k8s.batch.cronjob", 8),
    ("Job", "batch/v1", "k8s.batch.job", 8),
)

IMAGES = (
    "nginx:1.25",
    "registry.example.nl/shop/web@sha256:" + "a" * 64,
    "busybox",
    "ghcr.io/org/api:2.3.1",
    "postgres:16",
    "redis:latest",
    "quay.io/prom/node-exporter:v1.7",
)

_SECURE_CTX = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def _container(rng: random.Random, i: int) -> dict[str, Any]:
    level = rng.choice(("none", "none", "partial", "secure", "secure", "bad"))
    c: dict[str, Any] = {
        "name": f"c{i}",
        "image": rng.choice(IMAGES),
        "ports": [{"containerPort": rng.choice((80, 8080, 5432, 9100))}],
    }
    if rng.random() < 0.6:
        c["resources"] = {
            "limits": {"cpu": "500m", "memory": "256Mi"},
            "requests": {"cpu": "100m", "memory": "128Mi"},
        }
    if rng.random() < 0.5:
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}}
    if rng.random() < 0.4:
        c["env"] = [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
        ]
    if level == "partial":
        c["securityContext"] = {"runAsNonRoot": True}
    elif level == "secure":
        c["securityContext"] = dict(_SECURE_CTX)
    elif level == "bad":
        c["securityContext"] = {
            "privileged": True,
            "runAsUser": 0,
            "capabilities": {"add": ["NET_ADMIN", "SYS_ADMIN"]},
        }
    return c


def _pod_spec(rng: random.Random) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [_container(rng, i) for i in range(rng.choice((1, 1, 1, 2, 3)))]
    }
    if rng.random() < 0.2:
        spec["initContainers"] = [_container(rng, 9)]
    if rng.random() < 0.1:
        spec["hostNetwork"] = True
    if rng.random() < 0.05:
        spec["hostPID"] = True
    if rng.random() < 0.5:
        spec["securityContext"] = {"runAsNonRoot": True, "fsGroup": 2000}
    if rng.random() < 0.3:
        spec["automountServiceAccountToken"] = False
    if rng.random() < 0.4:
        spec["serviceAccountName"] = "app"
    if rng.random() < 0.1:
        spec["volumes"] = [{"name": "host", "hostPath": {"path": "/var/run/docker.sock"}}]
    return spec


def pool(size: int = 64, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [_pod_spec(rng) for _ in range(size)]


def _wrap(kind: str, spec: dict[str, Any], replicas: int) -> dict[str, Any]:
    template = {"metadata": {"labels": {"app": "x"}}, "spec": spec}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        return {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "x"}},
            "template": template,
        }
    return {"template": template}


def resources(n: int, seed: int = 1, chunk: int = 10_000) -> Iterator[Resource]:
    """``n`` workload resources, generated ``chunk`` at a time."""
    rng = random.Random(seed)
    specs = pool()
    kinds = [k for k in KINDS for _ in range(k[3])]
    source = Source(api="bench", region=None, time="2026-01-01T00:00:00+00:00")
    counter = itertools.count()
    while n > 0:
        for _ in range(min(chunk, n)):
            i = next(counter)
            kind, api_version, rtype, _w = rng.choice(kinds)
            ns = f"team-{i % 97}"
            name = f"{kind.lower()}-{i}"
            meta: dict[str, Any] = {
                "name": name,
                "namespace": ns,
                "labels": {"app": name, "team": ns},
            }
            if kind == "Pod" and rng.random() < 0.6:
                meta["ownerReferences"] = [
                    {"kind": "ReplicaSet", "name": f"rs-{i}", "controller": True}
                ]
            if kind == "ReplicaSet" and rng.random() < 0.9:
                meta["ownerReferences"] = [
                    {"kind": "Deployment", "name": f"d-{i}", "controller": True}
                ]
            data = {
                "apiVersion": api_version,
                "kind": kind,
                "metadata": meta,
                "spec": _wrap(kind, rng.choice(specs), rng.choice((1, 2, 3))),
            }
            yield Resource(
                type=rtype,
                id=f"{ns}/{kind}/{name}",
                name=name,
                scope="bench",
                data=data,
                source=source,
                namespace=ns,
            )
        n -= chunk


# --- an estate with related resources --------------------------------------------------------
#
# ``estate(n)`` gives n workloads whose pod specs are each generated afresh (no shared pool: the
# engine cannot profit from identical objects), plus what the cross-resource rules look up: a
# ServiceAccount per workload (k8s_token_automount_disabled looks it up by name), a
# PodDisruptionBudget per five workloads (k8s_workload_has_pdb: selector against labels), the
# Namespaces with their NetworkPolicies, LimitRanges and ResourceQuotas, and EC2 instances with
# their security groups (instance_exposes_ports looks each group up by id).

NAMESPACES = 97


def _ns_objects(scope: str, source: Source) -> Iterator[Resource]:
    for k in range(NAMESPACES):
        ns = f"team-{k}"
        yield Resource(
            type="k8s.core.namespace",
            id=f"Namespace/{ns}",
            name=ns,
            scope=scope,
            data={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
            source=source,
        )
        if k % 3:
            yield Resource(
                type="k8s.networking.networkpolicy",
                id=f"{ns}/NetworkPolicy/default-deny",
                name="default-deny",
                scope=scope,
                namespace=ns,
                data={
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy",
                    "metadata": {"name": "default-deny", "namespace": ns},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
                },
                source=source,
            )
        if k % 2:
            for kind, rtype in (
                ("LimitRange", "k8s.core.limitrange"),
                ("ResourceQuota", "k8s.core.resourcequota"),
            ):
                yield Resource(
                    type=rtype,
                    id=f"{ns}/{kind}/defaults",
                    name="defaults",
                    scope=scope,
                    namespace=ns,
                    data={
                        "apiVersion": "v1",
                        "kind": kind,
                        "metadata": {"name": "defaults", "namespace": ns},
                    },
                    source=source,
                )


def estate(n: int, seed: int = 3) -> Iterator[Resource]:
    """n workloads with fresh pod specs, and their related resources (see above)."""
    rng = random.Random(seed)
    kinds = [k for k in KINDS for _ in range(k[3])]
    source = Source(api="bench", region=None, time="2026-01-01T00:00:00+00:00")
    scope = "bench"
    yield from _ns_objects(scope, source)
    for i in range(n):
        kind, api_version, rtype, _w = rng.choice(kinds)
        ns = f"team-{i % NAMESPACES}"
        name = f"{kind.lower()}-{i}"
        labels = {"app": name, "team": ns, "tier": rng.choice(("web", "api", "batch", "data"))}
        if rng.random() < 0.3:
            labels["bio2scan.nl/critical"] = "true"
        meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels}
        if kind == "Pod" and rng.random() < 0.3:
            meta["ownerReferences"] = [
                {"kind": "ReplicaSet", "name": f"rs-{i}", "controller": True}
            ]
        spec = _pod_spec(rng)  # afresh for every workload
        sa = f"sa-{i}"
        spec["serviceAccountName"] = sa
        spec_wrapped = _wrap(kind, spec, rng.choice((1, 2, 3)))
        if isinstance(spec_wrapped.get("template"), dict):
            spec_wrapped["template"] = {"metadata": {"labels": dict(labels)}, "spec": spec}
        yield Resource(
            type=rtype,
            id=f"{ns}/{kind}/{name}",
            name=name,
            scope=scope,
            data={"apiVersion": api_version, "kind": kind, "metadata": meta, "spec": spec_wrapped},
            source=source,
            namespace=ns,
        )
        yield Resource(
            type="k8s.core.serviceaccount",
            id=f"{ns}/ServiceAccount/{sa}",
            name=sa,
            scope=scope,
            namespace=ns,
            data={
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": sa, "namespace": ns},
                "automountServiceAccountToken": rng.random() < 0.5,
            },
            source=source,
        )
        if i % 5 == 0:
            yield Resource(
                type="k8s.policy.poddisruptionbudget",
                id=f"{ns}/PodDisruptionBudget/pdb-{i}",
                name=f"pdb-{i}",
                scope=scope,
                namespace=ns,
                data={
                    "apiVersion": "policy/v1",
                    "kind": "PodDisruptionBudget",
                    "metadata": {"name": f"pdb-{i}", "namespace": ns},
                    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": name}}},
                },
                source=source,
            )
        if i % 4 == 0:
            yield from _instance(i, rng)


def _instance(i: int, rng: random.Random) -> Iterator[Resource]:
    """One EC2 instance and its own security group (the instance also uses a shared one)."""
    source = Source(api="bench", region="eu-west-1", time="2026-01-01T00:00:00+00:00")
    gid = f"sg-{i:08x}"
    port = rng.choice((22, 443, 3389, 5432, 8080))
    cidr = rng.choice(("0.0.0.0/0", "10.0.0.0/8", "192.0.2.0/24"))
    yield Resource(
        type="aws.ec2.security_group",
        id=gid,
        name=gid,
        scope="111122223333",
        region="eu-west-1",
        data={
            "GroupId": gid,
            "GroupName": f"app-{i}",
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "IpRanges": [{"CidrIp": cidr}],
                    "Ipv6Ranges": [],
                }
            ],
            "IpPermissionsEgress": [
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": []}
            ],
        },
        source=source,
    )
    instance: dict[str, Any] = {
        "InstanceId": f"i-{i:08x}",
        "State": {"Name": "running"},
        "SecurityGroups": [{"GroupId": gid}, {"GroupId": "sg-00000000"}],
        "MetadataOptions": {
            "HttpTokens": rng.choice(("required", "optional")),
            "HttpEndpoint": "enabled",
        },
    }
    if rng.random() < 0.5:
        instance["PublicIpAddress"] = f"203.0.113.{i % 250}"
    if i == 0:  # the shared group, once
        yield Resource(
            type="aws.ec2.security_group",
            id="sg-00000000",
            name="sg-00000000",
            scope="111122223333",
            region="eu-west-1",
            data={
                "GroupId": "sg-00000000",
                "GroupName": "shared",
                "IpPermissions": [],
                "IpPermissionsEgress": [],
            },
            source=source,
        )
    yield Resource(
        type="aws.ec2.instance",
        id=instance["InstanceId"],
        name=instance["InstanceId"],
        scope="111122223333",
        region="eu-west-1",
        data=instance,
        source=source,
    )
