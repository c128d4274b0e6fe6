"""The built-in RBAC table: exempt only what Kubernetes ships (label and no wider content)."""

from __future__ import annotations

from typing import Any

from bio2scan.engine.functions.k8s_rbac import builtin_grants, rbac_builtin, role_items

LABEL = {"kubernetes.io/bootstrapping": "rbac-defaults"}


def _role(name: str, rules: Any, *, kind: str = "ClusterRole", **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(LABEL)}
    if kind == "Role":
        meta["namespace"] = extra.pop("namespace", "kube-system")
    return {"kind": kind, "metadata": meta, "rules": rules, **extra}


def _ok(obj: dict[str, Any]) -> bool:
    return rbac_builtin(obj, None)[0]


def test_the_built_in_role_and_an_older_smaller_one_are_exempt():
    full = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
    full.append({"nonResourceURLs": ["*"], "verbs": ["*"]})
    assert _ok(_role("cluster-admin", full))
    # an older release that granted less is still no more than the built-in
    older = [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]
    assert _ok(_role("system:node", older))


def test_wider_content_unlabelled_or_unknown_names_are_not_exempt():
    wide = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]
    assert not _ok(_role("system:node", wide))
    assert not _ok(_role("edit", wide))
    assert not _ok(_role("system:controller:x", wide))
    unlabelled = _role("cluster-admin", wide)
    unlabelled["metadata"]["labels"] = {}
    assert not _ok(unlabelled)
    # a wildcard is covered only by a wildcard
    star_verb = [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}]
    assert not _ok(_role("system:controller:bootstrap-signer", star_verb, kind="Role"))
    # a built-in Role exists only in its own namespace
    secrets = [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]
    assert _ok(_role("system:controller:bootstrap-signer", secrets, kind="Role"))
    assert not _ok(
        _role("system:controller:bootstrap-signer", secrets, kind="Role", namespace="shop")
    )


def test_resource_names_and_urls_narrow_but_never_widen():
    lease = {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["update"]}
    named = dict(lease, resourceNames=["kube-controller-manager"])
    assert _ok(_role("system:kube-controller-manager", [named]))
    assert not _ok(_role("system:kube-controller-manager", [lease]))  # every lease: wider
    assert not _ok(
        _role("system:kube-controller-manager", [{"nonResourceURLs": ["/x"], "verbs": ["get"]}])
    )
    assert _ok(_role("cluster-admin", [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]))


def test_aggregated_roles_need_the_built_in_aggregation_rule():
    rule = {
        "clusterRoleSelectors": [
            {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}
        ]
    }
    pods = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    assert _ok(_role("view", pods, aggregationRule=rule))
    assert _ok(_role("view", None, aggregationRule=rule))
    assert not _ok(_role("view", pods))  # no aggregationRule: not the built-in view
    other = {"clusterRoleSelectors": [{"matchLabels": {"x": "true"}}]}
    assert not _ok(_role("view", pods, aggregationRule=other))
    # a non-aggregated built-in with an aggregationRule is not the built-in either
    assert not _ok(_role("cluster-admin", [], aggregationRule=rule))


def test_malformed_rules_are_never_exempt():
    assert role_items("x") is None
    assert role_items([{"verbs": "get"}]) is None
    assert role_items(["x"]) is None
    assert not _ok(_role("cluster-admin", [{"apiGroups": ["*"], "resources": "*", "verbs": ["*"]}]))
    assert builtin_grants("ClusterRole", None, "nothing") == frozenset()


def _binding(name: str, ref: str, subjects: Any, labels: bool = True) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = dict(LABEL)
    return {
        "kind": "ClusterRoleBinding",
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": ref},
        "subjects": subjects,
    }


def test_bindings():
    auth = {
        "kind": "Group",
        "name": "system:authenticated",
        "apiGroup": "rbac.authorization.k8s.io",
    }
    assert _ok(_binding("system:discovery", "system:discovery", [auth]))
    assert not _ok(_binding("system:discovery", "system:discovery", [auth], labels=False))
    assert not _ok(_binding("system:discovery", "cluster-admin", [auth]))
    anon = {"kind": "User", "name": "system:anonymous"}
    assert not _ok(_binding("system:discovery", "system:discovery", [auth, anon]))
    assert not _ok(_binding("my-binding", "system:discovery", [auth]))
    assert not _ok(_binding("system:discovery", "system:discovery", "x"))
    wrong_group = _binding("system:discovery", "system:discovery", [auth])
    wrong_group["roleRef"]["apiGroup"] = "example.nl"
    assert not _ok(wrong_group)
    masters_user = {"kind": "User", "name": "system:masters"}
    assert not _ok(_binding("cluster-admin", "cluster-admin", [masters_user]))
