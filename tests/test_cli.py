"""The command line through its real entry point: exit codes, rule selection, parameters,
configuration, output discipline, and collect + evaluate = scan.

Most tests use ``click.testing.CliRunner`` (in-process, fast) through ``invoke``, which maps
bio2scan's exceptions to their exit codes exactly like ``bio2scan.cli.run``; those that are about
the process itself (stderr lines, no TTY, ``--quiet``) run ``python -m bio2scan``."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from clirun import run_cli

from bio2scan import api
from bio2scan.cli import main
from bio2scan.documents import schema
from bio2scan.errors import Bio2scanError

PRIVILEGED = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: web
          image: nginx:1.25
          securityContext: {privileged: true}
"""
PLAIN = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {a: b}
"""


class Outcome:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def invoke(*args: str) -> Outcome:
    """Run ``bio2scan ARGS`` in-process; bio2scan errors give their exit code and one line."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=True)
    exc = result.exception
    if isinstance(exc, Bio2scanError):
        return Outcome(exc.exit_code, result.output, f"bio2scan: error: {exc}")
    if exc is not None and not isinstance(exc, SystemExit):
        raise exc
    return Outcome(result.exit_code, result.output, "")


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    d = tmp_path / "manifests"
    d.mkdir()
    (d / "web.yaml").write_text(PRIVILEGED)
    (d / "cm.yaml").write_text(PLAIN)
    return d


def results(out_dir: Path) -> dict:
    doc = api.load_results(out_dir / "results.json")
    jsonschema.validate(doc, schema("results"))
    return doc


def statuses(doc: dict, rule_id: str) -> list[str]:
    return [r["status"] for r in doc["results"] if r["rule_id"] == rule_id]


# --- exit codes ------------------------------------------------------------------------------


def test_findings_exit_1_and_fail_on_thresholds(manifests, tmp_path):
    out = tmp_path / "out"
    base = ("scan", "manifests", str(manifests), "-o", str(out), "--quiet")
    assert invoke(*base).code == 1  # default: high
    doc = results(out)
    assert statuses(doc, "k8s.pod.privileged_container") == ["FAIL"]
    assert invoke(*base, "--fail-on", "none").code == 0
    assert invoke(*base, "--fail-on", "critical").code == 1
    assert invoke(*base, "--fail-on", "low", "--rules", "k8s.pod.host_network").code == 1
    # only a low-and-above threshold that no FAIL reaches: a rule that passes
    assert invoke(*base, "--fail-on", "low", "--rules", "k8s.pod.host_pid").code == 0


def test_incomplete_scan_exits_3_and_fail_on_error_is_a_deprecated_no_op(tmp_path):
    inv = {
        "schema_version": 1,
        "kind": "bio2scan-inventory",
        "meta": {
            "tool_version": "0",
            "started_at": "2026-01-01T00:00:00+00:00",
            "finished_at": "2026-01-01T00:00:01+00:00",
            "targets": [],
            "api_calls": {},
            "timings": {},
        },
        "errors": [
            {
                "provider": "k8s",
                "resource_type": "k8s.apps.deployment",
                "scope": "prod",
                "code": "AccessDenied",
                "reason": "forbidden",
                "api": "apps/v1 deployments",
            }
        ],
        "resources": [],
    }
    inv["resources"] = [
        {
            "type": "k8s.core.configmap",
            "id": "shop/ConfigMap/settings",
            "name": "settings",
            "scope": "prod",
            "namespace": "shop",
            "source": {"api": "v1 configmaps"},
            "data": {"kind": "ConfigMap", "metadata": {"name": "settings"}},
        }
    ]
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(inv))
    out = tmp_path / "out"
    args = ("evaluate", str(path), "-o", str(out), "--rules", "k8s.pod.*")
    proc = run_cli(*args)
    assert proc.returncode == 3, proc.stderr
    doc = results(out)
    errs = statuses(doc, "k8s.pod.privileged_container")
    assert errs == ["ERROR"] and "PASS" not in {r["status"] for r in doc["results"]}
    assert invoke(*args, "--allow-incomplete").code == 0
    proc = run_cli(*args, "--fail-on-error")
    assert proc.returncode == 3
    assert b"--fail-on-error is deprecated and has no effect" in proc.stderr
    proc = run_cli(*args, "--fail-on-error", "--allow-incomplete")
    assert proc.returncode == 0  # the old switch does not bring the old meaning back
    cfg = tmp_path / "c.yaml"
    cfg.write_text("fail_on: high\nallow_incomplete: true\nfail_on_error: false\n")
    proc = run_cli(*args, "--config", str(cfg))
    assert proc.returncode == 0
    assert f"{cfg}:3: fail_on_error is deprecated".encode() in proc.stderr
    # nothing read at all: 3 whatever is allowed
    inv["resources"] = []
    path.write_text(json.dumps(inv))
    assert invoke(*args, "--allow-incomplete").code == 3


# --- selection and parameters ----------------------------------------------------------------


def test_rules_controls_severity_select(manifests, tmp_path):
    out = tmp_path / "out"
    base = ("scan", "manifests", str(manifests), "-o", str(out), "-q", "--fail-on", "none")
    invoke(*base, "--rules", "k8s.pod.host_*,k8s.pod.privileged_container")
    ids = {r["rule_id"] for r in results(out)["results"]}
    assert "k8s.pod.privileged_container" in ids and "k8s.pod.host_network" in ids
    assert all(i.startswith("k8s.pod.host_") or i == "k8s.pod.privileged_container" for i in ids)
    invoke(*base, "--controls", "8.18.01")
    doc = results(out)
    assert (
        all("8.18.01" in doc_rule["measures"] for doc_rule in list(doc["results"]))
        and doc["results"]
    )
    invoke(*base, "--severity", "critical")
    assert {r["severity"] for r in results(out)["results"]} == {"critical"}


@pytest.mark.parametrize(
    "args, words",
    [
        (("--rules", "nothing.matches.*"), "no rules selected"),
        (("--controls", "9.9"), "'9.9' is neither a BIO2 control nor a measure"),
        (("--set", "k8s.pod.image_registry_allowed"), "expected RULE_ID.PARAM=VALUE"),
        (("--set", "no.such.rule.p=1"), "no rule 'no.such.rule'"),
        (("--set", "k8s.pod.privileged_container.x=1"), "has no parameter 'x'"),
        (("--format", "pdf"), "--format 'pdf': unknown"),
    ],
)
def test_usage_errors_exit_2(manifests, tmp_path, args, words):
    o = invoke("scan", "manifests", str(manifests), "-o", str(tmp_path / "o"), "-q", *args)
    assert o.code == 2, o.out
    assert words in o.err


def _int_param(all_rules):
    for r in all_rules.values():
        for p in r.params.values():
            if p.type == "integer":
                return r.id, p.name
    pytest.skip("no rule with an integer parameter")


def test_set_type_coercion(all_rules, manifests, tmp_path):
    from bio2scan.api import parse_params

    rid, pname = _int_param(all_rules)
    assert parse_params([f"{rid}.{pname}=7"], all_rules) == {rid: {pname: 7}}
    o = invoke(
        "scan",
        "manifests",
        str(manifests),
        "-o",
        str(tmp_path / "o"),
        "-q",
        "--set",
        f"{rid}.{pname}=seven",
    )
    assert o.code == 2 and f"expected integer for {rid}.{pname}, got 'seven'" in o.err
    lists = [
        (r.id, p.name) for r in all_rules.values() for p in r.params.values() if p.type == "list"
    ]
    if lists:
        lrid, lname = lists[0]
        assert parse_params([f"{lrid}.{lname}=[a, b]"], all_rules) == {lrid: {lname: ["a", "b"]}}


def test_set_through_the_process_is_one_line(manifests, tmp_path, all_rules):
    rid, pname = _int_param(all_rules)
    p = run_cli(
        "scan",
        "manifests",
        str(manifests),
        "-o",
        str(tmp_path / "o"),
        "--set",
        f"{rid}.{pname}=lots",
    )
    assert p.returncode == 2
    assert len(p.stderr.decode().strip().splitlines()) == 1 and p.stdout == b""


def test_config_file(manifests, tmp_path, all_rules):
    rid, pname = _int_param(all_rules)
    cfg = tmp_path / "bio2scan.yaml"
    cfg.write_text(
        f"rules: [k8s.pod.privileged_container]\nfail_on: none\nparams:\n  {rid}:\n    {pname}: 5\n"
    )
    out = tmp_path / "out"
    o = invoke("scan", "manifests", str(manifests), "-o", str(out), "-q", "--config", str(cfg))
    assert o.code == 0
    assert {r["rule_id"] for r in results(out)["results"]} == {"k8s.pod.privileged_container"}
    cfg.write_text("fail_on: none\nlanguage: nl\n")
    o = invoke("scan", "manifests", str(manifests), "-o", str(out), "--config", str(cfg))
    assert o.code == 2
    assert o.err.startswith(f"bio2scan: error: {cfg}:2 (language): unknown setting 'language'")
    cfg.write_text(f"lang: en\nparams:\n  {rid}:\n    {pname}: many\n")
    o = invoke("scan", "manifests", str(manifests), "-o", str(out), "--config", str(cfg))
    assert o.code == 2 and o.err.startswith(f"bio2scan: error: {cfg}:3 (params.{rid}): ")


@pytest.mark.parametrize(
    "text, line, expected",
    [
        (
            "fail_on: hgih",
            2,
            "(fail_on): expected one of critical, high, medium, low, info, none; "
            "got the text 'hgih'",
        ),
        ('min_compliance: "abc"', 2, "(min_compliance): expected a number; got the text 'abc'"),
        (
            "min_compliance: 200",
            2,
            "(min_compliance): expected a number from 0 to 100; got the number 200",
        ),
        ("min_compliance: -1", 2, "(min_compliance): expected a number from 0 to 100"),
        ("lang: de", 2, "(lang): expected one of en, nl; got the text 'de'"),
        ('fail_on_error: "no"', 2, "(fail_on_error): expected true or false; got the text 'no'"),
        ('allow_incomplete: "yes"', 2, "(allow_incomplete): expected true or false"),
        ("history_keep: 0", 2, "(history_keep): expected a number from 1 to 1000"),
        ("format: [json, xml]", 2, "(format): 'xml': unknown; available:"),
        ("rules: {a: b}", 2, "(rules): expected a name, a comma-separated list or a list"),
        ("output_dir: ''", 2, "(output_dir): expected a non-empty text"),
        ("params: [a]", 2, "(params): expected a mapping"),
        ("severity: hihg", 2, "(severity): expected one of critical"),
    ],
)
def test_config_file_is_checked_like_the_command_line(manifests, tmp_path, text, line, expected):
    """Each a one-line exit-2 error naming the file, the line and the key — before the scan."""
    cfg = tmp_path / "bio2scan.yaml"
    cfg.write_text(f"# settings\n{text}\n")
    p = run_cli(
        "scan", "manifests", str(manifests), "-o", str(tmp_path / "out"), "--config", str(cfg)
    )
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert err.startswith(f"bio2scan: error: {cfg}:{line} {expected}"), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_config_file_values_in_range_work_and_the_schema_is_printed(manifests, tmp_path):
    cfg = tmp_path / "bio2scan.yaml"
    cfg.write_text(
        "rules: k8s.pod.privileged_container\nfail_on: none\nmin_compliance: 0\n"
        "lang: nl\nformat: json,md\nallow_incomplete: false\nhistory_keep: 3\n"
    )
    out = tmp_path / "out"
    o = invoke("scan", "manifests", str(manifests), "-o", str(out), "-q", "--config", str(cfg))
    assert o.code == 0 and (out / "report.md").exists() and results(out)["lang"] == "nl"
    o = invoke("schema", "config")
    printed = json.loads(o.out)
    assert printed["properties"]["min_compliance"] == {
        "description": printed["properties"]["min_compliance"]["description"],
        "type": "number",
        "minimum": 0,
        "maximum": 100,
    }
    # every config key is an option of `scan` (same name, with dashes), and vice versa for
    # the options that make sense in a file
    from bio2scan.cli import main as cli_main

    scan_opts = {
        p.name
        for p in cli_main.commands["scan"].get_command(None, "manifests").params  # type: ignore[union-attr]
    }
    aliases = {"rules": "rule_patterns", "format": "formats", "waivers": "waivers_file",
               "baseline": "baseline_file", "history": "history_db", "params": "settings"}  # fmt: skip
    # a nested setting of the file only: on the command line it is `history prune --max-age
    # --max-scans`, run on its own (a scan does not take pruning options)
    config_only = {"history_retention"}
    for key in printed["properties"]:
        if key not in config_only:
            assert aliases.get(key, key) in scan_opts, key


# --- output discipline -----------------------------------------------------------------------


def test_quiet_prints_nothing_and_no_tty_means_no_progress(manifests, tmp_path):
    p = run_cli(
        "scan",
        "manifests",
        str(manifests),
        "-o",
        str(tmp_path / "q"),
        "--quiet",
        "--fail-on",
        "none",
    )
    assert (p.returncode, p.stdout, p.stderr) == (0, b"", b"")
    p = run_cli("scan", "manifests", str(manifests), "-o", str(tmp_path / "v"), "--fail-on", "none")
    assert p.returncode == 0 and p.stderr == b""  # stderr is no TTY: no progress bar
    assert b"json: " in p.stdout


def test_a_terminal_gets_a_progress_bar_drawn_without_a_thread(manifests, tmp_path):
    """On a terminal the bar is drawn as the work advances (rich's refresh thread is off: the
    scan forks, and a forked child inherits the locks other threads hold)."""
    import os
    import pty
    import subprocess
    import sys
    import threading

    main, sub = pty.openpty()
    seen = bytearray()

    def drain() -> None:  # read while it runs: a full terminal buffer would stop the scan
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the other end is closed: all read
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        p = subprocess.run(
            [sys.executable, "-m", "bio2scan", "scan", "manifests", str(manifests),
             "-o", str(tmp_path / "t"), "--fail-on", "none"],
            stderr=sub, stdout=subprocess.PIPE, timeout=120,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
        )  # fmt: skip
    finally:
        os.close(sub)
        reader.join(10)
        os.close(main)
    assert p.returncode == 0 and b"json: " in p.stdout
    assert b"rules evaluated" in seen  # the bar was drawn


def test_collect_then_evaluate_equals_scan(manifests, tmp_path):
    inv = tmp_path / "inv.json.gz"
    assert invoke("collect", "manifests", str(manifests), "-o", str(inv), "-q").code == 0
    assert (
        invoke("evaluate", str(inv), "-o", str(tmp_path / "e"), "-q", "--fail-on", "none").code == 0
    )
    assert (
        invoke(
            "scan",
            "manifests",
            str(manifests),
            "-o",
            str(tmp_path / "s"),
            "-q",
            "--fail-on",
            "none",
        ).code
        == 0
    )

    def key(d):
        return sorted(
            (r["rule_id"], r["resource_id"], r["status"], r["message"]) for r in d["results"]
        )

    a, b = results(tmp_path / "e"), results(tmp_path / "s")
    assert key(a) == key(b) and len(a["results"]) > 10


def test_scanning_a_tree_twice_with_the_reports_inside_it_gives_the_same_result(manifests):
    """The output never feeds the input (issue 13.3): the report directory this run writes is
    not read, not even as skipped files, so the second scan equals the first."""
    out = manifests / "reports"
    args = ("scan", "manifests", str(manifests), "-o", str(out), "--format", "json,csv,sarif")
    args += ("-q", "--fail-on", "none")
    assert invoke(*args).code == 0
    first = results(out)
    assert invoke(*args).code == 0
    second = results(out)
    assert second["coverage"]["notices"] == first["coverage"]["notices"] == []
    assert [r["finding_id"] for r in second["results"]] == [
        r["finding_id"] for r in first["results"]
    ]
    # an inventory written into the scanned tree is not read by the next collect either
    shutil.rmtree(out)
    inv = manifests / "inventory.json"
    for _ in range(2):
        assert invoke("collect", "manifests", str(manifests), "-o", str(inv), "-q").code == 0
        assert json.loads(inv.read_text()).get("notices", []) == []


# --- information commands --------------------------------------------------------------------


def test_controls():
    o = invoke("controls", "--format", "json")
    data = json.loads(o.out)
    assert o.code == 0 and len(data) == 93 and data[0]["id"] == "5.1"
    o = invoke("controls", "8.24")
    assert o.code == 0 and "8.24.04" in o.out and "rules (" in o.out
    o = invoke("controls", "8.24", "--format", "json")
    d = json.loads(o.out)
    assert d["measures"] and all(m["id"].startswith("8.24.") for m in d["measures"])
    o = invoke("controls", "9.9")
    assert o.code == 2 and "'9.9' is not a BIO2 control" in o.err


def test_rules_list_show_test(all_rules):
    o = invoke("rules", "list", "--format", "json")
    listed = json.loads(o.out)
    assert o.code == 0 and {r["id"] for r in listed} == {
        r.id for r in all_rules.values() if not r.deprecated
    }
    o = invoke("rules", "list", "--provider", "k8s")
    assert o.code == 0 and "k8s.pod.privileged_container" in o.out and "aws." not in o.out
    o = invoke("rules", "show", "k8s.pod.privileged_container", "--format", "json")
    d = json.loads(o.out)
    assert d["check"]["subject"] == "pod_spec" and d["title"]["nl"]
    assert invoke("rules", "show", "no.such.rule").code == 2
    o = invoke("rules", "test", "k8s.pod.privileged_container", "-v")
    assert o.code == 0 and "ok   k8s.pod.privileged_container" in o.out


def test_rules_test_reports_a_failing_case(tmp_path):
    from tests_engine_template import broken_case_pack

    pack = broken_case_pack(tmp_path)
    o = invoke("rules", "test", "--rules-dir", str(pack), "--only-dirs")
    assert o.code == 1 and "FAIL test.svc.thing_ok :: good: expected PASS, got FAIL" in o.out


def test_rules_test_mutate_reports_survivors_and_stale_declarations(tmp_path):
    from tests_engine_template import weak_pack

    pack = weak_pack(tmp_path)
    o = invoke("rules", "test", "--mutate", "--rules-dir", str(pack), "--only-dirs")
    assert o.code == 1
    assert "SURVIVES test.svc.weak :: assert.all[1]: drop" in o.out
    assert "SURVIVES test.svc.weak :: assert.all[1]: flip" in o.out
    assert "STALE    test.svc.weak :: assert.all[0]: negate" in o.out
    assert "1 rules: 5 mutants, 3 killed, 0 equivalent (declared), 2 survive, 1 stale" in o.out


def test_rules_test_mutate_passes_on_the_shipped_rules():
    o = invoke("rules", "test", "--mutate", "k8s.pod.*", "aws.eks.*", "-v")
    assert o.code == 0 and " 0 survive, 0 stale declarations" in o.out
    o = invoke("rules", "show", "aws.eks.endpoint_not_public", "--format", "json")
    d = json.loads(o.out)
    assert d["check"]["assert"]["any"][0]["absent"] == {"default": True}
    assert d["functions"]["cidrs_not_internet"][0].startswith("reads `{path}` (list|string")


@pytest.mark.parametrize("name", ["rule", "inventory", "results"])
def test_schemas_are_json_schemas(name):
    o = invoke("schema", name)
    doc = json.loads(o.out)
    jsonschema.validators.validator_for(doc).check_schema(doc)


# --- documents -------------------------------------------------------------------------------


def test_inventory_round_trips_and_validates(manifests, tmp_path):
    from bio2scan.documents import load_inventory, save_inventory

    a, b = tmp_path / "a.json", tmp_path / "b.json.gz"
    assert invoke("collect", "manifests", str(manifests), "-o", str(a), "-q").code == 0
    doc = json.loads(a.read_text())
    jsonschema.validate(doc, schema("inventory"))
    inv = load_inventory(a)
    save_inventory(b, inv)
    assert json.loads(gzip.decompress(b.read_bytes())) == doc
    assert load_inventory(b) == inv
    save_inventory(tmp_path / "c.json", load_inventory(b))
    assert (tmp_path / "c.json").read_bytes() == a.read_bytes()


@pytest.mark.parametrize("owned", [True, False])
def test_a_finished_command_leaves_its_objects_to_the_exit(owned, monkeypatch):
    """Freeing a large scan's objects one by one at the end of the process is wasted time: the
    command keeps them (and the collector does not look at them) until the process exits — in
    bio2scan's own process; ``main`` called by a host (not its own process) frees them."""
    import gc
    import weakref

    from bio2scan import cli, parallel

    class Scan:
        pass

    monkeypatch.setattr(parallel, "_OWNED", owned)
    scan = Scan()
    ref = weakref.ref(scan)
    try:
        cli._left_to_exit(scan, {"results": []})
        del scan
        gc.collect()
        assert (ref() is not None) is owned
    finally:
        gc.unfreeze()  # this test process goes on: let the collector have them again
        gc.collect()
    assert ref() is None
