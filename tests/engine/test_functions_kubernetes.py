"""The Kubernetes workload functions: pure functions tested directly, plus one pass through the
engine to pin the full evidence path a subject function produces under ``pod_spec``."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bio2scan.engine.env import Env, Index
from bio2scan.engine.functions import kubernetes as k
from bio2scan.kinds import PodSpecError
from bio2scan.model import CollectionError, Inventory, Resource, ScanMeta, Source


def _Env(resource=None, related=(), errors=()):
    """The engine's own Env over an inventory of ``resource`` and ``related``."""
    subject = resource or _res({"kind": "Pod", "metadata": {"name": "x"}}, "k8s.core.pod")
    inv = Inventory(ScanMeta("t", "t", "t"), (subject, *related), tuple(errors))
    env = Env(Index(inv), dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    env.enter(subject)
    return env


def _res(data, rtype="k8s.apps.deployment", namespace="shop"):
    name = data.get("metadata", {}).get("name", "x")
    return Resource(
        type=rtype,
        id=f"{namespace}/{data.get('kind')}/{name}",
        name=name,
        scope="c",
        data=data,
        source=Source(file="m.yaml", line=1),
        namespace=namespace,
    )


@pytest.mark.parametrize(
    "ref, parsed",
    [
        ("nginx", ("docker.io", "library/nginx", None, None)),
        ("nginx:1.27", ("docker.io", "library/nginx", "1.27", None)),
        ("bitnami/redis:7", ("docker.io", "bitnami/redis", "7", None)),
        ("registry.example.nl:5000/shop/web", ("registry.example.nl:5000", "shop/web", None, None)),
        (
            "Registry.Example.NL/shop/web:1.2@sha256:ab",
            ("registry.example.nl", "shop/web", "1.2", "sha256:ab"),
        ),
        ("localhost/tool:dev", ("localhost", "tool", "dev", None)),
        ("envoy@sha256:00", ("docker.io", "library/envoy", None, "sha256:00")),
    ],
)
def test_parse_image(ref, parsed):
    assert k.parse_image(ref) == parsed


@pytest.mark.parametrize(
    "ref, pinned",
    [
        ("nginx", False),
        ("nginx:latest", False),
        ("registry.example.nl:5000/web", False),
        ("nginx:1.27", True),
        ("web@sha256:00", False),  # a digest no runtime accepts pins nothing
        ("web:latest@sha256:00", False),
        ("web@sha256:" + "0" * 64, True),
        ("web:latest@sha512:" + "ab" * 64, True),
        ("web@sha512:" + "0" * 64, False),
        ("web@md5:" + "0" * 32, False),
        ("", False),
        (None, False),
        (42, False),
    ],
)
def test_image_tag_pinned(ref, pinned):
    assert k.image_tag_pinned(ref) is pinned


@pytest.mark.parametrize(
    "ref, allowed, ok",
    [
        ("registry.example.nl/shop/web:1", ["registry.example.nl"], True),
        ("registry.example.nl/shop/web:1", ["REGISTRY.example.nl/"], True),
        ("registry.example.nl.evil.io/shop/web:1", ["registry.example.nl"], False),
        ("registry.example.nl/shopping/web:1", ["registry.example.nl/shop"], False),
        ("registry.example.nl/shop/web:1", ["registry.example.nl/shop"], True),
        ("nginx:1.27", ["docker.io/library"], True),
        ("nginx:1.27", ["registry.example.nl"], False),
        ("nginx:1.27", [], False),
        (None, ["docker.io"], False),
    ],
)
def test_image_from_registry(ref, allowed, ok):
    assert k.image_from_registry(ref, allowed) is ok


@pytest.mark.parametrize(
    "path, prefixes, ok",
    [
        ("/var/log/pods", ["/var/log"], True),
        ("/var/log", ["/var/log/"], True),
        ("/var/logs", ["/var/log"], False),
        ("/var/log/../../etc", ["/var/log"], False),
        ("/etc", [], False),
        ("/etc", ["/"], True),
        ("relative/path", ["/"], False),
        ("/data", ["data"], False),
    ],
)
def test_path_under(path, prefixes, ok):
    assert k.path_under(path, prefixes) is ok


def test_has_keys():
    assert k.has_keys({"cpu": "1", "memory": "1Gi"}, ["cpu", "memory"])
    assert not k.has_keys({"memory": "1Gi"}, ["cpu", "memory"])
    assert not k.has_keys({"cpu": "", "memory": "1Gi"}, ["cpu", "memory"])
    assert not k.has_keys(None, ["cpu"])
    assert k.has_keys(None, [])


def test_param_given():
    ok, ev = k.param_given({}, None, ["a"], name="allowed")
    assert ok is True and ev[0].value == "parameter allowed = ['a']"
    assert k.param_given({}, None, [])[0] is False
    assert k.param_given({}, None, None)[0] is False


def test_containers_covers_all_groups_and_refuses_junk():
    spec = {
        "containers": [{"name": "a"}],
        "initContainers": [{"name": "b"}],
        "ephemeralContainers": [{"name": "c"}],
        "volumes": [{"name": "v"}],
    }
    assert [p for p, _ in k.containers(spec)] == [
        "containers[0]",
        "initContainers[0]",
        "ephemeralContainers[0]",
    ]
    # a wrongly typed spec or container is an error (ERROR), never "no containers" (PASS)
    for bad in (None, [], {"containers": [{"name": "a"}, "junk"]}, {"containers": {"a": 1}}):
        with pytest.raises(PodSpecError):
            list(k.containers(bad))


def test_effective_container_wins_over_pod():
    spec = {"securityContext": {"runAsUser": 0}}
    c = {"securityContext": {"runAsUser": 1000}}
    assert k.effective(spec, "containers[0]", c, "runAsUser") == (
        "containers[0].securityContext.runAsUser",
        1000,
    )
    assert k.effective(spec, "containers[0]", {}, "runAsUser") == ("securityContext.runAsUser", 0)
    assert k.effective({}, "initContainers[2]", {}, "runAsUser") == (
        "initContainers[2].securityContext.runAsUser",
        None,
    )


@pytest.mark.parametrize(
    "pod_sc, c_sc, ok, path",
    [
        ({"runAsNonRoot": True}, {}, True, "securityContext.runAsNonRoot"),
        ({}, {"runAsNonRoot": True}, True, "containers[0].securityContext.runAsNonRoot"),
        (
            {"runAsNonRoot": True},
            {"runAsNonRoot": False},
            False,
            "containers[0].securityContext.runAsNonRoot",
        ),
        (
            {"runAsNonRoot": True},
            {"runAsUser": 0},
            False,
            "containers[0].securityContext.runAsUser",
        ),
        (
            {"runAsNonRoot": True, "runAsUser": 0},
            {"runAsUser": 1},
            True,
            "securityContext.runAsNonRoot",
        ),
        ({}, {"runAsUser": 1000}, False, "containers[0].securityContext.runAsNonRoot"),
        ({}, {}, False, "containers[0].securityContext.runAsNonRoot"),
    ],
)
def test_runs_as_non_root(pod_sc, c_sc, ok, path):
    spec = {"securityContext": pod_sc, "containers": [{"name": "a", "securityContext": c_sc}]}
    got, ev = k.runs_as_non_root(spec, _Env())
    assert got is ok
    assert ev[0].path == path


def test_container_setting_in_required_and_optional():
    spec = {
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "a"}],
        "initContainers": [
            {"name": "i", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}
        ],
    }
    ok, ev = k.container_setting_in(
        spec, _Env(), "seccompProfile.type", ["RuntimeDefault", "Localhost"]
    )
    assert not ok and [e.path for e in ev] == [
        "initContainers[0].securityContext.seccompProfile.type"
    ]
    ok, _ = k.container_setting_in(
        {"containers": [{}]}, _Env(), "seccompProfile.type", ["RuntimeDefault"], required=True
    )
    assert not ok
    ok, _ = k.container_setting_in(
        {"containers": [{}]}, _Env(), "seccompProfile.type", ["RuntimeDefault"], required=False
    )
    assert ok


def test_template_metadata_for_every_nesting():
    c = {"containers": [{"name": "a", "image": "a"}]}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": c}
    assert k.template_metadata(pod) == {"name": "p"}
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": c}},
    }
    assert k.template_metadata(dep) == {"labels": {"a": "b"}}
    cj = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "spec": {
            "jobTemplate": {
                "spec": {"template": {"metadata": {"annotations": {"x": "y"}}, "spec": c}}
            }
        },
    }
    assert k.template_metadata(cj) == {"annotations": {"x": "y"}}
    assert k.template_metadata({"kind": "Service"}) == {}


def test_apparmor_annotation_and_field():
    ann = k.APPARMOR_ANNOTATION
    data = {
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "annotations": {ann + "web": "localhost/my-profile", ann + "side": "unconfined"},
        },
        "spec": {"containers": [{"name": "web"}, {"name": "side"}]},
    }
    env = _Env(_res(data, "k8s.core.pod"))
    ok, ev = k.apparmor_allowed(data["spec"], env, ["RuntimeDefault", "Localhost"])
    assert not ok and ev[0].path == "containers[1]" and "unconfined" in ev[0].value
    data["metadata"]["annotations"][ann + "side"] = "runtime/default"
    assert k.apparmor_allowed(data["spec"], env, ["RuntimeDefault", "Localhost"])[0]
    spec = {
        "securityContext": {"appArmorProfile": {"type": "Unconfined"}},
        "containers": [{"name": "web"}],
    }
    ok, ev = k.apparmor_allowed(
        spec, _Env(_res({"kind": "Pod"}, "k8s.core.pod")), ["RuntimeDefault", "Localhost"]
    )
    assert not ok and ev[0].path == "securityContext.appArmorProfile.type"


def _sa(name, ns, automount):
    data = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": ns},
    }
    if automount is not None:
        data["automountServiceAccountToken"] = automount
    return _res(data, "k8s.core.serviceaccount", ns)


def test_token_automount_precedence():
    dep = _res({"kind": "Deployment", "metadata": {"name": "web"}})
    sa_off = _sa("web", "shop", False)
    f = k.token_automount_disabled
    assert f({"automountServiceAccountToken": False}, _Env(dep))[0]
    assert not f(
        {"automountServiceAccountToken": True, "serviceAccountName": "web"}, _Env(dep, [sa_off])
    )[0]
    assert f({"serviceAccountName": "web"}, _Env(dep, [sa_off]))[0]
    assert not f({"serviceAccountName": "web"}, _Env(dep, [_sa("web", "shop", None)]))[0]
    # no serviceAccountName: the namespace's default ServiceAccount decides
    assert f({}, _Env(dep, [_sa("default", "shop", False)]))[0]
    assert not f({}, _Env(dep, [_sa("default", "other", False)]))[0]


def test_token_automount_unknown_service_account_is_error():
    """ServiceAccounts that could not be collected: the engine answers ERROR before the
    function runs (the function declares the related type)."""
    from bio2scan import api
    from bio2scan.engine.evaluate import compile_rule, evaluate

    dep = _res(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a:1"}]}}},
        }
    )
    err = CollectionError(
        provider="k8s",
        resource_type="k8s.core.serviceaccount",
        scope="c",
        reason="forbidden",
        code="AccessDenied",
    )
    inv = Inventory(ScanMeta("t", "t", "t"), (dep,), (err,))
    rule = api.load_rules()["k8s.pod.service_account_token"]
    out = [r for r in evaluate(inv, [compile_rule(rule)]) if r.resource_id == dep.id]
    assert [r.status.value for r in out] == ["ERROR"]
    assert "k8s.core.serviceaccount not collected in c (AccessDenied): forbidden" in out[0].message
    # a namespace other than the pod's is no reason
    other = CollectionError(
        provider="k8s",
        resource_type="k8s.core.serviceaccount",
        scope="c",
        reason="forbidden",
        code="AccessDenied",
        namespace="elsewhere",
    )
    inv = Inventory(ScanMeta("t", "t", "t"), (dep,), (other,))
    out = [r for r in evaluate(inv, [compile_rule(rule)]) if r.resource_id == dep.id]
    assert [r.status.value for r in out] == ["FAIL"]


def test_env_credentials_never_show_the_value():
    spec = {
        "containers": [
            {
                "name": "a",
                "env": [
                    {"name": "LOG_LEVEL", "value": "info"},
                    {
                        "name": "DB_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}},
                    },
                    {"name": "API_TOKEN", "value": "s3cr3t-value"},
                    {"name": "URL", "value": "https://user:pw@host/x"},
                    {"name": "KEY", "value": "<redacted>"},
                    {"name": "CONFIG", "value": "/etc/app/password"},  # a path: not a secret
                    {"name": "PW", "value": "$(DB_PASSWORD)"},  # a reference
                ],
                "args": ["--port=8080", "--api-key=abc123", "-Dx.trustStorePassword=changeit"],
                "command": ["sh", "-c", "mysql -uroot -pS3cret shop"],
                "livenessProbe": {
                    "httpGet": {
                        "path": "/",
                        "httpHeaders": [{"name": "Authorization", "value": "Bearer abcdefghijkl"}],
                    }
                },
            }
        ]
    }
    ok, ev = k.env_without_credentials(spec, _Env())
    assert not ok
    assert [e.path for e in ev] == [
        "containers[0].env[2].value",
        "containers[0].env[3].value",
        "containers[0].env[4].value",
        "containers[0].command[2]",
        "containers[0].args[1]",
        "containers[0].args[2]",
        "containers[0].livenessProbe.httpGet.httpHeaders[0].value",
    ]
    shown = repr(ev)
    for secret in ("s3cr3t-value", "user:pw", "abc123", "changeit", "S3cret", "abcdefghijkl"):
        assert secret not in shown
    assert ev[2].value == "KEY=<redacted>"
    assert ev[3].value == "mysql -uroot -p<redacted> shop"
    ok, ev = k.env_without_credentials(
        {"containers": [{"name": "a", "image": "a", "env": [{"name": "A", "value": "b"}]}]}, _Env()
    )
    assert ok


def test_pod_spec_skips_only_objects_whose_owner_is_in_the_scan():
    c = {"containers": [{"name": "a", "image": "a"}]}
    meta = {
        "name": "p",
        "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "controller": True}],
    }
    phantom = _res({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": c})
    assert k.pod_spec(phantom) == [("spec", c)]  # the collectors found no owner: itself
    marked = _res(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta,
            "spec": c,
            "x-bio2scan": {"controlledBy": "ns/ReplicaSet/rs"},
        }
    )
    assert k.pod_spec(marked) is None
    assert (
        k.pod_spec(_res({"kind": "Service", "metadata": {"name": "s"}}, "k8s.core.service")) is None
    )
    with pytest.raises(PodSpecError, match="containers is null"):
        k.pod_spec(_res({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {}}))


def test_engine_reports_the_full_path_of_the_failing_container():
    """A subject function's sub-path lands under the pod spec's own path, unquoted."""
    from bio2scan import api
    from bio2scan.engine.evaluate import compile_rule, evaluate

    rules = api.load_rules()
    data = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "template": {
                "spec": {
                    "securityContext": {"runAsNonRoot": True},
                    "containers": [
                        {"name": "a", "image": "a:1"},
                        {"name": "b", "image": "b:1", "securityContext": {"runAsNonRoot": False}},
                    ],
                }
            }
        },
    }
    inv = Inventory(ScanMeta("t", "t", "t"), (_res(data),))
    out = evaluate(inv, [compile_rule(rules["k8s.pod.run_as_non_root"])])
    assert [r.status.value for r in out] == ["FAIL"]
    assert (
        out[0].evidence[0].path == "spec.template.spec.containers[1].securityContext.runAsNonRoot"
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("ab.:/@-_0123456789sha"), max_size=30)
        | st.sampled_from(["nginx", "nginx:1.27", "localhost/x:1", "a.b/c@sha256:00"]),
        min_size=1,
        max_size=20,
    )
)
@example(["x" * 600 + ":1", "x" * 600 + ":1"])  # too long to keep: parsed afresh
def test_a_kept_image_parse_is_the_computed_one(refs):
    for ref in refs + refs:  # the second round answers from the cache
        assert k.parse_image(ref) == k._parse_image(ref)
    assert k._parse_image_kept.cache_info().currsize <= k._IMAGES_KEPT


def test_the_image_cache_is_bounded():
    k._parse_image_kept.cache_clear()
    for n in range(k._IMAGES_KEPT + 100):
        k.parse_image(f"registry.example.nl/app-{n}:1")
    assert k._parse_image_kept.cache_info().currsize == k._IMAGES_KEPT
    k._parse_image_kept.cache_clear()
    k.parse_image("r/" + "x" * k._IMAGE_KEPT_LEN)
    assert k._parse_image_kept.cache_info().currsize == 0
