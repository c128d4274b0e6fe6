"""The Kubernetes API resources the live collector lists, and the read-only ClusterRole for them.

One table says, for every kind the rules can look at, where the API serves it (group, version,
plural) and whether it lives in namespaces. The collector lists only the rows the selected rules
need, and ``cluster_role`` turns the same rows into the least-privilege RBAC the scan needs —
so the permissions printed are exactly the requests made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from ...kinds import resource_type


@dataclass(frozen=True, slots=True)
class ApiKind:
    kind: str
    group: str  # "" for the core group
    version: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def type(self) -> str:
        return resource_type(self.api_version, self.kind)

    def path(self, namespace: str | None = None) -> str:
        """The list URL: ``/apis/apps/v1/deployments`` or ``…/namespaces/NS/deployments``."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace is not None and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


_RBAC = "rbac.authorization.k8s.io"
_ADM = "admissionregistration.k8s.io"
_GW = "gateway.networking.k8s.io"

KINDS: tuple[ApiKind, ...] = (
    ApiKind("Namespace", "", "v1", "namespaces", False),
    ApiKind("Pod", "", "v1", "pods", True),
    ApiKind("ReplicationController", "", "v1", "replicationcontrollers", True),
    ApiKind("Service", "", "v1", "services", True),
    ApiKind("ServiceAccount", "", "v1", "serviceaccounts", True),
    ApiKind("Secret", "", "v1", "secrets", True),
    ApiKind("ConfigMap", "", "v1", "configmaps", True),
    ApiKind("ResourceQuota", "", "v1", "resourcequotas", True),
    ApiKind("LimitRange", "", "v1", "limitranges", True),
    ApiKind("PersistentVolume", "", "v1", "persistentvolumes", False),
    ApiKind("Deployment", "apps", "v1", "deployments", True),
    ApiKind("StatefulSet", "apps", "v1", "statefulsets", True),
    ApiKind("DaemonSet", "apps", "v1", "daemonsets", True),
    ApiKind("ReplicaSet", "apps", "v1", "replicasets", True),
    ApiKind("Job", "batch", "v1", "jobs", True),
    ApiKind("CronJob", "batch", "v1", "cronjobs", True),
    ApiKind("Ingress", "networking.k8s.io", "v1", "ingresses", True),
    ApiKind("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", True),
    ApiKind("Gateway", _GW, "v1", "gateways", True),
    ApiKind("HTTPRoute", _GW, "v1", "httproutes", True),
    ApiKind("Role", _RBAC, "v1", "roles", True),
    ApiKind("RoleBinding", _RBAC, "v1", "rolebindings", True),
    ApiKind("ClusterRole", _RBAC, "v1", "clusterroles", False),
    ApiKind("ClusterRoleBinding", _RBAC, "v1", "clusterrolebindings", False),
    ApiKind("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", True),
    ApiKind("ValidatingWebhookConfiguration", _ADM, "v1", "validatingwebhookconfigurations", False),
    ApiKind("MutatingWebhookConfiguration", _ADM, "v1", "mutatingwebhookconfigurations", False),
)

BY_TYPE = {k.type: k for k in KINDS}
NAMESPACE = BY_TYPE["k8s.core.namespace"]

# GET /version becomes one resource of this (scanner-made) kind per cluster
VERSION_API_VERSION = "cluster.bio2scan.io/v1"
VERSION_KIND = "Version"
VERSION_TYPE = resource_type(VERSION_API_VERSION, VERSION_KIND)  # k8s.cluster.version

RESOURCE_TYPES: tuple[str, ...] = (*BY_TYPE, VERSION_TYPE)


def wanted_kinds(types: set[str] | frozenset[str] | None) -> list[ApiKind]:
    """The rows that serve ``types`` (``None``: all)."""
    return [k for k in KINDS if types is None or k.type in types]


def cluster_role(types: set[str] | frozenset[str] | None, name: str = "bio2scan-reader") -> str:
    """The read-only ClusterRole (YAML) for the kinds that serve ``types``: ``get`` and
    ``list`` only, exact resources, never ``watch`` or a wildcard. Namespaces are always
    readable: the collector lists them to retry per namespace after a cluster-wide 403."""
    kinds = wanted_kinds(types)
    if NAMESPACE not in kinds:
        kinds.insert(0, NAMESPACE)
    by_group: dict[str, list[str]] = {}
    for k in kinds:
        by_group.setdefault(k.group, []).append(k.plural)
    rules: list[dict[str, Any]] = [
        {"apiGroups": [g], "resources": sorted(set(p)), "verbs": ["get", "list"]}
        for g, p in sorted(by_group.items())
    ]
    if types is None or VERSION_TYPE in types:
        rules.append({"nonResourceURLs": ["/version"], "verbs": ["get"]})
    doc = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "bio2scan"}},
        "rules": rules,
    }
    head = (
        "# Read-only access for `bio2scan scan kubernetes` with the selected rules.\n"
        "# Bind it with a ClusterRoleBinding to the scanner's user or ServiceAccount.\n"
    )
    if any(k.plural == "secrets" for k in kinds):
        head += (
            "# Secrets: the scanner keeps only their names, type and the public certificate\n"
            "# facts of TLS Secrets; without `secrets` those rules report ERROR.\n"
        )
    return head + yaml.safe_dump(doc, sort_keys=False)
