"""A local Kubernetes API server stub that the official ``kubernetes`` client talks to unchanged.

No real cluster can run where bio2scan is tested, so this server answers the read requests the
live collector makes, in the shapes the real API server gives: ``<Kind>List`` documents with
``apiVersion``, ``metadata.resourceVersion`` and ``items`` (items without ``apiVersion``/``kind``,
as the server sends them), paging with ``limit`` and ``continue``, ``/version``, ``/api`` and
``/apis`` discovery, bearer-token authentication, ``403 Forbidden`` for chosen kinds (and
namespaces), ``404`` for API groups the cluster does not serve, and slow answers for timeouts.
Hostile answers, per plural, for the client's defences: paging that never ends (``paging``:
``"loop"`` repeats the same continue token, ``"endless"`` always gives a new one), an answer of
``huge`` bytes (streamed, never held in memory) and one that trickles (``drip``: seconds between
a few bytes).

    with KubeStub(objects, forbidden={"secrets@kube-system"}) as stub:
        write_kubeconfig(path, {"prod": stub})
        ...  # kubernetes.config.new_client_from_config(str(path), "prod")
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import hashlib
import json
import ssl
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from .certs import self_signed
from .huge import Drip, Huge, send_huge

# kind → (group, version, plural, namespaced): what this stub can serve
KINDS: dict[str, tuple[str, str, str, bool]] = {
    "Namespace": ("", "v1", "namespaces", False),
    "Pod": ("", "v1", "pods", True),
    "Service": ("", "v1", "services", True),
    "ServiceAccount": ("", "v1", "serviceaccounts", True),
    "Secret": ("", "v1", "secrets", True),
    "ConfigMap": ("", "v1", "configmaps", True),
    "ResourceQuota": ("", "v1", "resourcequotas", True),
    "LimitRange": ("", "v1", "limitranges", True),
    "PersistentVolume": ("", "v1", "persistentvolumes", False),
    "ReplicationController": ("", "v1", "replicationcontrollers", True),
    "Deployment": ("apps", "v1", "deployments", True),
    "StatefulSet": ("apps", "v1", "statefulsets", True),
    "DaemonSet": ("apps", "v1", "daemonsets", True),
    "ReplicaSet": ("apps", "v1", "replicasets", True),
    "Job": ("batch", "v1", "jobs", True),
    "CronJob": ("batch", "v1", "cronjobs", True),
    "Ingress": ("networking.k8s.io", "v1", "ingresses", True),
    "NetworkPolicy": ("networking.k8s.io", "v1", "networkpolicies", True),
    "Gateway": ("gateway.networking.k8s.io", "v1", "gateways", True),
    "HTTPRoute": ("gateway.networking.k8s.io", "v1", "httproutes", True),
    "Role": ("rbac.authorization.k8s.io", "v1", "roles", True),
    "RoleBinding": ("rbac.authorization.k8s.io", "v1", "rolebindings", True),
    "ClusterRole": ("rbac.authorization.k8s.io", "v1", "clusterroles", False),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", False),
    "PodDisruptionBudget": ("policy", "v1", "poddisruptionbudgets", True),
    "ValidatingWebhookConfiguration": (
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        False,
    ),
    "MutatingWebhookConfiguration": (
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        False,
    ),
}

DEFAULT_VERSION = {
    "major": "1",
    "minor": "35",
    "gitVersion": "v1.35.2",
    "gitCommit": "0" * 40,
    "gitTreeState": "clean",
    "buildDate": "2026-02-10T12:00:00Z",
    "goVersion": "go1.25.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}
DEFAULT_TOKEN = "bio2scan-stub-token"
CREATED = "2025-01-15T09:00:00Z"


def load_objects(directory: str | Path) -> list[dict[str, Any]]:
    """Every object in the YAML files of ``directory`` (sorted by file name; ``List`` unwrapped)."""
    out: list[dict[str, Any]] = []
    for f in sorted(Path(directory).glob("*.y*ml")):
        for doc in yaml.safe_load_all(f.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List"):
                out.extend(doc.get("items") or ())
            elif isinstance(doc, dict):
                out.append(doc)
    return out


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class KubeStub:
    """The server. ``objects``: full objects (with ``apiVersion`` and ``kind``) or a directory of
    YAML files. ``forbidden``: plurals (``"secrets"``) or ``"plural@namespace"`` that answer 403
    (the latter also forbids the cluster-wide list, as RBAC would). ``absent_groups``: API groups
    that answer 404 and are left out of ``/apis``. ``delays``: plural → seconds before answering.
    ``tls``: serve HTTPS with a fresh self-signed certificate (the kubeconfig trusts it)."""

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]] | str | Path = (),
        *,
        token: str = DEFAULT_TOKEN,
        forbidden: Iterable[str] = (),
        absent_groups: Iterable[str] = (),
        delays: Mapping[str, float] | None = None,
        version: Mapping[str, str] | None = None,
        tls: bool = False,
        paging: Mapping[str, str] | None = None,
        huge: Mapping[str, int] | None = None,
        drip: Mapping[str, float] | None = None,
    ) -> None:
        if isinstance(objects, (str, Path)):
            objects = load_objects(objects)
        self.token = token
        self.forbidden = set(forbidden)
        self.absent_groups = set(absent_groups)
        self.delays = dict(delays or {})
        self.version = dict(version or DEFAULT_VERSION)
        self.tls = tls
        self.paging = dict(paging or {})
        self.huge = dict(huge or {})
        self.drip = dict(drip or {})
        self.ca_pem: bytes | None = None
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._store: dict[str, list[dict[str, Any]]] = {}
        for i, obj in enumerate(objects):
            self._add(copy.deepcopy(dict(obj)), i)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _add(self, obj: dict[str, Any], seq: int) -> None:
        kind = obj.get("kind")
        if kind not in KINDS:
            raise ValueError(f"the stub does not serve kind {kind!r}")
        meta = obj.setdefault("metadata", {})
        if KINDS[kind][3]:
            meta.setdefault("namespace", "default")
        if kind == "Secret" and isinstance(obj.get("stringData"), dict):  # as the API server does
            data = obj.setdefault("data", {})
            for k, v in obj.pop("stringData").items():
                data[k] = base64.b64encode(str(v).encode()).decode()
        key = f"{meta.get('namespace', '')}/{kind}/{meta.get('name')}"
        meta.setdefault("uid", hashlib.sha256(key.encode()).hexdigest()[:32])
        meta.setdefault("resourceVersion", str(1000 + seq))
        meta.setdefault("creationTimestamp", CREATED)
        self._store.setdefault(KINDS[kind][2], []).append(obj)

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stub first"
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def start(self) -> KubeStub:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        if self.tls:
            server.socket = self._tls_context().wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="kube-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> KubeStub:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _tls_context(self) -> ssl.SSLContext:
        self.ca_pem, key_pem = self_signed("localhost", ca=True, ip="127.0.0.1")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as d:  # ssl loads key pairs only from files
            (Path(d) / "c.pem").write_bytes(self.ca_pem)
            (Path(d) / "k.pem").write_bytes(key_pem)
            ctx.load_cert_chain(str(Path(d) / "c.pem"), str(Path(d) / "k.pem"))
        return ctx

    # --- answers --------------------------------------------------------------------------

    def answer(
        self, path: str, query: Mapping[str, list[str]], auth: str | None
    ) -> tuple[int, Any]:
        """``(status, JSON body)`` for one GET (a ``Huge`` body is streamed)."""
        with self._lock:
            self.requests.append(path + (f"?{_q(query)}" if query else ""))
        scheme, _, token = (auth or "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.token:  # as kube-apiserver reads it
            return 401, _status(401, "Unauthorized", "Unauthorized")
        path = path.rstrip("/") or "/"  # the API server treats /version/ as /version
        if path == "/version":
            return 200, self.version
        if path == "/api":
            return 200, {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [],
            }
        if path == "/apis":
            return 200, self._groups()
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["api"] and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return 404, _status(404, "NotFound", "the server could not find the requested resource")
        if group in self.absent_groups:
            return 404, _status(404, "NotFound", "the server could not find the requested resource")
        namespace = None
        if len(rest) == 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if len(rest) != 1:
            return 404, _status(404, "NotFound", "the server could not find the requested resource")
        plural = rest[0]
        kind = next((k for k, v in KINDS.items() if v[:3] == (group, version, plural)), None)
        if kind is None or (namespace is not None and not KINDS[kind][3]):
            return 404, _status(404, "NotFound", "the server could not find the requested resource")
        if self._is_forbidden(plural, namespace):
            where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            return 403, _status(
                403,
                "Forbidden",
                f'{plural} is forbidden: User "system:serviceaccount:bio2scan:'
                f'scanner" cannot list resource "{plural}" in API group '
                f'"{group}" {where}',
            )
        if plural in self.delays:
            time.sleep(self.delays[plural])
        if plural in self.huge:
            return 200, Huge(self.huge[plural])
        if plural in self.drip:
            return 200, Drip(self.drip[plural])
        status, body = self._list(kind, plural, namespace, query)
        mode = self.paging.get(plural)
        if mode and status == 200:
            n = len(self.requests)
            token = "loop" if mode == "loop" else f"page-{n}"
            body["metadata"]["continue"] = base64.urlsafe_b64encode(
                json.dumps({"start": 0, "rv": token}).encode()
            ).decode()
        return status, body

    def _is_forbidden(self, plural: str, namespace: str | None) -> bool:
        if plural in self.forbidden:
            return True
        scoped = {f.split("@", 1)[1] for f in self.forbidden if f.startswith(plural + "@")}
        return bool(scoped) and (namespace is None or namespace in scoped)

    def _groups(self) -> dict[str, Any]:
        groups: dict[str, set[str]] = {}
        for group, version, _, _ in KINDS.values():
            if group and group not in self.absent_groups:
                groups.setdefault(group, set()).add(version)
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": g,
                    "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in sorted(vs)],
                    "preferredVersion": {
                        "groupVersion": f"{g}/{sorted(vs)[-1]}",
                        "version": sorted(vs)[-1],
                    },
                }
                for g, vs in sorted(groups.items())
            ],
        }

    def _list(
        self, kind: str, plural: str, namespace: str | None, query: Mapping[str, list[str]]
    ) -> tuple[int, dict[str, Any]]:
        group, version = KINDS[kind][:2]
        items = [
            o
            for o in self._store.get(plural, ())
            if namespace is None or o["metadata"].get("namespace") == namespace
        ]
        rv = str(5000 + sum(len(v) for v in self._store.values()))
        start = 0
        token = (query.get("continue") or [""])[0]
        if token:
            try:
                start = int(json.loads(base64.urlsafe_b64decode(token))["start"])
            except (ValueError, KeyError, TypeError):
                return 400, _status(400, "BadRequest", "invalid continue token")
        limit = int((query.get("limit") or ["0"])[0] or 0)
        end = start + limit if limit > 0 else len(items)
        page = items[start:end]
        meta: dict[str, Any] = {"resourceVersion": rv}
        if end < len(items):
            meta["continue"] = base64.urlsafe_b64encode(
                json.dumps({"start": end, "rv": rv}).encode()
            ).decode()
            meta["remainingItemCount"] = len(items) - end
        body = {
            "kind": f"{kind}List",
            "apiVersion": f"{group}/{version}" if group else version,
            "metadata": meta,
            "items": [
                {k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in page
            ],
        }
        return 200, body


def _q(query: Mapping[str, list[str]]) -> str:
    return "&".join(f"{k}={v}" for k, vs in sorted(query.items()) for v in vs)


def _handler(stub: KubeStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            code, body = stub.answer(
                url.path, parse_qs(url.query), self.headers.get("Authorization")
            )
            if isinstance(body, Huge):
                send_huge(self, code, body)
                return
            raw = json.dumps(body).encode()
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

        def log_message(self, format: str, *args: Any) -> None:  # quiet; stub.requests has it
            pass

    return Handler


def tls_secret(
    name: str,
    namespace: str,
    host: str,
    *,
    key: str = "ec",
    days: int = 365,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """A ``kubernetes.io/tls`` Secret with a fresh self-signed certificate for ``host`` and its
    private key (as a cluster holds them), valid ``days`` from ``now``. ``key``: ``ec`` (P-256),
    ``rsa2048`` or ``rsa3072``. For tests and the demo: the scanner must keep the certificate's
    facts and never the key."""
    crt, k = self_signed(host, key=key, days=days, now=now)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": name, "namespace": namespace},
        "data": {
            "tls.crt": base64.b64encode(crt).decode(),
            "tls.key": base64.b64encode(k).decode(),
        },
    }


def write_kubeconfig(
    path: str | Path, contexts: Mapping[str, KubeStub], current: str | None = None
) -> Path:
    """A kubeconfig with one context (and cluster and user) per stub, token auth; HTTPS stubs
    are trusted through ``certificate-authority-data``."""
    clusters, users, ctxs = [], [], []
    for name, stub in contexts.items():
        cluster: dict[str, Any] = {"server": stub.url}
        if stub.tls and stub.ca_pem:
            cluster["certificate-authority-data"] = base64.b64encode(stub.ca_pem).decode()
        clusters.append({"name": f"{name}-cluster", "cluster": cluster})
        users.append({"name": f"{name}-user", "user": {"token": stub.token}})
        ctxs.append(
            {"name": name, "context": {"cluster": f"{name}-cluster", "user": f"{name}-user"}}
        )
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": current or next(iter(contexts)),
        "clusters": clusters,
        "users": users,
        "contexts": ctxs,
    }
    p = Path(path)
    p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return p
