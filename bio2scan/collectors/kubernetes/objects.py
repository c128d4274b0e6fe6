"""One shape for Kubernetes objects, whether read from a cluster or from a file.

Both collectors pass every object through ``to_resource``: the resource type
(``k8s.<group>.<kind>``), the id (``namespace/Kind/name``, or ``Kind/name`` for cluster-scoped
kinds), the default namespace filled in as the API server would, and secrets removed: the values
of Secrets (and ConfigMaps, which often hold them) are never kept, only their keys, and container
credentials wherever a workload carries them (env values, ``args``/``command``, probe and
lifecycle HTTP headers, annotations, ConfigMap data) are replaced by ``<redacted>``, with no hash
of them (``bio2scan.credentials`` decides what is one, for the rules too). The
``last-applied-configuration`` annotation (a copy of the object) becomes ``<redacted>`` when the
copy holds a credential and is dropped when it holds none; ``binaryData`` values are not kept
(only their keys). Every ``<redacted>`` outside a Secret's values is reported by a rule
(``k8s.pod.env_literal_credentials``, ``k8s.config.configmap_credentials``,
``k8s.config.annotation_credentials``). The certificate of a
``kubernetes.io/tls`` Secret is summarised (``certs.py``) before its values go.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from typing import Any

from ...credentials import REDACTED, redact_argv, redact_value
from ...kinds import (
    CONTROLLED_BY,
    DEPLOY_TIME_NAMESPACE,
    GENERIC_WORKLOAD_TYPE,
    NAMESPACE_PATH,
    OWNED_KINDS,
    RESERVED,
    PodSpecError,
    checked_pod_specs,
    find_pod_templates,
    is_builtin,
    resource_type,
    workload_of,
)
from ...model import Notice, Resource, Source

CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "StorageClass",
        "CustomResourceDefinition",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "APIService",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "GatewayClass",
        "CertificateSigningRequest",
        "ComponentStatus",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "ClusterIssuer",
        "Version",
        "PodSecurityPolicy",
        "IPAddress",
        "ServiceCIDR",
        "DeviceClass",
        "ResourceSlice",
        "ClusterTrustBundle",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "ClusterPolicy",
        "ClusterServingRuntime",
    }
)


def fingerprint(value: str) -> str:
    """What replaces a secret: ``<redacted>``, no hash (a short hash of a weak password gives
    it away in a few hundred guesses). Kept for callers of the first version."""
    return REDACTED


def group_of(api_version: str) -> str:
    """``apps/v1`` → ``apps``; ``v1`` → ``core``; ``networking.k8s.io/v1`` → ``networking``;
    ``gateway.networking.k8s.io/v1`` → ``gateway``; ``rbac.authorization.k8s.io`` → ``rbac``."""
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    if not group:
        return "core"
    first = group.split(".", 1)[0]
    return re.sub(r"[^a-z0-9_]", "_", first.lower())


def object_id(kind: str, name: str, namespace: str | None) -> str:
    return f"{namespace}/{kind}/{name}" if namespace else f"{kind}/{name}"


_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def untrusted(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` as read from a file or an API, without the key the scanner keeps its own facts
    under (``x-bio2scan``): a manifest must not be able to say "checked through its owner"."""
    if RESERVED in obj:
        obj = {k: v for k, v in obj.items() if k != RESERVED}
    return obj


def sanitize(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` without secret values (see the module docstring); ``obj`` itself is
    returned when there is nothing to remove. Idempotent. Parts that did not change are shared
    with ``obj``, never modified."""
    kind = obj.get("kind")
    out = dict(obj)
    changed = False
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        new_meta = _clean_metadata(meta)
        if new_meta is not meta:
            out["metadata"] = new_meta
            changed = True
    if kind == "Secret":
        from .certs import FIELD, certificate_info

        info = certificate_info(obj)
        if info is not None:
            own = obj.get(FIELD)
            out[FIELD] = dict(own if isinstance(own, dict) else {}, certificate=info)
            changed = True
        for key in ("data", "stringData", "binaryData"):
            value = obj.get(key)
            if isinstance(value, dict):
                if any(v != REDACTED for v in value.values()):
                    out[key] = dict.fromkeys(value, REDACTED)
                    changed = True
            elif value is not None and value != REDACTED:  # malformed: keep nothing of it
                out[key] = REDACTED
                changed = True
    elif kind == "ConfigMap":
        data = obj.get("data")
        if isinstance(data, dict):
            new = {k: redact_value(k, v) for k, v in data.items()}
            if new != data:
                out["data"] = new
                changed = True
        binary = obj.get("binaryData")
        if binary is not None and not (
            isinstance(binary, dict) and all(v == REDACTED for v in binary.values())
        ):
            out["binaryData"] = (
                dict.fromkeys(binary, REDACTED) if isinstance(binary, dict) else REDACTED
            )
            changed = True
    for key, value in obj.items():
        if key in ("metadata", "data", "stringData", "binaryData", "kind", "apiVersion"):
            continue
        if isinstance(value, (dict, list)):
            new_value = _clean(value, 0)
            if new_value is not value:
                out[key] = new_value
                changed = True
    return out if changed else obj


def _clean_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    out = meta
    if "managedFields" in meta:
        out = {k: v for k, v in meta.items() if k != "managedFields"}
    ann = meta.get("annotations")
    if isinstance(ann, dict):
        new = {}
        for k, v in ann.items():
            if k == _LAST_APPLIED:
                v = _last_applied(v)
                if v is None:
                    continue
            else:
                v = redact_value(k, v)
            new[k] = v
        if new != ann:
            out = dict(out, annotations=new)
    return out


def _last_applied(value: Any) -> str | None:
    """The ``last-applied-configuration`` annotation: a copy of the object as ``kubectl apply``
    last sent it. ``<redacted>`` when that copy holds a credential (a Secret's values, a
    ConfigMap password, a literal env value — what ``sanitize`` would remove), so that a rule
    reports it; None (the annotation is dropped) when it holds none."""
    if not isinstance(value, str) or value == REDACTED:
        return value if isinstance(value, str) else REDACTED
    try:
        copy = json.loads(value)
    except ValueError:
        copy = None
    if not isinstance(copy, dict):  # not the JSON kubectl writes: look at the text itself
        return REDACTED if redact_value(_LAST_APPLIED, value) != value else None
    copy = untrusted(copy)
    return REDACTED if sanitize(copy) != copy else None


_MAX_DEPTH = 64

# the keys of a mapping that ``_clean`` may change (an env entry or header's ``value``, a
# container's ``args``/``command``, a template's ``metadata``)
CLEANED_KEYS = frozenset(("value", "args", "command", "metadata"))
_KEEP_KINDS = ("Secret", "ConfigMap")  # sanitize changes more of these than ``_clean`` does


# (name, value) settings found to hold no credential: env entries recur across workloads (the
# same sidecar, the same chart); only values the redaction leaves as they are are kept, so no
# secret is ever held here; bounded (short settings only, at most ~5 MB)
_PLAIN_SETTINGS: set[tuple[str, str]] = set()
_PLAIN_SETTINGS_MAX = 20_000


def needs_cleaning(mappings: Iterable[dict[str, Any]]) -> bool:
    """Whether ``sanitize`` could change an object made of these mappings, given every
    mapping in it that has a key in ``CLEANED_KEYS`` (as ``yaml_objects.load`` lists them).
    Each is checked as ``_clean`` would check it, wherever it is (a superset of what ``_clean``
    visits): False means ``sanitize`` returns an object of another kind than Secret or
    ConfigMap unchanged, without walking it."""
    plain = _PLAIN_SETTINGS
    for m in mappings:
        value = m.get("value")
        if isinstance(value, str) and "name" in m:
            name = m["name"]
            setting = (name, value) if isinstance(name, str) else None
            if setting not in plain:
                if redact_value(name, value) != value:
                    return True
                if (
                    setting is not None
                    and len(value) + len(name) <= 256
                    and len(plain) < _PLAIN_SETTINGS_MAX
                ):
                    plain.add(setting)
        for key in ("args", "command"):
            argv = m.get(key)
            if isinstance(argv, list) and redact_argv(argv) != argv:
                return True
        meta = m.get("metadata")
        if isinstance(meta, dict) and _clean_metadata(meta) is not meta:
            return True
    return False


def _clean(node: Any, depth: int) -> Any:
    """``node`` with credentials in env entries, header lists, ``args``/``command`` and pod
    template annotations removed; the same object when nothing changed."""
    if depth > _MAX_DEPTH:
        return node
    if isinstance(node, list):
        new_items = [_clean(x, depth + 1) if isinstance(x, (dict, list)) else x for x in node]
        return new_items if any(a is not b for a, b in zip(new_items, node)) else node
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] | None = None
    if "name" in node and isinstance(node.get("value"), str):  # env entry, HTTP header
        v = redact_value(node["name"], node["value"])
        if v != node["value"]:
            out = dict(node, value=v)
    for key, value in node.items():
        if key in ("args", "command") and isinstance(value, list):
            new: Any = redact_argv(value)
            if new == value:
                continue
        elif key == "metadata" and isinstance(value, dict):
            new = _clean_metadata(value)
        elif isinstance(value, (dict, list)):
            new = _clean(value, depth + 1)
        else:
            continue
        if new is not value:
            out = dict(node) if out is None else out
            out[key] = new
    return node if out is None else out


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one (malformed objects are data too)."""
    return value if isinstance(value, dict) else {}


def to_resource(
    obj: dict[str, Any],
    *,
    cluster: str,
    source: Source,
    default_namespace: str | None = "default",
    clean: bool = False,
) -> Resource:
    """Turn one object (already checked to have apiVersion, kind, metadata.name) into a
    ``Resource``. A namespaced object without a namespace gets ``default_namespace``; with
    ``None`` it keeps none (a manifest's namespace is decided when it is deployed: the id is
    then ``Kind/name``, ``Resource.namespace`` is None and ``metadata.namespace`` is deferred,
    so every rule that reads or joins by the namespace gives NOT_APPLICABLE "namespace decided
    at deploy time" instead of treating it as ``default``). ``clean``: the caller found nothing
    that ``sanitize`` would remove outside a Secret's or ConfigMap's data (``needs_cleaning``)."""
    kind = obj["kind"]
    meta = _mapping(obj.get("metadata"))
    name = str(meta.get("name") or meta.get("generateName") or "")
    namespace = None
    deferred: dict[str, str] = {}
    if kind not in CLUSTER_SCOPED:
        own = meta.get("namespace")
        namespace = str(own) if own else default_namespace
        if namespace and own != namespace:
            obj = dict(obj, metadata=dict(meta, namespace=namespace))
        elif not namespace:
            deferred[NAMESPACE_PATH] = DEPLOY_TIME_NAMESPACE
    data = obj if clean and kind not in _KEEP_KINDS else sanitize(obj)
    labels = _mapping(meta.get("labels"))
    api = str(obj.get("apiVersion", "v1"))
    rtype = resource_type(api, kind)
    if workload_of(obj) is None and not is_builtin(api, kind) and find_pod_templates(obj):
        rtype = GENERIC_WORKLOAD_TYPE  # a custom resource that runs pods: the pod rules apply
    return Resource(
        type=rtype,
        id=object_id(kind, name, namespace),
        name=name,
        scope=cluster,
        data=data,
        source=source,
        namespace=namespace,
        tags={str(k): str(v) for k, v in labels.items()},
        deferred=deferred,
    )


def coverage_notice(r: Resource) -> Notice | None:
    """A ``not-checked`` notice for an object no rule can judge: a kind bio2scan does not know
    (neither built into Kubernetes nor a known custom kind, and without a pod template), or a
    workload whose pod spec is missing or of the wrong type (its pod rules report ERROR)."""
    data = r.data
    kind = str(data.get("kind"))
    api = data.get("apiVersion")
    reason = None
    if r.type != GENERIC_WORKLOAD_TYPE and workload_of(data) is None and not is_builtin(api, kind):
        reason = f"kind {kind} ({api}) is not known to bio2scan: no rule checks it"
    else:
        try:
            checked_pod_specs(data)
        except PodSpecError as exc:
            reason = f"pod spec cannot be read: {exc}"
    if reason is None:
        return None
    return Notice(
        "not-checked",
        reason,
        provider="k8s",
        file=r.source.file,
        line=r.source.line,
        kind=kind,
        name=r.id,
    )


def mark_controlled(resources: list[Resource], *, live: bool) -> list[Resource]:
    """``resources`` with every Pod, ReplicaSet and Job whose controlling owner is in the same
    list marked ``x-bio2scan.controlledBy: <owner id>``: the pod rules check the owner instead.

    Live, the owner is the object with the ``uid`` the reference names (and whose selector
    selects the object's labels). In manifests a uid proves nothing (the API server assigns a
    new one), so the owner must have the kind, namespace and name the reference names *and*
    the same pod spec as its template: a privileged Pod that names a harmless ReplicaSet beside
    it is still checked as itself. An owner found nowhere hides nothing."""
    owners: dict[Any, Resource] = {}
    for r in resources:
        if workload_of(r.data) is None:
            continue
        meta = _mapping(r.data.get("metadata"))
        if live and isinstance(meta.get("uid"), str) and meta["uid"]:
            owners[(r.scope, meta["uid"])] = r
        elif not live:
            owners[(r.scope, r.namespace, str(r.data.get("kind")), r.name)] = r
    if not owners:
        return resources
    out = []
    for r in resources:
        owner = _owner(r, owners, live) if r.data.get("kind") in OWNED_KINDS else None
        if owner is not None:
            own = _mapping(r.data.get(RESERVED))
            data = dict(r.data)
            data[RESERVED] = dict(own, **{CONTROLLED_BY: owner.id})
            r = dataclasses.replace(r, data=data)
        out.append(r)
    return out


def _owner(r: Resource, owners: dict[Any, Resource], live: bool) -> Resource | None:
    refs = _mapping(r.data.get("metadata")).get("ownerReferences")
    for ref in refs if isinstance(refs, list) else ():
        if not (isinstance(ref, dict) and ref.get("controller") is True):
            continue
        if live:
            owner = owners.get((r.scope, ref.get("uid")))
            if owner is not None and _selects(owner.data, r.data):
                return owner
        else:
            owner = owners.get((r.scope, r.namespace, ref.get("kind"), ref.get("name")))
            if owner is not None and _same_pods(owner.data, r.data):
                return owner
    return None


def _same_pods(owner: Any, owned: Any) -> bool:
    try:
        a, b = checked_pod_specs(owner), checked_pod_specs(owned)
    except PodSpecError:
        return False
    if not a or not b:
        return False
    return [s for _, s in a] == [s for _, s in b]


def _selects(owner: Any, owned: Any) -> bool:
    """The owner's ``spec.selector`` (when it has one) selects the owned object's labels."""
    sel = _mapping(owner.get("spec")).get("selector")
    if sel is None:
        return True  # a CronJob has none: its Jobs are matched by uid alone
    labels = _mapping(_mapping(owned.get("metadata")).get("labels"))
    if not isinstance(sel, dict):
        return False
    match = sel.get("matchLabels") or {}
    if not isinstance(match, dict) or any(labels.get(k) != v for k, v in match.items()):
        return False
    for ex in sel.get("matchExpressions") or ():
        if not isinstance(ex, dict):
            return False
        key, op, values = ex.get("key"), ex.get("operator"), ex.get("values") or []
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": not (key in labels and labels[key] in values),
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }.get(str(op), False)
        if not ok:
            return False
    return True
