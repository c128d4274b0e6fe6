"""Facts about Kubernetes kinds shared by the collectors and the engine (pure data).

Where each kind keeps its pod spec, at every apiVersion Kubernetes has ever served it and for the
common custom kinds that run pods; the resource type each (group, kind) gets; which kinds are
built into Kubernetes. One table for both the collectors (what is a workload, what is unknown)
and the engine (``pod_spec`` finds the specs here), so they cannot disagree.

A pod-spec path is a tuple of steps; ``*`` stands for every item of a list or every value of a
mapping (a Kubeflow ``TFJob`` has one pod template per replica type). Custom resources that are
in no table but embed a pod template (``spec…template.spec.containers``) are found by shape:
``find_pod_templates`` — the documented generic fallback — and get the resource type
``GENERIC_WORKLOAD_TYPE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .credentials import credential_like  # noqa: F401  (kept for older imports)

Steps = tuple[str, ...]
_TEMPLATE: Steps = ("spec", "template", "spec")
_JOB_TEMPLATE: Steps = ("spec", "jobTemplate", "spec", "template", "spec")


@dataclass(frozen=True, slots=True)
class Workload:
    """A kind that makes pods: its resource type, the API groups that serve (or served) it and
    the path(s) of its pod spec(s). ``ref``: a path that, when set and the template is absent,
    says the pod spec lives in another object (an Argo Rollout's ``workloadRef``)."""

    kind: str
    type: str
    groups: tuple[str, ...]
    paths: tuple[Steps, ...]
    ref: Steps | None = None


WORKLOADS: tuple[Workload, ...] = (
    # built-in kinds, at every group they were ever served from
    Workload("Pod", "k8s.core.pod", ("",), (("spec",),)),
    Workload("PodTemplate", "k8s.core.podtemplate", ("",), (("template", "spec"),)),
    Workload("ReplicationController", "k8s.core.replicationcontroller", ("",), (_TEMPLATE,)),
    Workload("Deployment", "k8s.apps.deployment", ("apps", "extensions"), (_TEMPLATE,)),
    Workload("StatefulSet", "k8s.apps.statefulset", ("apps",), (_TEMPLATE,)),
    Workload("PetSet", "k8s.apps.statefulset", ("apps",), (_TEMPLATE,)),  # 1.3-1.4
    Workload("DaemonSet", "k8s.apps.daemonset", ("apps", "extensions"), (_TEMPLATE,)),
    Workload("ReplicaSet", "k8s.apps.replicaset", ("apps", "extensions"), (_TEMPLATE,)),
    Workload("Job", "k8s.batch.job", ("batch", "extensions"), (_TEMPLATE,)),
    Workload("CronJob", "k8s.batch.cronjob", ("batch",), (_JOB_TEMPLATE,)),
    Workload("ScheduledJob", "k8s.batch.cronjob", ("batch",), (_JOB_TEMPLATE,)),  # 1.4
    # common custom kinds
    Workload(
        "DeploymentConfig", "k8s.apps.deploymentconfig", ("apps.openshift.io", ""), (_TEMPLATE,)
    ),
    Workload(
        "Rollout", "k8s.argoproj.rollout", ("argoproj.io",), (_TEMPLATE,), ("spec", "workloadRef")
    ),
    Workload("Service", "k8s.serving.service", ("serving.knative.dev",), (_TEMPLATE,)),
    Workload("Configuration", "k8s.serving.configuration", ("serving.knative.dev",), (_TEMPLATE,)),
    Workload("Revision", "k8s.serving.revision", ("serving.knative.dev",), (("spec",),)),
    Workload(
        "ScaledJob",
        "k8s.keda.scaledjob",
        ("keda.sh",),
        (("spec", "jobTargetRef", "template", "spec"),),
    ),
    Workload("CloneSet", "k8s.apps.cloneset", ("apps.kruise.io",), (_TEMPLATE,)),
    Workload("StatefulSet", "k8s.apps.statefulset", ("apps.kruise.io",), (_TEMPLATE,)),
    Workload("DaemonSet", "k8s.apps.daemonset", ("apps.kruise.io",), (_TEMPLATE,)),
    Workload(
        "TFJob",
        "k8s.kubeflow.tfjob",
        ("kubeflow.org",),
        (("spec", "tfReplicaSpecs", "*", "template", "spec"),),
    ),
    Workload(
        "PyTorchJob",
        "k8s.kubeflow.pytorchjob",
        ("kubeflow.org",),
        (("spec", "pytorchReplicaSpecs", "*", "template", "spec"),),
    ),
    Workload(
        "Job", "k8s.batch.job", ("batch.volcano.sh",), (("spec", "tasks", "*", "template", "spec"),)
    ),
    Workload(
        "JobSet",
        "k8s.jobset.jobset",
        ("jobset.x-k8s.io",),
        (("spec", "replicatedJobs", "*", "template", "spec", "template", "spec"),),
    ),
    Workload(
        "RayCluster",
        "k8s.ray.raycluster",
        ("ray.io",),
        (
            ("spec", "headGroupSpec", "template", "spec"),
            ("spec", "workerGroupSpecs", "*", "template", "spec"),
        ),
    ),
    Workload(
        "LeaderWorkerSet",
        "k8s.leaderworkerset.leaderworkerset",
        ("leaderworkerset.x-k8s.io",),
        (("spec", "leaderWorkerTemplate", "workerTemplate", "spec"),),
    ),
)

# (group, kind) → workload; the group of "v1" is ""
_BY_GROUP_KIND: dict[tuple[str, str], Workload] = {
    (g, w.kind): w for w in WORKLOADS for g in w.groups
}

# An object made from a template of another workload: checked through its owner, when the owner
# is in the same scan (the collectors mark it, see ``CONTROLLED_BY``).
OWNED_KINDS = frozenset({"Pod", "ReplicaSet", "Job"})
RESERVED = "x-bio2scan"  # the key under which collectors add facts; removed from what they read
CONTROLLED_BY = "controlledBy"  # data[RESERVED][CONTROLLED_BY]: id of the owner in this scan
# a manifest's namespaced object without metadata.namespace (as `helm template` writes them):
# the collector defers this path, and every rule that reads or joins by it is NOT_APPLICABLE
NAMESPACE_PATH = "metadata.namespace"
DEPLOY_TIME_NAMESPACE = "namespace decided at deploy time (scan with --namespace to set it)"

# A custom resource in no table that embeds a pod template is checked under this type.
GENERIC_WORKLOAD_TYPE = "k8s.custom.workload"

WORKLOAD_TYPES: tuple[str, ...] = (
    *dict.fromkeys(w.type for w in WORKLOADS),
    GENERIC_WORKLOAD_TYPE,
)

# Kinds Kubernetes itself serves (every version), by group. An object of a kind in neither this
# table nor WORKLOADS, without a pod template, is "not checked": no rule knows what it means.
BUILTIN_KINDS: dict[str, frozenset[str]] = {
    g: frozenset(k.split())
    for g, k in {
        "": "Binding ComponentStatus ConfigMap Endpoints Event LimitRange Namespace Node "
        "PersistentVolume PersistentVolumeClaim Pod PodTemplate ReplicationController "
        "ResourceQuota Secret Service ServiceAccount",
        "apps": "ControllerRevision DaemonSet Deployment ReplicaSet StatefulSet PetSet",
        "extensions": "DaemonSet Deployment ReplicaSet Ingress NetworkPolicy PodSecurityPolicy Job",
        "batch": "CronJob Job ScheduledJob",
        "autoscaling": "HorizontalPodAutoscaler",
        "networking.k8s.io": "Ingress IngressClass NetworkPolicy IPAddress ServiceCIDR",
        "policy": "PodDisruptionBudget PodSecurityPolicy",
        "rbac.authorization.k8s.io": "ClusterRole ClusterRoleBinding Role RoleBinding",
        "storage.k8s.io": "CSIDriver CSINode CSIStorageCapacity StorageClass VolumeAttachment "
        "VolumeAttributesClass",
        "admissionregistration.k8s.io": "MutatingWebhookConfiguration "
        "ValidatingWebhookConfiguration ValidatingAdmissionPolicy "
        "ValidatingAdmissionPolicyBinding MutatingAdmissionPolicy MutatingAdmissionPolicyBinding",
        "apiextensions.k8s.io": "CustomResourceDefinition",
        "apiregistration.k8s.io": "APIService",
        "certificates.k8s.io": "CertificateSigningRequest ClusterTrustBundle",
        "coordination.k8s.io": "Lease LeaseCandidate",
        "discovery.k8s.io": "EndpointSlice",
        "events.k8s.io": "Event",
        "flowcontrol.apiserver.k8s.io": "FlowSchema PriorityLevelConfiguration",
        "node.k8s.io": "RuntimeClass",
        "scheduling.k8s.io": "PriorityClass",
        "resource.k8s.io": "ResourceClaim ResourceClaimTemplate DeviceClass ResourceSlice",
        "gateway.networking.k8s.io": "Gateway GatewayClass HTTPRoute GRPCRoute TLSRoute "
        "TCPRoute UDPRoute ReferenceGrant BackendTLSPolicy",
        "cluster.bio2scan.io": "Version",
    }.items()
}

# Kinds that moved between groups: (old group, kind) → the group Kubernetes serves them from now,
# so that an extensions/v1beta1 Deployment is the same resource type as an apps/v1 one.
CANONICAL_GROUP: dict[tuple[str, str], str] = {
    ("extensions", "Deployment"): "apps",
    ("extensions", "DaemonSet"): "apps",
    ("extensions", "ReplicaSet"): "apps",
    ("extensions", "Job"): "batch",
    ("extensions", "Ingress"): "networking.k8s.io",
    ("extensions", "NetworkPolicy"): "networking.k8s.io",
    ("extensions", "PodSecurityPolicy"): "policy",
}


def api_group(api_version: Any) -> str:
    """``apps/v1`` → ``apps``; ``v1`` → ``""`` (the core group)."""
    text = str(api_version or "")
    return text.rsplit("/", 1)[0] if "/" in text else ""


def workload_of(obj: Any) -> Workload | None:
    """The table entry for a workload object, or None."""
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
        return None
    return _BY_GROUP_KIND.get((api_group(obj.get("apiVersion")), obj["kind"]))


def is_builtin(api_version: Any, kind: Any) -> bool:
    return isinstance(kind, str) and kind in BUILTIN_KINDS.get(api_group(api_version), ())


class PodSpecError(ValueError):
    """A workload whose pod spec is missing or of the wrong type: it cannot be checked, and the
    rules that look at pod specs report ERROR rather than NOT_APPLICABLE or PASS."""


def _expand(obj: Any, steps: Steps, where: str, out: list[tuple[str, Any]]) -> None:
    cur: Any = obj
    path = where
    for n, step in enumerate(steps):
        if step == "*":
            if isinstance(cur, list):
                items = [(f"{path}[{i}]", v) for i, v in enumerate(cur)]
            elif isinstance(cur, dict):
                items = [(f"{path}.{k}", v) for k, v in cur.items()]
            else:
                raise PodSpecError(
                    f"{path or 'object'} is {_type(cur)}, expected a list or mapping"
                )
            for p, v in items:
                _expand(v, steps[n + 1 :], p, out)
            return
        if not isinstance(cur, dict):
            raise PodSpecError(f"{path or 'object'} is {_type(cur)}, expected a mapping")
        if cur.get(step) is None:
            raise PodSpecError(f"{(path + '.' if path else '') + step} is missing")
        cur = cur[step]
        path = f"{path}.{step}" if path else step
    if not isinstance(cur, dict):
        raise PodSpecError(f"{path} is {_type(cur)}, expected a mapping (a pod spec)")
    out.append((path, cur))


def _type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )


def pod_specs(obj: Any, workload: Workload | None = None) -> list[tuple[str, Any]] | None:
    """``[(dotted path, pod spec), …]`` of a workload object (a known kind, or a custom one that
    embeds pod templates); None for objects that run no pods (or whose pods are defined in
    another object); raises ``PodSpecError`` when a pod spec is missing or not a mapping."""
    w = workload or workload_of(obj)
    if w is None:
        found = (
            find_pod_templates(obj)
            if isinstance(obj, dict) and not is_builtin(obj.get("apiVersion"), obj.get("kind"))
            else []
        )
        return found or None
    if w.ref is not None and _dig(obj, w.paths[0][:2]) is None and _dig(obj, w.ref) is not None:
        return None
    out: list[tuple[str, Any]] = []
    for steps in w.paths:
        _expand(obj, steps, "", out)
    return out


def pod_spec_of(obj: Any) -> tuple[str, Any] | None:
    """The first pod spec of a workload (kept for callers that need one); see ``pod_specs``."""
    try:
        found = pod_specs(obj)
    except PodSpecError:
        return None
    return found[0] if found else None


def _dig(obj: Any, steps: Steps) -> Any:
    for s in steps:
        obj = obj.get(s) if isinstance(obj, dict) else None
    return obj


_MAX_SEARCH_DEPTH = 8


def find_pod_templates(obj: dict[str, Any]) -> list[tuple[str, Any]]:
    """The generic fallback: every pod spec under ``spec`` of a custom resource, found by shape.
    A pod spec is a mapping with a non-empty ``containers`` list whose items are mappings with
    an ``image``; it is found as the ``spec`` of a pod template (``…template.spec``) or of any
    mapping, up to eight levels deep. ``metadata`` and ``status`` are not searched."""
    out: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any, int]] = [("spec", obj.get("spec"), 0)]
    while stack:
        path, cur, depth = stack.pop()
        if isinstance(cur, dict):
            if _looks_like_pod_spec(cur):
                out.append((path, cur))
                continue
            if depth < _MAX_SEARCH_DEPTH:
                stack.extend(
                    (f"{path}.{k}", v, depth + 1) for k, v in cur.items() if isinstance(k, str)
                )
        elif isinstance(cur, list) and depth < _MAX_SEARCH_DEPTH:
            stack.extend((f"{path}[{i}]", v, depth + 1) for i, v in enumerate(cur))
    return sorted(out, key=lambda x: x[0])


def _looks_like_pod_spec(d: dict[str, Any]) -> bool:
    c = d.get("containers")
    return (
        isinstance(c, list)
        and bool(c)
        and all(isinstance(x, dict) for x in c)
        and any(isinstance(x.get("image"), str) for x in c)
    )


def template_metadata(obj: Any, spec: Any) -> dict[str, Any]:
    """The metadata of the pod that ``spec`` (one of ``pod_specs(obj)``) describes: a Pod's own,
    a template's ``metadata`` beside its ``spec``."""
    if not isinstance(obj, dict):
        return {}
    if obj.get("spec") is spec and obj.get("kind") in ("Pod", "Revision"):
        meta = obj.get("metadata")
        return meta if isinstance(meta, dict) else {}
    stack: list[Any] = [obj]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            if cur.get("spec") is spec and cur is not obj:
                meta = cur.get("metadata")
                return meta if isinstance(meta, dict) else {}
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            stack.extend(v for v in cur if isinstance(v, (dict, list)))
    return {}


# Kept for callers of the first version of this module: kind → path of its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    w.kind: w.paths[0] for w in WORKLOADS if w.groups[0] in ("", "apps", "batch")
}

_GROUP_CHARS = re.compile(r"[^a-z0-9_]")


def resource_type(api_version: Any, kind: str) -> str:
    """``k8s.<first label of the group>.<kind>``, with moved kinds at their current group
    (``extensions/v1beta1`` Deployment → ``k8s.apps.deployment``) and the custom kinds of the
    workload table at their listed type."""
    group = api_group(api_version)
    w = _BY_GROUP_KIND.get((group, kind))
    if w is not None:
        return w.type
    group = CANONICAL_GROUP.get((group, kind), group)
    first = group.split(".", 1)[0] if group else "core"
    return f"k8s.{_GROUP_CHARS.sub('_', first.lower())}.{kind.lower()}"


# Fields of a pod spec whose type Kubernetes fixes; a value of another type (a quoted "true"
# where a boolean belongs) makes the API server reject the object, so no verdict on it is true.
_POD_BOOLS = (
    "hostPID",
    "hostNetwork",
    "hostIPC",
    "hostUsers",
    "automountServiceAccountToken",
    "shareProcessNamespace",
)
_CONTEXT_BOOLS = (
    "privileged",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "runAsNonRoot",
)
_CONTEXT_INTS = ("runAsUser", "runAsGroup")
_POD_LISTS = ("volumes", "initContainers", "ephemeralContainers", "imagePullSecrets")
CONTAINER_GROUPS = ("containers", "initContainers", "ephemeralContainers")


def check_pod_spec(spec: dict[str, Any], where: str) -> None:
    """Raise ``PodSpecError`` naming the field when ``spec`` is not a pod spec Kubernetes would
    accept in the parts the rules read: containers (a non-empty list of mappings, each with an
    image), the lists and security contexts, and the boolean and integer settings."""
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        raise PodSpecError(f"{where}.containers is {_type(containers)}, expected a non-empty list")
    for key in _POD_LISTS:
        if spec.get(key) is not None and not isinstance(spec[key], list):
            raise PodSpecError(f"{where}.{key} is {_type(spec[key])}, expected a list")
    _check_fields(spec, where, _POD_BOOLS, bool)
    _check_context(spec.get("securityContext"), f"{where}.securityContext")
    for group in CONTAINER_GROUPS:
        for i, c in enumerate(spec.get(group) or ()):
            at = f"{where}.{group}[{i}]"
            if not isinstance(c, dict):
                raise PodSpecError(f"{at} is {_type(c)}, expected a mapping (a container)")
            if not isinstance(c.get("image"), str) and group != "ephemeralContainers":
                raise PodSpecError(f"{at}.image is {_type(c.get('image'))}, expected a string")
            _check_context(c.get("securityContext"), f"{at}.securityContext")
            for key in ("env", "args", "command", "ports", "volumeMounts"):
                if c.get(key) is not None and not isinstance(c[key], list):
                    raise PodSpecError(f"{at}.{key} is {_type(c[key])}, expected a list")


def _check_context(ctx: Any, where: str) -> None:
    if ctx is None:
        return
    if not isinstance(ctx, dict):
        raise PodSpecError(f"{where} is {_type(ctx)}, expected a mapping")
    _check_fields(ctx, where, _CONTEXT_BOOLS, bool)
    _check_fields(ctx, where, _CONTEXT_INTS, int)
    for key in ("capabilities", "seccompProfile", "appArmorProfile", "seLinuxOptions"):
        if ctx.get(key) is not None and not isinstance(ctx[key], dict):
            raise PodSpecError(f"{where}.{key} is {_type(ctx[key])}, expected a mapping")


def _check_fields(d: dict[str, Any], where: str, keys: tuple[str, ...], typ: type) -> None:
    for key in keys:
        v = d.get(key)
        if v is None:
            continue
        if typ is int and (isinstance(v, bool) or not isinstance(v, int)):
            raise PodSpecError(f"{where}.{key} is {_type(v)} ({v!r}), expected an integer")
        if typ is bool and not isinstance(v, bool):
            raise PodSpecError(f"{where}.{key} is {_type(v)} ({v!r}), expected a boolean")


def checked_pod_specs(obj: Any) -> list[tuple[str, Any]] | None:
    """``pod_specs`` with every spec checked by ``check_pod_spec``."""
    found = pod_specs(obj)
    for path, spec in found or ():
        check_pod_spec(spec, path)
    return found
