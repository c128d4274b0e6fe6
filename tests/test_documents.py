"""The inventory and results documents: atomic writes, gzip, SHA-256, schema errors."""

from __future__ import annotations

import gzip
import json
import os

import pytest

from bio2scan.documents import (
    atomic_write,
    load_inventory,
    read_json,
    save_inventory,
    sha256_file,
    validate,
    write_json,
)
from bio2scan.errors import InputError, InventoryError
from bio2scan.model import CollectionError, Inventory, Resource, ScanMeta, Source, Target


def _inventory() -> Inventory:
    meta = ScanMeta(
        "0.1.0",
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T00:00:05+00:00",
        targets=(Target("manifests", ("c",), (), {"paths": ["x"]}),),
        api_calls={"list": 3},
        timings={"collect": 1.5},
    )
    res = Resource(
        type="k8s.core.pod",
        id="a/Pod/p",
        name="p",
        scope="c",
        data={"kind": "Pod", "spec": {"x": [1, "é"]}},
        source=Source(file="x.yaml", line=3),
        namespace="a",
        tags={"app": "p"},
        errors={"spec.volumes": "Forbidden"},
    )
    err = CollectionError(
        "k8s", "k8s.core.secret", "c", "forbidden", "AccessDenied", api="v1 secrets", namespace="a"
    )
    return Inventory(meta, (res,), (err,))


@pytest.mark.parametrize("name", ["inv.json", "inv.json.gz"])
def test_inventory_round_trip(tmp_path, name):
    inv = _inventory()
    path = tmp_path / name
    digest = save_inventory(path, inv)
    assert digest == sha256_file(path)
    assert load_inventory(path) == inv
    validate("inventory", read_json(path))
    assert save_inventory(tmp_path / ("again-" + name), load_inventory(path)) == digest


def test_gzip_is_reproducible(tmp_path):
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    write_json(a, {"k": 1})
    write_json(b, {"k": 1})
    assert a.read_bytes() == b.read_bytes()
    assert json.loads(gzip.decompress(a.read_bytes())) == {"k": 1}


def test_atomic_write_leaves_no_temporary_files_and_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "sub" / "out.txt"
    atomic_write(path, "one")
    atomic_write(path, b"two")
    assert path.read_text() == "two" and os.listdir(path.parent) == ["out.txt"]
    with pytest.raises(TypeError):
        atomic_write(path, 12345)  # type: ignore[arg-type]
    assert path.read_text() == "two" and os.listdir(path.parent) == ["out.txt"]


def test_schema_errors_name_the_field(tmp_path):
    doc = _inventory().to_dict()
    doc["resources"][0]["scope"] = 7
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert info.value.file == str(path) and info.value.field == "resources/0/scope"


def test_read_json_errors(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{\n "a": 1,\n}')
    with pytest.raises(InputError) as info:
        read_json(p)
    assert info.value.line == 3 and "invalid JSON" in str(info.value)


def test_large_documents_are_compact_small_ones_indented(monkeypatch):
    from bio2scan import documents

    doc = {"kind": "bio2scan-results", "results": [{"a": 1}, {"b": [1, 2]}, {"c": "é"}]}
    small = documents.dumps(doc)
    assert small.startswith('{\n "kind"') and json.loads(small) == doc
    monkeypatch.setattr(documents, "LARGE", 2)
    large = documents.dumps(doc)
    assert large.count("\n") == 1 and json.loads(large) == doc and "é" in large


def test_inventory_notices_round_trip_and_validate(tmp_path):
    """Notices (objects not checked, files skipped, duplicates) survive the inventory document."""
    from bio2scan import api
    from bio2scan.documents import load_inventory, validate
    from bio2scan.model import Inventory, Notice, ScanMeta

    notes = (
        Notice("not-checked", "kind not known", "k8s", "a.yaml", 3, "Rollout", "web"),
        Notice("skipped", "Helm chart", file="chart/Chart.yaml", hint="helm template chart"),
    )
    inv = Inventory(ScanMeta("test", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"), notices=notes)
    validate("inventory", inv.to_dict())
    path = tmp_path / "inv.json"
    api.save_inventory(path, inv)
    assert load_inventory(path).notices == notes
    assert Inventory.merge([inv, inv]).notices == notes
