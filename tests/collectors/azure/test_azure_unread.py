"""A target from which nothing could be read exits 3, even with --allow-incomplete (issue 11.5),
for Azure and Entra: the whole scan path, through the CLI, against real sockets (a port nobody
listens on, a name in ``.invalid``, a TLS server the client does not trust) and the stubs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from arm_fixture import SUB_A, TENANT
from stubs.arm import DEFAULT_TOKEN as ARM_TOKEN
from stubs.arm import ArmServer
from stubs.graph import DEFAULT_TOKEN as GRAPH_TOKEN
from stubs.graph import GraphServer

from bio2scan import api

GRAPH = {
    "/policies/authorizationPolicy": {"id": "authorizationPolicy", "allowInvitesFrom": "none"},
    "/policies/authenticationMethodsPolicy": {"id": "authenticationMethodsPolicy"},
}
RULES = "azure.storage.*,azure.entra.guest_invite_restricted,azure.entra.auth_method_sms_*"
LENIENT = ("--allow-incomplete", "--fail-on", "none")


def _refused() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"https://127.0.0.1:{s.getsockname()[1]}"


def _scan(tmp_path: Path, *args: str, ca: str | None = None):
    env = dict(
        os.environ, NO_COLOR="1", AZURE_ACCESS_TOKEN=ARM_TOKEN, AZURE_GRAPH_TOKEN=GRAPH_TOKEN
    )
    env.pop("REQUESTS_CA_BUNDLE", None)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "bio2scan", "scan", *args, "--rules", RULES, "-o", str(out)]
    r = subprocess.run(
        [*cmd, *LENIENT, *(("--ca-bundle", ca) if ca else ())],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    doc = api.load_results(out / "results.json")
    return r, doc


def _bundle(tmp_path: Path, *servers) -> str:
    path = tmp_path / "ca.pem"
    path.write_bytes(b"".join(Path(s.ca_file).read_bytes() for s in servers))
    return str(path)


@pytest.mark.parametrize(
    ("endpoint", "code"), [(_refused, "Refused"), (lambda: "https://arm.invalid", "DNS")]
)
def test_azure_endpoint_unreachable_exits_3(tmp_path, endpoint, code):
    r, doc = _scan(tmp_path, "azure", "--subscriptions", SUB_A, "--arm-endpoint", endpoint())
    assert r.returncode == 3, r.stderr
    assert "Could not read at all" in r.stdout
    assert doc["coverage"]["unread"] == ["*"]
    assert {e["code"] for e in doc["collection_errors"]} == {code}
    assert "PASS" not in {x["status"] for x in doc["results"]}


def test_graph_refused_exits_3(tmp_path):
    r, doc = _scan(tmp_path, "entra", "--tenant", TENANT, "--graph-endpoint", _refused())
    assert r.returncode == 3, r.stderr
    assert "Could not read at all" in r.stdout
    assert {e["code"] for e in doc["collection_errors"]} == {"Refused"}
    assert {x["status"] for x in doc["results"]} == {"ERROR"}


def test_graph_with_an_untrusted_certificate_exits_3(tmp_path):
    with GraphServer(GRAPH) as g:
        r, doc = _scan(tmp_path, "entra", "--tenant", TENANT, "--graph-endpoint", g.url)
        assert g.requests == []
    assert r.returncode == 3, r.stderr
    assert {e["code"] for e in doc["collection_errors"]} == {"TLS"}


def test_azure_read_but_its_entra_tenant_unreachable_exits_3(tmp_path, arm_estate):
    """The subscriptions are read; the tenant's Graph refuses: the tenant is unread."""
    with ArmServer(arm_estate) as a:
        r, doc = _scan(
            tmp_path,
            "azure",
            "--entra",
            "--tenant",
            TENANT,
            "--arm-endpoint",
            a.url,
            "--graph-endpoint",
            _refused(),
            ca=a.ca_file,
        )
    assert r.returncode == 3, r.stderr
    assert doc["coverage"]["unread"] == [TENANT]
    assert "Could not read at all" in r.stdout
    (err,) = doc["collection_errors"]
    assert (err["resource_type"], err["scope"], err["code"]) == ("*", TENANT, "Refused")
    assert "GET /policies/authorizationPolicy: connection refused" in err["reason"]
    storage = [x for x in doc["results"] if x["rule_id"].startswith("azure.storage.")]
    assert {x["status"] for x in storage if x["scope"] == SUB_A} >= {"PASS", "FAIL"}


def test_entra_read_but_arm_unreachable_exits_3(tmp_path):
    with GraphServer(GRAPH) as g:
        r, doc = _scan(
            tmp_path,
            "azure",
            "--entra",
            "--tenant",
            TENANT,
            "--arm-endpoint",
            _refused(),
            "--graph-endpoint",
            g.url,
            ca=g.ca_file,
        )
    assert r.returncode == 3, r.stderr
    assert doc["coverage"]["unread"] == ["*"]
    entra = [x for x in doc["results"] if x["rule_id"] == "azure.entra.guest_invite_restricted"]
    assert "PASS" in {x["status"] for x in entra}  # what was read is still reported


def test_both_read_with_one_type_refused_is_incomplete_not_unread(tmp_path, arm_estate):
    """The counter-case: something of every target was read, so --allow-incomplete holds."""
    with ArmServer(arm_estate) as a, GraphServer(GRAPH, forbidden={"/authorizationpolicy"}) as g:
        r, doc = _scan(
            tmp_path,
            "azure",
            "--entra",
            "--tenant",
            TENANT,
            "--arm-endpoint",
            a.url,
            "--graph-endpoint",
            g.url,
            ca=_bundle(tmp_path, a, g),
        )
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert doc["coverage"]["unread"] == [] and doc["summary"]["complete"] is False
    (err,) = doc["collection_errors"]
    assert err["resource_type"] == "azure.entra.authorization_policy"
    assert "Policy.Read.All" in err["reason"]
