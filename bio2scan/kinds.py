"""Facts about Kubernetes kinds shared by the collectors and the engine (pure data)."""

from __future__ import annotations

from typing import Any

# kind → path of the pod spec inside the object
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}

WORKLOAD_TYPES = ("k8s.core.pod", "k8s.apps.deployment", "k8s.apps.statefulset",
                  "k8s.apps.daemonset", "k8s.apps.replicaset", "k8s.core.replicationcontroller",
                  "k8s.batch.job", "k8s.batch.cronjob")


def pod_spec_of(obj: Any) -> tuple[str, Any] | None:
    """``(dotted path, pod spec)`` of a workload object, or None for other kinds."""
    kind = obj.get("kind") if isinstance(obj, dict) else None
    steps = POD_SPEC_PATHS.get(kind or "")
    if steps is None:
        return None
    cur = obj
    for s in steps:
        cur = cur.get(s) if isinstance(cur, dict) else None
        if cur is None:
            return None
    return ".".join(steps), cur
