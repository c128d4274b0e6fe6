"""A local Azure Resource Manager (ARM) server that the real azure-mgmt clients talk to unchanged.

No Azure tenant is reachable where bio2scan is tested, so this HTTPS server answers the read
requests the Azure collector makes, in the shapes ARM gives: the subscription list, the generic
resource list per subscription (``$filter`` on ``resourceType``, paged with ``nextLink``), GETs of
a resource by id, and the extension and child resources (diagnostic settings, blob service,
pricings …) that an estate defines. Like ARM it insists on ``api-version`` and a bearer token,
and it can answer ``403 AuthorizationFailed``, ``404`` for an unregistered provider and
``429`` with ``Retry-After`` for chosen paths. Hostile answers for the client's defences, per path
fragment: a ``nextLink`` on another host (``next_base``), paging that never ends (``paging``:
``"loop"`` repeats the page, ``"endless"`` always links a next one), an answer of ``huge`` bytes
(streamed, never held in memory), an answer that trickles a few bytes every ``drip`` seconds. azure-core refuses bearer tokens over plain HTTP,
so the server always speaks TLS with a certificate it makes itself (``ca_file`` for clients).

    estate = {"subscriptions": [{"subscriptionId": …, "displayName": …}],
              "resources": [<ARM JSON with id, name, type, location, properties>],
              "paths": {"<id>/blobServices/default": {...}, "/subscriptions/<s>/providers/…": {...}}}
    with ArmServer(estate, forbidden={"Microsoft.KeyVault"}) as arm:
        client = ResourceManagementClient(arm.credential(), sub, base_url=arm.url,
                                          connection_verify=arm.ca_file)
"""

from __future__ import annotations

import copy
import json
import ssl
import tempfile
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from .huge import Drip, Huge, send_huge

# Collections that ARM answers with an empty list when nothing is there (not with 404).
EMPTY_COLLECTIONS = frozenset(
    x.lower()
    for x in (
        "diagnosticSettings",
        "firewallRules",
        "configurations",
        "keys",
        "secrets",
        "customDomains",
        "securityPolicies",
        "locks",
        "roleAssignments",
        "roleDefinitions",
        "classicAdministrators",
        "pricings",
        "securityContacts",
        "logprofiles",
        "networkRuleSets",
    )
)

DEFAULT_TOKEN = "stub-arm-token-not-a-secret"


def load_estate(directory: str | Path) -> dict[str, Any]:
    """An estate from a directory: ``subscriptions.json``, ``resources/*.json`` (a list or one
    resource per file) and ``paths.json`` (path → body)."""
    root = Path(directory)
    estate: dict[str, Any] = {
        "subscriptions": json.loads((root / "subscriptions.json").read_text()),
        "resources": [],
        "paths": {},
    }
    for f in sorted((root / "resources").glob("*.json")):
        doc = json.loads(f.read_text())
        estate["resources"].extend(doc if isinstance(doc, list) else [doc])
    if (root / "paths.json").exists():
        estate["paths"] = json.loads((root / "paths.json").read_text())
    return estate


class StaticToken:
    """A ``TokenCredential`` that hands out one fixed token (for the server's own clients)."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)


class ArmServer:
    """The server. ``forbidden``/``unregistered``: path fragments (case-insensitive) answered with
    403 / 404 ``SubscriptionNotRegistered``; ``throttle``: fragment → number of 429 answers
    before success (``-1``: always), each with ``Retry-After: retry_after``. ``page_size``:
    items per page of every list. ``requests`` records every ``(method, path)`` served."""

    def __init__(
        self,
        estate: Mapping[str, Any],
        *,
        token: str = DEFAULT_TOKEN,
        forbidden: set[str] | frozenset[str] = frozenset(),
        unregistered: set[str] | frozenset[str] = frozenset(),
        throttle: Mapping[str, int] | None = None,
        retry_after: int = 0,
        page_size: int = 2,
        delay: Mapping[str, float] | None = None,
        next_base: Mapping[str, str] | None = None,
        paging: Mapping[str, str] | None = None,
        huge: Mapping[str, int] | None = None,
        drip: Mapping[str, float] | None = None,
        cert_name: str = "localhost",
    ) -> None:
        self.token = token
        self.cert_name = cert_name  # two stubs trusted by one bundle need different names
        self.next_base = {k.lower(): v for k, v in (next_base or {}).items()}
        self.paging = {k.lower(): v for k, v in (paging or {}).items()}
        self.huge = {k.lower(): v for k, v in (huge or {}).items()}
        self.drip = {k.lower(): v for k, v in (drip or {}).items()}
        self.forbidden = {f.lower() for f in forbidden}
        self.unregistered = {f.lower() for f in unregistered}
        self.throttle = {k.lower(): v for k, v in (throttle or {}).items()}
        self.delay = {k.lower(): v for k, v in (delay or {}).items()}
        self.retry_after = retry_after
        self.page_size = page_size
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._subs = [dict(s) for s in estate.get("subscriptions", ())]
        self._resources: dict[str, dict[str, Any]] = {}
        for r in estate.get("resources", ()):
            self._resources[r["id"].lower()] = copy.deepcopy(dict(r))
        self._paths = {p.lower().rstrip("/"): v for p, v in (estate.get("paths") or {}).items()}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="bio2scan-arm-")
        self.ca_file = str(Path(self._tmp.name) / "ca.pem")

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"https://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> ArmServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.socket = self._tls_context().wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            args=(0.02,),  # poll often: shutdown() waits up to one poll interval
            daemon=True,
            name="arm-stub",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self._tmp.cleanup()

    def __enter__(self) -> ArmServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def credential(self) -> StaticToken:
        return StaticToken(self.token)

    def _tls_context(self) -> ssl.SSLContext:
        """A self-signed certificate for 127.0.0.1/localhost; its PEM is ``ca_file``."""
        from .certs import self_signed

        cert_pem, key_pem = self_signed(self.cert_name, ip="127.0.0.1", ca=True)
        Path(self.ca_file).write_bytes(cert_pem)
        key_file = Path(self._tmp.name) / "key.pem"
        key_file.write_bytes(key_pem)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.ca_file, str(key_file))
        return ctx

    # --- answers -----------------------------------------------------------------------------
    def answer(
        self, path: str, query: Mapping[str, list[str]], auth: str | None
    ) -> tuple[int, dict[str, str], Any]:
        """``(status, headers, body)`` for one GET."""
        with self._lock:
            self.requests.append(("GET", path))
        low = path.lower().rstrip("/")
        if auth != f"Bearer {self.token}":
            return 401, {}, _error("InvalidAuthenticationToken", "The access token is invalid.")
        if not query.get("api-version"):
            return (
                400,
                {},
                _error(
                    "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.",
                ),
            )
        for frag, seconds in self.delay.items():
            if frag in low:
                time.sleep(seconds)
        for frag in self.throttle:
            if frag in low:
                with self._lock:
                    left = self.throttle[frag]
                    if left != 0:
                        self.throttle[frag] = left - 1 if left > 0 else left
                        return (
                            429,
                            {"Retry-After": str(self.retry_after)},
                            _error(
                                "TooManyRequests",
                                "Number of read requests for subscription "
                                "exceeded the limit; retry after the interval given.",
                            ),
                        )
        if any(f in low for f in self.forbidden):
            return (
                403,
                {},
                _error(
                    "AuthorizationFailed",
                    f"The client does not have authorization to perform action "
                    f"'read' over scope '{path}' or the scope is invalid.",
                ),
            )
        for frag in self.unregistered:
            if frag in low:
                return (
                    404,
                    {},
                    _error(
                        "SubscriptionNotRegistered",
                        f"The subscription is not registered to use namespace '{frag}'.",
                    ),
                )
        for frag, size in self.huge.items():
            if frag in low:
                return 200, {}, Huge(size)
        for frag, pause in self.drip.items():
            if frag in low:
                return 200, {}, Drip(pause)
        parts = [p for p in low.split("/") if p]
        if parts == ["subscriptions"]:
            return self._page(path, query, self._subs)
        if len(parts) == 3 and parts[0] == "subscriptions" and parts[2] == "resources":
            return self._page(path, query, self._listed(parts[1], query))
        if (
            len(parts) >= 2
            and parts[0] == "subscriptions"
            and not any(s["subscriptionId"].lower() == parts[1] for s in self._subs)
        ):
            return (
                404,
                {},
                _error(
                    "SubscriptionNotFound", f"The subscription '{parts[1]}' could not be found."
                ),
            )
        if low in self._resources:
            return 200, {}, self._resources[low]
        if low in self._paths:
            body = self._paths[low]
            if isinstance(body, dict) and isinstance(body.get("value"), list):
                return self._page(path, query, body["value"])
            return 200, {}, body
        if parts and parts[-1] in EMPTY_COLLECTIONS:
            return 200, {}, {"value": []}
        return 404, {}, _error("ResourceNotFound", f"The resource '{path}' was not found.")

    def _listed(self, sub: str, query: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """The generic list view of a subscription's resources: no ``properties``, like ARM."""
        wanted = _filter_types((query.get("$filter") or [""])[0])
        out = []
        for rid, r in self._resources.items():
            if not rid.startswith(f"/subscriptions/{sub}/"):
                continue
            if wanted is not None and r["type"].lower() not in wanted:
                continue
            out.append(
                {
                    k: v
                    for k, v in r.items()
                    if k
                    in (
                        "id",
                        "name",
                        "type",
                        "location",
                        "kind",
                        "sku",
                        "tags",
                        "identity",
                        "managedBy",
                        "zones",
                    )
                }
            )
        return sorted(out, key=lambda r: r["id"].lower())

    def _page(
        self, path: str, query: Mapping[str, list[str]], items: list[Any]
    ) -> tuple[int, dict[str, str], Any]:
        start = int((query.get("$skiptoken") or ["0"])[0])
        page = items[start : start + self.page_size]
        body: dict[str, Any] = {"value": page}
        low = path.lower()
        mode = next((m for frag, m in self.paging.items() if frag in low), None)
        base = next((b for frag, b in self.next_base.items() if frag in low), self.url)
        if mode == "loop":  # the next page is this one, for ever
            body["nextLink"] = (
                f"{base}{path}?api-version={query['api-version'][0]}&$skiptoken={start}"
            )
        elif mode == "endless" or start + self.page_size < len(items):
            rest = "&".join(
                f"{quote(k)}={quote(v)}"
                for k, vs in sorted(query.items())
                if k != "$skiptoken"
                for v in vs
            )
            body["nextLink"] = f"{base}{path}?{rest}&$skiptoken={start + self.page_size}"
        return 200, {}, body


def _filter_types(flt: str) -> set[str] | None:
    """The resource types in ``resourceType eq 'A' or resourceType eq 'B'`` (None: no filter)."""
    if not flt.strip():
        return None
    out = set()
    for clause in flt.split(" or "):
        clause = clause.strip().strip("()")
        if clause.lower().startswith("resourcetype eq "):
            out.add(clause.split(" eq ", 1)[1].strip().strip("'").lower())
    return out


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _handler(server: ArmServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, headers, body = server.answer(
                parts.path, parse_qs(parts.query), self.headers.get("Authorization")
            )
            if isinstance(body, Huge):
                send_huge(self, status, body)
                return
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            self.send_response(405)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with server._lock:
                server.requests.append(("POST", self.path))

        def log_message(self, format: str, *args: Any) -> None:  # quiet; server.requests has it
            pass

    return Handler
