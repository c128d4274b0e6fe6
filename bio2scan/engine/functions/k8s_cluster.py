"""Functions for cluster-wide Kubernetes rules: what one object cannot say about itself.

A namespace is only isolated if *another* object (a NetworkPolicy) selects all its pods; a
workload only survives a node drain if *a* PodDisruptionBudget selects it; a ClusterRole's power
is spread over a list of rules with wildcards. These functions look across objects (through
``env.related``) or across rule lists, and report the object and path that decided.

Each declares the related kinds it reads; when one could not be collected for the namespace the
engine makes the result unknown (ERROR) before the function runs — a namespace whose
NetworkPolicies the scanner was not allowed to read is not "without a default deny".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ...kinds import DEPLOY_TIME_NAMESPACE, NAMESPACE_PATH
from ...model import Evidence
from . import KnownAfterDeployment, Read, Related, function
from .tls import DEFAULT_GUIDELINE, at_least, level_rank, rate_key

CERT = "x-bio2scan.certificate"
CERT_ROOT, CERT_KEY = "x-bio2scan", "certificate"


def deploy_time(r: Any) -> bool:
    """True for a manifest's object whose namespace is decided at deploy time."""
    return r is not None and r.namespace is None and NAMESPACE_PATH in (r.deferred or {})


def _ns_name(env: Any) -> str | None:
    """The namespace a subject belongs to (a Namespace object: its own name). A manifest's
    object without one raises: its namespace is decided at deploy time, and a join by it
    (NetworkPolicies, budgets, ServiceAccounts of that namespace) is NOT_APPLICABLE."""
    r = env.resource
    if r is None:
        return None
    if r.type == "k8s.core.namespace":
        return str(r.name)
    if deploy_time(r):
        raise KnownAfterDeployment(NAMESPACE_PATH, DEPLOY_TIME_NAMESPACE)
    return None if r.namespace is None else str(r.namespace)


def unplaced(env: Any, rtype: str) -> list[Any]:
    """Objects of ``rtype`` in the subject's scope whose namespace is decided at deploy time
    (built once per scan and type): any of them may land in the subject's namespace."""
    r = env.resource
    scope = r.scope if r is not None else None

    def build() -> dict[Any, list[Any]]:
        table: dict[Any, list[Any]] = {}
        for x in env.related(rtype, same_scope=False):
            if deploy_time(x):
                table.setdefault(x.scope, []).append(x)
        return table

    table: dict[Any, list[Any]] = env.memo(("k8s_unplaced", rtype), build)
    return table.get(scope, [])


def _no_unplaced(env: Any, rtype: str) -> None:
    """Raise (NOT_APPLICABLE) when a "none found in this namespace" could change because an
    object of ``rtype`` without a namespace may be deployed into it."""
    found = unplaced(env, rtype)
    if found:
        raise KnownAfterDeployment(
            rtype,
            f"{len(found)} {rtype.rsplit('.', 1)[-1]} without a namespace may be deployed here "
            f"({found[0].id}…): {DEPLOY_TIME_NAMESPACE}",
        )


def _related_in_namespace(env: Any, rtype: str) -> list[Any]:
    ns = _ns_name(env)
    return list(env.related(rtype, namespace=ns)) if ns else []


# --- selectors ------------------------------------------------------------------------------


def selector_matches(selector: Any, labels: dict[str, Any] | None) -> bool:
    """A ``LabelSelector`` (matchLabels and matchExpressions: In, NotIn, Exists, DoesNotExist)
    against labels. An empty selector matches everything; an absent one (None) nothing."""
    if selector is None:
        return False
    labels = labels or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for ex in selector.get("matchExpressions") or ():
        key, op, values = ex.get("key"), ex.get("operator"), ex.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _selects_all(selector: Any) -> bool:
    return (
        isinstance(selector, dict)
        and not selector.get("matchLabels")
        and not selector.get("matchExpressions")
    )


def _denies(policy: dict[str, Any], direction: str) -> bool:
    """The policy selects every pod and allows nothing in ``direction`` (Ingress/Egress)."""
    spec = policy.get("spec") or {}
    if not _selects_all(spec.get("podSelector")):
        return False
    types = spec.get("policyTypes")
    if types is None:  # the API's default: Ingress, plus Egress when egress rules exist
        types = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    key = "ingress" if direction == "Ingress" else "egress"
    return direction in types and not spec.get(key)


@function(
    "k8s_namespace_default_deny",
    kind="subject",
    args=("directions",),
    reads=(),
    related=(Related("k8s.networking.networkpolicy", namespace=True),),
)
def namespace_default_deny(obj: Any, env: Any, directions: Iterable[str] = ("Ingress",)) -> Any:
    """True when, for each of ``directions`` (Ingress, Egress), a NetworkPolicy in the
    Namespace selects every pod (``podSelector: {}``) and allows no traffic that way
    (``{call: k8s_namespace_default_deny, args: {directions: [Ingress]}}``)."""
    policies = _related_in_namespace(env, "k8s.networking.networkpolicy")
    missing = [d for d in directions if not any(_denies(p.data, d) for p in policies)]
    names = [p.name for p in policies]
    if missing:
        _no_unplaced(env, "k8s.networking.networkpolicy")
        return False, [
            Evidence("networkpolicies", names, f"a default-deny policy for {', '.join(missing)}")
        ]
    return True, [Evidence("networkpolicies", names, "a default-deny policy")]


@function(
    "k8s_namespace_has",
    kind="subject",
    args=("type",),
    reads=(),
    related=(Related("{type}", namespace=True),),
)
def namespace_has(obj: Any, env: Any, type: str) -> Any:
    """True when at least one object of ``type`` (e.g. ``k8s.core.resourcequota``) lives in
    the subject's namespace (``{call: k8s_namespace_has, args: {type: k8s.core.limitrange}}``)."""
    found = [r.name for r in _related_in_namespace(env, type)]
    if not found:
        _no_unplaced(env, type)
    return bool(found), [Evidence(type.rsplit(".", 1)[-1], found, f"at least one {type}")]


def _pdb_index(env: Any) -> dict[Any, list[Any]]:
    """PodDisruptionBudgets by (scope, namespace, one label of their matchLabels), and by
    (scope, namespace, None) for those that select by expressions only: built once per scan,
    so that finding the budgets of a workload costs its labels, not every budget."""
    table: dict[Any, list[Any]] = {}
    for p in env.related("k8s.policy.poddisruptionbudget", same_scope=False):
        sel = (p.data.get("spec") or {}).get("selector") if isinstance(p.data, dict) else None
        ml = sel.get("matchLabels") if isinstance(sel, dict) else None
        if isinstance(ml, dict) and ml:
            k, v = sorted(ml.items(), key=lambda kv: str(kv[0]))[0]
            table.setdefault((p.scope, p.namespace, (str(k), str(v))), []).append(p)
        else:
            table.setdefault((p.scope, p.namespace, None), []).append(p)
    return table


@function(
    "k8s_workload_has_pdb",
    kind="subject",
    reads=(
        Read("spec", "mapping"),
        Read("spec.template", "mapping"),
        Read("spec.template.metadata", "mapping", absent="no labels: no budget selects it"),
        Read("spec.template.metadata.labels", "mapping", absent="no budget selects it"),
    ),
    related=(Related("k8s.policy.poddisruptionbudget", namespace=True),),
)
def workload_has_pdb(obj: Any, env: Any) -> Any:
    """True when a PodDisruptionBudget in the workload's namespace selects the labels of its
    pod template (``spec.template.metadata.labels``)."""
    template = (obj.get("spec") or {}).get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    res = env.resource
    ns = _ns_name(env)
    table = env.memo("k8s_workload_has_pdb", lambda: _pdb_index(env))

    def selecting(namespace: str | None) -> list[str]:
        if res is None or not labels:
            return []
        candidates = list(table.get((res.scope, namespace, None), ()))
        for k, v in labels.items():
            candidates += table.get((res.scope, namespace, (str(k), str(v))), ())
        return sorted(
            {
                p.name
                for p in candidates
                if (namespace is not None or deploy_time(p))
                and selector_matches((p.data.get("spec") or {}).get("selector"), labels)
            }
        )

    hits = selecting(ns)
    if not hits and ns is not None:
        maybe = selecting(None)  # a budget without a namespace may be deployed beside it
        if maybe:
            raise KnownAfterDeployment(
                "k8s.policy.poddisruptionbudget",
                f"PodDisruptionBudget {maybe[0]} selects it but has no namespace: "
                + DEPLOY_TIME_NAMESPACE,
            )
    return bool(hits), [
        Evidence(
            "spec.template.metadata.labels",
            labels,
            f"selected by a PodDisruptionBudget (found: {hits or 'none'})",
        )
    ]


# --- RBAC -----------------------------------------------------------------------------------


def _hit(granted: Any, wanted: Iterable[str]) -> list[str]:
    granted = [g for g in granted or () if isinstance(g, str)]
    if "*" in granted:
        return ["*"]
    return [w for w in wanted if w in granted]


@function(
    "k8s_rbac_grants",
    kind="subject",
    args=("verbs", "resources", "api_groups"),
    reads=(
        Read("rules", "list", absent="no rules: grants nothing"),
        Read("rules[*]", "mapping"),
        Read("rules[*].apiGroups", "list", absent="none"),
        Read("rules[*].verbs", "list", absent="none"),
        Read("rules[*].resources", "list", absent="none"),
        Read("rules[*].nonResourceURLs", "list", absent="none"),
    ),
)
def rbac_grants(
    obj: Any, env: Any, verbs: list[str], resources: list[str], api_groups: list[str] | None = None
) -> Any:
    """True when a rule of the Role/ClusterRole grants any of ``verbs`` on any of
    ``resources`` (``pods/exec`` style subresources allowed) in any of ``api_groups`` (default:
    the core group ``""``); ``*`` in the role counts as everything. The evidence names the rule
    (``{call: k8s_rbac_grants, args: {verbs: [get, list], resources: [secrets]}}``)."""
    groups = [""] if api_groups is None else list(api_groups)
    ev = []
    for i, rule in enumerate(obj.get("rules") or ()):
        if not isinstance(rule, dict) or rule.get("nonResourceURLs"):
            continue
        g = _hit(rule.get("apiGroups"), groups)
        v = _hit(rule.get("verbs"), verbs)
        res = _hit(rule.get("resources"), resources)
        if g and v and res:
            ev.append(
                Evidence(
                    f"rules[{i}]",
                    {"verbs": rule.get("verbs"), "resources": rule.get("resources")},
                    f"no {'/'.join(verbs)} on {', '.join(resources)}",
                )
            )
    return bool(ev), ev


# --- certificates ---------------------------------------------------------------------------


def key_algorithm(info: dict[str, Any]) -> str:
    """The certificate facts' key as the NCSC rating in ``tls.py`` spells it: ``RSA_2048``,
    ``EC_secp256r1``, ``ED25519``; DSA and unknown types come out as their name (``onvoldoende``)."""
    kind = str(info.get("keyType") or "unknown")
    if kind == "RSA":
        return f"RSA_{info.get('keySize')}"
    if kind == "EC":
        return f"EC_{info.get('curve')}"
    return kind.upper()


def _certificate(obj: Any) -> dict[str, Any] | None:
    """The certificate facts, or None when the collector could not read the certificate."""
    info: dict[str, Any] = obj[CERT_ROOT][CERT_KEY]
    return None if info.get("error") else info


_UNREADABLE = "a readable certificate (tls.crt)"

CERT_READS = (
    Read("x-bio2scan", "mapping"),
    Read(CERT, "mapping"),
    Read(f"{CERT}.error", "string", absent="the certificate was read"),
)


@function(
    "k8s_certificate_key_rating",
    kind="subject",
    args=("minimum", "guideline"),
    reads=(
        *CERT_READS,
        Read(f"{CERT}.keyType", "string", absent="unknown key type: onvoldoende"),
        Read(f"{CERT}.keySize", "integer", absent="no size (EC, Ed25519)"),
        Read(f"{CERT}.curve", "string", absent="no curve (RSA)"),
    ),
)
def certificate_key_rating(
    obj: Any, env: Any, minimum: str = "voldoende", guideline: str = DEFAULT_GUIDELINE
) -> Any:
    """True when the TLS Secret's certificate key rates at least ``minimum`` (goed, voldoende,
    uitfaseren) under the NCSC TLS guideline (``tls.rate_key``: 2025 edition by default, RSA ≥
    3072 goed, 2048 uitfaseren). Key material is never read: only the type and size the
    collector recorded."""
    level_rank(minimum)  # an unknown level raises: ERROR, never a PASS
    info = _certificate(obj)
    if info is None:
        return None, [Evidence(f"{CERT}.error", obj[CERT_ROOT][CERT_KEY]["error"], _UNREADABLE)]
    algorithm = key_algorithm(info)
    rating = rate_key(algorithm, guideline)
    return at_least(rating, minimum), [
        Evidence(f"{CERT}.keySize", f"{algorithm} ({rating})", f"NCSC rating {minimum} or better")
    ]


@function(
    "k8s_certificate_valid_for",
    kind="subject",
    args=("days",),
    reads=(*CERT_READS, Read(f"{CERT}.notAfter", "string", absent="unreadable: see error")),
)
def certificate_valid_for(obj: Any, env: Any, days: float) -> Any:
    """True when the TLS Secret's certificate stays valid for more than ``days`` after the
    evaluation time."""
    from .common import parse_time

    info = _certificate(obj)
    if info is None:
        return None, [Evidence(f"{CERT}.error", obj[CERT_ROOT][CERT_KEY]["error"], _UNREADABLE)]
    not_after = parse_time(info.get("notAfter"))
    if not_after is None:
        return None, [Evidence(f"{CERT}.notAfter", info.get("notAfter"), "a readable notAfter")]
    left = (not_after - env.now).total_seconds() / 86400
    return left > days, [
        Evidence(
            f"{CERT}.notAfter",
            info.get("notAfter"),
            f"valid for more than {days} days ({left:.0f} left)",
        )
    ]


# --- versions and ingress -------------------------------------------------------------------

_MINOR = re.compile(r"\d+")


@function(
    "k8s_version_at_least",
    kind="subject",
    args=("minimum",),
    reads=(
        Read("major", "string"),
        Read("minor", "string"),
        Read("gitVersion", "string", absent="not shown"),
    ),
)
def version_at_least(obj: Any, env: Any, minimum: str) -> Any:
    """True when the API server's ``major.minor`` (``/version``; ``minor`` may read ``30+``)
    is at least ``minimum`` (``"1.33"``)."""
    try:
        want = tuple(int(x) for x in str(minimum).split(".")[:2])
        major = int(_MINOR.search(str(obj.get("major")))[0])  # type: ignore[index]
        minor = int(_MINOR.search(str(obj.get("minor")))[0])  # type: ignore[index]
    except (TypeError, ValueError):
        return None, [Evidence("minor", obj.get("minor"), f"a version to compare with {minimum}")]
    return (major, minor) >= want, [
        Evidence("gitVersion", obj.get("gitVersion"), f"{minimum} or newer")
    ]


def _host_covered(host: str, tls_hosts: list[str]) -> bool:
    for t in tls_hosts:
        if t == host or (
            t.startswith("*.") and host.count(".") == t.count(".") and host.endswith(t[1:])
        ):
            return True
    return False


@function(
    "k8s_ingress_tls_covers_hosts",
    kind="subject",
    reads=(
        Read("spec", "mapping"),
        Read("spec.tls", "list", absent="no TLS"),
        Read("spec.tls[*]", "mapping"),
        Read("spec.tls[*].hosts", "list", absent="covers every host"),
        Read("spec.tls[*].hosts[*]", "string"),
        Read("spec.rules", "list", absent="no rules"),
        Read("spec.rules[*]", "mapping"),
        Read("spec.rules[*].host", "string", absent="a rule for every host"),
    ),
)
def ingress_tls_covers_hosts(obj: Any, env: Any) -> Any:
    """True when the Ingress has a ``tls`` section and every host of its rules is listed in
    one (``*.example.nl`` covers one label); a tls entry without hosts covers all."""
    spec = obj.get("spec") or {}
    tls = [t for t in spec.get("tls") or () if isinstance(t, dict)]
    if not tls:
        return False, [Evidence("spec.tls", None, "a tls section")]
    if any(not t.get("hosts") for t in tls):
        return True, [Evidence("spec.tls", "hosts omitted", "covers every host")]
    tls_hosts = [h for t in tls for h in t.get("hosts") or ()]
    hosts = [r.get("host") for r in spec.get("rules") or () if isinstance(r, dict)]
    bare = [h for h in hosts if h and not _host_covered(h, tls_hosts)]
    if None in hosts:
        bare.append("(rule without host)")
    return not bare, [
        Evidence("spec.rules[*].host", bare or hosts, f"covered by spec.tls hosts {tls_hosts}")
    ]


@function(
    "k8s_label_in",
    kind="subject",
    args=("label", "values"),
    reads=(
        Read("metadata", "mapping"),
        Read("metadata.labels", "mapping", absent="no labels"),
    ),
)
def label_in(obj: Any, env: Any, label: str, values: list[Any]) -> Any:
    """True when the object's label ``label`` has one of ``values`` (the label key comes from a
    parameter, which a path cannot: ``{call: k8s_label_in, args: {label: {param: critical_label},
    values: [true]}}``)."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    value = labels.get(label)
    return value in [str(v) for v in values], [
        Evidence(f"metadata.labels['{label}']", value, f"one of {list(values)}")
    ]
