"""A local AWS for tests, the demo and the benchmark: moto's server, and a proxy in front of it
that adds latency, answers one service with AccessDenied or throttling, or answers it too late.

    with MotoServer() as moto, AwsProxy(moto.url, latency=0.05, deny={"kms"}) as proxy:
        env = {"AWS_ENDPOINT_URL": proxy.url, ...}

The proxy tells services apart by the SigV4 signing name in the ``Authorization`` header
(``…/eu-west-1/kms/aws4_request``) and answers in the error shape of that service's protocol
(EC2 XML, S3 XML, query XML, JSON), so botocore parses the error code as it would from AWS.
``requests`` counts what passed through (per service).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

MOTO_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}


@contextmanager
def aws_shaped_gaps() -> Iterator[None]:
    """moto, in process, raises ``NotImplementedError`` for an API it lacks (and answers a
    service it lacks with a bare 404). AWS answers an operation it does not offer with an error
    response; this makes in-process moto do the same (HTTP 501 ``NotImplemented``), so that the
    collector needs no moto-specific branch: it classifies the answer as it would AWS's."""
    from xml.sax.saxutils import escape

    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.process_request

    def not_implemented(text: str) -> Any:
        body = (
            "<ErrorResponse><Error><Code>NotImplemented</Code>"
            f"<Message>{escape(text)}</Message></Error></ErrorResponse>"
        )
        return 501, {"x-amzn-ErrorType": "NotImplemented", "Content-Type": "text/xml"}, body

    def process_request(self: Any, request: Any) -> Any:
        try:
            answer = original(self, request)
        except NotImplementedError as exc:
            return not_implemented(str(exc) or "not implemented in moto")
        if answer is not None and answer[0] == 404 and answer[2] == "Not yet implemented":
            return not_implemented("service not implemented in moto")  # a service moto lacks
        return answer

    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    try:
        yield
    finally:
        BotocoreStubber.process_request = original  # type: ignore[method-assign]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MotoServer:
    """moto's threaded server on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: Any = None

    def __enter__(self) -> MotoServer:
        import os

        os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.stop()


_SIGNING = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "proxy-connection",
    "te",
    "upgrade",
    "content-length",
    "server",
    "date",
}


class AwsProxy:
    """An HTTP proxy in front of ``upstream`` (see the module docstring)."""

    def __init__(
        self,
        upstream: str,
        *,
        latency: float = 0.0,
        deny: Iterable[str] = (),
        throttle: Iterable[str] = (),
        stall: Iterable[str] = (),
        stall_s: float = 3.0,
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.latency = latency
        self.deny = set(deny)
        self.throttle = set(throttle)
        self.stall = set(stall)  # services whose answers come ``stall_s`` late
        self.stall_s = stall_s
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> AwsProxy:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(
                self.upstream.hostname, self.upstream.port, timeout=60
            )
        return conn

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                m = _SIGNING.search(self.headers.get("Authorization", ""))
                service = m.group(1) if m else "?"
                with proxy._lock:
                    proxy.requests[service] += 1
                if proxy.latency:
                    time.sleep(proxy.latency)
                if service in proxy.stall:
                    time.sleep(proxy.stall_s)
                if service in proxy.deny:
                    return self._error(
                        403,
                        service,
                        "AccessDenied",
                        f"not authorized to perform {service} calls (test stub)",
                    )
                if service in proxy.throttle:
                    return self._error(
                        400 if service not in ("s3", "s3control") else 503,
                        service,
                        "Throttling" if service not in ("s3",) else "SlowDown",
                        "Rate exceeded (test stub)",
                    )
                try:
                    status, headers, data = proxy._forward(
                        self.command, self.path, dict(self.headers), body
                    )
                except OSError:  # moto already stopped (a stalled answer after the test)
                    status, headers, data = 502, [], b""
                try:
                    self.send_response(status)
                    for k, v in headers:
                        if k.lower() not in _HOP:
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    self.close_connection = True

            def _error(self, status: int, service: str, code: str, message: str) -> None:
                ctype = self.headers.get("Content-Type", "")
                headers = {}
                if service == "ec2":
                    body = (
                        f"<Response><Errors><Error><Code>{code}</Code><Message>{message}"
                        f"</Message></Error></Errors><RequestID>stub</RequestID></Response>"
                    )
                elif service in ("s3", "s3control"):
                    body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
                elif "x-www-form-urlencoded" in ctype:
                    body = (
                        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                        f"<Message>{message}</Message></Error></ErrorResponse>"
                    )
                else:
                    json_code = code if code.endswith("Exception") else f"{code}Exception"
                    body = json.dumps({"__type": json_code, "message": message})
                    headers["x-amzn-ErrorType"] = json_code
                data = body.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _any

        return Handler

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        headers = {k: v for k, v in headers.items() if k.lower() not in _HOP}
        for attempt in (0, 1):
            conn = self._conn()
            try:
                conn.request(method, path, body=body or None, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.getheaders(), resp.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")
