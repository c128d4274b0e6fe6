"""Hostile or broken ARM answers, through the real azure-mgmt pipeline against the ARM stub: a
``nextLink`` to another host (the token must not go there), paging that loops or never ends, an
answer too large to read, and throttling or server errors that would stretch a scan without end.
Each must end quickly as a collection error, never as a hang, a crash or a PASS."""

from __future__ import annotations

import time
from pathlib import Path

from arm_fixture import SUB_A
from stubs.arm import ArmServer

from bio2scan import api
from bio2scan.collectors.azure import pipeline

STORAGE = "azure.storage.account"
RESOURCES_A = f"/subscriptions/{SUB_A}/resources"


def _collect(arm: ArmServer, ca: str | None = None, **opts):
    options = {"arm_endpoint": arm.url, "ca_bundle": ca or arm.ca_file, "retries": 2, **opts}
    rules = api.select_rules(api.load_rules(), patterns=["azure.storage.*"])
    t0 = time.monotonic()
    inv = api.collect("azure", options, rules=rules, max_workers=4)
    return inv, time.monotonic() - t0


def _errors(inv, scope=SUB_A, rtype=STORAGE):
    return [e for e in inv.errors if e.scope == scope and e.resource_type == rtype]


def test_a_next_link_to_another_host_is_never_sent(arm_estate, arm_env, tmp_path):
    with ArmServer(arm_estate, cert_name="foreign.localhost") as foreign:
        with ArmServer(arm_estate, page_size=2, next_base={RESOURCES_A: foreign.url}) as arm:
            bundle = tmp_path / "ca.pem"  # the foreign host is trusted: only the host pin stops it
            bundle.write_bytes(Path(arm.ca_file).read_bytes() + Path(foreign.ca_file).read_bytes())
            inv, _ = _collect(arm, str(bundle))
        assert foreign.requests == []  # not a byte, so not the token
    (err,) = _errors(inv)
    assert err.code == "Error" and "not sent: https://127.0.0.1:" in err.reason
    assert "not the endpoint's host" in err.reason
    assert not [r for r in inv.resources if r.scope == SUB_A and r.type == STORAGE]
    assert not [e for e in inv.errors if e.scope != SUB_A]  # the others are read as usual


def test_a_next_link_that_loops_ends_at_once(arm_estate, arm_env):
    with ArmServer(arm_estate, page_size=2, paging={RESOURCES_A: "loop"}) as arm:
        inv, took = _collect(arm)
        pages = sum(1 for _, p in arm.requests if p == RESOURCES_A)
    (err,) = _errors(inv)
    assert "nextLink repeats a page already read" in err.reason
    assert pages == 2 and took < 10  # the first page and one repeat


def test_endless_paging_stops_at_the_page_limit(arm_estate, arm_env, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_PAGES", 25)  # the default (5000) is the same code path
    with ArmServer(arm_estate, page_size=2, paging={RESOURCES_A: "endless"}) as arm:
        inv, _ = _collect(arm)
        pages = sum(1 for _, p in arm.requests if p == RESOURCES_A)
    (err,) = _errors(inv)
    assert "the collection exceeds 25 pages" in err.reason and pages == 25


def test_an_answer_too_large_is_cut_not_read(arm_estate, arm_env, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_BODY", 2**20)
    with ArmServer(arm_estate, huge={RESOURCES_A: 200 * 2**20}) as arm:
        inv, took = _collect(arm)
    (err,) = _errors(inv)
    assert "the answer exceeds 1 MiB" in err.reason
    assert took < 20  # 200 MiB were offered; about 1 MiB was read


def test_an_answer_that_trickles_is_cut_after_its_time(arm_estate, arm_env, monkeypatch):
    """16 bytes every 0.05 s, each well within the read timeout, never ending: without a limit
    on the answer's whole time this would hold the scan for weeks; it is cut after 2 s."""
    monkeypatch.setattr(pipeline, "MAX_ANSWER_SECONDS", 2.0)
    with ArmServer(arm_estate, drip={RESOURCES_A: 0.05}) as arm:
        inv, took = _collect(arm, timeout=5)
    (err,) = _errors(inv)
    assert "the answer was still arriving after 2 s" in err.reason
    assert 2 <= took < 8  # one receive past the deadline, not one 4 KiB block (~13 s here)
    others = [e for e in inv.errors if e.scope != SUB_A]
    assert not others  # the other subscriptions were read as usual


def test_a_retry_after_beyond_the_wait_budget_is_not_waited_for(arm_estate, arm_env):
    with ArmServer(arm_estate, throttle={RESOURCES_A: -1}, retry_after=86400) as arm:
        inv, took = _collect(arm, retries=4)
        tries = sum(1 for _, p in arm.requests if p == RESOURCES_A)
    (err,) = _errors(inv)
    assert err.code == "Throttled" and "(Retry-After: 86400)" in err.reason
    assert tries == 1 and took < 10


def test_throttling_and_server_errors_share_one_wait_budget(arm_estate, arm_env):
    """Every subscription throttled for ever, Retry-After 1 s: with --max-wait 2 the whole scan
    waits about 2 s in all (not 1 s × retries × requests), then reports each as Throttled."""
    with ArmServer(arm_estate, throttle={"/resources": -1}, retry_after=1) as arm:
        inv, took = _collect(arm, retries=4, max_wait=2)
        tries = sum(1 for _, p in arm.requests if p.endswith("/resources"))
    errs = [e for e in inv.errors if e.resource_type == STORAGE]
    assert len(errs) == 3 and {e.code for e in errs} == {"Throttled"}
    assert tries <= 3 + 2  # one try per subscription, plus the two seconds of retries
    assert took < 8
