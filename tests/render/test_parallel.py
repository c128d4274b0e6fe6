"""Report files written side by side in forked children (``bio2scan.parallel``): the same bytes
as one by one, and every way a child can fail reported as if the file were written here."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bio2scan import api, parallel
from bio2scan.documents import write_set
from bio2scan.errors import OutputError
from bio2scan.model import Inventory, Resource, ScanMeta, Target

from .fixture import document

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="children are forked on Linux only"
)
FORMATS = ["json", "html", "md", "sarif", "junit", "csv"]


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def test_side_by_side_writes_the_same_bytes_as_one_by_one(tmp_path):
    doc = document()
    assert parallel.usable(len(FORMATS), 2)  # this test runs them side by side
    one = api.render(doc, FORMATS, tmp_path / "one", workers=1)
    two = api.render(doc, FORMATS, tmp_path / "two", workers=2)
    many = api.render(doc, FORMATS, tmp_path / "many", workers=6)
    assert list(one) == list(two) == list(many) == FORMATS  # in the order asked
    a, b, c = _files(tmp_path / "one"), _files(tmp_path / "two"), _files(tmp_path / "many")
    html = "report.html"  # its island marker is random per page: compare around it
    assert {k: v for k, v in a.items() if k != html} == {k: v for k, v in b.items() if k != html}
    assert {k: v for k, v in b.items() if k != html} == {k: v for k, v in c.items() if k != html}
    assert len(a[html]) == len(b[html]) == len(c[html])
    assert sorted(a) == sorted(b) == [".bio2scan-set", *sorted(p.name for p in one.values())]
    # no private directory of a child is left behind
    assert not [p for p in (tmp_path / "two").iterdir() if p.is_dir()]


def _record(log: Path, tag: str) -> None:
    with open(log, "a") as fh:
        fh.write(f"{tag} {os.getpid()}\n")


def _callers(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def test_a_writer_that_meets_a_full_disk_reports_it_as_if_written_here(tmp_path):
    log = tmp_path / "log"

    def full(path: Path) -> str:
        _record(log, "full")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    def fine(path: Path) -> str:
        path.write_text("ok")
        return "digest"

    out = tmp_path / "out"
    with (
        parallel.prepared(out, {"a.txt": fine, "b.txt": full}, 2) as files,
        pytest.raises(OSError) as caught,
    ):
        files["b.txt"](out / "staging-b")
    assert caught.value.errno == errno.ENOSPC and caught.value.strerror == "No space left on device"
    assert caught.value.filename == str(out / "staging-b")  # the path write_set gave
    assert len(_callers(log)) == 2  # written once (here or in the child), not again
    assert not [p for p in out.iterdir() if p.name.startswith(".bio2scan-staging-")]


def _start(ahead: parallel.Ahead, jobs: dict[str, Any]) -> None:
    if not ahead.start(jobs):
        pytest.skip("no second CPU for this process, another thread, or not Linux")


def _full(path: Path) -> str:
    path.write_text("half")
    raise OSError(errno.ENOSPC, "No space left on device")


def _new_a(path: Path) -> str:
    path.write_text("new a")
    return "a"


def test_a_full_disk_while_writing_side_by_side_keeps_the_previous_report_set(tmp_path):
    out = tmp_path / "out"
    write_set(out, {"a.txt": "old a", "b.txt": "old b"}, key="scan-1")
    before = _files(out)
    with (
        pytest.raises(OutputError, match=r"No space left on device.*previous ones are unchanged"),
        parallel.prepared(out, {"a.txt": _new_a, "b.txt": _full}, 2) as files,
    ):
        write_set(out, files, key="scan-2")
    assert _files(out) == before
    assert [p.name for p in out.iterdir() if p.is_dir()] == []


def test_a_child_that_fails_otherwise_leaves_the_file_to_this_process(tmp_path):
    """An exception that is not an OSError (a bug) or a child killed by a signal: this process
    writes the file again itself, so the error (if it is one) is exactly the in-process one."""
    log, me = tmp_path / "log", os.getpid()

    def buggy(path: Path) -> str:
        _record(log, "buggy")
        _barrier(log)
        raise ValueError("a bug in a renderer")

    def killed(path: Path) -> str:
        _record(log, "killed")
        _barrier(log)
        if os.getpid() != me:
            os.kill(os.getpid(), signal.SIGKILL)
        path.write_text("written here")
        return "here"

    out = tmp_path / "out"
    with parallel.prepared(out, {"a.txt": buggy, "b.txt": killed}, 2) as files:
        first = _callers(log)
        assert len(first) == 4 and len(set(first[1::2])) == 2  # one each: here and a child
        with pytest.raises(ValueError, match="a bug in a renderer"):
            files["a.txt"](out / "x")
        assert files["b.txt"](out / "y") == "here"
    assert (out / "y").read_text() == "written here"
    calls = _callers(log)
    again = calls[4:]  # buggy always again here; killed again only if the child took it
    assert again[0::2][0] == "buggy" and set(again[1::2]) == {str(me)}
    assert ("killed" in again) == (first[first.index("killed") + 1] != str(me))


def _barrier(log: Path) -> None:
    """Wait until two processes have each taken a job (so this process and the child each
    write one of two files)."""
    deadline = time.monotonic() + 30
    while len(set(_callers(log)[1::2])) < 2:
        assert time.monotonic() < deadline, "the other writer never took a job"
        time.sleep(0.01)


def test_this_process_writes_its_share_while_the_child_writes(tmp_path):
    """Two workers are this process and one child: each takes one of two files."""
    log, me = tmp_path / "log", os.getpid()

    def job(path: Path) -> str:
        _record(log, path.name)
        _barrier(log)
        path.write_text(path.name)
        return "sha-" + path.name

    out = tmp_path / "out"
    with parallel.prepared(out, {"a.txt": job, "b.txt": job}, 2) as files:
        writers = _callers(log)[1::2]
        assert str(me) in writers and len(set(writers)) == 2
        assert files["a.txt"](out / "s1") == "sha-a.txt" and (out / "s1").read_text() == "a.txt"
        assert files["b.txt"](out / "s2") == "sha-b.txt" and (out / "s2").read_text() == "b.txt"
    assert len(_callers(log)) == 4  # neither written again
    assert not [p for p in out.iterdir() if p.name.startswith(".bio2scan-staging-")]


def test_one_file_one_worker_or_other_threads_write_here(tmp_path):
    def job(path: Path) -> str:
        return "x"

    two = {"a": job, "b": job}
    with parallel.prepared(tmp_path, {"a": job}, 4) as files:
        assert files == {"a": job}  # one file: nothing to do side by side
    with parallel.prepared(tmp_path, two, 1) as files:
        assert files == two
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:  # a lock another thread holds would stay held in a child
        with parallel.prepared(tmp_path, two, 2) as files:
            assert files == two
    finally:
        stop.set()
        t.join()
    assert list(tmp_path.iterdir()) == []


def test_one_format_through_render_is_written_here(tmp_path):
    paths = api.render(document(), ["sarif"], tmp_path / "out")
    assert list(paths) == ["sarif"] and paths["sarif"].exists()


def test_an_interrupted_parent_leaves_no_child_behind(tmp_path):
    """Killed while its children write (``kill -9`` of the scan): the children die with it."""
    pids = tmp_path / "pids"
    script = f"""
import os, time
from pathlib import Path
from bio2scan import parallel

def slow(path):
    with open({str(pids)!r}, "a") as fh:
        fh.write(f"{{os.getpid()}}\\n")
    time.sleep(60)

with parallel.prepared({str(tmp_path / "out")!r}, {{"a": slow, "b": slow}}, 2) as files:
    pass
"""
    p = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while len(_callers(pids)) < 2:
            assert time.monotonic() < deadline and p.poll() is None
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    children = [int(x) for x in _callers(pids)]
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children):
        assert time.monotonic() < deadline, "a child outlived its parent"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_two_workers_take_many_files_from_one_queue(tmp_path):
    log = tmp_path / "log"

    def job(path: Path) -> str:
        _record(log, path.name)
        path.write_text(path.name)
        return "sha-" + path.name

    names = [f"f{i}.txt" for i in range(7)]
    out = tmp_path / "out"
    with parallel.prepared(out, dict.fromkeys(names, job), 2) as files:
        calls = _callers(log)
        for i, name in enumerate(names):
            assert files[name](out / f"s{i}") == "sha-" + name
            assert (out / f"s{i}").read_text() == name
    writers = set(calls[1::2])
    assert sorted(calls[0::2]) == names and len(writers) <= 2


def test_a_name_that_is_not_a_plain_file_name_is_never_written_by_a_child(tmp_path):
    out = tmp_path / "out"
    out.mkdir()

    def job(path: Path) -> str:
        path.write_text("x")
        return "x"

    jobs = {"a.txt": job, "b.txt": job, "../escape.txt": job, ".hidden": job}
    with parallel.prepared(out, jobs, 2) as files:
        assert files["../escape.txt"] is job and files[".hidden"] is job
        assert not (tmp_path / "escape.txt").exists()
    with pytest.raises(ValueError, match="not a plain file name"):
        write_set(out, jobs)
    assert not (tmp_path / "escape.txt").exists() and list(out.iterdir()) == []


# --- files written ahead (``parallel.Ahead``): a scan's inventory while it rolls up ----------


def _inventory_of(n: int) -> Inventory:
    now = "2026-12-04T10:00:00+00:00"
    things = tuple(
        Resource("k8s.core.configmap", f"ns/ConfigMap/cm-{i}", f"cm-{i}", "c1", {"i": i})
        for i in range(n)
    )
    return Inventory(ScanMeta("0.1.0", now, now, (Target("manifests", ("c1",)),)), things)


def test_the_inventory_written_ahead_joins_the_set_with_the_same_bytes(tmp_path, monkeypatch):
    """``write_ahead`` writes the inventory in a child while this process goes on; ``finish``
    takes that file into the report set: the set is byte for byte the one written without."""
    if not parallel.usable(2, parallel.default_workers()):
        pytest.skip("no second CPU for this process, another thread, or not Linux")
    from bio2scan import outputs

    doc, inv = document(), _inventory_of(300)
    api.finish(doc, FORMATS, tmp_path / "plain", inventory=inv)
    log = tmp_path / "log"
    with api.Ahead(tmp_path / "early") as ahead:
        assert api.write_ahead(ahead, inv)
        assert not api.write_ahead(ahead, inv)  # once
        assert [p.name.startswith(parallel.STAGING) for p in (tmp_path / "early").iterdir()] == [
            True
        ]
        real = outputs.write_inventory

        def recording(*a: Any, **kw: Any) -> str:  # any writing of it after the child's start
            _record(log, "inventory")
            return real(*a, **kw)

        monkeypatch.setattr(outputs, "write_inventory", recording)
        api.finish(doc, FORMATS, tmp_path / "early", inventory=inv, ahead=ahead)
    a, b = _files(tmp_path / "plain"), _files(tmp_path / "early")
    assert sorted(a) == sorted(b) and "inventory.json.gz" in b
    assert a["inventory.json.gz"] == b["inventory.json.gz"]
    assert a["results.json"] == b["results.json"] and a[".bio2scan-set"] == b[".bio2scan-set"]
    assert "inventory" not in _callers(log)  # taken from the child, not written again here
    assert not [p for p in (tmp_path / "early").iterdir() if p.is_dir()]


def test_a_full_disk_met_ahead_is_reported_as_if_met_here(tmp_path):
    out = tmp_path / "out"
    write_set(out, {"a.txt": "old a", "inventory.json.gz": "old"}, key="scan-1")
    before = _files(out)
    full, fine = _full, _new_a
    with parallel.Ahead(out) as ahead:
        _start(ahead, {"inventory.json.gz": full})
        with (
            pytest.raises(OutputError, match=r"No space left on device.*previous ones"),
            # (what this process would write is fine: the error can only be the child's)
            parallel.prepared(out, {"a.txt": fine, "inventory.json.gz": fine}, 2, ahead) as files,
        ):
            write_set(out, files, key="scan-2")
    assert _files(out) == before
    assert [p.name for p in out.iterdir() if p.is_dir()] == []


def test_a_child_ahead_that_fails_otherwise_leaves_the_file_to_this_process(tmp_path):
    log, me = tmp_path / "log", os.getpid()

    def killed(path: Path) -> str:
        _record(log, "killed")
        if os.getpid() != me:
            os.kill(os.getpid(), signal.SIGKILL)
        path.write_text("written here")
        return "here"

    out = tmp_path / "out"
    with parallel.Ahead(out) as ahead:
        _start(ahead, {"b.txt": killed})
        with parallel.prepared(out, {"b.txt": killed}, 2, ahead) as files:
            assert files["b.txt"](out / "y") == "here"
    assert (out / "y").read_text() == "written here"
    calls = _callers(log)
    assert calls[0::2] == ["killed", "killed"] and calls[1] != str(me) and calls[3] == str(me)
    assert [p.name for p in out.iterdir()] == ["y"]


def test_a_child_ahead_not_taken_is_stopped_and_its_file_removed(tmp_path):
    """A scan that fails after starting (an error in the roll-up, an interrupt): leaving the
    ``with`` block kills the child and removes what it wrote; nothing is left behind."""
    pids = tmp_path / "pids"

    def slow(path: Path) -> str:
        path.write_text("partial")
        _record(pids, "slow")
        time.sleep(60)
        return "never"

    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="the roll-up failed"), parallel.Ahead(out) as ahead:
        _start(ahead, {"inv.gz": slow})
        ahead.go()
        deadline = time.monotonic() + 30
        while not _callers(pids):
            assert time.monotonic() < deadline, "the child never started"
            time.sleep(0.01)
        raise RuntimeError("the roll-up failed")
    child = int(_callers(pids)[1])
    assert not _alive(child)
    assert list(out.iterdir()) == []


def test_the_child_ahead_waits_until_it_is_let_go(tmp_path):
    """Forked before the results exist, the child writes nothing until ``go()`` (the scan's
    rules are evaluated); one never let go writes nothing and is gone on leaving."""
    log = tmp_path / "log"

    def job(path: Path) -> str:
        _record(log, "job")
        path.write_text("x")
        return "x"

    out = tmp_path / "out"
    with parallel.Ahead(out) as ahead:
        _start(ahead, {"a.txt": job})
        time.sleep(0.3)
        assert not log.exists()
        ahead.go()
        deadline = time.monotonic() + 30
        while not log.exists():
            assert time.monotonic() < deadline, "the child never wrote after go()"
            time.sleep(0.01)
        with parallel.prepared(out, {"a.txt": job}, 2, ahead) as files:
            assert files["a.txt"](out / "s") == "x"
    assert _callers(log)[0::2] == ["job"]  # once, in the child
    with parallel.Ahead(tmp_path / "never") as ahead:
        assert ahead.start({"a.txt": job})
        pid = ahead._pid
    assert not _alive(pid) and list((tmp_path / "never").iterdir()) == []
    assert _callers(log)[0::2] == ["job"]


def test_nothing_is_written_ahead_beside_another_thread(tmp_path):
    """Another thread (a progress bar): no child; the file is written with the others."""
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        with parallel.Ahead(tmp_path / "out") as ahead:
            assert not ahead.start({"a.txt": lambda p: "x"})
            assert ahead.names == ()
            job = _writer("here")
            with parallel.prepared(tmp_path / "out", {"a.txt": job}, 2, ahead) as files:
                assert files["a.txt"] is job
    finally:
        stop.set()
        t.join()
    assert not (tmp_path / "out").exists()


def _writer(text: str) -> Callable[[Path], str]:
    def write(path: Path) -> str:
        path.write_text(text)
        return text

    return write


def test_a_scan_writes_its_inventory_while_it_rolls_up(tmp_path, monkeypatch):
    """The command line's scan starts the inventory's file in a child, without waiting for the
    reports to be rendered: rendering waits (up to 30 s) to see it started, which only happens
    when it was started ahead (else it is written while rendering, and comes second)."""
    if not parallel.usable(2, parallel.default_workers()):
        pytest.skip("no second CPU for this process, another thread, or not Linux")
    from click.testing import CliRunner

    from bio2scan import documents, outputs
    from bio2scan.cli import main

    log = tmp_path / "log"
    real_render, real_write = outputs.render, outputs.write_inventory

    def render(*a: Any, **kw: Any) -> Any:
        deadline = time.monotonic() + 30
        while "inventory" not in _callers(log) and time.monotonic() < deadline:
            time.sleep(0.01)
        _record(log, "render")
        return real_render(*a, **kw)

    def write(*a: Any, **kw: Any) -> str:
        _record(log, "inventory")
        return real_write(*a, **kw)

    monkeypatch.setattr(outputs, "render", render)
    monkeypatch.setattr(outputs, "write_inventory", write)
    src = tmp_path / "src"
    src.mkdir()
    (src / "cm.yaml").write_text(
        "".join(
            f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n" for i in range(50)
        )
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["scan", "manifests", str(src), "-o", str(out), "--format", "json", "--fail-on", "none"],
    )
    assert result.exit_code == 0, result.output
    calls = _callers(log)
    assert calls[0::2] == ["inventory", "render"] and calls[1] != str(os.getpid())
    inv = documents.load_inventory(out / "inventory.json.gz")
    assert len(inv.resources) == 50
    assert not [p for p in out.iterdir() if p.is_dir()]


def test_write_set_returns_each_files_digest_as_written(tmp_path):
    """The digests ``write_set`` records in ``.bio2scan-set`` are returned too (the evidence
    pack checks its copy of the inventory against one)."""
    import hashlib
    import json

    out = tmp_path / "out"
    made = write_set(out, {"a.txt": "text", "b.txt": _new_a}, key="k")
    on_disk = {n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in ("a.txt", "b.txt")}
    assert made == {"a.txt": on_disk["a.txt"], "b.txt": "a"}  # a writer's own digest as given
    assert json.loads((out / ".bio2scan-set").read_text())["sha256"] == made


def _naming(named: dict[str, str], text: str) -> Callable[[Path], str]:
    """A writer whose file names the digest ``bind`` was given (as results name the inventory)."""

    def write(path: Path) -> str:
        body = f"{text} {named.get('digest', 'unbound')}"
        path.write_text(body)
        return body

    return write


@pytest.mark.parametrize("workers", [1, 2])
def test_the_first_file_is_written_before_the_others_and_they_name_its_digest(tmp_path, workers):
    """``first``: its digest is known (``bind``) before any other file is written, in this
    process or in a forked child."""
    named: dict[str, str] = {}
    out = tmp_path / "out"
    jobs = {"a.txt": _naming(named, "a"), "b.txt": _naming(named, "b"), "inv": _writer("inv")}
    with parallel.prepared(
        out, jobs, workers, first=("inv", lambda d: named.update(digest=d + "!"))
    ) as files:
        assert named == {"digest": "inv!"}  # before write_set asks for any file
        digests = write_set(out, files, record=False)
    assert digests == {"a.txt": "a inv!", "b.txt": "b inv!", "inv": "inv"}
    assert (out / "a.txt").read_text() == "a inv!" and (out / "inv").read_text() == "inv"
    assert not [p for p in out.iterdir() if p.name.startswith(".bio2scan-staging-")]


def test_the_first_file_written_ahead_is_waited_for_and_named(tmp_path):
    """The first file written by the child ahead: its digest comes from the child (written
    there once), before the other files are written."""
    log = tmp_path / "log"
    named: dict[str, str] = {}

    def inv(path: Path) -> str:
        _record(log, "inv")
        time.sleep(0.2)  # still being written when the others would start
        path.write_text("inventory")
        return "sha-of-inventory"

    out = tmp_path / "out"
    with parallel.Ahead(out) as ahead:
        _start(ahead, {"inv": inv})
        ahead.go()
        jobs = {"a.txt": _naming(named, "a"), "b.txt": _naming(named, "b"), "inv": inv}
        with parallel.prepared(
            out, jobs, 2, ahead, first=("inv", lambda d: named.update(digest=d))
        ) as files:
            digests = write_set(out, files, record=False)
    assert digests["a.txt"] == "a sha-of-inventory" == (out / "a.txt").read_text()
    assert digests["inv"] == "sha-of-inventory"
    assert _callers(log)[0::2] == ["inv"]  # once, in the child
    assert int(_callers(log)[1]) != os.getpid()


@pytest.mark.parametrize("ahead_writes", [False, True])
def test_a_first_file_that_does_not_fit_names_nothing_and_fails_the_set(tmp_path, ahead_writes):
    """The first file meets a full disk: ``bind`` is never called, and the set fails as if the
    file were written in ``write_set``'s turn — the previous set stays."""
    out = tmp_path / "out"
    write_set(out, {"a.txt": "previous"})
    named: dict[str, str] = {}
    jobs = {"a.txt": _naming(named, "a"), "b.txt": _naming(named, "b"), "inv": _full}
    with parallel.Ahead(out) as ahead:
        if ahead_writes:
            _start(ahead, {"inv": _full})
        with (
            parallel.prepared(
                out, jobs, 2, ahead, first=("inv", lambda d: named.update(digest=d))
            ) as files,
            pytest.raises(OutputError, match="No space left on device"),
        ):
            write_set(out, files)
    assert named == {}
    assert (out / "a.txt").read_text() == "previous"
    assert not (out / "inv").exists()
