"""The wheel carries everything bio2scan needs at run time: rules, catalogue, schemas, report
templates. Built from a copy of the source tree, installed into a fresh virtual environment
(no system site-packages) and run from another directory.

To stay offline and fast the wheel is installed with ``--no-deps`` and the fresh environment
sees the dependencies (click, jinja2 …) of the development venv through a ``.pth`` line. That
path is added as a plain directory, so the development venv's *editable* bio2scan is not
activated; the test checks that bio2scan, its rules and its data are imported from the fresh
environment's own site-packages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from bio2scan import api

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "node_modules",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "demo-output",
    "bio2scan-report",
    "tests",
    "*.pyc",
    ".pytest_cache",
    # written by the parallel test workers while the checkout is copied: a file that vanishes
    # between listing and copying would fail the copy
    ".coverage",
    ".coverage.*",
    ".mypy_cache",
    ".ruff_cache",
    "htmlcov",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    out = tmp / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (found,) = out.glob("bio2scan-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    env = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120
    )
    py = env / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "_bio2scan_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    rules_src = {"bio2scan/" + str(p.relative_to(ROOT)) for p in (ROOT / "rules").rglob("*.yaml")}
    assert rules_src and rules_src <= set(names), sorted(rules_src - set(names))[:5]
    assert "bio2scan/data/bio2.json" in names
    for schema in ("inventory", "results", "waivers"):
        assert f"bio2scan/schemas/{schema}.schema.json" in names
    reports_src = {
        "bio2scan/" + str(p.relative_to(ROOT))
        for p in (ROOT / "reports").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert reports_src and reports_src <= set(names), sorted(reports_src - set(names))[:5]
    assert not [n for n in names if n.startswith("tests/")]
    # the test doubles (local ARM, Graph and Kubernetes servers, moto glue) stay in tests/stubs
    assert not [n for n in names if "stubs" in n.split("/")], [n for n in names if "stubs" in n]
    meta = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    entry_points = zipfile.ZipFile(wheel).read(meta).decode()
    assert "[bio2scan.rules]" in entry_points and "builtin = bio2scan.rules:path" in entry_points


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(venv / "bin" / "bio2scan"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_installed_wheel_runs_from_elsewhere(venv, tmp_path, all_rules):
    py = venv / "bin" / "python"
    probe = (
        "import json, bio2scan, bio2scan.catalog as c, bio2scan.plugins as p;"
        "print(json.dumps({'pkg': bio2scan.__file__, 'pack': str(p.rule_packs()['builtin']),"
        "'controls': len(c.load_catalog().controls),"
        "'template': __import__('bio2scan.render.templates').render.templates.html_env()"
        ".get_template('html/body.html.j2').filename, 'jinja2': __import__('jinja2').__version__,"
        "'made_by': __import__('bio2scan.reports.compiled.html_body_html_j2').reports.compiled"
        ".html_body_html_j2.JINJA2}))"
    )
    where = json.loads(
        subprocess.run(
            [str(py), "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
        ).stdout
    )
    assert where["pkg"].startswith(str(venv)), where
    assert where["pack"].startswith(str(venv)), where
    assert where["controls"] == 93
    # the report templates come compiled with the wheel (bio2scan/render/precompiled.py), used
    # with the Jinja that made them (with another, compiled from their text)
    assert where["template"].startswith(str(venv)), where
    used = where["template"].endswith("compiled/html_body_html_j2.py")
    assert used is (where["jinja2"] == where["made_by"]), where

    p = _run(venv, "rules", "list", "--format", "json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    listed = {r["id"] for r in json.loads(p.stdout)}
    assert listed == {r.id for r in all_rules.values() if not r.deprecated and r.pack == "builtin"}

    manifests = tmp_path / "m.yaml"
    manifests.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n"
        "spec:\n  containers: [{name: c, image: nginx, securityContext: "
        "{privileged: true}}]\n"
    )
    p = _run(
        venv,
        "scan",
        "manifests",
        "m.yaml",
        "-o",
        "out",
        "--format",
        "json,html,md",
        "--quiet",
        cwd=tmp_path,
    )
    assert p.returncode == 1, p.stderr  # a privileged container: a finding
    doc = api.load_results(tmp_path / "out" / "results.json")
    assert any(
        r["rule_id"] == "k8s.pod.privileged_container" and r["status"] == "FAIL"
        for r in doc["results"]
    )
    html = (tmp_path / "out" / "report.html").read_text()  # templates came with the wheel
    assert "k8s.pod.privileged_container" in html and "<html" in html
    assert "failing" in (tmp_path / "out" / "report.md").read_text()
    p = _run(venv, "schema", "results", cwd=tmp_path)
    assert p.returncode == 0 and json.loads(p.stdout)["$schema"]


def _fresh_venv(where: Path) -> Path:
    env = where / "v"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120
    )
    py = env / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "_bio2scan_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


_PROBE = (
    "import json, bio2scan, bio2scan.rules, bio2scan.reports, bio2scan.plugins as p;"
    "from importlib import resources;"
    "print(json.dumps({'pkg': bio2scan.__file__, 'pack': str(p.rule_packs()['builtin']),"
    "'reports': str(resources.files('bio2scan.reports').joinpath('html/report.css'))}))"
)


def test_editable_install_finds_rules_and_reports_in_the_checkout(tmp_path):
    """`pip install -e` of a checkout: the top-level rules/ and reports/ are the installed
    bio2scan.rules and bio2scan.reports, read from the checkout itself (edits show at once)."""
    src = tmp_path / "checkout"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    env = _fresh_venv(tmp_path)
    py = env / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "-e",
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = json.loads(
        subprocess.run(
            [str(py), "-c", _PROBE], capture_output=True, text=True, check=True, cwd=elsewhere
        ).stdout
    )
    assert where["pkg"].startswith(str(src / "bio2scan")), where
    assert where["pack"] == str(src / "rules"), where
    assert where["reports"] == str(src / "reports" / "html" / "report.css"), where
    p = subprocess.run(
        [str(env / "bin" / "bio2scan"), "rules", "list", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        timeout=300,
    )
    assert p.returncode == 0 and len(json.loads(p.stdout)) > 100, p.stderr


def test_checkout_on_sys_path_without_install(tmp_path):
    """Run from a plain checkout (the checkout's directory on sys.path, nothing installed):
    the same rules and reports are found."""
    env = _fresh_venv(tmp_path)
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); " + _PROBE
    where = json.loads(
        subprocess.run(
            [str(env / "bin" / "python"), "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        ).stdout
    )
    assert where["pack"] == str(ROOT / "rules"), where
    assert where["reports"] == str(ROOT / "reports" / "html" / "report.css"), where
