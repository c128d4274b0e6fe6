"""Bad input files: one line on stderr naming the file (and line or field), exit 2, no
traceback — through the real entry point."""

from __future__ import annotations

import gzip
import json
import os

import pytest
from clirun import run_cli

from bio2scan import api

VALID = {
    "schema_version": 1,
    "kind": "bio2scan-inventory",
    "meta": {
        "tool_version": "0",
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:00:01+00:00",
    },
    "errors": [],
    "resources": [],
}


def _bad_files(tmp_path):
    files = {}
    files["missing"] = (tmp_path / "nope.json", "cannot read")
    p = tmp_path / "results.json"
    p.write_text(json.dumps({"kind": "bio2scan-results"}))
    files["not an inventory"] = (p, "not a bio2scan inventory")
    p = tmp_path / "broken.json.gz"
    p.write_bytes(gzip.compress(b'{"kind": "bio2scan-inventory"}')[:-12])
    files["corrupt gzip"] = (p, "broken gzip data")
    p = tmp_path / "trunc.json"
    p.write_text('{"kind": "bio2scan-inventory",\n "meta": ')
    files["invalid JSON"] = (p, "invalid JSON")
    p = tmp_path / "binary.json"
    p.write_bytes(b"{\x80\x81 garbage")
    files["not UTF-8"] = (p, "not UTF-8")
    p = tmp_path / "schema.json"
    p.write_text(json.dumps(dict(VALID, resources=[{"type": "x", "id": 5}])))
    files["fails the schema"] = (p, "not a valid inventory document")
    return files


CASES = [
    "missing",
    "not an inventory",
    "corrupt gzip",
    "invalid JSON",
    "not UTF-8",
    "fails the schema",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_inventory_is_one_line_exit_2(tmp_path, case):
    path, words = _bad_files(tmp_path)[case]
    p = run_cli("evaluate", str(path), "-o", str(tmp_path / "out"))
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"bio2scan: error: {path}") and words in err
    assert "Traceback" not in err and p.stdout == b""


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_inventory(tmp_path):
    p = tmp_path / "inv.json"
    p.write_text(json.dumps(VALID))
    p.chmod(0)
    out = run_cli("evaluate", str(p), "-o", str(tmp_path / "out"))
    assert out.returncode == 2 and "cannot read" in out.stderr.decode()


def test_a_directory_as_inventory(tmp_path):
    out = run_cli("evaluate", str(tmp_path), "-o", str(tmp_path / "out"))
    err = out.stderr.decode()
    assert out.returncode == 2 and len(err.strip().splitlines()) == 1 and "cannot read" in err


def test_bad_manifest_names_file_and_line(tmp_path):
    m = tmp_path / "bad.yaml"
    m.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x\n")
    # one bad file is a collection error naming file and line (issue 13), not a stopped scan
    out = run_cli("scan", "manifests", str(m), "--fail-on-error", "-o", str(tmp_path / "out"))
    assert out.returncode == 3, out.stderr
    assert "Traceback" not in out.stderr.decode()
    doc = api.load_results(tmp_path / "out" / "results.json")
    assert any(f"{m}:3: YAML syntax error" in e["reason"] for e in doc["collection_errors"])


def test_bad_results_for_report(tmp_path):
    p = tmp_path / "r.json"
    p.write_text(json.dumps(VALID))
    out = run_cli("report", str(p), "--format", "md", "-o", str(tmp_path / "out"))
    assert out.returncode == 2 and "not a bio2scan results document" in out.stderr.decode()


def test_unknown_option_and_command_exit_2(tmp_path):
    assert run_cli("frobnicate").returncode == 2
    assert run_cli("scan", "manifests", "--no-such-option").returncode == 2
