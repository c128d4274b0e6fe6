"""Functions for Kubernetes objects: where the pod template of each workload kind lives."""

from __future__ import annotations

from typing import Any

from . import function

from ...kinds import POD_SPEC_PATHS, WORKLOAD_TYPES, pod_spec_of  # noqa: F401


@function("pod_spec", kind="extractor")
def pod_spec(resource: Any) -> list[tuple[str, Any]] | None:
    """The pod spec of any workload kind (Pod ``spec``, Deployment ``spec.template.spec``,
    CronJob ``spec.jobTemplate.spec.template.spec`` …), so one rule covers every kind. Objects
    that another workload controls (a ReplicaSet of a Deployment, the Pods of a ReplicaSet, the
    Jobs of a CronJob) are skipped: their owner is checked instead, once."""
    data = resource.data
    for ref in (data.get("metadata") or {}).get("ownerReferences") or ():
        if isinstance(ref, dict) and ref.get("controller") and ref.get("kind") in POD_SPEC_PATHS:
            return None
    found = pod_spec_of(data)
    return [found] if found else None
