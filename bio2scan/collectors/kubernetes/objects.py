"""One shape for Kubernetes objects, whether read from a cluster or from a file.

Both collectors pass every object through ``to_resource``: the resource type
(``k8s.<group>.<kind>``), the id (``namespace/Kind/name``, or ``Kind/name`` for cluster-scoped
kinds), the default namespace filled in as the API server would, and secrets removed: the values
of Secrets (and ConfigMaps, which often hold them) are never kept, only their keys, and container
environment values that look like credentials are replaced by a fingerprint. The certificate of
a ``kubernetes.io/tls`` Secret is summarised (``certs.py``) before its values go.
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

from ...kinds import CREDENTIAL_NAME, CREDENTIAL_VALUE, credential_like
from ...model import Resource, Source

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
    }
)

REDACTED = "<redacted>"


def fingerprint(value: str) -> str:
    """``<redacted>:sha256:<12 hex>``: tells two values apart without showing either.
    Idempotent: an already redacted value is returned as it is."""
    if value.startswith(REDACTED):
        return value
    return f"{REDACTED}:sha256:{hashlib.sha256(value.encode()).hexdigest()[:12]}"


def group_of(api_version: str) -> str:
    """``apps/v1`` → ``apps``; ``v1`` → ``core``; ``networking.k8s.io/v1`` → ``networking``;
    ``gateway.networking.k8s.io/v1`` → ``gateway``; ``rbac.authorization.k8s.io`` → ``rbac``."""
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    if not group:
        return "core"
    first = group.split(".", 1)[0]
    return re.sub(r"[^a-z0-9_]", "_", first.lower())


def resource_type(api_version: str, kind: str) -> str:
    return f"k8s.{group_of(api_version)}.{kind.lower()}"


def object_id(kind: str, name: str, namespace: str | None) -> str:
    return f"{namespace}/{kind}/{name}" if namespace else f"{kind}/{name}"


def sanitize(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``obj`` without secret values (see the module docstring); ``obj`` itself is
    returned when there is nothing to remove."""
    kind = obj.get("kind")
    meta = _mapping(obj.get("metadata"))
    ann = _mapping(meta.get("annotations"))
    secret_kind = kind in ("Secret", "ConfigMap")
    envs = [e for e in _env_entries(obj) if credential_like(e.get("name"), e.get("value"))]
    argv = [a for a in _arg_lists(obj) if _redact_args(a) != a]
    ann_secret = [k for k, v in ann.items() if isinstance(v, str) and CREDENTIAL_VALUE.search(v)]
    if not (
        secret_kind
        or envs
        or argv
        or ann_secret
        or meta.get("managedFields")
        or _LAST_APPLIED in ann
    ):
        return obj
    out = copy.deepcopy(obj)
    if kind == "Secret":
        # before the values go: keep what the public certificate of a TLS Secret says
        from .certs import FIELD, certificate_info

        info = certificate_info(out)
        if info is not None:
            out[FIELD] = dict(_mapping(out.get(FIELD)), certificate=info)
    ometa = _mapping(out.get("metadata"))
    ometa.pop("managedFields", None)
    if isinstance(ometa.get("annotations"), dict) and _LAST_APPLIED in ometa["annotations"]:
        ometa["annotations"][_LAST_APPLIED] = REDACTED
    if secret_kind:
        for key in ("data", "stringData", "binaryData"):
            if isinstance(out.get(key), dict):
                out[key] = dict.fromkeys(out[key], REDACTED)
            elif out.get(key) is not None:  # malformed (a string, a list): keep nothing of it
                out[key] = REDACTED
    for e in _env_entries(out):
        if credential_like(e.get("name"), e.get("value")):
            e["value"] = fingerprint(e["value"])
    for a in _arg_lists(out):
        a[:] = _redact_args(a)
    oann = _mapping(ometa.get("annotations"))
    for k in ann_secret:
        oann[k] = fingerprint(oann[k])
    return out


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one (malformed objects are data too)."""
    return value if isinstance(value, dict) else {}


def _arg_lists(obj: Any) -> list[list[Any]]:
    """Every container ``args`` and ``command`` list anywhere in the object."""
    out: list[list[Any]] = []
    stack = [obj]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for key, value in cur.items():
                if key in ("args", "command") and isinstance(value, list):
                    out.append(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(cur, list):
            stack.extend(x for x in cur if isinstance(x, (dict, list)))
    return out


def _redact_args(argv: list[Any]) -> list[Any]:
    """``--db-password=x`` → ``--db-password=<redacted>:sha256:…``; the word after a bare
    ``--token`` flag; any word that itself looks like a key, a token or a URL with a password."""
    out: list[Any] = []
    flag_wants_secret = False
    for a in argv:
        if not isinstance(a, str):
            out.append(a)
            flag_wants_secret = False
            continue
        if a.startswith(REDACTED):
            out.append(a)
        elif flag_wants_secret and not a.startswith("-"):
            out.append(fingerprint(a))
        elif a.startswith("-") and "=" in a:
            name, _, value = a.partition("=")
            out.append(f"{name}={fingerprint(value)}" if credential_like(name, value) else a)
        elif CREDENTIAL_VALUE.search(a):
            out.append(fingerprint(a))
        else:
            out.append(a)
        flag_wants_secret = a.startswith("-") and "=" not in a and bool(CREDENTIAL_NAME.search(a))
    return out


_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _env_entries(obj: Any) -> list[dict[str, Any]]:
    """Every ``env`` entry anywhere in the object: the pod specs of the known workload kinds,
    but also PodTemplates, Argo Rollouts, Knative Services and other custom kinds that embed a
    container list, so no credential slips through because its kind is unknown here."""
    out: list[dict[str, Any]] = []
    stack = [obj]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for key, value in cur.items():
                if key == "env" and isinstance(value, list):
                    out.extend(e for e in value if isinstance(e, dict))
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(cur, list):
            stack.extend(x for x in cur if isinstance(x, (dict, list)))
    return out


def to_resource(
    obj: dict[str, Any], *, cluster: str, source: Source, default_namespace: str = "default"
) -> Resource:
    """Turn one object (already checked to have apiVersion, kind, metadata.name) into a
    ``Resource``; namespaced objects without a namespace get ``default_namespace``."""
    kind = obj["kind"]
    meta = obj.get("metadata") or {}
    name = str(meta.get("name") or meta.get("generateName") or "")
    namespace = None
    if kind not in CLUSTER_SCOPED:
        namespace = meta.get("namespace") or default_namespace
        if meta.get("namespace") != namespace:
            obj = dict(obj, metadata=dict(meta, namespace=namespace))
    data = sanitize(obj)
    labels = _mapping(meta.get("labels"))
    return Resource(
        type=resource_type(str(obj.get("apiVersion", "v1")), kind),
        id=object_id(kind, name, namespace),
        name=name,
        scope=cluster,
        data=data,
        source=source,
        namespace=namespace,
        tags={str(k): str(v) for k, v in labels.items()},
    )
