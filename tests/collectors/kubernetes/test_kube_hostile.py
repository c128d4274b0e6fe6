"""A hostile (or broken) API server cannot hold the live collector: answers are bounded in bytes
and in time, lists in pages and items, and a paging loop ends at once. Each is an error for that
kind; every other kind is read as usual."""

from __future__ import annotations

import time

import pytest
from kubefixtures import cluster_objects
from stubs.kube import KubeStub, write_kubeconfig

from bio2scan import api
from bio2scan.collectors.kubernetes import live

CM = "k8s.core.configmap"


def _collect(tmp_path, stub, **opts):
    kc = write_kubeconfig(tmp_path / "kubeconfig", {"c1": stub})
    t0 = time.monotonic()
    inv = api.collect("kubernetes", {"kubeconfig": str(kc), **opts})
    return inv, time.monotonic() - t0


def _only_error(inv, rtype=CM):
    errs = [e for e in inv.errors if e.resource_type == rtype]
    assert [e.resource_type for e in inv.errors] == [rtype]  # nothing else failed
    assert any(r.type == "k8s.apps.deployment" for r in inv.resources)
    (err,) = errs
    return err


def test_an_answer_too_large_is_cut_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "MAX_BODY", 2**20)
    with KubeStub(cluster_objects(), huge={"configmaps": 300 * 2**20}) as s:
        inv, took = _collect(tmp_path, s)
    err = _only_error(inv)
    assert err.code == "Error" and "the answer exceeds 1 MiB" in err.reason
    assert took < 30  # 300 MiB were offered; about 1 MiB was read


def test_an_answer_that_trickles_is_cut_after_its_time(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "MAX_ANSWER_SECONDS", 2.0)
    with KubeStub(cluster_objects(), drip={"configmaps": 0.05}) as s:
        inv, took = _collect(tmp_path, s, timeout=5)
    err = _only_error(inv)
    assert "the answer was still arriving after 2 s" in err.reason
    assert 2 <= took < 8  # one receive past the deadline, not one 64 KiB read (~200 s here)


def test_a_continue_token_that_repeats_ends_the_list(tmp_path):
    with KubeStub(cluster_objects(), paging={"configmaps": "loop"}) as s:
        inv, _ = _collect(tmp_path, s)
        asked = [q for q in s.requests if q.startswith("/api/v1/configmaps")]
    err = _only_error(inv)
    assert "continue repeats a page already read" in err.reason
    assert len(asked) == 2  # the first page, and the one whose token came back again
    assert not [r for r in inv.resources if r.type == CM]  # no half list passed off as whole


@pytest.mark.parametrize(("limit", "what", "expect"), [("MAX_PAGES", 20, "exceeds 20 pages")])
def test_endless_paging_stops_at_the_page_limit(tmp_path, monkeypatch, limit, what, expect):
    monkeypatch.setattr(live, limit, what)
    with KubeStub(cluster_objects(), paging={"configmaps": "endless"}) as s:
        inv, _ = _collect(tmp_path, s)
        asked = [q for q in s.requests if q.startswith("/api/v1/configmaps")]
    err = _only_error(inv)
    assert expect in err.reason and len(asked) == 20


def test_endless_items_stop_at_the_item_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "MAX_ITEMS", 5)
    with KubeStub(cluster_objects(), paging={"configmaps": "endless"}) as s:
        inv, _ = _collect(tmp_path, s)
    err = _only_error(inv)
    assert "the list exceeds 5 items" in err.reason
