"""Hostile or broken Graph answers, through the real azure-core pipeline against the Graph stub:
paging that loops or never ends, an answer too large to read, throttling and server errors that
would stretch a scan without end, and a Retry-After on a refusal. Each ends quickly as a named
collection error; 401 (the token) and 403 (a permission) stay distinct."""

from __future__ import annotations

import json
import time

import pytest
from graph_fixture import arm_estate, graph_estate
from helpers import collect, servers

from bio2scan import api
from bio2scan.collectors.azure import pipeline

CA = "azure.entra.conditional_access_policy"
AUTHZ = "azure.entra.authorization_policy"
CA_PATH = "/identity/conditionalaccess/policies"


def _rules(*patterns):
    return api.select_rules(api.load_rules(), patterns=list(patterns))


def _run(tmp_path, rules, collect_opts=None, **graph_opts):
    with servers(graph_estate(), arm_estate(), tmp_path, page_size=1, **graph_opts) as (g, a, ca):
        t0 = time.monotonic()
        inv = collect(g, a, ca, rules=rules, **(collect_opts or {}))
        took = time.monotonic() - t0
        paths = [p for _, p, _ in g.requests]
    return inv, took, paths


def _only(inv, rtype):
    errs = [e for e in inv.errors if e.resource_type == rtype]
    assert len(errs) == 1, inv.errors
    return errs[0]


def test_a_next_link_that_loops_ends_at_once(tokens, tmp_path):
    inv, took, paths = _run(
        tmp_path, _rules("azure.entra.ca_*"), paging={"/conditionalaccess/policies": "loop"}
    )
    err = _only(inv, CA)
    assert "@odata.nextLink repeats a page already read" in err.reason
    assert paths.count("/v1.0/identity/conditionalAccess/policies") == 2 and took < 10
    assert not [r for r in inv.resources if r.type == CA]  # no half collection


def test_endless_paging_stops_at_the_page_limit(tokens, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_PAGES", 30)
    inv, _, paths = _run(
        tmp_path, _rules("azure.entra.ca_*"), paging={"/conditionalaccess/policies": "endless"}
    )
    assert "the collection exceeds 30 pages" in _only(inv, CA).reason
    assert paths.count("/v1.0/identity/conditionalAccess/policies") == 30


def test_endless_items_stop_at_the_item_limit(tokens, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_ITEMS", 3)
    inv, _, _ = _run(tmp_path, _rules("azure.entra.ca_*"))  # the estate has more than 3
    assert "the collection exceeds 3 items" in _only(inv, CA).reason


def test_an_answer_too_large_is_cut_not_read(tokens, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_BODY", 2**20)
    inv, took, _ = _run(
        tmp_path,
        _rules("azure.entra.guest_invite_restricted"),
        huge={"/policies/authorizationpolicy": 200 * 2**20},
    )
    assert "the answer exceeds 1 MiB" in _only(inv, AUTHZ).reason and took < 20


def test_a_retry_after_beyond_the_wait_budget_is_not_waited_for(tokens, tmp_path):
    inv, took, paths = _run(
        tmp_path,
        _rules("azure.entra.guest_invite_restricted"),
        {"retries": 4},
        throttle={"/policies/authorizationpolicy": -1},
        retry_after=86400,
    )
    err = _only(inv, AUTHZ)
    assert err.code == "Throttled" and "(Retry-After: 86400)" in err.reason
    assert paths == ["/v1.0/policies/authorizationPolicy"] and took < 10


def test_server_errors_are_retried_within_the_wait_budget(tokens, tmp_path):
    """A 503 for ever, with back-off (0, 1, 2 s …): --max-wait 1 allows the free first retry
    and one of 1 s, then the 503 stands."""
    fault = (503, json.dumps({"error": {"code": "ServiceUnavailable", "message": "busy"}}), {})
    inv, took, paths = _run(
        tmp_path,
        _rules("azure.entra.guest_invite_restricted"),
        {"retries": 4, "max_wait": 1},
        faults={"/policies/authorizationpolicy": fault},
    )
    err = _only(inv, AUTHZ)
    assert err.code == "Error" and "HTTP 503 ServiceUnavailable" in err.reason
    assert paths.count("/v1.0/policies/authorizationPolicy") == 3 and took < 6


@pytest.mark.parametrize(
    ("status", "graph_code", "kind_words"),
    [
        (401, "InvalidAuthenticationToken", "the token was refused"),
        (403, "Authorization_RequestDenied", "lacks the Graph application permission"),
    ],
)
def test_a_refusal_with_retry_after_is_not_retried(
    tokens, tmp_path, status, graph_code, kind_words
):
    body = json.dumps({"error": {"code": graph_code, "message": "no"}})
    inv, took, paths = _run(
        tmp_path,
        _rules("azure.entra.guest_invite_restricted"),
        {"retries": 4},
        faults={"/policies/authorizationpolicy": (status, body, {"Retry-After": "5"})},
    )
    err = _only(inv, AUTHZ)
    assert (
        err.code == "AccessDenied" and kind_words in err.reason and f"HTTP {status}" in err.reason
    )
    assert paths == ["/v1.0/policies/authorizationPolicy"] and took < 4
