"""Functions for Kubernetes workload rules: where the pod template lives, and what the condition
language cannot say about it.

Most pod rules are plain conditions over ``subject: pod_spec``. The functions here cover what
needs more than one place at once: a container setting that falls back to the pod's setting
(``runAsNonRoot``, ``seccompProfile``), an AppArmor profile that may sit in an annotation of the
pod template, a ServiceAccount that decides token automounting when the pod is silent, and the
grammar of image references (registry, tag, digest). Subject functions get the pod spec and report
paths relative to it (``containers[1].securityContext.runAsNonRoot``); the engine puts them under
the spec's own path.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Iterator
from typing import Any

from ...credentials import REDACTED, credential_like, redact_argv
from ...kinds import (
    CONTAINER_GROUPS,
    CONTROLLED_BY,
    DEPLOY_TIME_NAMESPACE,
    RESERVED,
    PodSpecError,
    checked_pod_specs,
)
from ...kinds import template_metadata as _template_metadata
from ...model import Evidence
from . import KnownAfterDeployment, Read, Related, function
from .k8s_cluster import deploy_time

REDACTED_PREFIX = REDACTED
_new = tuple.__new__  # Evidence(...) without the NamedTuple constructor's extra Python call

# the extractor locates the pod specs (``kinds.checked_pod_specs`` raises for a workload whose
# pod spec is missing or of the wrong type: ERROR); what lies inside them is the rules' business
POD_SPEC_READS = (
    Read("kind", "string"),
    Read("apiVersion", "string", absent="the core group"),
    Read("spec", "mapping", absent="the kind's pod template decides (missing: ERROR)"),
    Read(RESERVED, "mapping", absent="not controlled by an object in this scan"),
    Read(
        f"{RESERVED}.{CONTROLLED_BY}", "string", absent="not controlled by an object in this scan"
    ),
)

# the container lists of a pod spec: one group, checked once per pod spec for every function
CONTAINERS: tuple[Read, ...] = (
    Read("containers", "list"),
    Read("initContainers", "list", absent="no init containers"),
    Read("ephemeralContainers", "list", absent="no ephemeral containers"),
    Read("securityContext", "mapping", absent="no pod-level settings"),
    *(
        r
        for group in CONTAINER_GROUPS
        for r in (
            Read(f"{group}[*]", "mapping"),
            Read(f"{group}[*].securityContext", "mapping", absent="unset"),
        )
    ),
)


def container_reads(*fields: tuple[str, str]) -> tuple[Read | tuple[Read, ...], ...]:
    """What a function reads that walks every container of a pod spec: the container lists
    (``containers`` required; init and ephemeral containers absent = none), each container a
    mapping, the pod's and each container's ``securityContext`` (absent = unset), and the
    settings ``fields`` (``(field, shape)``) at both levels."""
    out: list[Read | tuple[Read, ...]] = [CONTAINERS]
    for field, shape in fields:
        out.append(Read(f"securityContext.{field}", shape, absent="unset"))
        for group in CONTAINER_GROUPS:
            out.append(
                Read(f"{group}[*].securityContext.{field}", shape, absent="the pod's setting")
            )
    return tuple(out)


_ANNOTATIONS = tuple(
    r
    for where in (
        "metadata.annotations",
        "spec.template.metadata.annotations",
        "spec.jobTemplate.spec.template.metadata.annotations",
    )
    for r in (
        Read(where, "mapping", absent="no annotations", root="resource"),
        Read(
            f"{where}[*]",
            "string",
            absent="unset (AppArmor: the runtime's default)",
            root="resource",
        ),
    )
)
RUN_AS_READS = container_reads(("runAsUser", "integer"), ("runAsNonRoot", "boolean"))
APPARMOR_READS = (
    *container_reads(("appArmorProfile", "mapping"), ("appArmorProfile.type", "string")),
    *(Read(f"{group}[*].name", "string") for group in CONTAINER_GROUPS),
    *_ANNOTATIONS,
)
ENV_READS = (
    container_reads()
    + tuple(
        r
        for group in CONTAINER_GROUPS
        for r in (
            Read(f"{group}[*].env", "list", absent="no environment variables"),
            Read(f"{group}[*].env[*]", "mapping"),
            Read(f"{group}[*].env[*].name", "string"),
            Read(
                f"{group}[*].env[*].value", "string|number|boolean", absent="valueFrom, not literal"
            ),
            Read(f"{group}[*].command", "list", absent="the image's entrypoint"),
            Read(f"{group}[*].args", "list", absent="the image's arguments"),
        )
    )
    + _ANNOTATIONS
)


@function("pod_spec", kind="extractor", reads=POD_SPEC_READS, yields="mapping")
def pod_spec(resource: Any) -> list[tuple[str, Any]] | None:
    """The pod spec(s) of any workload kind (``kinds.WORKLOADS``: Pod ``spec``, Deployment
    ``spec.template.spec`` at every apiVersion, CronJob ``spec.jobTemplate.spec.template.spec``,
    Argo Rollouts, Knative Services, KEDA ScaledJobs, … and custom resources that embed a pod
    template), so one rule covers every kind. An object whose controlling owner is in the same
    scan (the collectors mark it: ``x-bio2scan.controlledBy``) is skipped — its owner is
    checked instead, once; an owner that exists nowhere in the scan hides nothing. A pod spec
    that is missing or of the wrong type raises: ERROR, never PASS."""
    data = resource.data
    own = data.get(RESERVED)
    if isinstance(own, dict) and own.get(CONTROLLED_BY):
        return None
    return checked_pod_specs(data)


# --- containers and their effective security settings --------------------------------------


def containers(spec: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(path, container)`` for every container, init container and ephemeral container; a
    pod spec or container list of the wrong type raises (ERROR), it is never "no containers"."""
    if not isinstance(spec, dict):
        raise PodSpecError(f"pod spec is {type(spec).__name__}, expected a mapping")
    for group in CONTAINER_GROUPS:
        items = spec.get(group)
        if items is None:
            continue
        if not isinstance(items, list):
            raise PodSpecError(f"{group} is {type(items).__name__}, expected a list")
        for i, c in enumerate(items):
            if not isinstance(c, dict):
                raise PodSpecError(f"{group}[{i}] is {type(c).__name__}, expected a mapping")
            yield f"{group}[{i}]", c


def _dig(obj: Any, dotted: str) -> Any:
    if "." not in dotted:  # one key (runAsUser, privileged …): no split
        return obj.get(dotted) if isinstance(obj, dict) else None
    for step in dotted.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(step)
    return obj


def effective(
    spec: dict[str, Any], path: str, container: dict[str, Any], field: str
) -> tuple[str, Any]:
    """``(path, value)`` of a security setting as the kubelet applies it: the container's
    ``securityContext.<field>`` when set, otherwise the pod's. ``path`` names where the value
    came from (the container's path when neither level sets it)."""
    own = _dig(container.get("securityContext"), field)
    if own is not None:
        return f"{path}.securityContext.{field}", own
    pod = _dig(spec.get("securityContext"), field)
    if pod is not None:
        return f"securityContext.{field}", pod
    return f"{path}.securityContext.{field}", None


@function("k8s_runs_as_non_root", kind="subject", reads=RUN_AS_READS)
def runs_as_non_root(spec: Any, env: Any) -> tuple[bool, list[Evidence]]:
    """Every container runs as a user other than root: ``runAsNonRoot: true`` in effect (its own
    or the pod's, the container's winning) and no ``runAsUser: 0`` in effect."""
    good: list[Evidence] = []
    bad: list[Evidence] = []
    for path, c in containers(spec):
        upath, user = effective(spec, path, c, "runAsUser")
        npath, nonroot = effective(spec, path, c, "runAsNonRoot")
        if user == 0 and not isinstance(user, bool):
            bad.append(_new(Evidence, (upath, user, "runAsUser other than 0")))
        elif nonroot is not True:
            bad.append(_new(Evidence, (npath, nonroot, "runAsNonRoot true (container or pod)")))
        else:
            good.append(_new(Evidence, (npath, True, "runAsNonRoot true (container or pod)")))
    return not bad, bad or good


@function(
    "k8s_container_setting_in",
    kind="subject",
    args=("field", "allowed", "required"),
    reads=container_reads(("{field}", "string|boolean|number")),
)
def container_setting_in(
    spec: Any, env: Any, field: str, allowed: list[Any], required: bool = True
) -> tuple[bool, list[Evidence]]:
    """The effective ``securityContext.<field>`` of every container (its own, else the pod's) is
    one of ``allowed``; an unset value fails when ``required``
    (``{call: k8s_container_setting_in, args: {field: seccompProfile.type, allowed: [RuntimeDefault]}}``)."""
    good: list[Evidence] = []
    bad: list[Evidence] = []
    expected = f"one of {list(allowed)}" + ("" if required else " or unset")
    for path, c in containers(spec):
        where, value = effective(spec, path, c, field)
        ok = value in allowed if value is not None else not required
        (good if ok else bad).append(_new(Evidence, (where, value, expected)))
    return not bad, bad or good


APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def template_metadata(data: Any, spec: Any = None) -> dict[str, Any]:
    """The metadata of the pod that ``spec`` describes (a Pod's own; a Deployment's
    ``spec.template.metadata``; …); without ``spec``, of the workload's first pod spec."""
    if spec is None:
        try:
            found = checked_pod_specs(data)
        except PodSpecError:
            return {}
        if not found:
            return {}
        spec = found[0][1]
    return _template_metadata(data, spec)


@function("k8s_apparmor_allowed", kind="subject", args=("allowed",), reads=APPARMOR_READS)
def apparmor_allowed(spec: Any, env: Any, allowed: list[str]) -> tuple[bool, list[Evidence]]:
    """No container runs with an AppArmor profile outside ``allowed`` (types such as
    ``RuntimeDefault``, ``Localhost``): neither through ``securityContext.appArmorProfile.type``
    (container or pod) nor through the older annotation
    ``container.apparmor.security.beta.kubernetes.io/<container>`` (``runtime/default``,
    ``localhost/<name>``, ``unconfined``). Unset means the runtime's default profile."""
    wanted = {str(a).lower() for a in allowed}
    meta = template_metadata(getattr(env.resource, "data", None) or {}, spec)
    raw = meta.get("annotations")
    ann: dict[str, Any] = raw if isinstance(raw, dict) else {}
    good: list[Evidence] = []
    bad: list[Evidence] = []
    expected = f"AppArmor profile one of {list(allowed)} or unset"
    for path, c in containers(spec):
        where, value = effective(spec, path, c, "appArmorProfile.type")
        if value is not None:
            (good if str(value).lower() in wanted else bad).append(
                _new(Evidence, (where, value, expected))
            )
        note = ann.get(APPARMOR_ANNOTATION + str(c.get("name")))
        if isinstance(note, str):
            kind = {"runtime/default": "runtimedefault", "unconfined": "unconfined"}.get(
                note.lower(), "localhost" if note.lower().startswith("localhost/") else note.lower()
            )
            shown = f"annotation {APPARMOR_ANNOTATION}{c.get('name')}: {note}"
            (good if kind in wanted else bad).append(_new(Evidence, (path, shown, expected)))
    return not bad, bad or good


# --- service account token -----------------------------------------------------------------


@function(
    "k8s_token_automount_disabled",
    kind="subject",
    reads=(
        Read("automountServiceAccountToken", "boolean", absent="the ServiceAccount decides"),
        Read("serviceAccountName", "string", absent="serviceAccount, else default"),
        Read("serviceAccount", "string", absent="the ServiceAccount named default"),
    ),
    related=(Related("k8s.core.serviceaccount", namespace=True),),
)
def token_automount_disabled(spec: Any, env: Any) -> tuple[bool | None, list[Evidence]]:
    """The pod gets no ServiceAccount token: ``automountServiceAccountToken: false`` on the pod
    spec, or — when the pod spec does not say — on its ServiceAccount (``default`` when none is
    named) in the same namespace. The pod's own setting wins. When ServiceAccounts could not be
    collected, the engine reports ERROR before this runs."""
    own = spec.get("automountServiceAccountToken") if isinstance(spec, dict) else None
    expected = "automountServiceAccountToken false (pod spec, or its ServiceAccount)"
    if own is not None:
        return own is False, [_new(Evidence, ("automountServiceAccountToken", own, expected))]
    name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    res = env.resource
    if deploy_time(res):  # its ServiceAccount is the one of a namespace not yet chosen
        raise KnownAfterDeployment(
            "serviceAccountName", f"the ServiceAccount {name} of a {DEPLOY_TIME_NAMESPACE}"
        )
    ns = getattr(res, "namespace", None)
    unplaced = False
    for sa in env.lookup("k8s.core.serviceaccount", "name", name) if ns else ():
        unplaced = unplaced or (sa.scope == res.scope and deploy_time(sa))
        if sa.namespace == ns:
            value = sa.data.get("automountServiceAccountToken")
            if value is not None and not isinstance(value, bool):
                return None, [
                    Evidence(
                        "automountServiceAccountToken",
                        f"unset; ServiceAccount {ns}/{name}: {value!r}",
                        "a boolean on the ServiceAccount",
                    )
                ]
            return value is False, [
                Evidence(
                    "automountServiceAccountToken",
                    f"unset; ServiceAccount {ns}/{name}: {value}",
                    expected,
                )
            ]
    if unplaced:  # a ServiceAccount of that name without a namespace may be deployed beside it
        raise KnownAfterDeployment(
            "serviceAccountName", f"ServiceAccount {name}: {DEPLOY_TIME_NAMESPACE}"
        )
    return False, [_new(Evidence, ("automountServiceAccountToken", None, expected))]


# --- environment values --------------------------------------------------------------------


@function("k8s_env_without_credentials", kind="subject", reads=ENV_READS)
def env_without_credentials(spec: Any, env: Any) -> tuple[bool, list[Evidence]]:
    """No container carries a credential literally: not in an ``env`` value, not in ``args`` or
    ``command`` (``--password=…``, ``-D…password=…``, ``mysql -p…``, a URL with a password),
    not in a probe's or lifecycle hook's HTTP header (``Authorization: Bearer …``), and the
    pod template's annotations hold none. What counts is ``bio2scan.credentials`` — the test
    the collectors redact by — plus values a collector already replaced by ``<redacted>``.
    ``valueFrom`` (secretKeyRef …), ``$(VAR)`` references and file paths pass. Evidence never
    shows the value, only the name and where."""
    good: list[Evidence] = []
    bad: list[Evidence] = []
    expected = "credential from a Secret (valueFrom.secretKeyRef, a mounted file), not literal"
    for path, c in containers(spec):
        for i, e in enumerate(c.get("env") or ()):
            if not isinstance(e, dict) or not isinstance(e.get("value"), str):
                continue
            name = e.get("name")
            where = f"{path}.env[{i}].value"
            if credential_like(name, e["value"]):
                bad.append(Evidence(where, f"{name}={REDACTED}", expected))
            else:
                good.append(_new(Evidence, (where, f"{name} (not credential-like)", expected)))
        for key in ("command", "args"):
            argv = c.get(key)
            if not isinstance(argv, list):
                continue
            clean = redact_argv(argv)
            for i, (a, b) in enumerate(zip(argv, clean)):
                if isinstance(a, str) and (a != b or REDACTED in a):
                    bad.append(Evidence(f"{path}.{key}[{i}]", b, expected))
        for hpath, h in _headers(c):
            if credential_like(h.get("name"), h.get("value")):
                bad.append(Evidence(f"{path}.{hpath}", f"{h.get('name')}: {REDACTED}", expected))
    meta = template_metadata(getattr(env.resource, "data", None) or {}, spec)
    for k, v in (meta.get("annotations") or {}).items() if isinstance(meta, dict) else ():
        if isinstance(v, str) and credential_like(k, v):
            bad.append(Evidence(f"metadata.annotations[{k!r}]", REDACTED, expected))
    return not bad, bad or good


def _headers(c: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(path, header)`` of every HTTP header of the container's probes and lifecycle hooks."""
    places = [(p, c.get(p)) for p in _PROBES]
    life = c.get("lifecycle")
    if isinstance(life, dict):
        places += [(f"lifecycle.{h}", life.get(h)) for h in ("postStart", "preStop")]
    for where, probe in places:
        get = probe.get("httpGet") if isinstance(probe, dict) else None
        headers = get.get("httpHeaders") if isinstance(get, dict) else None
        if not headers or not isinstance(headers, list):
            continue
        for i, h in enumerate(headers):
            if isinstance(h, dict):
                yield f"{where}.httpGet.httpHeaders[{i}].value", h


_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


# --- image references ----------------------------------------------------------------------


def parse_image(ref: str) -> tuple[str, str, str | None, str | None]:
    """``(registry, repository, tag, digest)`` of an image reference, with Docker's defaults:
    ``nginx`` → ``("docker.io", "library/nginx", None, None)``;
    ``registry.example.nl:5000/shop/web:1.2@sha256:…`` → host with port, ``shop/web``, ``1.2``,
    ``sha256:…``. The first part names a registry only if it has a dot or a port or is
    ``localhost``.

    Three rules parse every container's image, and an estate repeats its images: the answer is
    kept per reference (at most ``_IMAGES_KEPT`` of at most ``_IMAGE_KEPT_LEN`` characters, least
    recently used dropped first; an image reference is shown as evidence, no secret)."""
    if type(ref) is str and len(ref) <= _IMAGE_KEPT_LEN:
        return _parse_image_kept(ref)
    return _parse_image(ref)


def _parse_image(ref: str) -> tuple[str, str, str | None, str | None]:
    """``parse_image``, computed (the cache's source of truth)."""
    name, _, digest = ref.strip().partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, repo = first.lower(), rest
    else:
        registry, repo = "docker.io", name
    if registry == "docker.io" and "/" not in repo:
        repo = f"library/{repo}"
    return registry, repo, tag or None, digest or None


_IMAGES_KEPT = 4096
_IMAGE_KEPT_LEN = 512
_parse_image_kept = functools.lru_cache(maxsize=_IMAGES_KEPT)(_parse_image)


# the digest algorithms the OCI image spec registers (descriptor.md, "Registered algorithms")
# and the length of their lower-case hex encoding
DIGEST_HEX = {"sha256": 64, "sha512": 128}


def well_formed_digest(digest: str | None) -> bool:
    """True for ``<algorithm>:<hex>`` with an algorithm the OCI image spec registers
    (``sha256``, ``sha512``) and exactly its length of lower-case hex digits; anything else
    (a short or upper-case digest, an unregistered algorithm) pins nothing a runtime must
    honour."""
    if not digest:
        return False
    algorithm, _, hexpart = digest.partition(":")
    size = DIGEST_HEX.get(algorithm)
    return size is not None and len(hexpart) == size and _HEX.issuperset(hexpart)


_HEX = frozenset("0123456789abcdef")


@function("k8s_image_digest_pinned", value="string")
def image_digest_pinned(value: Any) -> bool:
    """True for an image reference pinned by a well-formed digest of an OCI-registered
    algorithm (``@sha256:`` + 64 lower-case hex, ``@sha512:`` + 128)."""
    if not isinstance(value, str) or not value.strip():
        return False
    return well_formed_digest(parse_image(value)[3])


@function("k8s_image_tag_pinned", value="string")
def image_tag_pinned(value: Any) -> bool:
    """True for an image reference with a well-formed digest, or with a tag other than
    ``latest``; false for ``nginx`` (no tag means latest), ``nginx:latest`` and
    ``nginx@sha256:abc`` (a digest no runtime accepts)."""
    if not isinstance(value, str) or not value.strip():
        return False
    _reg, _repo, tag, digest = parse_image(value)
    if digest is not None:
        return well_formed_digest(digest)
    return tag is not None and tag != "latest"


@function("k8s_image_from_registry", args=("registries",), value="string")
def image_from_registry(value: Any, registries: list[str]) -> bool:
    """True when the image comes from one of ``registries``: a registry host
    (``registry.example.nl``, ``docker.io``) or a host with a path prefix
    (``registry.example.nl/shop``), matched on whole path parts."""
    if not isinstance(value, str) or not value.strip():
        return False
    registry, repo, _tag, _digest = parse_image(value)
    full = f"{registry}/{repo}"
    for entry in registries:
        e = str(entry).strip().rstrip("/")
        if not e:
            continue
        host, sep, path = e.partition("/")
        e = host.lower() + (sep + path if sep else "")
        if full == e or full.startswith(e + "/"):
            return True
    return False


# --- small value tests ---------------------------------------------------------------------


@function("k8s_path_under", args=("prefixes",), value="string")
def path_under(value: Any, prefixes: list[str]) -> bool:
    """True when a host path lies under one of ``prefixes`` (whole path parts: ``/var/log``
    allows ``/var/log/app`` but not ``/var/logs``; ``..`` is resolved first)."""
    if not isinstance(value, str) or not value.startswith("/"):
        return False
    p = posixpath.normpath(value)
    for prefix in prefixes:
        if not isinstance(prefix, str) or not prefix.startswith("/"):
            continue
        q = posixpath.normpath(prefix)
        if q == "/" or p == q or p.startswith(q + "/"):
            return True
    return False


@function("k8s_has_keys", args=("keys",), value="mapping")
def has_keys(value: Any, keys: list[str]) -> bool:
    """True when the value is a mapping with a non-empty value for every one of ``keys``
    (``{path: resources.limits, call: k8s_has_keys, args: {keys: [cpu, memory]}}``)."""
    if not isinstance(value, dict):
        return not keys
    for k in keys:  # noqa: SIM110 - a loop: no generator per value
        if value.get(k) in (None, ""):
            return False
    return True


@function("k8s_param_given", kind="subject", args=("value", "name"), reads=())
def param_given(
    obj: Any, env: Any, value: Any, name: str = "the parameter"
) -> tuple[bool, list[Evidence]]:
    """True when a parameter has been given a value (a non-empty list or string): for
    ``applies_if`` of rules that only mean something once the organisation has set a policy
    (``{call: k8s_param_given, args: {value: {param: allowed_registries}, name: allowed_registries}}``)."""
    given = value not in (None, "", [], {})
    return given, [_new(Evidence, ("", f"parameter {name} = {value!r}", f"{name} is set"))]
