"""Network errors named for what they are — refused, DNS, TLS, unreachable, timeout — and fast
(issue 13.6); a scan that could read nothing (unreachable cluster, no AWS credentials) exits 3,
also with --allow-incomplete (issue 11.5). Real clients against real sockets: a port nobody
listens on, a name in the reserved ``.invalid`` domain, a TLS server with a certificate the
client does not trust, and a server that accepts connections but never answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bio2scan import api


def _free_port() -> int:
    """A port on which nothing listens (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Silent:
    """Accepts TCP connections (the kernel's backlog) and never answers."""

    def __enter__(self) -> _Silent:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def _kubeconfig(path: Path, servers: dict[str, str]) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in servers.items()],
        "users": [{"name": "u", "user": {"token": "t0ken"}}],
        "contexts": [{"name": n, "context": {"cluster": n, "user": "u"}} for n in servers],
        "current-context": next(iter(servers)),
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def _collect_k8s(kc: Path, **opts: object):
    t = time.monotonic()
    inv = api.collect("kubernetes", {"kubeconfig": str(kc), "all_contexts": True, **opts})
    return inv, time.monotonic() - t


def test_refused_connection_is_named_refused_and_known_fast(tmp_path):
    port = _free_port()
    kc = _kubeconfig(tmp_path / "kc", {"dead": f"https://127.0.0.1:{port}"})
    inv, took = _collect_k8s(kc, timeout=30)
    (err,) = inv.errors
    assert (err.resource_type, err.scope, err.code) == ("*", "dead", "Refused")
    assert f"connection refused (127.0.0.1:{port})" in err.reason
    assert "timeout" not in err.reason.lower() and "30 s" not in err.reason
    assert took < 5, f"a refused connection took {took:.1f} s to report"


def test_unresolvable_name_is_named_dns(tmp_path):
    kc = _kubeconfig(tmp_path / "kc", {"typo": "https://no-such-cluster.invalid:6443"})
    inv, _ = _collect_k8s(kc, timeout=10)
    (err,) = inv.errors
    assert err.code == "DNS" and "no-such-cluster.invalid" in err.reason


def test_untrusted_certificate_is_named_tls(tmp_path):
    from stubs.kube import KubeStub, write_kubeconfig

    with KubeStub([], tls=True) as s:
        kc = write_kubeconfig(tmp_path / "kubeconfig", {"mitm": s})
        doc = yaml.safe_load(kc.read_text())
        del doc["clusters"][0]["cluster"]["certificate-authority-data"]
        kc.write_text(yaml.safe_dump(doc))
        inv = api.collect("kubernetes", {"kubeconfig": str(kc), "timeout": 5})
    (err,) = inv.errors
    assert err.code == "TLS" and "certificate is not trusted" in err.reason


def test_a_server_that_never_answers_is_a_timeout_within_the_limit(tmp_path):
    with _Silent() as srv:
        kc = _kubeconfig(tmp_path / "kc", {"mute": f"https://127.0.0.1:{srv.port}"})
        inv, took = _collect_k8s(kc, timeout=1)
    (err,) = inv.errors
    assert err.code == "Timeout" and "within 1 s" in err.reason
    assert took < 10


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bio2scan", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env if env is not None else dict(os.environ, NO_COLOR="1"),
    )


def test_unreachable_cluster_scan_exits_3_even_with_allow_incomplete(tmp_path):
    kc = _kubeconfig(tmp_path / "kc", {"dead": f"https://127.0.0.1:{_free_port()}"})
    out = tmp_path / "out"
    base = ("scan", "kubernetes", "--kubeconfig", str(kc), "--rules", "k8s.pod.*", "-o", str(out))
    for extra in ((), ("--allow-incomplete",), ("--fail-on", "none", "--allow-incomplete")):
        r = _cli(*base, *extra)
        assert r.returncode == 3, r.stderr
        assert "Could not read at all: dead" in r.stdout
    doc = api.load_results(out / "results.json")
    assert doc["summary"]["complete"] is False and doc["coverage"]["unread"] == ["dead"]
    assert doc["collection_errors"][0]["code"] == "Refused"
    assert "PASS" not in {r["status"] for r in doc["results"]}


def _no_aws_credentials(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        NO_COLOR="1",
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def test_aws_scan_without_credentials_exits_3_even_with_allow_incomplete(tmp_path):
    out = tmp_path / "out"
    env = _no_aws_credentials(tmp_path)
    base = ("scan", "aws", "--regions", "eu-west-1", "--rules", "aws.s3.*", "-o", str(out))
    for extra in ((), ("--allow-incomplete", "--fail-on", "none")):
        r = _cli(*base, *extra, env=env)
        assert r.returncode == 3, r.stderr
    doc = api.load_results(out / "results.json")
    assert doc["coverage"]["resources"] == 0 and doc["coverage"]["unread"]
    assert "Unable to locate credentials" in doc["collection_errors"][0]["reason"]


def test_aws_endpoint_that_refuses_is_named_refused(tmp_path):
    import boto3
    import botocore.config
    import botocore.exceptions

    from bio2scan.collectors.aws.calls import classify

    port = _free_port()
    client = boto3.client(
        "sts",
        region_name="eu-west-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="x",
        aws_secret_access_key="y",
        config=botocore.config.Config(retries={"max_attempts": 0}, connect_timeout=5),
    )
    with pytest.raises(botocore.exceptions.EndpointConnectionError) as caught:
        client.get_caller_identity()
    err = classify(caught.value, "sts:GetCallerIdentity")
    assert err.code == "Refused" and "connection refused" in err.reason


def test_azure_endpoint_that_refuses_is_named_refused(tmp_path, monkeypatch):
    from stubs.arm import DEFAULT_TOKEN

    monkeypatch.setenv("AZURE_ACCESS_TOKEN", DEFAULT_TOKEN)
    port = _free_port()
    t = time.monotonic()
    inv = api.collect(
        "azure",
        {
            "subscriptions": ["00000000-0000-0000-0000-000000000001"],
            "arm_endpoint": f"https://127.0.0.1:{port}",
            "retries": 0,
            "timeout": 30,
        },
        rules=api.select_rules(api.load_rules(), patterns=["azure.storage.*"]),
    )
    assert inv.errors and {e.code for e in inv.errors} == {"Refused"}, inv.errors
    assert time.monotonic() - t < 10


# --- Azure and Entra: the same names, and as fast, with their default retries ----------------
SUB = "00000000-0000-0000-0000-000000000001"


def _collect_azure(provider: str, url: str, monkeypatch, **opts: object):
    """``azure`` (ARM at ``url``) or ``entra`` (Graph at ``url``) with default retries."""
    from stubs.arm import DEFAULT_TOKEN as ARM_TOKEN
    from stubs.graph import DEFAULT_TOKEN as GRAPH_TOKEN

    monkeypatch.setenv("AZURE_ACCESS_TOKEN", ARM_TOKEN)
    monkeypatch.setenv("AZURE_GRAPH_TOKEN", GRAPH_TOKEN)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    if provider == "azure":
        options = {"subscriptions": [SUB], "arm_endpoint": url, **opts}
        rules = ["azure.storage.*"]
    else:
        options = {"tenant": "t1", "graph_endpoint": url, **opts}
        rules = ["azure.entra.guest_invite_restricted", "azure.entra.ca_*"]
    selected = api.select_rules(api.load_rules(), patterns=rules)
    import azure.mgmt.resource.resources  # noqa: F401 - the SDK's import time is not the answer's

    t = time.monotonic()
    inv = api.collect(provider, options, rules=selected)
    return inv, time.monotonic() - t


@pytest.mark.parametrize("provider", ["azure", "entra"])
def test_azure_and_graph_refused_named_and_not_retried(provider, monkeypatch):
    port = _free_port()
    inv, took = _collect_azure(provider, f"https://127.0.0.1:{port}", monkeypatch)
    assert inv.errors and {e.code for e in inv.errors} == {"Refused"}, inv.errors
    assert all(f"connection refused (127.0.0.1:{port})" in e.reason for e in inv.errors)
    assert took < 3, f"a refused connection took {took:.1f} s to report"  # was 3-4 s


@pytest.mark.parametrize("provider", ["azure", "entra"])
def test_azure_and_graph_unresolvable_named_dns(provider, monkeypatch):
    inv, took = _collect_azure(provider, "https://no-such-endpoint.invalid", monkeypatch)
    assert inv.errors and {e.code for e in inv.errors} == {"DNS"}, inv.errors
    assert all("no-such-endpoint.invalid" in e.reason for e in inv.errors)
    assert took < 3


@pytest.mark.parametrize("provider", ["azure", "entra"])
def test_azure_and_graph_untrusted_certificate_named_tls(provider, monkeypatch):
    from stubs.arm import ArmServer
    from stubs.graph import GraphServer

    stub = ArmServer({"subscriptions": []}) if provider == "azure" else GraphServer({})
    with stub:  # its CA is not given: the client must not trust it
        inv, took = _collect_azure(provider, stub.url, monkeypatch)
        assert stub.requests == []  # the handshake failed: no request, no token
    assert inv.errors and {e.code for e in inv.errors} == {"TLS"}, inv.errors
    assert all("certificate is not trusted" in e.reason for e in inv.errors)
    assert took < 3


@pytest.mark.parametrize("provider", ["azure", "entra"])
def test_azure_and_graph_silent_server_is_one_timeout(provider, monkeypatch):
    with _Silent() as srv:
        inv, took = _collect_azure(
            provider, f"https://127.0.0.1:{srv.port}", monkeypatch, timeout=1
        )
    assert inv.errors and {e.code for e in inv.errors} == {"Timeout"}, inv.errors
    assert all("within 1 s" in e.reason for e in inv.errors)
    assert took < 4, f"a silent server took {took:.1f} s (retried?)"  # was 11-15 s at timeout 2
