"""The manifest collector's reading in worker processes (``manifest_files.run_jobs``): the
same outcomes, in the same order, as reading in one process; a worker that dies loses nothing; and a whole
collection through it equals the one-process collection (duplicates across the split, errors,
notices, file:line of every object)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bio2scan import api
from bio2scan.collectors import manifests
from bio2scan.collectors.manifest_files import Job, Outcome, load_job, run_jobs
from bio2scan.collectors.yaml_objects import Limits

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p{n}
  namespace: ns{ns}
spec:
  containers:
    - name: c
      image: "img:{n}"
      securityContext: {{privileged: {priv}}}
"""


def _tree(d: Path, n: int) -> list[Job]:
    """``n`` files: pods (some with two documents, one repeating an earlier object), a broken
    file, a file that is no object, a Helm values file."""
    d.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = POD.format(n=i, ns=i % 3, priv="yes" if i % 4 == 0 else "false")
        if i % 5 == 0:
            text += "---\n" + POD.format(n=i + 1000, ns=0, priv="on")
        if i == n - 2:
            text += "---\n" + POD.format(n=1, ns=1, priv="no")  # the object of file 1 again
        (d / f"f{i:03d}.yaml").write_text(text)
    (d / "f010.yaml").write_text("kind: Pod\nmetadata: {name: [\n")
    (d / "f011.yaml").write_text("just: data\n")
    (d / "values.yaml").write_text("replicas: 2\n")
    return [Job(str(p), str(p), False) for p in sorted(d.iterdir())]


def _load(j: Job) -> Outcome:
    return load_job(j, "c", None, Limits())


@pytest.mark.parametrize("workers", [1, 3])
def test_more_processes_give_the_outcomes_of_one_in_order(tmp_path, workers):
    jobs = _tree(tmp_path, 60)
    serial: list[Outcome] = []
    run_jobs(jobs, _load, serial.append, workers=0)
    parallel: list[Outcome] = []
    run_jobs(jobs, _load, parallel.append, workers=workers)
    assert [o.display for o in serial] == [j.display for j in jobs]
    assert parallel == serial
    assert any(o.errors for o in serial) and any(o.notices for o in serial)


def test_a_worker_that_dies_loses_no_file(tmp_path):
    jobs = _tree(tmp_path, 30)
    me = os.getpid()

    def dying(j: Job) -> Outcome:
        if os.getpid() != me:
            os._exit(3)  # the worker dies on its first file
        return _load(j)

    got: list[Outcome] = []
    run_jobs(jobs, dying, got.append, workers=1)
    expected: list[Outcome] = []
    run_jobs(jobs, _load, expected.append, workers=0)
    assert got == expected


def test_an_interrupted_read_ends_the_worker(tmp_path):
    jobs = _tree(tmp_path, 30)

    def boom(o: Outcome) -> None:
        raise KeyboardInterrupt

    before = _children()
    with pytest.raises(KeyboardInterrupt):
        run_jobs(jobs, _load, boom, workers=1)
    assert _children() <= before  # the worker was ended and reaped: no child left behind


def _children() -> set[int]:
    """The processes whose parent is this one (zombies included), from /proc."""
    me, out = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                out.add(int(entry))
    return out


def _view(inv):
    return (
        [(r.type, r.id, r.source.file, r.source.line, r.data) for r in inv.resources],
        [(e.reason, e.file, e.line) for e in inv.errors],
        [(n.code, n.reason, n.file, n.line) for n in inv.notices],
    )


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: never read in two")
def test_a_collection_read_on_two_cores_equals_one_read_on_one(tmp_path, monkeypatch):
    _tree(tmp_path / "m", 80)
    one = api.collect("manifests", {"paths": [str(tmp_path / "m")]})
    monkeypatch.setattr(manifests, "_PARALLEL_BYTES", 1)  # every input is "large"
    two = api.collect("manifests", {"paths": [str(tmp_path / "m")]})
    assert _view(two) == _view(one)
    assert len(one.resources) > 80 and one.errors
    assert any(n.code == "duplicate" for n in one.notices)


def test_without_a_temporary_file_everything_is_read_in_this_process(tmp_path, monkeypatch):
    import tempfile

    jobs = _tree(tmp_path / "m", 12)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-dir"))
    got: list[Outcome] = []
    run_jobs(jobs, _load, got.append, workers=1)
    assert [o.display for o in got] == [j.display for j in jobs]
    assert got[0].resources


_FORKS: list[int] = []
os.register_at_fork(after_in_parent=lambda: _FORKS.append(1))  # counts; harmless if left


def test_no_worker_is_forked_while_the_host_runs_other_threads(tmp_path, monkeypatch):
    """A library caller with threads: a lock one of them holds at the fork would stay held in
    the worker, which could hang for ever — so every file is read in this process then."""
    import threading

    _tree(tmp_path / "m", 40)
    monkeypatch.setattr(manifests, "_PARALLEL_BYTES", 1)  # every input is "large"
    before = len(_FORKS)
    alone = api.collect("manifests", {"paths": [str(tmp_path / "m")]})
    assert len(_FORKS) > before  # the check below can see a fork
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        before = len(_FORKS)
        busy = api.collect("manifests", {"paths": [str(tmp_path / "m")]})
        assert len(_FORKS) == before
    finally:
        stop.set()
        other.join()
    assert _view(busy) == _view(alone)


def test_what_a_worker_sends_gives_back_every_field():
    """A worker sends its outcomes as plain values (``_pack``): every field of every resource,
    source and notice comes back equal, and a field added to the model must be added there."""
    import dataclasses
    import pickle

    from bio2scan.collectors import manifest_files as mf
    from bio2scan.model import Notice, Resource, Source

    assert tuple(f.name for f in dataclasses.fields(Resource)) == mf._RESOURCE_FIELDS
    assert tuple(f.name for f in dataclasses.fields(Source)) == mf._SOURCE_FIELDS
    assert tuple(f.name for f in dataclasses.fields(Notice)) == mf._NOTICE_FIELDS
    r = Resource(
        *(f"v{i}" for i in range(4)),
        {"a": [1, 2.5, True, None, {"b": "c"}]},
        Source(*(f"s{i}" for i in range(4)), 7),
        *(f"w{i}" for i in range(2)),
        {"t": "1"},
        {"e": "why"},
        {"d": "later"},
    )
    n = Notice(*(f"n{i}" for i in range(4)), 9, *(f"m{i}" for i in range(3)))
    checked = dataclasses.replace(n, code="not-checked")
    o = Outcome(
        "f.yaml", [r, dataclasses.replace(r, id="other")], [("bad", 3)], [n], [None, checked]
    )
    assert mf._unpack(pickle.loads(pickle.dumps(mf._pack(o)))) == o


_KILLED_SCRIPT = """
import sys, time
from bio2scan.collectors.manifest_files import Job, Outcome, run_jobs
jobs = [Job(f"j{i}", None, False, b"") for i in range(2000)]
def load(j):
    time.sleep(0.01)
    return Outcome(j.display, [], [("x" * 2000, None)], [], [])  # more than a pipe holds
print("ready", flush=True)
run_jobs(jobs, load, lambda o: None, workers=1)
"""


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads /proc (Linux)")
def test_a_scan_killed_while_reading_leaves_no_worker_behind(tmp_path):
    """The scan's process is killed (SIGKILL: no clean-up runs) while its worker reads: the
    worker ends at once (``PR_SET_PDEATHSIG``) rather than read on and then wait for ever to
    send its outcomes into a pipe that nobody reads."""
    import signal
    import subprocess
    import sys
    import time

    with subprocess.Popen(
        [sys.executable, "-c", _KILLED_SCRIPT], stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            children = f"/proc/{proc.pid}/task/{proc.pid}/children"
            deadline = time.monotonic() + 30
            worker = None
            while worker is None and time.monotonic() < deadline:
                with open(children) as fh:
                    found = fh.read().split()
                worker = int(found[0]) if found else None
                time.sleep(0.01)
            assert worker is not None, "no worker was forked"
            time.sleep(0.2)  # reading
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            deadline = time.monotonic() + 5
            while _state(worker) not in (None, "Z") and time.monotonic() < deadline:
                time.sleep(0.02)
            assert _state(worker) in (None, "Z"), "the worker outlived the scan"
        finally:
            proc.kill()
