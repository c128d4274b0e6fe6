"""The library's face, used the way the docstring of ``bio2scan.api`` shows."""

from __future__ import annotations

import datetime as _dt

import pytest

import bio2scan
from bio2scan import api
from bio2scan.errors import UsageError
from bio2scan.testing import make_inventory

NOW = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "namespace": "a"},
    "spec": {
        "containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": True}}]
    },
}


@pytest.fixture
def manifest(tmp_path):
    import yaml

    path = tmp_path / "pod.yaml"
    path.write_text(yaml.safe_dump(POD))
    return path


def test_the_documented_flow(manifest, tmp_path):
    rules = bio2scan.select_rules(bio2scan.load_rules(), patterns=["k8s.pod.*"])
    assert rules and all(r.id.startswith("k8s.pod.") for r in rules)
    inv = api.collect("manifests", {"paths": [str(manifest)]}, rules=rules)
    assert [r.type for r in inv.resources] == ["k8s.core.pod"]
    doc = api.assess(inv, rules, now=NOW)
    api.validate_results(doc)
    paths = api.render(doc, ["json", "md"], tmp_path / "out")
    assert set(paths) == {"json", "md"} and all(p.exists() for p in paths.values())
    assert api.exit_code(doc, fail_on="critical") == 1
    assert api.exit_code(doc, fail_on="none") == 0
    _inv2, doc2 = api.scan("manifests", {"paths": [str(manifest)]}, rules=rules, now=NOW)
    assert [r["status"] for r in doc2["results"]] == [r["status"] for r in doc["results"]]


def test_selection_by_control_measure_severity_provider(all_rules):
    by_measure = api.select_rules(all_rules, controls=["8.18.01"])
    assert by_measure and all("8.18.01" in r.measures for r in by_measure)
    crit = api.select_rules(all_rules, severity="critical")
    assert crit and {r.severity.value for r in crit} == {"critical"}
    aws = api.select_rules(all_rules, providers=["aws"])
    assert all(r.provider == "aws" for r in aws)
    with pytest.raises(UsageError, match="neither a BIO2 control nor a measure"):
        api.select_rules(all_rules, controls=["1.1"])


def test_needed_types_and_digest(all_rules):
    rules = api.select_rules(all_rules, patterns=["k8s.pod.privileged_container"])
    assert "k8s.apps.deployment" in api.needed_types(rules)
    assert api.ruleset_digest(rules) == api.ruleset_digest(list(reversed(rules)))
    assert api.ruleset_digest(rules) != api.ruleset_digest(
        api.select_rules(all_rules, patterns=["k8s.pod.host_pid"])
    )


def _pod_resource(scope: str = "c") -> dict:
    return {
        "type": "k8s.core.pod",
        "id": "a/Pod/p",
        "scope": scope,
        "namespace": "a",
        "data": POD,
    }


def test_incomplete_scan_exits_3_by_default_and_takes_precedence(all_rules):
    from bio2scan.model import CollectionError

    denied = CollectionError("k8s", "k8s.apps.deployment", "c", "forbidden", "AccessDenied")
    inv = make_inventory([_pod_resource()], [denied])
    rules = api.select_rules(all_rules, patterns=["k8s.pod.privileged_container"])
    doc = api.assess(inv, rules, now=NOW)
    assert doc["summary"]["complete"] is False
    assert {r["status"] for r in doc["results"]} == {"FAIL", "ERROR"}
    assert api.exit_code(doc, fail_on="critical") == 3  # 3 wins over the FAIL's 1
    assert api.exit_code(doc, fail_on="none") == 3
    assert api.exit_code(doc, fail_on="critical", allow_incomplete=True) == 1
    assert api.exit_code(doc, fail_on="none", allow_incomplete=True) == 0
    # the deprecated switch changes nothing either way
    assert api.exit_code(doc, fail_on="none", fail_on_error=True) == 3
    assert api.exit_code(doc, "none", allow_incomplete=True, fail_on_error=True) == 0
    assert api.blind_spots(doc) == []


def test_error_results_alone_make_a_scan_incomplete(all_rules):
    # an object that was listed but could not be read: ERROR, though no collection error
    bad = dict(_pod_resource(), errors={"*": "could not read this object"})
    doc = api.assess(
        make_inventory([bad]),
        api.select_rules(all_rules, patterns=["k8s.pod.privileged_container"]),
        now=NOW,
    )
    assert doc["collection_errors"] == [] and doc["summary"]["results"]["ERROR"] == 1
    assert doc["summary"]["complete"] is False
    assert api.exit_code(doc, fail_on="none") == 3
    assert api.exit_code(doc, fail_on="none", allow_incomplete=True) == 0


def test_nothing_read_exits_3_even_with_allow_incomplete(all_rules):
    from bio2scan.model import CollectionError

    rules = api.select_rules(all_rules, patterns=["k8s.pod.privileged_container"])
    # no resource at all, one error: whatever its type
    none = make_inventory(
        [], [CollectionError("k8s", "k8s.core.pod", "c", "forbidden", "AccessDenied")]
    )
    doc = api.assess(none, rules, now=NOW)
    assert doc["coverage"]["resources"] == 0
    assert api.exit_code(doc, fail_on="none", allow_incomplete=True) == 3
    assert api.blind_spots(doc) == ["nothing could be read (no resources, only collection errors)"]
    # one scope read, another not at all (an error for every type there): 3 as well
    unreachable = CollectionError("k8s", "*", "dead", "connection refused", "Refused")
    part = make_inventory([_pod_resource("live")], [unreachable])
    doc = api.assess(part, rules, now=NOW)
    assert doc["coverage"]["unread"] == ["dead"]
    assert api.exit_code(doc, fail_on="none", allow_incomplete=True) == 3
    assert api.blind_spots(doc) == ["nothing could be read from dead"]
    # but an error for every type in one region only is a gap, not a blind spot
    regional = CollectionError("k8s", "*", "live", "opt-in region", "AccessDenied", region="x")
    doc = api.assess(make_inventory([_pod_resource("live")], [regional]), rules, now=NOW)
    assert doc["coverage"]["unread"] == [] and api.blind_spots(doc) == []
    assert api.exit_code(doc, fail_on="none", allow_incomplete=True) == 0


def test_a_scan_that_could_check_no_object_is_incomplete(all_rules):
    """Only objects of kinds the scanner cannot check (issue 11.4/13.2): not "complete", exit
    3; --allow-incomplete applies (nothing failed to be read)."""
    from bio2scan.model import Notice

    base = make_inventory([])
    only = type(base)(
        base.meta,
        (),
        (),
        (Notice("not-checked", "unknown kind", "k8s", "r.yaml", 1, "Rollout", "web"),),
    )
    rules = api.select_rules(all_rules, patterns=["k8s.pod.privileged_container"])
    doc = api.assess(only, rules, now=NOW)
    assert doc["results"] == [] and doc["coverage"]["nothing_checked"] is True
    assert doc["summary"]["complete"] is False
    assert api.exit_code(doc, fail_on="none") == 3
    assert api.exit_code(doc, fail_on="none", allow_incomplete=True) == 0
    assert "no object could be checked" in api.summary(doc)
    # skipped files alone (a chart, nothing else) do not make it incomplete
    skipped = type(base)(
        base.meta, (), (), (Notice("skipped", "a Helm chart", "k8s", "Chart.yaml"),)
    )
    doc = api.assess(skipped, rules, now=NOW)
    assert doc["summary"]["complete"] is True and api.exit_code(doc, fail_on="none") == 0


def test_notices_alone_do_not_make_a_scan_incomplete(all_rules):
    from bio2scan.model import Notice

    inv = make_inventory([_pod_resource()])
    inv = type(inv)(
        inv.meta,
        inv.resources,
        (),
        (
            Notice("not-checked", "unknown kind", "k8s", "x.yaml", 3, "Rollout", "web"),
            Notice("skipped", "a Helm chart", "k8s", "Chart.yaml", hint="helm template …"),
        ),
    )
    rules = api.select_rules(all_rules, patterns=["k8s.pod.privileged_container"])
    doc = api.assess(inv, rules, now=NOW)
    api.validate_results(doc)
    assert doc["summary"]["complete"] is True
    assert doc["summary"]["notices"] == {"not-checked": 1, "skipped": 1, "duplicate": 0}
    assert [n["code"] for n in doc["coverage"]["notices"]] == ["not-checked", "skipped"]
    assert api.exit_code(doc, fail_on="none") == 0


def test_unknown_target_and_format():
    with pytest.raises(UsageError, match="unknown scan target 'nope'"):
        api.collect("nope", {})
    with pytest.raises(UsageError, match="--format 'pdf'"):
        api.parse_formats(["json,pdf"])
    assert api.parse_formats(["json,md", "json"]) == ["json", "md"]


def test_override_that_breaks_a_check_is_a_usage_error(all_rules):
    rule = next(r for r in all_rules.values() for p in r.params.values() if p.type == "list")
    pname = next(p.name for p in rule.params.values() if p.type == "list")
    ok = api.compile_rules([rule], {rule.id: {pname: ["x"]}})
    assert len(ok) == 1
    with pytest.raises(UsageError, match=f"{pname}|{rule.id}"):
        api.parse_params([f"{rule.id}.nonexistent=1"], all_rules)


def test_results_are_listed_by_rule_scope_and_resource(all_rules):
    # resources in an order that is none of the three keys', in scopes whose order differs from
    # their resources': the rows come by rule id, then scope, then resource id
    names = ["p10", "p2", "p1", "a", "p20", "b"]
    resources = [
        dict(_pod_resource(scope), id=f"a/Pod/{n}", name=n)
        for scope, n in zip(["z", "a", "m", "a", "z", "m"], names, strict=True)
    ]
    rules = api.select_rules(
        all_rules, patterns=["k8s.pod.privileged_container", "k8s.pod.host_pid"]
    )
    doc = api.assess(make_inventory(resources), rules, now=NOW, verbose_results=True)
    keys = [(r["rule_id"], r["scope"], r["resource_id"]) for r in doc["results"]]
    assert len(keys) == 12 and keys == sorted(keys)


_GC_SCRIPT = """
import gc, json
from bio2scan import api, parallel

seen = {}
with parallel.collector_paused():
    seen["library: enabled inside"] = gc.isenabled()
before = gc.get_freeze_count()
kept = [{"n": i, "l": [i]} for i in range(10_000)]
gc.collect(0)
seen["library: survivors frozen"] = gc.get_freeze_count() - before >= 10_000

import weakref
class Results: pass
def kept():
    r = Results(); ref = weakref.ref(r); parallel.kept_to_exit(r); del r; gc.collect()
    return ref() is not None
seen["library: results kept to exit"] = kept()

api.own_process()
seen["own: results kept to exit"] = kept()
with parallel.collector_paused():
    seen["own: enabled inside"] = gc.isenabled()
    before = gc.get_freeze_count()
    rows = [{"n": i, "l": [i]} for i in range(20_000)]
seen["own: enabled after"] = gc.isenabled()
seen["own: the step's objects frozen"] = gc.get_freeze_count() - before >= 20_000
try:
    with parallel.collector_paused():
        raise ValueError
except ValueError:
    pass
seen["own: enabled after a failure"] = gc.isenabled()
before = gc.get_freeze_count()
more = [{"n": i, "l": [i]} for i in range(10_000)]  # (tracked: they hold a list)
a = []; b = [a]; a.append(b); del a, b  # young cyclic garbage
collected = gc.collect(0)
seen["own: young cycles collected"] = collected >= 2
seen["own: survivors frozen"] = gc.get_freeze_count() - before >= 10_000
gc.disable()
with parallel.collector_paused():
    pass
seen["own: a host's switch left off"] = not gc.isenabled()
print(json.dumps(seen))
"""


def test_the_collector_is_tuned_only_in_bio2scans_own_process():
    """A library call leaves the host's garbage collector alone (issue 10). In bio2scan's own
    process (``api.own_process``) what survives a young-generation collection is frozen, young
    cyclic garbage is still collected, and a step that makes no cycles (the rows) runs with the
    collector paused, its objects frozen after it; the collector runs again afterwards, also
    when the step fails; the evaluation's results are left to the exit, not freed one by one
    (``parallel.kept_to_exit``). (In a fresh interpreter: the tests' own process is not
    bio2scan's.)"""
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _GC_SCRIPT], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == {
        "library: enabled inside": True,
        "library: survivors frozen": False,
        "library: results kept to exit": False,
        "own: results kept to exit": True,
        "own: enabled inside": False,
        "own: enabled after": True,
        "own: the step's objects frozen": True,
        "own: enabled after a failure": True,
        "own: young cycles collected": True,
        "own: survivors frozen": True,
        "own: a host's switch left off": True,
    }


def test_the_command_line_owns_its_process():
    code = (
        "import sys\nsys.argv = ['bio2scan', 'rules', 'list', '--help']\n"
        "from bio2scan import cli, parallel\n"
        "try:\n    cli.main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('OWNED', parallel._OWNED)\n"
        "try:\n    cli.run()\nexcept SystemExit:\n    pass\n"
        "print('OWNED', parallel._OWNED)\n"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    owned = [ln for ln in out.stdout.splitlines() if ln.startswith("OWNED ")]
    assert owned == ["OWNED False", "OWNED True"]  # ``main`` called by a host: not its own


def test_the_writers_of_the_formats_are_made_ready_during_the_evaluation(manifest, monkeypatch):
    """``assess(..., formats=)`` makes the writers ready while the evaluation runs
    (``outputs.prepare``): the HTML and Markdown templates are compiled before any report is
    written. An unknown format, or a renderer whose ``prepare`` fails, is left to the
    writing, where it is reported."""
    from bio2scan import outputs, plugins
    from bio2scan.render.templates import html_env, md_env

    def compiled() -> set[str]:
        return {key[1] for env in (html_env(), md_env()) for key in list(env.cache)}

    html_env().cache.clear()
    md_env().cache.clear()
    rules = bio2scan.select_rules(bio2scan.load_rules(), patterns=["k8s.pod.*"])
    inv = api.collect("manifests", {"paths": [str(manifest)]}, rules=rules)
    api.assess(inv, rules, now=NOW)
    assert compiled() == set()  # (nothing asked for: nothing made ready)
    api.assess(inv, rules, now=NOW, formats=["html", "md", "no-such-format"])
    assert {"html/body.html.j2", "html/report.html.j2", "html/macros.html.j2"} <= compiled()
    assert "md/report.md.j2" in compiled()

    class Failing:
        def prepare(self) -> None:
            raise RuntimeError("not now")

    monkeypatch.setattr(plugins, "renderer", lambda name: Failing())
    outputs.prepare(["html"])  # (no exception: the writing meets it again)
