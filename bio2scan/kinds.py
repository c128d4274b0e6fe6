"""Facts about Kubernetes kinds shared by the collectors and the engine (pure data)."""

from __future__ import annotations

import re
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

WORKLOAD_TYPES = (
    "k8s.core.pod",
    "k8s.apps.deployment",
    "k8s.apps.statefulset",
    "k8s.apps.daemonset",
    "k8s.apps.replicaset",
    "k8s.core.replicationcontroller",
    "k8s.batch.job",
    "k8s.batch.cronjob",
)


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


# Environment variables whose name or value looks like a credential. The collectors replace such
# values by a fingerprint; the rule k8s.pod.env_literal_credentials reports them. One definition
# for both, so what is redacted and what is reported cannot drift apart.
CREDENTIAL_NAME = re.compile(
    r"(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|"
    r"CREDENTIAL|AUTH|CONN(ECTION)?_?STR(ING)?|DSN|SAS|CLIENT_?SECRET)",
    re.IGNORECASE,
)
CREDENTIAL_VALUE = re.compile(
    r"(AKIA|ASIA)[A-Z0-9]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|"
    r"^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}|://[^/\s:@]+:[^/\s@]+@|"
    r"AccountKey=|SharedAccessSignature=|sig=[A-Za-z0-9%]{20,}|"
    r"^gh[pousr]_[A-Za-z0-9]{30,}|^xox[abpr]-"
)


def credential_like(name: str | None, value: Any) -> bool:
    """True when an environment variable's name or value suggests a credential."""
    if not isinstance(value, str) or not value:
        return False
    return bool((name and CREDENTIAL_NAME.search(name)) or CREDENTIAL_VALUE.search(value))
