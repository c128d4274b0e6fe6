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


def _limited(limit: int, *args: str) -> subprocess.CompletedProcess:
    """The CLI with files limited to ``limit`` bytes (RLIMIT_FSIZE: ``write`` fails with EFBIG
    where a full disk fails with ENOSPC), unmeasured by coverage (its data file would meet the
    limit too)."""
    import os
    import resource
    import sys

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_PROCESS")}
    return subprocess.run(
        [sys.executable, "-m", "bio2scan", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(env, NO_COLOR="1"),
        preexec_fn=small_disk,
    )


@pytest.mark.parametrize("existing", [False, True])
def test_a_pack_that_does_not_fit_is_removed_and_said_in_one_line(
    tmp_path: Path, existing: bool
) -> None:
    """``evaluate inventory.json --evidence-dir``: the pack's copy of the inventory does not
    fit (the reports, Markdown only, do). One line says so, exit 2, no traceback; the reports
    are written; nothing of the pack is left (a directory made for it is removed, one that
    was there empty stays empty). With room again the same command makes a pack that
    verifies."""
    inv = tmp_path / "inv.json"
    r = run_cli("collect", "manifests", str(MANIFESTS), "-q", "--output", str(inv))
    assert r.returncode == 0, r.stderr
    pack = tmp_path / "pack"
    if existing:
        pack.mkdir()
    args = ("evaluate", str(inv), "--format", "md", "-o", str(tmp_path / "out"), "-q")
    probe = run_cli(*args, "--fail-on", "none")  # the reports alone: their largest file
    assert probe.returncode == 0, probe.stderr
    largest = max(f.stat().st_size for f in (tmp_path / "out").iterdir())
    assert inv.stat().st_size > largest + 2
    limit = (inv.stat().st_size + largest) // 2
    p = _limited(limit, *args, "--fail-on", "none", "--evidence-dir", str(pack))
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().splitlines() == [
        f"bio2scan: error: cannot write the evidence pack into {pack}: File too large; "
        "the reports are written, the pack is removed"
    ]
    assert (tmp_path / "out" / "report.md").stat().st_size < limit
    assert (list(pack.iterdir()) == []) if existing else not pack.exists()
    ok = run_cli(*args, "--fail-on", "none", "--evidence-dir", str(pack))
    assert ok.returncode == 0, ok.stderr
    assert run_cli("verify", str(pack)).returncode == 0
    assert (pack / "inventory.json").read_bytes() == inv.read_bytes()


def test_a_pack_whose_reports_do_not_fit_is_removed(tmp_path: Path) -> None:
    """``scan --format md --evidence-dir``: the pack adds ``report.html`` and
    ``results.json``; the page does not fit. The reports' own set is written, the pack's
    staging and files are gone, and the line names the pack, not "the reports"."""
    out, pack = tmp_path / "out", tmp_path / "pack"
    scan = ("scan", "manifests", str(MANIFESTS), "--format", "md", "-q", "--fail-on", "none")
    probe = run_cli(*scan, "-o", str(tmp_path / "probe"), "--evidence-dir", str(tmp_path / "p0"))
    assert probe.returncode == 0, probe.stderr
    sizes = {f.name: f.stat().st_size for f in (tmp_path / "p0").iterdir()}
    others = max(v for k, v in sizes.items() if k != "report.html")
    assert sizes["report.html"] > others + 2
    limit = (sizes["report.html"] + others) // 2
    p = _limited(limit, *scan, "-o", str(out), "--evidence-dir", str(pack))
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"bio2scan: error: cannot write the evidence pack into {pack}: File too large"
    )
    assert lines[0].endswith("the reports are written, the pack is removed"), lines
    assert "Traceback" not in p.stderr and not pack.exists()
    assert (out / "report.md").exists()


def _inventory(n: int = 20) -> Inventory:
    from bio2scan.model import Resource

    things = tuple(
        Resource("k8s.core.configmap", f"ns/ConfigMap/c{i}", f"c{i}", "c1", {"i": i})
        for i in range(n)
    )
    meta = ScanMeta("0.1.0", "2026-11-20T09:00:00+00:00", "2026-11-20T09:01:00+00:00")
    return Inventory(meta, things)


def test_a_scan_copies_its_report_sets_inventory_into_its_pack(tmp_path, monkeypatch) -> None:
    """The pack's inventory is the report set's file copied (not encoded a second time): the
    same bytes, bound to the pack's results."""
    from bio2scan import evidence
    from bio2scan.documents import save_inventory, sha256_file

    inv = _inventory()
    encoded = tmp_path / "encoded.json.gz"
    save_inventory(encoded, inv)
    calls: list[Path] = []
    real = evidence.save_inventory

    def counting(path, inventory):
        calls.append(Path(path))
        return real(path, inventory)

    monkeypatch.setattr(evidence, "save_inventory", counting)
    api.finish(document(), ["json"], tmp_path / "out", inventory=inv, evidence_dir=tmp_path / "pk")
    pack = tmp_path / "pk" / "inventory.json.gz"
    assert calls == []
    assert pack.read_bytes() == (tmp_path / "out" / "inventory.json.gz").read_bytes()
    assert pack.read_bytes() == encoded.read_bytes()
    results = api.load_results(tmp_path / "pk" / "results.json")
    assert results["scan"]["inventory_sha256"] == sha256_file(pack)
    assert verify(tmp_path / "pk").ok


@pytest.mark.parametrize("case", ["replaced", "missing"])
def test_a_report_inventory_replaced_or_gone_is_not_copied(tmp_path: Path, case: str) -> None:
    """The report set's file replaced meanwhile (another scan into the same directory) or gone:
    the pack encodes its own inventory and its results name that one."""
    from bio2scan.documents import save_inventory, sha256_file

    inv = _inventory()
    mine = tmp_path / "mine.json.gz"
    digest = save_inventory(mine, inv)
    there = tmp_path / "report" / "inventory.json.gz"
    there.parent.mkdir()
    if case == "replaced":
        save_inventory(there, _inventory(3))
    write_pack(
        tmp_path / "pk",
        document(),
        lambda doc, out: api.render(doc, ["json"], out, record=False),
        inventory=inv,
        written=(there, digest),
    )
    pack = tmp_path / "pk" / "inventory.json.gz"
    assert pack.read_bytes() == mine.read_bytes()
    results = api.load_results(tmp_path / "pk" / "results.json")
    assert results["scan"]["inventory_sha256"] == digest == sha256_file(pack)


def test_a_report_sets_results_name_its_inventory(tmp_path: Path) -> None:
    """A scan's results name the SHA-256 of the inventory file beside them (as a pack's do);
    so does the document the caller holds. Without an inventory the document's own stays."""
    from bio2scan.documents import sha256_file

    doc = document()
    api.finish(doc, ["json", "sarif"], tmp_path / "out", inventory=_inventory())
    sha = sha256_file(tmp_path / "out" / "inventory.json.gz")
    results = api.load_results(tmp_path / "out" / "results.json")
    assert results["scan"]["inventory_sha256"] == sha == doc["scan"]["inventory_sha256"]
    plain = document()
    api.finish(plain, ["json"], tmp_path / "plain")
    assert api.load_results(tmp_path / "plain" / "results.json")["scan"]["inventory_sha256"] == (
        "cd" * 32
    )


def test_a_pack_copies_the_report_sets_reports(tmp_path: Path, monkeypatch) -> None:
    """The pack renders only what the report set lacks (json and html here); its other files
    are the set's, copied: rendered once in all, the same bytes, bound to the same inventory."""
    from bio2scan.documents import sha256_file
    from bio2scan.render import csvfmt, html, jsonfmt

    log = tmp_path / "log"  # (the writers may run in forked children: logged to a file)
    for cls in (csvfmt.CsvRenderer, jsonfmt.JsonRenderer, html.HtmlRenderer):
        real = cls.write

        def logged(self, *a, _real=real, _name=cls.name, **kw):
            with open(log, "a") as fh:
                fh.write(_name + "\n")
            return _real(self, *a, **kw)

        monkeypatch.setattr(cls, "write", logged)
    api.finish(
        document(), ["csv"], tmp_path / "out", inventory=_inventory(), evidence_dir=tmp_path / "pk"
    )
    assert sorted(log.read_text().split()) == ["csv", "html", "json"]
    out, pk = tmp_path / "out", tmp_path / "pk"
    assert (pk / "results.csv").read_bytes() == (out / "results.csv").read_bytes()
    assert (pk / "inventory.json.gz").read_bytes() == (out / "inventory.json.gz").read_bytes()
    results = api.load_results(pk / "results.json")
    assert results["scan"]["inventory_sha256"] == sha256_file(out / "inventory.json.gz")
    assert verify(pk).ok


@pytest.mark.parametrize("case", ["same", "replaced", "missing", "symlink", "fifo"])
def test_a_copied_report_is_kept_only_if_it_is_what_was_written(tmp_path: Path, case) -> None:
    """``render(copies=)``: a file is copied when its bytes still have the digest they were
    written with; one replaced since, or gone, is rendered again. A symbolic link put in its
    place is not followed (even to the very bytes), and a FIFO is not waited on."""
    import hashlib
    import os
    import signal

    rendered = api.render(document(), ["md"], tmp_path / "rendered")["md"].read_bytes()
    source = tmp_path / "set" / "report.md"
    source.parent.mkdir()
    written = b"# the report as the set wrote it\n"
    digest = hashlib.sha256(written).hexdigest()
    if case in ("same", "replaced"):
        source.write_bytes(written if case == "same" else b"# replaced since\n")
    elif case == "symlink":
        (tmp_path / "elsewhere.md").write_bytes(written)
        source.symlink_to(tmp_path / "elsewhere.md")
    elif case == "fifo":
        os.mkfifo(source)
    made: dict[str, str] = {}

    def hung(*_: object) -> None:
        raise TimeoutError("waited on the FIFO")

    before = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)  # a FIFO waited on would hang the test
    try:
        paths = api.render(
            document(),
            ["md"],
            tmp_path / "pk",
            copies={"report.md": (source, digest)},
            digests=made,
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
    assert paths["md"].read_bytes() == (written if case == "same" else rendered)
    assert made["report.md"] == hashlib.sha256(paths["md"].read_bytes()).hexdigest()


def test_cli_scan_binds_its_report_set_and_its_pack_to_one_inventory(tmp_path: Path) -> None:
    """``scan`` (its inventory written ahead where a second CPU allows): the results in ``-o``
    name the inventory file beside them; the pack's reports are the set's, byte for byte."""
    from bio2scan.documents import sha256_file

    out, pack = tmp_path / "out", tmp_path / "pack"
    r = run_cli(
        "scan", "manifests", str(MANIFESTS), "-o", str(out), "--evidence-dir", str(pack),
        "--format", "json,html,csv", "--fail-on", "none", "-q",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    sha = sha256_file(out / "inventory.json.gz")
    assert api.load_results(out / "results.json")["scan"]["inventory_sha256"] == sha
    for name in ("inventory.json.gz", "results.json", "report.html", "results.csv"):
        assert (pack / name).read_bytes() == (out / name).read_bytes(), name
    assert verify(pack).ok


def test_results_never_name_a_digest_that_is_not_their_inventorys(tmp_path, monkeypatch) -> None:
    """The document names another inventory's digest, and writing the inventory's file first
    fails once (a fault that is not the disk's): the file is written again in its turn, and
    the results name no digest rather than the other one."""
    from bio2scan import outputs

    real = outputs.write_inventory
    calls: list[int] = []

    def flaky(fh, inventory, gz=True):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a fault while encoding")
        return real(fh, inventory, gz=gz)

    monkeypatch.setattr(outputs, "write_inventory", flaky)
    doc = document()
    assert doc["scan"]["inventory_sha256"] == "cd" * 32
    api.finish(doc, ["json"], tmp_path / "out", inventory=_inventory())
    assert len(calls) == 2 and (tmp_path / "out" / "inventory.json.gz").is_file()
    assert api.load_results(tmp_path / "out" / "results.json")["scan"]["inventory_sha256"] is None
    assert doc["scan"]["inventory_sha256"] is None
