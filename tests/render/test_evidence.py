"""The evidence pack: written by the CLI next to the reports, checked by ``bio2scan verify``
(exit 0 intact, 1 changed/missing/added file, 2 not a pack)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bio2scan import api
from bio2scan.errors import InputError
from bio2scan.evidence import MANIFEST, verify, write_pack
from bio2scan.model import Inventory, ScanMeta

from .fixture import document

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "demo" / "manifests"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    # not conftest's helper: several conftest modules exist, ``import conftest`` is ambiguous
    import os
    import sys

    return subprocess.run(
        [sys.executable, "-m", "bio2scan", *args],
        capture_output=True,
        timeout=120,
        env=dict(os.environ, NO_COLOR="1"),
    )


def _pack(tmp_path: Path) -> Path:
    d = tmp_path / "pack"
    inv = Inventory(
        meta=ScanMeta(
            tool_version="0.1.0",
            started_at="2026-11-20T09:00:00+00:00",
            finished_at="2026-11-20T09:01:00+00:00",
        )
    )
    write_pack(
        d,
        document(),
        lambda doc, out: api.render(doc, ["json", "html", "csv"], out, record=False),
        inventory=inv,
    )
    return d


def test_pack_is_intact_and_binds_results_to_inventory(tmp_path: Path) -> None:
    d = _pack(tmp_path)
    assert sorted(p.name for p in d.iterdir()) == sorted(
        [MANIFEST, "inventory.json.gz", "report.html", "results.csv", "results.json"]
    )
    v = verify(d)
    assert v.ok and len(v.checked) == 4
    assert v.facts["ruleset"].startswith("sha256:") and v.facts["tool"] == "bio2scan 0.1.0"
    results = api.load_results(d / "results.json")
    from bio2scan.documents import sha256_file

    assert results["scan"]["inventory_sha256"] == sha256_file(d / "inventory.json.gz")
    if shutil.which("sha256sum"):  # the manifest is in sha256sum's own format
        assert subprocess.run(["sha256sum", "--quiet", "-c", MANIFEST], cwd=d).returncode == 0


def test_changed_missing_and_added_files_are_named(tmp_path: Path) -> None:
    d = _pack(tmp_path)
    (d / "results.csv").write_text("edited", "utf-8")
    (d / "report.html").unlink()
    (d / "extra.txt").write_text("x", "utf-8")
    v = verify(d)
    assert not v.ok
    assert (v.changed, v.missing, v.unexpected) == (["results.csv"], ["report.html"], ["extra.txt"])


def test_results_that_name_another_inventory_fail(tmp_path: Path) -> None:
    d = _pack(tmp_path)
    doc = api.load_results(d / "results.json")
    doc["scan"]["inventory_sha256"] = "0" * 64
    (d / "results.json").write_text(json.dumps(doc), "utf-8")
    from bio2scan.evidence import seal

    seal(d)  # even with a re-sealed manifest the mismatch shows
    v = verify(d)
    assert not v.ok and "names inventory sha256" in v.problems[0]


def test_not_a_pack(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no SHA256SUMS"):
        verify(tmp_path)
    (tmp_path / MANIFEST).write_text("not a checksum line\n", "utf-8")
    with pytest.raises(InputError, match="SHA256SUMS:1"):
        verify(tmp_path)
    (tmp_path / MANIFEST).write_text("0" * 64 + "  ../etc/passwd\n", "utf-8")
    with pytest.raises(InputError):
        verify(tmp_path)


@pytest.mark.slow
def test_cli_scan_evaluate_and_verify(tmp_path: Path) -> None:
    inv = tmp_path / "inv.json.gz"
    r = run_cli("collect", "manifests", str(MANIFESTS), "-o", str(inv), "-q")
    assert r.returncode == 0, r.stderr
    pack = tmp_path / "pack"
    r = run_cli(
        "evaluate",
        str(inv),
        "--evidence-dir",
        str(pack),
        "-o",
        str(tmp_path / "out"),
        "--format",
        "md",
        "--fail-on",
        "none",
        "--lang",
        "nl",
    )
    assert r.returncode == 0, r.stderr
    assert "evidence pack:" in r.stdout.decode()
    assert (pack / "inventory.json.gz").read_bytes() == inv.read_bytes()
    assert {"report.html", "report.md", "results.json"} <= {p.name for p in pack.iterdir()}
    r = run_cli("verify", str(pack))
    assert r.returncode == 0 and "intact" in r.stdout.decode()
    with open(pack / "report.md", "a", encoding="utf-8") as fh:
        fh.write("tampered\n")
    r = run_cli("verify", str(pack))
    assert r.returncode == 1 and "CHANGED     report.md" in r.stdout.decode()
    r = run_cli("verify", str(tmp_path / "out"))
    assert r.returncode == 2 and "not an evidence pack" in r.stderr.decode()
    r = run_cli("evaluate", str(inv), "--evidence-dir", str(pack), "-q")  # one scan per pack
    assert r.returncode == 2 and "not an empty directory" in r.stderr.decode()
