"""Which RBAC objects are what Kubernetes itself ships — by label *and* content, never by name.

A name means nothing in a manifest someone wrote: a ClusterRole called ``system:controller:x``
or ``edit`` with ``*`` verbs is as dangerous as one called ``backdoor``. The API server creates
its default roles and bindings with the label ``kubernetes.io/bootstrapping: rbac-defaults``; the
RBAC rules exempt an object only when it carries that label AND grants no more than the built-in
definition of that name (its rules, or for a binding its role and subjects, a subset of the
table below). "No more than" instead of "equal": older Kubernetes versions ship slightly smaller
roles, and a role that grants less is no risk; a version that grants more is checked like any
other role (a false alarm at worst, never a silent pass).

The table holds the built-in objects that one of the shipped RBAC rules would otherwise flag
(wildcards, secrets, exec/attach, nodes/proxy, escalate/bind/impersonate, bindings to
``system:authenticated``/``system:unauthenticated``), written down from the Kubernetes
bootstrap policy (``plugin/pkg/auth/authorizer/rbac/bootstrappolicy``, versions 1.14–1.34);
roles that no rule flags need no exemption. The aggregated roles ``admin``, ``edit`` and
``view`` are exempt when their ``aggregationRule`` is the built-in one and their (aggregated)
rules stay within the built-in roles they aggregate; a role a third party aggregates into them
is checked on its own.

Rule notation: ``"<apiGroups> <resources> <verbs> [<resourceNames>]"`` with comma-separated
lists, ``core`` for the core group ``""``; ``"url <nonResourceURLs> <verbs>"`` for URL rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from ...model import Evidence
from . import Read, function

BOOTSTRAP_LABEL = "kubernetes.io/bootstrapping"
BOOTSTRAP_VALUE = "rbac-defaults"

_EVENTS = "core,events.k8s.io events create,patch,update"
_W = "create,delete,deletecollection,patch,update"

_TO_VIEW = (
    "core configmaps,endpoints,persistentvolumeclaims,persistentvolumeclaims/status,pods,"
    "replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,"
    "services/status get,list,watch",
    "core bindings,events,limitranges,namespaces/status,pods/log,pods/status,"
    "replicationcontrollers/status,resourcequotas,resourcequotas/status get,list,watch",
    "core namespaces get,list,watch",
    "discovery.k8s.io endpointslices get,list,watch",
    "apps controllerrevisions,daemonsets,daemonsets/status,deployments,deployments/scale,"
    "deployments/status,replicasets,replicasets/scale,replicasets/status,statefulsets,"
    "statefulsets/scale,statefulsets/status get,list,watch",
    "autoscaling horizontalpodautoscalers,horizontalpodautoscalers/status get,list,watch",
    "batch cronjobs,cronjobs/status,jobs,jobs/status get,list,watch",
    "extensions daemonsets,daemonsets/status,deployments,deployments/scale,deployments/status,"
    "ingresses,ingresses/status,networkpolicies,replicasets,replicasets/scale,"
    "replicasets/status,replicationcontrollers/scale get,list,watch",
    "policy poddisruptionbudgets,poddisruptionbudgets/status get,list,watch",
    "networking.k8s.io ingresses,ingresses/status,networkpolicies get,list,watch",
)
_TO_EDIT = (
    "core pods/attach,pods/exec,pods/portforward,pods/proxy,secrets,services/proxy get,list,watch",
    "core serviceaccounts impersonate",
    f"core pods,pods/attach,pods/exec,pods/portforward,pods/proxy {_W}",
    "core pods/eviction create",
    "core configmaps,events,persistentvolumeclaims,replicationcontrollers,"
    f"replicationcontrollers/scale,secrets,serviceaccounts,services,services/proxy {_W}",
    "core serviceaccounts/token create",
    "apps daemonsets,deployments,deployments/rollback,deployments/scale,replicasets,"
    f"replicasets/scale,statefulsets,statefulsets/scale {_W}",
    f"autoscaling horizontalpodautoscalers {_W}",
    f"batch cronjobs,jobs {_W}",
    "extensions daemonsets,deployments,deployments/rollback,deployments/scale,ingresses,"
    f"networkpolicies,replicasets,replicasets/scale,replicationcontrollers/scale {_W}",
    f"policy poddisruptionbudgets {_W}",
    f"networking.k8s.io ingresses,networkpolicies {_W}",
    f"coordination.k8s.io leases {_W},get,list,watch",
)
_TO_ADMIN = (
    "authorization.k8s.io localsubjectaccessreviews create",
    f"rbac.authorization.k8s.io rolebindings,roles {_W},get,list,watch",
)

# (kind, namespace, name) → rules of the built-in role
_ROLES: dict[tuple[str, str | None, str], tuple[str, ...]] = {
    ("ClusterRole", None, "cluster-admin"): ("* * *", "url * *"),
    ("ClusterRole", None, "system:aggregate-to-view"): _TO_VIEW,
    ("ClusterRole", None, "system:aggregate-to-edit"): _TO_EDIT,
    ("ClusterRole", None, "system:aggregate-to-admin"): _TO_ADMIN,
    ("ClusterRole", None, "view"): _TO_VIEW,
    ("ClusterRole", None, "edit"): _TO_EDIT + _TO_VIEW,
    ("ClusterRole", None, "admin"): _TO_ADMIN + _TO_EDIT + _TO_VIEW,
    ("ClusterRole", None, "system:kube-controller-manager"): (
        _EVENTS,
        "coordination.k8s.io leases create",
        "coordination.k8s.io leases get,update kube-controller-manager",
        "core secrets,serviceaccounts create",
        "core secrets delete",
        "core configmaps,namespaces,secrets,serviceaccounts get",
        "core secrets,serviceaccounts update",
        "authentication.k8s.io tokenreviews create",
        "authorization.k8s.io subjectaccessreviews create",
        "* * list,watch",
        "core serviceaccounts/token create",
    ),
    ("ClusterRole", None, "system:node"): (
        "authentication.k8s.io tokenreviews create",
        "authorization.k8s.io localsubjectaccessreviews,subjectaccessreviews create",
        "core services get,list,watch",
        "core nodes create,get,list,watch,patch,update",
        "core nodes/status patch,update",
        "core events create,patch,update",
        "core pods get,list,watch,create,delete",
        "core pods/status patch,update",
        "core pods/eviction create",
        "core configmaps,secrets get,list,watch",
        "core persistentvolumeclaims,persistentvolumes,endpoints get",
        "certificates.k8s.io certificatesigningrequests create,get,list,watch",
        "coordination.k8s.io leases create,delete,get,patch,update",
        "storage.k8s.io volumeattachments get",
        "core serviceaccounts/token create",
        "core persistentvolumeclaims/status get,patch,update",
        "storage.k8s.io csidrivers get,list,watch",
        "storage.k8s.io csinodes create,delete,get,patch,update",
        "node.k8s.io runtimeclasses get,list,watch",
    ),
    ("ClusterRole", None, "system:kubelet-api-admin"): (
        "core nodes get,list,watch,proxy",
        "core nodes/log,nodes/metrics,nodes/proxy,nodes/stats *",
    ),
    ("ClusterRole", None, "system:controller:clusterrole-aggregation-controller"): (
        "rbac.authorization.k8s.io clusterroles escalate,get,list,patch,update,watch",
    ),
    ("ClusterRole", None, "system:controller:generic-garbage-collector"): (
        "* * delete,get,list,patch,update,watch",
        _EVENTS,
    ),
    ("ClusterRole", None, "system:controller:namespace-controller"): (
        "core namespaces delete,get,list,watch",
        "core namespaces/finalize,namespaces/status update",
        "* * delete,deletecollection,get,list,watch",
    ),
    ("ClusterRole", None, "system:controller:resourcequota-controller"): (
        "* * list,watch",
        "core resourcequotas/status update",
        _EVENTS,
    ),
    ("ClusterRole", None, "system:controller:disruption-controller"): (
        "apps,extensions deployments,replicasets get,list,watch",
        "core replicationcontrollers get,list,watch",
        "policy poddisruptionbudgets get,list,watch",
        "apps statefulsets get,list,watch",
        "policy poddisruptionbudgets/status update",
        "core pods/status patch,update",
        "* */scale get",
        _EVENTS,
    ),
    ("ClusterRole", None, "system:controller:horizontal-pod-autoscaler"): (
        "autoscaling horizontalpodautoscalers get,list,watch",
        "autoscaling horizontalpodautoscalers/status update",
        "* */scale get,update",
        "core pods list,watch",
        "metrics.k8s.io pods list,watch",
        "custom.metrics.k8s.io * get,list,watch",
        "external.metrics.k8s.io * get,list,watch",
        _EVENTS,
    ),
    ("Role", "kube-system", "system:controller:bootstrap-signer"): ("core secrets get,list,watch",),
    ("Role", "kube-system", "system:controller:token-cleaner"): (
        "core secrets delete,get,list,watch",
        _EVENTS,
    ),
}

# aggregated built-in ClusterRoles: name → the label their aggregationRule selects
_AGGREGATION = {
    "admin": "rbac.authorization.k8s.io/aggregate-to-admin",
    "edit": "rbac.authorization.k8s.io/aggregate-to-edit",
    "view": "rbac.authorization.k8s.io/aggregate-to-view",
}

_G = "rbac.authorization.k8s.io"
# (kind, name) → (roleRef kind, roleRef name, the subjects (kind, name, namespace) it binds)
_BINDINGS: dict[tuple[str, str], tuple[str, str, frozenset[tuple[str, str, str | None]]]] = {
    ("ClusterRoleBinding", "cluster-admin"): (
        "ClusterRole",
        "cluster-admin",
        frozenset({("Group", "system:masters", None)}),
    ),
    # before 1.14 basic-user and discovery were bound to system:unauthenticated too
    **{
        ("ClusterRoleBinding", name): (
            "ClusterRole",
            name,
            frozenset(
                {("Group", "system:authenticated", None), ("Group", "system:unauthenticated", None)}
            ),
        )
        for name in ("system:basic-user", "system:discovery", "system:public-info-viewer")
    },
}


def _grants(rules: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    """The table's rules as a set of (group, resource, verb, name) — or ("url", url, verb)."""
    out: set[tuple[str, ...]] = set()
    for rule in rules:
        parts = rule.split(" ")
        if parts[0] == "url":
            out |= {("url", u, v) for u in parts[1].split(",") for v in parts[2].split(",")}
            continue
        groups = [("" if g == "core" else g) for g in parts[0].split(",")]
        names = parts[3].split(",") if len(parts) > 3 else ["*"]
        out |= {
            (g, r, v, n)
            for g in groups
            for r in parts[1].split(",")
            for v in parts[2].split(",")
            for n in names
        }
    return frozenset(out)


@cache
def builtin_grants(kind: str, namespace: str | None, name: str) -> frozenset[tuple[str, ...]]:
    """What the built-in role of that kind, namespace and name grants (empty when none)."""
    rules = _ROLES.get((kind, namespace, name))
    return _grants(rules) if rules else frozenset()


def _strings(value: Any) -> list[str] | None:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        return None
    return list(value)


def _covered(item: tuple[str, ...], table: frozenset[tuple[str, ...]]) -> bool:
    """``item`` is granted by ``table``; a ``*`` in ``item`` is covered only by ``*``."""
    if item in table:
        return True
    if item[0] == "url":
        return any(
            t[0] == "url"
            and t[2] in (item[2], "*")
            and (t[1] == item[1] or (t[1].endswith("*") and item[1].startswith(t[1][:-1])))
            for t in table
        )
    g, r, v, n = item
    for tg, tr, tv, tn in table:
        if tg in (g, "*") and tr in (r, "*") and tv in (v, "*") and tn in (n, "*"):
            return True
    return False


def role_items(rules: Any) -> Iterator[tuple[int, tuple[str, ...]]] | None:
    """``(index, grant)`` of every single permission in a role's ``rules``; None when a rule
    is malformed (it is then judged by the rules, never exempt)."""
    if rules is None:
        return iter(())
    if not isinstance(rules, list):
        return None
    out: list[tuple[int, tuple[str, ...]]] = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            return None
        verbs = _strings(rule.get("verbs"))
        urls = _strings(rule.get("nonResourceURLs"))
        groups = _strings(rule.get("apiGroups"))
        resources = _strings(rule.get("resources"))
        names = _strings(rule.get("resourceNames"))
        if verbs is None or urls is None or groups is None or resources is None or names is None:
            return None
        out += [(i, ("url", u, v)) for u in urls for v in verbs]
        out += [
            (i, (g, r, v, n))
            for g in groups
            for r in resources
            for v in verbs
            for n in (names or ["*"])
        ]
    return iter(out)


def _labelled(meta: dict[str, Any]) -> bool:
    labels = meta.get("labels")
    return isinstance(labels, dict) and labels.get(BOOTSTRAP_LABEL) == BOOTSTRAP_VALUE


def _aggregation_ok(name: str, obj: dict[str, Any]) -> bool:
    """The role's ``aggregationRule`` is the built-in one (none for a role that has none)."""
    rule = obj.get("aggregationRule")
    want = _AGGREGATION.get(name) if obj.get("kind") == "ClusterRole" else None
    if want is None:
        return rule is None
    selectors = rule.get("clusterRoleSelectors") if isinstance(rule, dict) else None
    return selectors == [{"matchLabels": {want: "true"}}]


def _role_is_builtin(obj: dict[str, Any], meta: dict[str, Any]) -> tuple[bool, str]:
    kind, name = str(obj.get("kind")), str(meta.get("name"))
    ns = meta.get("namespace") if kind == "Role" else None
    table = builtin_grants(kind, ns if isinstance(ns, str) else None, name)
    if not table:
        return False, f"no built-in {kind} is named {name!r}"
    if not _aggregation_ok(name, obj):
        return False, "its aggregationRule differs from the built-in one"
    items = role_items(obj.get("rules"))
    if items is None:
        return False, "its rules are malformed"
    for i, item in items:
        if not _covered(item, table):
            return False, f"rules[{i}] grants {'/'.join(item)} beyond the built-in {name}"
    return True, f"the built-in {kind} {name} (label {BOOTSTRAP_LABEL}: {BOOTSTRAP_VALUE})"


def _binding_is_builtin(obj: dict[str, Any], meta: dict[str, Any]) -> tuple[bool, str]:
    kind, name = str(obj.get("kind")), str(meta.get("name"))
    known = _BINDINGS.get((kind, name))
    if known is None:
        return False, f"no built-in {kind} is named {name!r}"
    ref = obj.get("roleRef")
    if not isinstance(ref, dict) or (ref.get("kind"), ref.get("name")) != known[:2]:
        return False, f"its roleRef differs from the built-in {name}"
    if ref.get("apiGroup", _G) != _G:
        return False, "its roleRef apiGroup is not rbac.authorization.k8s.io"
    subjects = obj.get("subjects")
    for i, s in enumerate(subjects if isinstance(subjects, list) else [None]):
        key = (s.get("kind"), s.get("name"), s.get("namespace")) if isinstance(s, dict) else None
        if key not in known[2]:
            return False, f"subjects[{i}] is not among the built-in {name}'s subjects"
    return True, f"the built-in {kind} {name} (label {BOOTSTRAP_LABEL}: {BOOTSTRAP_VALUE})"


@function(
    "k8s_rbac_builtin",
    kind="subject",
    reads=(
        Read("kind", "string"),
        Read("metadata", "mapping"),
        Read("metadata.name", "string"),
        Read("metadata.labels", "mapping", absent="no labels: not built in"),
        Read("rules", "list", absent="no rules"),
        Read("aggregationRule", "mapping", absent="not aggregated"),
        Read("roleRef", "mapping", absent="not a binding"),
        Read("subjects", "list", absent="no subjects"),
    ),
)
def rbac_builtin(obj: Any, env: Any) -> tuple[bool, list[Evidence]]:
    """True when the Role, ClusterRole or binding is one Kubernetes itself ships: it carries
    the label ``kubernetes.io/bootstrapping: rbac-defaults`` AND grants no more than the
    built-in definition of its name (a role's rules, a binding's role and subjects, an
    aggregated role's ``aggregationRule``). A name alone (``system:…``, ``edit``) exempts
    nothing (``applies_if: {not: {call: k8s_rbac_builtin}}``). A Role's namespace is part of its
    identity (the built-in Roles live in ``kube-system``); one without a namespace — decided at
    deploy time — is not built in, so the namespace is not a declared read that could defer
    the verdict."""
    meta = obj.get("metadata") or {}
    expected = "a built-in RBAC object (label rbac-defaults and built-in content)"
    if not _labelled(meta):
        reason = f"no label {BOOTSTRAP_LABEL}: {BOOTSTRAP_VALUE}"
        return False, [Evidence("metadata.labels", reason, expected)]
    if obj.get("kind") in ("Role", "ClusterRole"):
        ok, why = _role_is_builtin(obj, meta)
    else:
        ok, why = _binding_is_builtin(obj, meta)
    return ok, [Evidence("metadata.name", f"{meta.get('name')}: {why}", expected)]
