"""The inventory written as a stream (``documents.write_inventory``): the same bytes as the
document encoded whole, memory that does not grow with the inventory, and a full disk half-way
that leaves the previous file as it was."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bio2scan import documents
from bio2scan.documents import (
    encode_json,
    load_inventory,
    save_inventory,
    sha256_file,
    write_inventory,
)
from bio2scan.model import (
    CollectionError,
    Inventory,
    Notice,
    Resource,
    ScanMeta,
    Source,
    Target,
)

META = ScanMeta(
    "0.1.0",
    "2026-01-01T00:00:00+00:00",
    "2026-01-01T00:00:05+00:00",
    targets=(Target("manifests", ("c",), (), {"paths": ["x"]}),),
)

_text = st.text(max_size=12)  # any code point: escapes, surrogates' neighbours, non-ASCII
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | _text
    | st.just(dt.datetime(2026, 1, 2, 3, 4, 5)),  # not JSON: written by ``default=str``
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=12,
)


@st.composite
def _inventories(draw: Any) -> Inventory:
    n = draw(st.integers(0, 9))
    resources = tuple(
        Resource(
            type="k8s.core.pod",
            id=f"ns/Pod/{i}-{draw(_text)}",
            name=draw(_text),
            scope="c",
            data=draw(st.dictionaries(_text, _json, max_size=4)),
            source=Source(file=draw(_text), line=draw(st.integers(1, 10**6))),
            namespace=draw(st.none() | _text),
            tags=draw(st.dictionaries(_text, _text, max_size=2)),
            errors=draw(st.dictionaries(_text, _text, max_size=1)),
        )
        for i in range(n)
    )
    errors = tuple(
        CollectionError("k8s", "k8s.core.secret", "c", draw(_text), "AccessDenied")
        for _ in range(draw(st.integers(0, 2)))
    )
    notices = tuple(
        Notice("not-checked", draw(_text), "k8s", draw(_text))
        for _ in range(draw(st.integers(0, 2)))
    )
    return Inventory(META, resources, errors, notices)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inv=_inventories(), batch=st.integers(1, 4), large=st.integers(0, 10))
def test_the_stream_is_the_whole_document_byte_for_byte(inv, batch, large):
    """Gzip and plain, indented (small) and compact (large), batches of any size: the bytes
    and the returned SHA-256 are those of the document encoded whole."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(documents, "_INVENTORY_BATCH", batch)
        mp.setattr(documents, "LARGE", large)
        for gz in (True, False):
            buf = io.BytesIO()
            digest = write_inventory(buf, inv, gz=gz)
            whole = encode_json(inv.to_dict(), gz=gz)
            assert buf.getvalue() == whole
            assert digest == hashlib.sha256(whole).hexdigest()


def test_gzip_does_not_depend_on_pythons_gzip_module():
    """The member zlib writes: no file name, time 0; it reads back with ``gzip``."""
    raw = encode_json({"k": "é"}, gz=True)
    assert raw[:3] == b"\x1f\x8b\x08" and raw[3] == 0 and raw[4:8] == b"\0\0\0\0"
    assert json.loads(gzip.decompress(raw)) == {"k": "é"}


def _estate(n: int) -> Inventory:
    """``n`` distinct pods of a few hundred bytes each."""
    return Inventory(
        META,
        tuple(
            Resource(
                type="k8s.core.pod",
                id=f"team/Pod/p{i}",
                name=f"p{i}",
                scope="c",
                data={
                    "kind": "Pod",
                    "metadata": {"name": f"p{i}", "labels": {"app": f"a{i}"}},
                    "spec": {"containers": [{"name": "c", "image": f"reg/img{i}:1.{i}"}]},
                },
                source=Source(file=f"f{i}.yaml", line=i + 1),
                namespace="team",
            )
            for i in range(n)
        ),
    )


class _Sink:
    def write(self, data: bytes) -> None:
        pass


@pytest.mark.parametrize("gz", [True, False])
def test_memory_does_not_grow_with_the_inventory(gz):
    """Writing 16 times as many resources needs no more memory beyond a batch's text; the
    document encoded whole needs memory in proportion (its dicts, its text, its bytes)."""

    def peak(n: int, write: Any) -> int:
        inv = _estate(n)
        tracemalloc.start()
        try:
            write(inv)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(documents, "LARGE", 10)  # plain files compact (streamed) from 10 resources

        def streamed(inv: Inventory) -> None:
            write_inventory(_Sink(), inv, gz=gz)

        small, large = peak(1_000, streamed), peak(16_000, streamed)
        assert large < small * 1.5 + 64_000, (small, large)
        whole_small = peak(1_000, lambda inv: encode_json(inv.to_dict(), gz=gz))
        whole_large = peak(16_000, lambda inv: encode_json(inv.to_dict(), gz=gz))
        assert whole_large > whole_small * 3  # the measure sees what streaming avoids
        assert large * 5 < whole_large, (large, whole_large)


def _unmeasured() -> dict[str, str]:
    """The environment without coverage's measurement of subprocesses (make test): its data,
    written at exit, would meet the file size limit too."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_PROCESS")}


_FULL_DISK = textwrap.dedent(
    """
    import resource, sys
    from bio2scan.documents import save_inventory
    sys.path.insert(0, {tests!r})
    from test_inventory_stream import _estate
    inv = _estate(20_000)
    resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
    try:
        save_inventory({path!r}, inv)
    except OSError as exc:
        print(exc.errno)
    """
)


@pytest.mark.parametrize("name", ["inv.json.gz", "inv.json"])
def test_a_full_disk_half_way_leaves_the_previous_file(tmp_path, name):
    """The file system refuses a write half-way (RLIMIT_FSIZE: ``write`` fails with EFBIG
    where a full disk fails with ENOSPC): the error reaches the caller, the previous file is
    unchanged and no temporary file is left."""
    path = tmp_path / name
    save_inventory(path, _estate(3))
    before = path.read_bytes()
    limit = len(before) + 4096
    code = _FULL_DISK.format(tests=os.path.dirname(__file__), limit=limit, path=str(path))
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_unmeasured()
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "27"  # EFBIG
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [name]
    save_inventory(path, _estate(20_000))  # room again: written whole, read back whole
    assert len(load_inventory(path).resources) == 20_000
    assert sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_collect_on_a_full_disk_says_so_in_one_line(tmp_path):
    """``bio2scan collect … --output``: the inventory does not fit; one line names the file and
    the reason, exit 2, no traceback, and the previous inventory is still there whole."""
    estate = tmp_path / "estate"
    estate.mkdir()
    for i in range(40):
        (estate / f"app-{i}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: team\n"
            f"data:\n  note: '{'x' * 2000}{i}'\n"
        )
    out = tmp_path / "inv.json"
    cmd = [sys.executable, "-m", "bio2scan", "collect", "manifests", "-q", "--output", str(out)]
    first = subprocess.run([*cmd, str(estate / "app-0.yaml")], capture_output=True, timeout=120)
    assert first.returncode == 0, first.stderr
    before = out.read_bytes()
    limit = len(before) + 4096

    def small_disk() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    p = subprocess.run(
        [*cmd, str(estate)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_disk,
        env=_unmeasured(),
    )
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().splitlines() == [
        f"bio2scan: error: cannot write the inventory {out}: File too large; "
        "a previous file there is unchanged"
    ]
    assert out.read_bytes() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["estate", "inv.json"]
