"""The CI gate end to end through the real CLI: every exit code, ``--fail-on-new`` with a
baseline, ``--min-compliance``, and finding ids that stay the same across runs."""

from __future__ import annotations

import gzip
import json

import pytest
from pipeline_support import RULE, cli, estate, pod, results, write

from bio2scan import api
from bio2scan.errors import InputError


def test_exit_codes(tmp_path):
    d = estate(tmp_path)
    out = tmp_path / "out"
    base = ("scan", "manifests", str(d), "--rules", RULE, "-q", "-o", str(out))
    r = cli(*base)
    assert r.returncode == 1, r.stderr  # critical FAILs, default high
    assert results(out)["summary"]["results"]["FAIL"] == 4
    assert cli(*base, "--fail-on", "none").returncode == 0
    # nothing at or above the threshold: a clean estate fails on nothing
    clean = tmp_path / "clean"
    write(clean / "p.yaml", pod("ok", "ns", False))
    assert (
        cli(
            "scan",
            "manifests",
            str(clean),
            "--rules",
            RULE,
            "-q",
            "-o",
            str(out),
            "--fail-on",
            "low",
        ).returncode
        == 0
    )
    # 2: usage and input errors, one line on stderr
    r = cli(*base, "--waivers", str(tmp_path / "missing.yaml"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "missing.yaml" in r.stderr
    r = cli(*base, "--fail-on-new")
    assert r.returncode == 2 and "--baseline" in r.stderr
    r = cli(*base, "--now", "yesterday")
    assert r.returncode == 2 and "ISO 8601" in r.stderr
    r = cli(*base, "--shard", "0/2", "--history", str(tmp_path / "h.db"))
    assert r.returncode == 2 and "merge" in r.stderr and not (tmp_path / "h.db").exists()


def test_incomplete_scan_exits_3_unless_allowed(tmp_path):
    d = estate(tmp_path)
    inv = tmp_path / "inv.json.gz"
    assert cli("collect", "manifests", str(d), "-o", str(inv), "-q").returncode == 0
    doc = json.loads(gzip.decompress(inv.read_bytes()))
    doc["errors"].append(
        {
            "provider": "k8s",
            "resource_type": "k8s.core.pod",
            "scope": "manifests",
            "namespace": "ns1",
            "code": "AccessDenied",
            "reason": "forbidden",
        }
    )
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc))
    out = tmp_path / "out"
    args = ("evaluate", str(broken), "--rules", RULE, "-q", "-o", str(out))
    assert cli(*args).returncode == 3  # by default, and before the findings (1)
    assert cli(*args, "--fail-on-error").returncode == 3  # deprecated: no effect
    assert cli(*args, "--allow-incomplete").returncode == 1
    res = results(out)
    assert res["summary"]["complete"] is False
    assert [r["resource_id"] for r in res["results"] if r["status"] == "ERROR"] == [
        "manifests/ns1:k8s.core.pod"
    ]


def test_finding_ids_are_stable_and_baseline_marks_changes(tmp_path):
    d = estate(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    common = ("--rules", RULE, "-q", "--fail-on", "none")
    assert cli("scan", "manifests", str(d), *common, "-o", str(a)).returncode == 0
    assert (
        cli(
            "scan", "manifests", str(d), *common, "-o", str(b), "--now", "2027-01-01T00:00:00Z"
        ).returncode
        == 0
    )
    ids_a = [(r["finding_id"], r["status"]) for r in results(a)["results"]]
    ids_b = [(r["finding_id"], r["status"]) for r in results(b)["results"]]
    assert ids_a == ids_b and len({i for i, _ in ids_a}) == 12

    # the same estate against itself: nothing new, --fail-on-new passes although FAILs remain
    r = cli(
        "scan",
        "manifests",
        str(d),
        "--rules",
        RULE,
        "-q",
        "-o",
        str(b),
        "--baseline",
        str(a / "results.json"),
        "--fail-on-new",
    )
    assert r.returncode == 0, r.stderr
    doc = results(b)
    assert doc["baseline"]["counts"] == {"new": 0, "unchanged": 4, "resolved": 0}
    assert {r["change"] for r in doc["results"]} == {"unchanged"}

    # fix pod00, break pod01, add pod99 (privileged): two new FAILs, one resolved
    (d / "pod00.yaml").write_text(pod("pod00", "ns0", False))
    (d / "pod01.yaml").write_text(pod("pod01", "ns1", True))
    (d / "pod99.yaml").write_text(pod("pod99", "ns2", True))
    r = cli(
        "scan",
        "manifests",
        str(d),
        "--rules",
        RULE,
        "-q",
        "-o",
        str(b),
        "--baseline",
        str(a / "results.json"),
        "--fail-on-new",
    )
    assert r.returncode == 1
    doc = results(b)
    assert doc["baseline"]["counts"] == {"new": 2, "unchanged": 3, "resolved": 1}
    assert doc["baseline"]["file"] == str(a / "results.json")
    assert doc["baseline"]["generated_at"] == results(a)["scan"]["finished_at"]
    assert [x["resource_id"] for x in doc["baseline"]["resolved"]] == ["ns0/Pod/pod00"]
    assert doc["baseline"]["resolved"][0]["change"] == "resolved"
    change = {r["resource_id"]: (r["status"], r["change"]) for r in doc["results"]}
    assert change["ns1/Pod/pod01"] == ("FAIL", "new")
    assert change["ns2/Pod/pod99"] == ("FAIL", "new")
    assert change["ns0/Pod/pod00"] == ("PASS", "unchanged")
    assert change["ns0/Pod/pod03"] == ("FAIL", "unchanged")
    api.validate_results(doc)
    broken = dict(doc, baseline=dict(doc["baseline"], counts={"new": -1}))
    with pytest.raises(InputError, match="baseline"):
        api.validate_results(broken)
    # a baseline that is not a results document is an input error
    r = cli(
        "scan",
        "manifests",
        str(d),
        "--rules",
        RULE,
        "-q",
        "-o",
        str(b),
        "--baseline",
        str(d / "pod00.yaml"),
    )
    assert r.returncode == 2 and "pod00.yaml" in r.stderr


SECCOMP = "k8s.pod.seccomp_profile"  # direct evidence for 8.9, a control without measures


def _seccomp_pod(name: str, profile: str) -> str:
    return f"""\
        apiVersion: v1
        kind: Pod
        metadata: {{name: {name}, namespace: ns}}
        spec:
          securityContext: {{seccompProfile: {{type: {profile}}}}}
          containers:
          - name: app
            image: registry.example/app:1.0
        """


def test_min_compliance(tmp_path):
    def scan(estate_dir, rule, pct):
        args = ("scan", "manifests", str(estate_dir), "--rules", rule, "-q")
        out = ("-o", str(tmp_path / "o"), "--fail-on", "none", "--min-compliance", pct)
        return cli(*args, *out).returncode

    clean = tmp_path / "clean"
    write(clean / "p.yaml", _seccomp_pod("ok", "RuntimeDefault"))
    assert scan(clean, SECCOMP, "100") == 0  # 8.9: direct PASS evidence, nothing lacking
    assert results(tmp_path / "o")["summary"]["compliance"]["percent"] == 100.0
    loose = tmp_path / "loose"
    write(loose / "p.yaml", _seccomp_pod("bad", "Unconfined"))
    assert scan(loose, SECCOMP, "1") == 1  # 8.9 non-compliant: 0 %
    # a rule that gives direct evidence for 8.2, whose measure 8.02.01 (quarterly review of
    # privileged rights) no rule can evidence: partially evidenced, never 100 %
    write(clean / "p.yaml", pod("ok", "ns", False))
    assert scan(clean, RULE, "100") == 1
    doc = results(tmp_path / "o")
    c82 = next(c for c in doc["controls"] if c["id"] == "8.2")
    assert c82["status"] == "partially-evidenced"
    assert {"kind": "measure", "id": "8.02.01", "status": "manual"} in c82["gaps"]
    assert scan(clean, RULE, "0") == 0


def test_config_file_settings_relative_to_the_config(tmp_path):
    d = estate(tmp_path)
    cfg_dir = tmp_path / "etc"
    write(
        cfg_dir / "waivers.yaml",
        f"""\
        waivers:
          - id: W1
            rules: [{RULE}]
            owner: o
            reason: r
            expires: 2030-01-01
            kind: not-applicable
        """,
    )
    write(
        cfg_dir / "bio2scan.yaml",
        """\
        fail_on: low
        waivers: waivers.yaml
        history: history.db
        min_compliance: 100
        """,
    )
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    r = cli(
        "scan",
        "manifests",
        str(d),
        "--rules",
        RULE,
        "-o",
        str(tmp_path / "o"),
        "--config",
        str(cfg_dir / "bio2scan.yaml"),
        cwd=elsewhere,
    )
    # every FAIL is declared not applicable and fail_on low finds none; but a declaration is no
    # evidence, so no control is evidence-complete and min_compliance 100 fails the run
    assert r.returncode == 1, r.stdout + r.stderr
    assert "waivers: 4 result(s) waived" in r.stdout
    assert (cfg_dir / "history.db").exists() and not (elsewhere / "history.db").exists()
    assert results(tmp_path / "o")["waivers"]["file"] == str(cfg_dir / "waivers.yaml")


LB_RULE = "k8s.network.loadbalancer_source_ranges"


def _service(labels: str = "") -> str:
    return (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: shop\n  namespace: web\n"
        f"{labels}spec:\n  type: LoadBalancer\n  ports: [{{port: 443}}]\n"
    )


def test_a_finding_that_no_longer_applies_is_resolved_but_says_so(tmp_path):
    """The attacker's way out of a finding: not fixing it but making the rule not apply (here a
    'deliberately public' label). The baseline calls it resolved — the finding is gone — and
    says how: NOT_APPLICABLE with the reason, apart from a real fix (PASS) or a resource that
    is gone, in results.json and in the HTML report."""
    import json as _json

    from bio2scan.documents import validate

    d, a, b = tmp_path / "m", tmp_path / "a", tmp_path / "b"
    write(d / "svc.yaml", _service())
    common = ("--rules", LB_RULE, "-q", "--fail-on", "none")
    assert cli("scan", "manifests", str(d), *common, "-o", str(a)).returncode == 0
    assert [r["status"] for r in results(a)["results"]] == ["FAIL"]

    write(d / "svc.yaml", _service('  labels: {"bio2scan.nl/public": "true"}\n'))
    r = cli(
        "scan", "manifests", str(d), *common, "-o", str(b), "--format", "json,html",
        "--baseline", str(a / "results.json"),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    doc = results(b)
    (gone,) = doc["baseline"]["resolved"]
    assert gone["status"] == "FAIL" and gone["now"] == "NOT_APPLICABLE"
    assert "does not apply" in gone["now_message"] and "metadata.labels" in gone["now_message"]
    validate("results", _json.loads((b / "results.json").read_text()))
    html = (b / "report.html").read_text()
    assert "was not fixed: the rule no longer applies" in html

    # a real fix: PASS, and the message names the value that decided it
    write(d / "svc.yaml", _service() + "  loadBalancerSourceRanges: [192.0.2.0/24]\n")
    assert cli(
        "scan", "manifests", str(d), *common, "-o", str(b), "--baseline", str(a / "results.json")
    ).returncode == 0  # fmt: skip
    (fixed,) = results(b)["baseline"]["resolved"]
    assert fixed["now"] == "PASS" and "loadBalancerSourceRanges" in fixed["now_message"]

    # the resource is gone
    (d / "svc.yaml").write_text("")
    write(d / "other.yaml", _service().replace("name: shop", "name: other"))
    cli("scan", "manifests", str(d), *common, "-o", str(b), "--baseline", str(a / "results.json"))
    (vanished,) = results(b)["baseline"]["resolved"]
    assert vanished["now"] is None and vanished["now_message"] is None
