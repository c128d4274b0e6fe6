"""One Microsoft Graph connection: azure-core's pipeline, and the two reads everything else is made
of (``get`` one document, ``pages`` of a collection following ``@odata.nextLink``).

The pipeline is built from azure-core's own policies, as the ARM session's is: bearer-token
authentication (``BearerTokenCredentialPolicy``, HTTPS only), the ARM session's bounded retries
(``azure/pipeline.py``: 408/429/5xx only, ``Retry-After`` honoured within the scan's waiting
budget, a refused, unresolvable, untrusted or silent endpoint not retried), redirects, and
azure-core's HTTP logging, which never logs the ``Authorization`` header. No request leaves the
endpoint's host (``HostPinPolicy``: a ``@odata.nextLink`` or a redirect elsewhere is refused before
it is sent), answers are read with a size limit and collections with bounds on pages and items.
Network failures are named as in every collector (``neterrors``). Only GET is ever sent.

Graph's refusals are told apart by their error code, not only their status: a permission the
identity lacks (``Authorization_RequestDenied``) and a licence the tenant lacks
(``Authentication_RequestFromNonPremiumTenantOrB2CTenant``, ``AadPremiumLicenseRequired`` …) both
become a ``GraphError`` whose ``kind`` says which, so the collector can name the permission or
licence in the collection error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_ENDPOINT = "https://graph.microsoft.com"

# Graph error codes that mean "the tenant has no licence for this" (P1/P2), not "no permission"
LICENCE_CODES = frozenset(
    {
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        "AadPremiumLicenseRequired",
        "Request_UnsupportedQuery_PremiumLicenseRequired",
    }
)
_LICENCE_TEXT = re.compile(r"premium licen[cs]e|licen[cs]e is required|P[12] licen[cs]e", re.I)


class GraphError(Exception):
    """A read that failed. ``code`` is bio2scan's collection-error code (AccessDenied, NotFound,
    Throttled, Timeout, Unsupported, Error); ``kind`` is ``permission`` (403), ``token`` (401, or
    no token at all), ``licence`` or ``None``;
    ``reason`` carries Graph's own error code and message and the HTTP status."""

    def __init__(
        self, code: str, reason: str, status: int | None = None, kind: str | None = None
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.status = status
        self.kind = kind


@dataclass
class GraphSettings:
    endpoint: str = DEFAULT_ENDPOINT
    version: str = "v1.0"
    ca_bundle: str | None = None
    retries: int = 4
    timeout: float = 60.0
    budget: Any = None  # azure.pipeline.WaitBudget shared with the ARM session (made if None)


def graph_credential(tenant: str | None) -> Any:
    """``AZURE_GRAPH_TOKEN`` when set (held only in memory, never logged), else the same
    credential chain as the ARM collector (``DefaultAzureCredential``, in ``tenant``)."""
    from ..azure.session import EnvToken, credential

    token = os.environ.get("AZURE_GRAPH_TOKEN", "").strip()
    if token:
        return EnvToken(token)
    return credential(tenant)


class GraphSession:
    """A Graph connection: ``get(path)`` and ``pages(path)`` under ``{endpoint}/{version}``."""

    def __init__(self, cred: Any, settings: GraphSettings) -> None:
        from azure.core import PipelineClient
        from azure.core.pipeline import policies
        from azure.core.pipeline.transport import RequestsTransport

        from ... import __version__
        from ..azure.pipeline import BoundedRetryPolicy, HostPinPolicy, WaitBudget

        if settings.budget is None:
            settings.budget = WaitBudget()
        self.timeout = settings.timeout
        self.endpoint = settings.endpoint.rstrip("/")
        self.base = f"{self.endpoint}/{settings.version}"
        self._host = urlsplit(self.endpoint).netloc.lower()
        verify: Any = settings.ca_bundle or os.environ.get("REQUESTS_CA_BUNDLE") or True
        transport = RequestsTransport(
            connection_verify=verify,
            connection_timeout=settings.timeout,
            read_timeout=settings.timeout,
        )
        pipeline: list[Any] = [
            policies.RequestIdPolicy(),
            policies.HeadersPolicy({"Accept": "application/json"}),
            policies.UserAgentPolicy(sdk_moniker=f"bio2scan/{__version__}"),
            policies.ProxyPolicy(),
            policies.ContentDecodePolicy(),
            policies.RedirectPolicy(),
            HostPinPolicy(self.endpoint),  # after redirects: a redirect elsewhere is not sent
            BoundedRetryPolicy(
                settings.budget, retry_total=settings.retries, retry_backoff_factor=0.5
            ),
            policies.BearerTokenCredentialPolicy(cred, f"{self.endpoint}/.default"),
            policies.SensitiveHeaderCleanupPolicy(),
            policies.HttpLoggingPolicy(),
        ]
        self.client: Any = PipelineClient(
            base_url=self.base, policies=pipeline, transport=transport
        )

    def close(self) -> None:
        self.client.close()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """``GET {base}{path}`` → parsed JSON, or ``GraphError``."""
        return self._send(self.base + path, dict(params or {}))

    def pages(self, path: str, params: Mapping[str, str] | None = None) -> Iterator[Any]:
        """Every item of a collection, following ``@odata.nextLink`` (on this host only;
        bounded: ``azure.pipeline.follow``)."""
        from ..azure.pipeline import Limit, follow

        first = self.get(path, params)
        try:
            yield from follow(first, "@odata.nextLink", self._next)
        except Limit as exc:
            raise GraphError("Error", exc.reason) from None

    def _next(self, url: str) -> Any:
        if urlsplit(url).netloc.lower() != self._host:
            raise GraphError(
                "Error", f"@odata.nextLink leads to another host ({urlsplit(url).netloc})"
            )
        return self._send(url, None)

    def _send(self, url: str, params: dict[str, str] | None) -> Any:
        from azure.core.exceptions import AzureError
        from azure.core.rest import HttpRequest

        from ..azure.pipeline import Limit, read_json

        try:
            resp = self.client.send_request(
                HttpRequest("GET", url, params=params or None), stream=True
            )
            body = read_json(resp)
        except AzureError as exc:
            raise _from_azure(exc, self.timeout) from None
        except Limit as exc:
            raise GraphError("Error", exc.reason, resp.status_code) from None
        except ValueError:
            if resp.status_code == 200:
                raise GraphError(
                    "Error", f"HTTP {resp.status_code}: the answer is not JSON", resp.status_code
                ) from None
            body = None
        if resp.status_code != 200:
            raise _from_status(resp, body)
        if not isinstance(body, dict):
            raise GraphError("Error", "the answer is not a JSON object", resp.status_code)
        return body


def _from_status(resp: Any, body: Any) -> GraphError:
    status = int(resp.status_code)
    code, message = "", ""
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        code, message = str(err.get("code") or ""), str(err.get("message") or "")
    text = f"HTTP {status} {code}: {message}".strip(": ") if code or message else f"HTTP {status}"
    if status in (429, 503) and resp.headers.get("Retry-After"):
        text += f" (Retry-After: {resp.headers['Retry-After'][:40]})"
    if code in LICENCE_CODES or _LICENCE_TEXT.search(message):
        return GraphError("Unsupported", text, status, "licence")
    if status == 401:  # the token itself was refused (expired, or not for this endpoint)
        return GraphError("AccessDenied", text, status, "token")
    if status == 403:
        return GraphError("AccessDenied", text, status, "permission")
    if status == 404:
        return GraphError("NotFound", text, status)
    if status == 429:
        return GraphError("Throttled", text, status)
    if status in (408, 504):
        return GraphError("Timeout", text, status)
    return GraphError("Error", text, status)


def _from_azure(exc: Any, timeout: float | None = None) -> GraphError:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        ServiceRequestTimeoutError,
        ServiceResponseTimeoutError,
    )

    from ..azure.pipeline import ForeignHost
    from ..neterrors import classify

    msg = getattr(exc, "message", None) or str(exc)
    first = msg.splitlines()[0] if msg else ""
    if isinstance(exc, ForeignHost):
        return GraphError("Error", first)
    if isinstance(exc, ClientAuthenticationError):
        return GraphError("AccessDenied", f"no token: {first}", None, "token")
    named = classify(exc, timeout)  # refused, DNS, TLS, unreachable, timeout: as every collector
    if named:
        return GraphError(*named)
    if isinstance(exc, (ServiceRequestTimeoutError, ServiceResponseTimeoutError)):
        return GraphError("Timeout", f"timed out: {first}")
    if "timed out" in msg.lower() or "timeout" in msg.lower():
        return GraphError("Timeout", f"timed out: {first}")
    return GraphError("Error", f"{type(exc).__name__}: {first}")
