"""The manifests collector, through the real console entry point (a subprocess) and through
``bio2scan.api.collect``: what it reads, where each object came from, what it refuses (one line,
one collection error per bad file, naming it) and what it skips with a notice, and that no secret
value reaches the output files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from clirun import run_cli

from bio2scan import api

SECRET_VALUES = (
    "c3VwZXJnZWhlaW0=",
    "supergeheim",
    "Welkom01!",
    "tok-123456789",
    "postgres://shop:geheim@db",
)

MULTI = """\
# two objects and an empty document
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: web:latest
          securityContext: {privileged: true}
          env:
            - {name: ADMIN_PASSWORD, value: "Welkom01!"}
            - {name: DATABASE, value: "postgres://shop:geheim@db:5432/shop"}
            - {name: LOG_LEVEL, value: debug}
"""

LIST_JSON = {
    "apiVersion": "v1",
    "kind": "List",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db"},
            "data": {"password": "c3VwZXJnZWhlaW0="},
            "stringData": {"token": "tok-123456789"},
        },
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "web", "namespace": "shop"},
        },
    ],
}

HELM_STDOUT = """\
---
# Source: shop/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: shop
---
# Source: shop/templates/cronjob.yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: report:1.2
              env: [{name: API_TOKEN, value: "tok-123456789"}]
"""


def _write(tmp: Path, name: str, content: str | bytes) -> Path:
    p = tmp / name
    p.parent.mkdir(parents=True, exist_ok=True)
    (p.write_bytes if isinstance(content, bytes) else p.write_text)(content)
    return p


def _collect(*paths: str | Path, **opts):
    return api.collect("manifests", {"paths": [str(p) for p in paths], **opts})


def _by_id(inv):
    return {r.id: r for r in inv.resources}


# --- what it reads, and from where ---------------------------------------------------------


def test_multi_document_yaml_lines_and_shape(tmp_path):
    f = _write(tmp_path, "app.yaml", MULTI)
    inv = _collect(f, cluster="prod")
    res = _by_id(inv)
    assert sorted(res) == ["Namespace/shop", "shop/Deployment/web"]
    ns, dep = res["Namespace/shop"], res["shop/Deployment/web"]
    assert (ns.source.file, ns.source.line) == (str(f), 2)
    assert (dep.source.file, dep.source.line) == (str(f), 8)
    assert dep.type == "k8s.apps.deployment" and ns.type == "k8s.core.namespace"
    assert dep.scope == "prod" and dep.namespace == "shop" and ns.namespace is None


def test_json_list_gives_each_item_its_own_line_and_default_namespace(tmp_path):
    f = _write(tmp_path, "list.json", json.dumps(LIST_JSON, indent=2))
    inv = _collect(f, namespace="team-a")
    res = _by_id(inv)
    assert set(res) == {"team-a/Secret/db", "shop/ServiceAccount/web"}
    lines = f.read_text().splitlines()
    for rid, marker in (
        ("team-a/Secret/db", '"kind": "Secret"'),
        ("shop/ServiceAccount/web", '"kind": "ServiceAccount"'),
    ):
        r = res[rid]
        # the item's line is its opening brace, just above its first key
        assert r.source.line == next(i for i, ln in enumerate(lines, 1) if marker in ln) - 2
        assert lines[r.source.line - 1].strip() == "{"
    secret = res["team-a/Secret/db"]
    assert secret.data["metadata"]["namespace"] == "team-a"  # filled in as the API server does
    assert secret.data["data"] == {"password": "<redacted>"}
    assert secret.data["stringData"] == {"token": "<redacted>"}


def test_malformed_secret_values_are_dropped_too(tmp_path):
    f = _write(
        tmp_path,
        "s.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
        "data: supergeheim\nstringData: [supergeheim]\n",
    )
    secret = _collect(f).resources[0]
    assert secret.data["data"] == "<redacted>" and secret.data["stringData"] == "<redacted>"
    assert "supergeheim" not in json.dumps(secret.to_dict())


def test_json_array_of_objects(tmp_path):
    f = _write(tmp_path, "arr.json", json.dumps([LIST_JSON["items"][1]]))
    assert list(_by_id(_collect(f))) == ["shop/ServiceAccount/web"]


def test_directory_walk_reads_nested_files_in_order(tmp_path):
    _write(tmp_path, "b/app.yaml", MULTI)
    _write(tmp_path, "a/list.json", json.dumps(LIST_JSON))
    _write(tmp_path, ".git/config.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n")
    inv = _collect(tmp_path)
    assert sorted(r.id for r in inv.resources) == [
        "Namespace/shop",
        "Secret/db",  # no namespace in the manifest: decided at deploy time
        "shop/Deployment/web",
        "shop/ServiceAccount/web",
    ]
    assert {Path(r.source.file).name for r in inv.resources} == {"list.json", "app.yaml"}


def test_stdin_helm_template_output_through_the_cli(tmp_path):
    out = tmp_path / "inv.json.gz"
    p = run_cli(
        "collect",
        "manifests",
        "-",
        "--namespace",
        "shop",
        "-o",
        str(out),
        input=HELM_STDOUT.encode(),
    )
    assert p.returncode == 0, p.stderr
    inv = json.loads(gzip.decompress(out.read_bytes()))
    got = {r["id"]: (r["source"]["file"], r["source"]["line"]) for r in inv["resources"]}
    assert got == {
        "shop/ServiceAccount/shop": ("<stdin>", 3),
        "shop/CronJob/report": ("<stdin>", 9),
    }
    assert b"tok-123456789" not in gzip.decompress(out.read_bytes())


def test_live_and_manifest_resources_share_one_shape(tmp_path):
    """What the API collector would produce for the same object: type, id, namespace filled."""
    from bio2scan.collectors.kubernetes.objects import to_resource
    from bio2scan.model import Source

    f = _write(tmp_path, "sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n")
    got = _collect(f, cluster="c").resources[0]
    want = to_resource(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a"}},
        cluster="c",
        source=Source(api="list"),
        default_namespace=None,
    )
    assert (got.type, got.id, got.name, got.namespace, got.scope, got.data) == (
        want.type,
        want.id,
        want.name,
        want.namespace,
        want.scope,
        want.data,
    )


# --- secrets never reach the output --------------------------------------------------------


def test_no_secret_value_in_inventory_or_results(tmp_path):
    d = tmp_path / "m"
    _write(d, "app.yaml", MULTI)
    _write(d, "list.json", json.dumps(LIST_JSON))
    out = tmp_path / "out"
    p = run_cli("scan", "manifests", str(d), "--format", "json,sarif,csv", "-o", str(out))
    assert p.returncode == 1, p.stderr  # a privileged container: findings at or above high
    p2 = run_cli("collect", "manifests", str(d), "-o", str(tmp_path / "inv.json.gz"))
    assert p2.returncode == 0, p2.stderr
    texts = [gzip.decompress((tmp_path / "inv.json.gz").read_bytes()).decode()]
    texts += [f.read_text() for f in out.iterdir() if f.is_file() and f.suffix != ".gz"]
    if (out / "inventory.json.gz").exists():
        texts.append(gzip.decompress((out / "inventory.json.gz").read_bytes()).decode())
    assert len(texts) >= 4
    for text in texts:
        for value in SECRET_VALUES:
            assert value not in text
    results = api.load_results(out / "results.json")
    env_finding = [
        r for r in results["results"] if r["rule_id"] == "k8s.pod.env_literal_credentials"
    ]
    assert env_finding and env_finding[0]["status"] == "FAIL"
    shown = json.dumps(env_finding[0]["evidence"])
    assert "ADMIN_PASSWORD=<redacted>" in shown and "DATABASE=<redacted>" in shown
    assert "sha256" not in shown  # no hash of a secret either


# --- bad input: one collection error per file, naming file and line; the scan goes on ------

BAD = [
    (
        "syntax.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n    labels: x\n",
        "syntax.yaml:5: YAML syntax error",
    ),
    (
        "unclosed.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a\n",
        "unclosed.yaml:3: YAML syntax error",
    ),
    ("binary.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary.yaml: binary file"),
    ("noapi.yaml", "kind: Pod\nmetadata: {name: a}\n", "noapi.yaml:1: Pod has no 'apiVersion'"),
    (
        "noname.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n",
        "noname.yaml:1: ConfigMap has no metadata.name",
    ),
    (
        "second.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {}\n",
        "second.yaml:5: Pod has no metadata.name",
    ),
    (
        "dup.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n"
        "  securityContext: {runAsNonRoot: true}\n  containers: []\n  securityContext: {}\n",
        "dup.yaml:7: duplicate key 'securityContext'",
    ),
    (
        "comma.json",
        '{\n  "apiVersion": "v1",\n  "kind": "Pod"\n  "metadata": {"name": "a"}\n}\n',
        "comma.json:4: YAML syntax error",
    ),
    (
        "latin1.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: caf\xe9}\n".encode("latin-1"),
        "latin1.yaml: not UTF-8 text",
    ),
    (
        "nullitem.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- null\n- apiVersion: v1\n  kind: Namespace\n"
        "  metadata: {name: kept}\n",
        "nullitem.yaml:4: not a Kubernetes object (null",
    ),
]


@pytest.mark.parametrize("name, content, message", BAD, ids=[b[0] for b in BAD])
def test_bad_file_is_one_collection_error_and_the_others_are_read(tmp_path, name, content, message):
    f = _write(tmp_path, name, content)
    _write(tmp_path, "good.yaml", MULTI)
    inv = _collect(tmp_path)
    assert "shop/Deployment/web" in _by_id(inv)  # the good file beside it is read
    errors = [e for e in inv.errors if name in e.reason]
    assert len(errors) == 1, inv.errors
    e = errors[0]
    assert message in e.reason and e.reason.startswith(str(f))
    assert e.resource_type == "*" and e.api == f"read {f}"  # every rule: ERROR, not PASS
    assert "\n" not in e.reason


def test_several_bad_files_give_distinct_error_findings(tmp_path):
    """Each bad file is its own ERROR finding for every rule, located at its file and line (a
    results document had one id twice per rule and type: merge and baseline dropped one)."""
    a = _write(tmp_path, "a.yaml", BAD[0][1])
    b = _write(tmp_path, "b.yaml", "kind: Pod\n  bad: : :\n")
    _write(tmp_path, "good.yaml", MULTI)
    inv = _collect(tmp_path)
    assert sorted((e.file, e.line) for e in inv.errors) == [(str(a), 5), (str(b), 2)]
    rules = api.select_rules(api.load_rules(), patterns=["k8s.*"])
    doc = api.assess(inv, rules)
    api.validate_results(doc)
    ids = [r["finding_id"] for r in doc["results"]]
    assert len(ids) == len(set(ids))
    errs = [
        r
        for r in doc["results"]
        if r["rule_id"] == "k8s.pod.privileged_container" and "@" in r["resource_id"]
    ]
    assert {(r["status"], r["source"]["file"], r["source"]["line"]) for r in errs} >= {
        ("ERROR", str(a), 5),
        ("ERROR", str(b), 2),
    }
    assert {e["file"] for e in doc["collection_errors"]} == {str(a), str(b)}


def test_a_file_named_explicitly_is_the_same_collection_error(tmp_path):
    f = _write(tmp_path, "syntax.yaml", BAD[0][1])
    inv = _collect(f)
    assert not inv.resources and len(inv.errors) == 1 and "syntax.yaml:5" in inv.errors[0].reason
    # YAML that is no object: skipped in a directory walk, an error when named explicitly
    g = _write(tmp_path, "object.yaml", "replicaCount: 2\nimage: {repository: nginx}\n")
    (e,) = _collect(g).errors
    assert e.reason == f"{g}:1: not a Kubernetes object (no 'kind')"


def test_missing_path(tmp_path):
    p = run_cli("scan", "manifests", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "o"))
    err = p.stderr.decode()
    assert p.returncode == 2 and err.count("\n") == 1
    assert f"{tmp_path / 'nope.yaml'}: no such file or directory" in err


# --- skipped with a notice -------------------------------------------------------------------


def _chart(root: Path) -> None:
    _write(root, "chart/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 1.0.0\n")
    _write(root, "chart/values.yaml", "replicaCount: 2\nimage:\n  repository: nginx\n")
    _write(
        root,
        "chart/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
        "  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n",
    )
    # a plain manifest inside a chart is still read: a Chart.yaml hides nothing beside it
    _write(
        root,
        "chart/templates/plain.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: plain}\nspec:\n"
        "  containers: [{name: a, image: a:1, securityContext: {privileged: true}}]\n",
    )
    _write(root, "README.md", "# not a manifest\n")
    _write(root, "logo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    _write(root, "empty.yaml", "")
    _write(root, "comments.yaml", "# nothing yet\n---\n")
    _write(root, "kustomize/kustomization.yaml", "resources: [app.yaml]\n")
    _write(root, "kustomize/app.yaml", MULTI.replace("name: web", "name: api"))
    _write(root, "app.yaml", MULTI)


def _notices(inv, code):
    return {(Path(n.file).name, n.reason, n.hint) for n in inv.notices if n.code == code}


def test_directory_walk_skips_what_is_no_manifest_with_a_notice(tmp_path):
    _chart(tmp_path)
    inv = _collect(tmp_path)
    assert sorted(r.id for r in inv.resources) == [
        "Namespace/shop",
        "Pod/plain",
        "shop/Deployment/api",
        "shop/Deployment/web",
    ]
    assert not inv.errors, inv.errors
    skipped = _notices(inv, "skipped")
    names = {n for n, _, _ in skipped}
    assert names == {
        "Chart.yaml",
        "values.yaml",
        "deployment.yaml",
        "empty.yaml",
        "comments.yaml",
        "kustomization.yaml",
    }
    hints = {n: h for n, _, h in skipped}
    assert hints["Chart.yaml"] == f"helm template {tmp_path / 'chart'} | bio2scan scan manifests -"
    assert hints["kustomization.yaml"] == (
        f"kubectl kustomize {tmp_path / 'kustomize'} | bio2scan scan manifests -"
    )
    dup = _notices(inv, "duplicate")
    assert {n for n, _, _ in dup} == {"app.yaml"}  # Namespace/shop is in both app.yaml files


def test_skipped_files_do_not_make_errors(tmp_path):
    clean = tmp_path / "clean"
    _write(
        clean,
        "sa.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: x}\n"
        "automountServiceAccountToken: false\n",
    )
    _write(clean, "values.yaml", "replicaCount: 2\n")
    _write(clean, "empty.yaml", "")
    inv = _collect(clean)
    assert not inv.errors and len(inv.resources) == 1
    assert {Path(n.file).name for n in inv.notices} == {"values.yaml", "empty.yaml"}


def test_empty_file_named_on_the_command_line_is_skipped(tmp_path):
    f = _write(tmp_path, "empty.yaml", "")
    p = run_cli("scan", "manifests", str(f), "-o", str(tmp_path / "o"))
    assert p.returncode == 0, p.stderr
    doc = api.load_results(tmp_path / "o" / "results.json")
    assert doc["results"] == []


def test_empty_stdin_is_an_error_not_a_clean_scan(tmp_path):
    # `helm template broken | bio2scan scan manifests -`: the empty pipe must not pass the gate
    p = run_cli("scan", "manifests", "-", "-o", str(tmp_path / "o"), input=b"  \n")
    assert p.returncode == 2
    err = p.stderr.decode()
    assert err.count("\n") == 1 and "<stdin>" in err and "no input" in err


# --- a manifest without a namespace: decided at deploy time, never "default" ----------------


def test_namespace_less_objects_defer_their_namespace_unless_one_is_given(tmp_path):
    from bio2scan.kinds import DEPLOY_TIME_NAMESPACE, NAMESPACE_PATH

    f = _write(tmp_path, "chart.yaml", HELM_STDOUT)
    for r in _collect(f).resources:
        assert r.namespace is None and r.deferred == {NAMESPACE_PATH: DEPLOY_TIME_NAMESPACE}
    for r in _collect(f, namespace="shop").resources:
        assert r.namespace == "shop" and not r.deferred
    ns = _write(tmp_path, "ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    assert not _collect(ns).resources[0].deferred  # cluster-scoped: no namespace to decide


def test_namespace_rules_wait_for_the_deploy_time_namespace(tmp_path):
    f = _write(tmp_path, "chart.yaml", HELM_STDOUT)

    def statuses(*extra: str) -> dict[str, tuple[str, str]]:
        out = tmp_path / ("out" + "-".join(extra))
        rules = "k8s.serviceaccount.token_automount,k8s.namespace.workload_in_default_namespace"
        args = ("--rules", rules, "--verbose-results", "-o", str(out), *extra)  # every row
        p = run_cli("scan", "manifests", str(f), *args)
        assert p.returncode in (0, 1), p.stderr
        doc = api.load_results(out / "results.json")
        return {r["rule_id"]: (r["status"], r["message"]) for r in doc["results"]}

    got = statuses()
    for status, message in got.values():
        assert status == "NOT_APPLICABLE" and "namespace decided at deploy time" in message
    with_ns = statuses("--namespace", "default")
    assert {k: v[0] for k, v in with_ns.items()} == dict.fromkeys(got, "FAIL")
    assert len(got) == 2


def test_collecting_leaves_the_hosts_garbage_collector_running(tmp_path):
    """A library call must not switch Python's cyclic collector off for the host's process
    (issue 10): while manifests are read in this process, the collector stays on (seen from
    the progress callbacks, which the collector calls between files)."""
    import gc

    from bio2scan.collectors.base import Progress, ProgressTask

    seen: list[bool] = []

    class Probe(ProgressTask):
        def advance(self, n: int = 1) -> None:
            seen.append(gc.isenabled())

    class Watch(Progress):
        def task(self, description: str, total: int | None = None) -> ProgressTask:
            return Probe()

    d = tmp_path / "many"
    for i in range(5):
        _write(d, f"pod{i}.yaml", MULTI)
    api.collect("manifests", {"paths": [str(d)]}, progress=Watch())
    assert seen and all(seen) and gc.isenabled()
