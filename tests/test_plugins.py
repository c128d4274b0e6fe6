"""A third-party package extends bio2scan through entry points: ``tests/plugin_pkg`` (its own
pyproject.toml) is installed into a temporary directory and used through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import run_cli

from bio2scan import api

PKG = Path(__file__).resolve().parent / "plugin_pkg"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The plugin installed (wheel built by pip, no network, no build isolation)."""
    tmp = tmp_path_factory.mktemp("plugin")
    src = tmp / "src"
    shutil.copytree(PKG, src)  # build in a copy: keep build/ and egg-info out of tests/
    target = tmp / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return target


def _env(site: Path) -> dict:
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_plugins_lists_the_third_party_collector_and_pack(site):
    p = run_cli("plugins", "--format", "json", env=_env(site))
    assert p.returncode == 0, p.stderr
    rows = {(r["group"], r["name"]): r for r in json.loads(p.stdout)}
    assert rows[("bio2scan.collectors", "widgets")]["distribution"] == "bio2scan-widgets"
    assert rows[("bio2scan.rules", "widgets")]["value"] == "bio2scan_widgets:rules_path"
    assert ("bio2scan.collectors", "manifests") in rows  # built-ins register the same way
    assert ("bio2scan.rules", "builtin") in rows


def test_scan_with_the_third_party_collector_and_rules(site, tmp_path):
    data = tmp_path / "widgets.json"
    data.write_text(
        json.dumps(
            {
                "scope": "shed",
                "errors": ["the attic was locked"],
                "things": [{"id": "w1", "colour": "blue"}, {"id": "w2", "colour": "red"}],
            }
        )
    )
    out = tmp_path / "out"
    p = run_cli(
        "scan",
        "widgets",
        str(data),
        "-o",
        str(out),
        "--rules",
        "example.*",
        "--fail-on",
        "medium",
        "--quiet",
        env=_env(site),
    )
    assert p.returncode == 3, p.stderr  # incomplete: a collection error (by default)
    doc = api.load_results(out / "results.json")
    got = {(r["rule_id"], r["resource_id"], r["status"]) for r in doc["results"]}
    assert ("example.widget.safe_colour", "w1", "PASS") in got
    assert ("example.widget.safe_colour", "w2", "FAIL") in got
    assert any(s == "ERROR" for _, _, s in got)
    p = run_cli(
        "scan",
        "widgets",
        str(data),
        "-o",
        str(out),
        "--rules",
        "example.*",
        "--quiet",
        "--fail-on",
        "medium",
        "--allow-incomplete",
        env=_env(site),
    )
    assert p.returncode == 1  # the gap allowed, the FAIL counts
    p = run_cli("rules", "test", "example.*", "-v", env=_env(site))
    assert p.returncode == 0 and b"3 passed, 0 failed" in p.stdout
    p = run_cli("rules", "show", "example.widget.safe_colour", "--format", "json", env=_env(site))
    assert json.loads(p.stdout)["pack"] == "widgets"


def test_without_the_plugin_there_is_no_such_target(tmp_path):
    p = run_cli("scan", "widgets", "x.json")
    assert p.returncode == 2


def test_a_plugin_for_another_plugin_api_is_refused_by_name(tmp_path):
    """A plugin that declares another major plugin API version is refused with one line that
    names it (exit 2), before any scan starts."""
    pkg = tmp_path / "src"
    shutil.copytree(PKG, pkg)
    col = pkg / "bio2scan_widgets" / "collector.py"
    col.write_text(col.read_text().replace("plugin_api = 1 ", "plugin_api = 2 "))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "--target", str(target), str(pkg)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    p = run_cli("plugins", env=_env(target))
    assert p.returncode == 2, (p.returncode, p.stderr)
    err = p.stderr.decode() if isinstance(p.stderr, bytes) else p.stderr
    assert "'widgets'" in err and "plugin API 2" in err and "1.0" in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
