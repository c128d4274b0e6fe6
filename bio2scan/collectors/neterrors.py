"""Network failures named for what they are.

Every HTTP stack wraps the operating system's answer in layers of its own (urllib3's
``MaxRetryError`` → ``NewConnectionError`` → ``ConnectionRefusedError``; botocore's
``EndpointConnectionError``; azure-core's ``ServiceRequestError`` around requests around
urllib3), and some layers mislead: urllib3's ``NewConnectionError`` *is a*
``ConnectTimeoutError``, so "connection refused" used to be reported as a timeout. ``classify``
walks the whole chain of causes and names the most specific one it finds:

========  =========================================================================
code      meaning
========  =========================================================================
Refused   the host answered and refused the connection (nothing listens on the port)
DNS       the host name could not be resolved
TLS       the TLS handshake failed (certificate not trusted, wrong host name, protocol)
Unreachable  no route to the host or network
Timeout   no connection, or no answer, within the time allowed
========  =========================================================================

Collectors use it for errors that are not HTTP answers; an HTTP status keeps its own meaning.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator

NETWORK_CODES = ("Refused", "DNS", "TLS", "Unreachable", "Timeout")
_MAX_DEPTH = 12


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps, breadth first, each once."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo and len(seen) < _MAX_DEPTH * 4:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        inner: list[object] = [
            e.__cause__,
            e.__context__,
            getattr(e, "reason", None),  # urllib3 MaxRetryError, NameResolutionError
            getattr(e, "inner_exception", None),  # azure-core
            (getattr(e, "kwargs", None) or {}).get("error")  # botocore
            if isinstance(getattr(e, "kwargs", None), dict)
            else None,
            *getattr(e, "args", ()),
        ]
        todo.extend(x for x in inner if isinstance(x, BaseException))


def _host(exc: BaseException) -> str:
    """`` (host:port)`` of the connection that failed, when a layer recorded it."""
    for e in _chain(exc):
        attrs = getattr(e, "__dict__", {})  # not getattr: urllib3 deprecates some properties
        for holder in (attrs.get("conn"), attrs.get("pool")):
            host, port = getattr(holder, "host", None), getattr(holder, "port", None)
            if isinstance(host, str) and host:
                return f" ({host}:{port})" if port else f" ({host})"
        kw = getattr(e, "kwargs", None)
        if isinstance(kw, dict) and isinstance(kw.get("endpoint_url"), str):
            return f" ({kw['endpoint_url']})"
    return ""


def classify(exc: BaseException, timeout: float | None = None) -> tuple[str, str] | None:
    """``(code, reason)`` for a network failure, or None when ``exc`` is none (an HTTP error,
    a bug …). ``timeout`` is the limit that was used, for the message."""
    chain = list(_chain(exc))
    names = {type(e).__name__ for e in chain}
    host = _host(exc)
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            why = getattr(e, "verify_message", None) or "certificate verify failed"
            return "TLS", f"TLS: the server's certificate is not trusted: {why}{host}"
    for e in chain:
        if isinstance(e, ssl.SSLError) or type(e).__name__ == "SSLError":
            return "TLS", f"TLS handshake failed: {_first_line(e)}{host}"
    if "NameResolutionError" in names or any(isinstance(e, socket.gaierror) for e in chain):
        return "DNS", f"DNS: the host name could not be resolved{host}"
    for e in chain:
        if isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED:
            return "Refused", f"connection refused{host}: nothing listens there"
    for e in chain:
        if getattr(e, "errno", None) in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "Unreachable", f"no route to the host{host}"
    limit = f" within {timeout:g} s" if timeout else ""
    for e in chain:
        n = type(e).__name__
        if n in ("ConnectTimeoutError", "ConnectTimeout", "ServiceRequestTimeoutError"):
            return "Timeout", f"timed out: no connection{limit}{host}"
    for e in chain:
        n = type(e).__name__
        if isinstance(e, (TimeoutError, socket.timeout)) or "Timeout" in n:
            return "Timeout", f"timed out: no answer{limit}{host}"
    return None


def _first_line(e: BaseException) -> str:
    text = str(getattr(e, "reason", None) or e).strip()
    return text.splitlines()[0][:200] if text else type(e).__name__
