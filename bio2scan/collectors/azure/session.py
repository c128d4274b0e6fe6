"""One ARM connection: credentials, the azure-mgmt client and its azure-core pipeline, and the
two reads everything else is made of (``get`` one document, ``pages`` of a collection).

All requests go through ``ResourceManagementClient``'s pipeline, so authentication, retries and
throttling (``Retry-After``) are azure-core's. The pipeline is the client's own minus the policy
that *registers* resource providers on a ``MissingSubscriptionRegistration`` answer (a read-only
scanner must never write), with ``pipeline.py``'s bounded retry policy in place of the client's
and a policy that keeps every request on the endpoint's host. Answers are streamed and read with
a size limit; collections are paged here (not by the SDK's pager, which reads any answer whole)
with bounds on pages and items. The SDK is imported here, lazily, never at ``import bio2scan``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..neterrors import classify as classify_network

DEFAULT_ENDPOINT = "https://management.azure.com"
SUBSCRIPTIONS_API = "2022-12-01"
RESOURCES_API = "2021-04-01"


class ArmError(Exception):
    """A read that failed: ``code`` is bio2scan's (AccessDenied, NotFound, Throttled, Timeout,
    Error); ``reason`` is ARM's own error code and message; ``status`` the HTTP status."""

    def __init__(self, code: str, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.status = status


class EnvToken:
    """A ``TokenCredential`` for a bearer token the caller already holds (``AZURE_ACCESS_TOKEN``).

    The token lives only in this object; it is never logged or written (``__repr__`` hides it)."""

    def __init__(self, token: str) -> None:
        self.__token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self.__token, int(time.time()) + 3000)

    def __repr__(self) -> str:
        return "EnvToken(<hidden>)"


def credential(tenant: str | None) -> Any:
    """``AZURE_ACCESS_TOKEN`` when set, else azure-identity's ``DefaultAzureCredential`` (asked
    for tokens of ``tenant`` when one is given)."""
    token = os.environ.get("AZURE_ACCESS_TOKEN", "").strip()
    if token:
        return EnvToken(token)
    from azure.identity import DefaultAzureCredential

    if not tenant:
        return DefaultAzureCredential()
    return _InTenant(
        DefaultAzureCredential(
            additionally_allowed_tenants=[tenant],
            workload_identity_tenant_id=tenant,
            shared_cache_tenant_id=tenant,
        ),
        tenant,
    )


class _InTenant:
    """A credential that always asks for a token of one tenant (``--tenant``)."""

    def __init__(self, inner: Any, tenant: str) -> None:
        self._inner = inner
        self._tenant = tenant

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        kwargs.setdefault("tenant_id", self._tenant)
        return self._inner.get_token(*scopes, **kwargs)


def _code(status: int | None) -> str:
    if status in (401, 403):
        return "AccessDenied"
    if status == 404:
        return "NotFound"
    if status == 429:
        return "Throttled"
    if status in (408, 504):
        return "Timeout"
    return "Error"


@dataclass
class Settings:
    endpoint: str = DEFAULT_ENDPOINT
    ca_bundle: str | None = None
    retries: int = 4
    timeout: float = 60.0
    budget: Any = None  # pipeline.WaitBudget shared by every session of a scan (made if None)


class Session:
    """An ARM connection for one subscription (the client needs one; any path may be read)."""

    def __init__(self, cred: Any, subscription_id: str, settings: Settings) -> None:
        from azure.core.pipeline import policies
        from azure.mgmt.resource.resources import ResourceManagementClient

        from .pipeline import BoundedRetryPolicy, HostPinPolicy, WaitBudget

        if settings.budget is None:
            settings.budget = WaitBudget()
        self.subscription_id = subscription_id
        self.timeout = settings.timeout
        self.endpoint = settings.endpoint.rstrip("/")
        kwargs: dict[str, Any] = {
            "base_url": self.endpoint,
            "credential_scopes": [self.endpoint + "/.default"],
            "retry_total": settings.retries,
            "retry_backoff_factor": 0.5,
            "connection_timeout": settings.timeout,
            "read_timeout": settings.timeout,
        }
        verify = settings.ca_bundle or os.environ.get("REQUESTS_CA_BUNDLE")
        if verify:
            kwargs["connection_verify"] = verify
        probe = ResourceManagementClient(cred, subscription_id, **kwargs)
        cfg = probe._config
        pipeline = [
            policies.RequestIdPolicy(),
            cfg.headers_policy,
            cfg.user_agent_policy,
            cfg.proxy_policy,
            policies.ContentDecodePolicy(),
            cfg.redirect_policy,
            HostPinPolicy(self.endpoint),  # after redirects: a redirect elsewhere is not sent
            BoundedRetryPolicy(
                settings.budget, retry_total=settings.retries, retry_backoff_factor=0.5
            ),
            cfg.authentication_policy,
            cfg.custom_hook_policy,
            cfg.logging_policy,
            policies.DistributedTracingPolicy(),
            policies.SensitiveHeaderCleanupPolicy(),
            cfg.http_logging_policy,
        ]
        probe.close()
        self.client = ResourceManagementClient(cred, subscription_id, policies=pipeline, **kwargs)

    def close(self) -> None:
        self.client.close()

    def get(self, path: str, api: str, params: dict[str, str] | None = None) -> Any:
        """``GET {endpoint}{path}?api-version=api`` → parsed JSON, or ``ArmError``."""
        url = path if path.startswith("https://") else self.endpoint + path
        return self._send(url, {"api-version": api, **(params or {})})

    def pages(
        self, path: str, api: str, params: dict[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a collection, following ``nextLink`` (bounded: ``pipeline.follow``)."""
        from .pipeline import Limit, follow

        try:
            yield from follow(
                self.get(path, api, params), "nextLink", lambda u: self._send(u, None)
            )
        except Limit as exc:
            raise ArmError("Error", exc.reason) from None

    def list_resources(self, arm_types: list[str]) -> Iterator[dict[str, Any]]:
        """The subscription's resources of ``arm_types`` (ARM's generic list, ``$filter``)."""
        flt = " or ".join(f"resourceType eq '{t}'" for t in arm_types)
        yield from self.pages(
            f"/subscriptions/{self.subscription_id}/resources", RESOURCES_API, {"$filter": flt}
        )

    def _send(self, url: str, params: dict[str, str] | None) -> Any:
        from azure.core.exceptions import AzureError
        from azure.core.rest import HttpRequest

        from .pipeline import Limit, read_json

        try:
            resp = self.client.send_request(HttpRequest("GET", url, params=params), stream=True)
        except AzureError as exc:
            raise _from_azure(exc, self.timeout) from None
        try:
            body = read_json(resp)
        except Limit as exc:
            raise ArmError("Error", exc.reason, resp.status_code) from None
        except ValueError:
            if resp.status_code == 200:
                raise ArmError(
                    "Error", f"HTTP {resp.status_code}: the answer is not JSON", resp.status_code
                ) from None
            body = None
        except AzureError as exc:  # the connection broke off while the answer was read
            raise _from_azure(exc, self.timeout) from None
        if resp.status_code != 200:
            raise ArmError(_code(resp.status_code), _reason(resp, body), resp.status_code)
        if not isinstance(body, dict):
            raise ArmError("Error", "the answer is not a JSON object", resp.status_code)
        return body


def _reason(resp: Any, body: Any) -> str:
    err = body.get("error") if isinstance(body, dict) else None
    text = ""
    if isinstance(err, dict):
        text = f"{err.get('code', '')}: {err.get('message', '')}".strip(": ")
    if resp.status_code in (429, 503) and resp.headers.get("Retry-After"):
        text += f" (Retry-After: {resp.headers['Retry-After'][:40]})"
    return f"HTTP {resp.status_code} {text or resp.reason or ''}".strip()


def _from_azure(exc: Any, timeout: float | None = None) -> ArmError:
    from azure.core.exceptions import ServiceRequestTimeoutError, ServiceResponseTimeoutError

    from .pipeline import ForeignHost

    if isinstance(exc, ForeignHost):
        return ArmError("Error", exc.message)
    named = classify_network(exc, timeout)  # refused, DNS, TLS, unreachable, timeout
    if named:
        return ArmError(*named)
    if isinstance(exc, (ServiceRequestTimeoutError, ServiceResponseTimeoutError)):
        return ArmError("Timeout", f"timed out: {exc.message}")
    msg = getattr(exc, "message", None) or str(exc)
    if "timed out" in msg.lower() or "timeout" in msg.lower():
        return ArmError("Timeout", f"timed out: {msg.splitlines()[0]}")
    return ArmError("Error", f"{type(exc).__name__}: {msg.splitlines()[0] if msg else ''}")
