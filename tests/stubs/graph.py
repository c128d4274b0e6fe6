"""A local Microsoft Graph server that the real azure-core pipeline talks to unchanged.

It answers GETs under ``/v1.0`` from an estate of paths, as Graph does: collections paged with
``@odata.nextLink`` (``$skiptoken``), ``$select`` (top-level properties, plus ``id`` and
``@odata.type``), ``$filter`` with ``<property> eq '<text>'|true|false`` joined by ``and``, and
``$expand`` of navigation properties (estate items hold them expanded; without ``$expand`` they
are left out). Like Graph it insists on its bearer token (401 ``InvalidAuthenticationToken``), and
for chosen path fragments it answers a missing permission (403 ``Authorization_RequestDenied``),
a missing licence (P1: 403 ``Authentication_RequestFromNonPremiumTenantOrB2CTenant``; P2: 400
``AadPremiumLicenseRequired``) or throttling (429 with ``Retry-After``), always in Graph's error
shape with ``innerError``. Every write method is refused with 405 and recorded, so tests can prove
the collector never writes. HTTPS only, with a certificate it makes itself (``ca_file``).

For the tests of the client's defences it can also, per path fragment, answer with a raw fault
(``faults``: status, body text, headers), a redirect to another server (``redirects``), a
``@odata.nextLink`` on another host (``next_base``), paging that never ends (``paging``:
``"loop"`` — the next link is the page itself — or ``"endless"`` — a new next link on every page),
an answer of ``huge`` bytes (streamed, never held in memory) or only after a delay (``delay``); the
``Authorization`` header of every request is recorded (``auth_seen``), so a test can prove
where the token went.

    estate = {"/organization": [{...}], "/policies/authorizationPolicy": {...}, ...}
    with GraphServer(estate, forbidden={"/applications"}, unlicensed={"/identity/": "P1"}) as g:
        ...  # point the collector at g.url with AZURE_GRAPH_TOKEN=g.token, --ca-bundle g.ca_file
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import re
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from .huge import Huge, send_huge

DEFAULT_TOKEN = "stub-graph-token-not-a-secret"
NAVIGATION = ("principal", "owners", "members")
_CLAUSE = re.compile(r"^\s*([A-Za-z@.]+)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false))\s*$")


class GraphServer:
    """The server. ``forbidden``: path fragments answered with 403 Authorization_RequestDenied;
    ``unlicensed``: fragment → ``"P1"``/``"P2"`` (licence-missing answers); ``throttle``:
    fragment → number of 429 answers before success (``-1``: always). ``requests`` records every
    ``(method, path, query)``."""

    def __init__(
        self,
        estate: Mapping[str, Any],
        *,
        token: str = DEFAULT_TOKEN,
        forbidden: set[str] | frozenset[str] = frozenset(),
        unlicensed: Mapping[str, str] | None = None,
        throttle: Mapping[str, int] | None = None,
        retry_after: int = 0,
        page_size: int = 2,
        faults: Mapping[str, tuple[int, str, Mapping[str, str]]] | None = None,
        redirects: Mapping[str, str] | None = None,
        next_base: Mapping[str, str] | None = None,
        delay: Mapping[str, float] | None = None,
        paging: Mapping[str, str] | None = None,
        huge: Mapping[str, int] | None = None,
        cert_name: str = "graph.localhost",
    ) -> None:
        self.token = token
        self.forbidden = {f.lower() for f in forbidden}
        self.unlicensed = {k.lower(): v for k, v in (unlicensed or {}).items()}
        self.throttle = {k.lower(): v for k, v in (throttle or {}).items()}
        self.retry_after = retry_after
        self.page_size = page_size
        self.faults = {k.lower(): v for k, v in (faults or {}).items()}
        self.redirects = {k.lower(): v for k, v in (redirects or {}).items()}
        self.next_base = {k.lower(): v for k, v in (next_base or {}).items()}
        self.delay = {k.lower(): v for k, v in (delay or {}).items()}
        self.paging = {k.lower(): v for k, v in (paging or {}).items()}
        self.huge = {k.lower(): v for k, v in (huge or {}).items()}
        self.cert_name = cert_name
        self.requests: list[tuple[str, str, str]] = []
        self.auth_seen: list[str | None] = []
        self._lock = threading.Lock()
        self._paths = {p.lower().rstrip("/"): copy.deepcopy(v) for p, v in estate.items()}
        self._httpd: ThreadingHTTPServer | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="bio2scan-graph-")
        self.ca_file = str(Path(self._tmp.name) / "ca.pem")

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"https://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> GraphServer:
        from .certs import self_signed

        # its own subject name: a client may trust this stub and the ARM stub with one bundle
        # (and two Graph stubs, given different names)
        cert, key = self_signed(self.cert_name, ip="127.0.0.1", ca=True)
        Path(self.ca_file).write_bytes(cert)
        key_file = Path(self._tmp.name) / "key.pem"
        key_file.write_bytes(key)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.ca_file, str(key_file))
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
        # poll often: shutdown() waits up to one poll interval (0.5 s by default)
        threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), daemon=True, name="graph-stub"
        ).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self._tmp.cleanup()

    def __enter__(self) -> GraphServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def writes(self) -> list[tuple[str, str, str]]:
        return [r for r in self.requests if r[0] != "GET"]

    # --- answers -----------------------------------------------------------------------------
    def answer(
        self, path: str, query: Mapping[str, list[str]], auth: str | None, raw_query: str = ""
    ) -> tuple[int, dict[str, str], Any]:
        low = path.lower().rstrip("/")
        for frag, seconds in self.delay.items():
            if frag in low:
                time.sleep(seconds)
        for frag, target in self.redirects.items():
            if frag in low:  # before the token check, as a front door would
                loc = f"{target}{path}" + (f"?{raw_query}" if raw_query else "")
                return 302, {"Location": loc}, {}
        if auth != f"Bearer {self.token}":
            return 401, {}, _error("InvalidAuthenticationToken", "Access token validation failure.")
        if not low.startswith("/v1.0/"):
            return 400, {}, _error("BadRequest", f"Invalid version in '{path}'.")
        rel = low[len("/v1.0") :]
        for frag, (status, text, headers) in self.faults.items():
            if frag in rel:
                return status, dict(headers), _Raw(text)
        for frag, size in self.huge.items():
            if frag in rel:
                return 200, {}, Huge(size)
        for frag in self.throttle:
            if frag in rel:
                with self._lock:
                    left = self.throttle[frag]
                    if left != 0:
                        self.throttle[frag] = left - 1 if left > 0 else left
                        return (
                            429,
                            {"Retry-After": str(self.retry_after)},
                            _error("TooManyRequests", "Too many requests; retry later."),
                        )
        for frag, sku in self.unlicensed.items():
            if frag in rel:
                if sku == "P2":
                    return (
                        400,
                        {},
                        _error(
                            "AadPremiumLicenseRequired",
                            "The tenant needs an AAD Premium 2 license.",
                        ),
                    )
                return (
                    403,
                    {},
                    _error(
                        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                        "Neither tenant is B2C or tenant doesn't have premium license",
                    ),
                )
        if any(f in rel for f in self.forbidden):
            return (
                403,
                {},
                _error(
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                ),
            )
        if rel not in self._paths:
            return 404, {}, _error("Request_ResourceNotFound", f"Resource '{path}' does not exist.")
        body = self._paths[rel]
        if isinstance(body, list):
            return self._page(path, query, body)
        return 200, {}, {"@odata.context": f"{self.url}/v1.0/$metadata", **_shape(body, query)}

    def _page(
        self, path: str, query: Mapping[str, list[str]], items: list[Any]
    ) -> tuple[int, dict[str, str], Any]:
        flt = (query.get("$filter") or [""])[0]
        chosen = [i for i in items if _matches(i, flt)]
        start = int((query.get("$skiptoken") or ["0"])[0])
        page = [_shape(i, query) for i in chosen[start : start + self.page_size]]
        body: dict[str, Any] = {"@odata.context": f"{self.url}/v1.0/$metadata", "value": page}
        mode = next((m for frag, m in self.paging.items() if frag in path.lower()), None)
        if mode == "loop":  # the next page is this one, for ever
            body["@odata.nextLink"] = f"{self.url}{path}?$skiptoken={start}"
        elif mode == "endless" or start + self.page_size < len(chosen):
            rest = "&".join(
                f"{quote(k)}={quote(v)}"
                for k, vs in sorted(query.items())
                if k != "$skiptoken"
                for v in vs
            )
            base = next((b for frag, b in self.next_base.items() if frag in path.lower()), self.url)
            body["@odata.nextLink"] = (
                f"{base}{path}?{rest}{'&' if rest else ''}$skiptoken={start + self.page_size}"
            )
        return 200, {}, body


def _shape(item: Any, query: Mapping[str, list[str]]) -> Any:
    """``$select`` and ``$expand`` applied to one object."""
    if not isinstance(item, dict):
        return item
    expand = {
        e.split("(", 1)[0].strip()
        for x in query.get("$expand", ())
        for e in re.split(r",(?![^(]*\))", x)
    }
    out = {k: v for k, v in item.items() if k not in NAVIGATION or k in expand}
    sel = (query.get("$select") or [""])[0]
    if sel:
        keep = {s.strip() for s in sel.split(",")} | {"id", "@odata.type"} | expand
        out = {k: v for k, v in out.items() if k in keep}
    return copy.deepcopy(out)


def _matches(item: Any, flt: str) -> bool:
    if not flt.strip():
        return True
    for clause in flt.split(" and "):
        m = _CLAUSE.match(clause)
        if not m:
            raise ValueError(f"unsupported $filter clause {clause!r}")
        name, text, flag = m.groups()
        want: Any = text.replace("''", "'") if text is not None else flag == "true"
        if not isinstance(item, dict) or item.get(name) != want:
            return False
    return True


class _Raw(str):
    """A body sent as it is (not JSON-encoded): for answers that are not what Graph sends."""


def _error(code: str, message: str) -> dict[str, Any]:
    rid = str(uuid.uuid4())
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": rid,
                "client-request-id": rid,
            },
        }
    }


def _handler(server: GraphServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, status: int, headers: Mapping[str, str], body: Any) -> None:
            if isinstance(body, Huge):
                send_huge(self, status, body)
                return
            raw = body.encode() if isinstance(body, _Raw) else json.dumps(body).encode()
            self.send_response(status)
            if "Content-Type" not in headers:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            with server._lock:
                server.requests.append(("GET", parts.path, parts.query))
                server.auth_seen.append(self.headers.get("Authorization"))
            try:
                status, headers, body = server.answer(
                    parts.path,
                    parse_qs(parts.query),
                    self.headers.get("Authorization"),
                    parts.query,
                )
            except ValueError as exc:
                status, headers, body = 400, {}, _error("BadRequest", str(exc))
            self._reply(status, headers, body)

        def _refuse(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            parts = urlsplit(self.path)
            with server._lock:
                server.requests.append((self.command, parts.path, parts.query))
            self._reply(405, {}, _error("Request_BadRequest", "This stub is read only."))

        do_POST = do_PATCH = do_PUT = do_DELETE = _refuse

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
