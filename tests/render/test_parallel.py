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
from pathlib import Path

import pytest

from bio2scan import api, parallel
from bio2scan.documents import write_set
from bio2scan.errors import OutputError

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


def test_a_full_disk_while_writing_side_by_side_keeps_the_previous_report_set(tmp_path):
    out = tmp_path / "out"
    write_set(out, {"a.txt": "old a", "b.txt": "old b"}, key="scan-1")
    before = _files(out)

    def full(path: Path) -> str:
        path.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    def fine(path: Path) -> str:
        path.write_text("new a")
        return None  # type: ignore[return-value]

    with (
        pytest.raises(OutputError, match=r"No space left on device.*previous ones are unchanged"),
        parallel.prepared(out, {"a.txt": fine, "b.txt": full}, 2) as files,
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
