"""What the ARM and the Graph sessions share on top of azure-core: bounded retries, the token
kept on its own host, and answers read with limits.

* **Retries** (``BoundedRetryPolicy``, azure-core's ``RetryPolicy`` narrowed). Only what can get
  better is retried: 408, 429, 500, 502, 503, 504, and a connection that broke off mid-answer.
  A network failure that ``neterrors.classify`` names — refused, DNS, TLS, unreachable, timeout —
  is not: the next try would give the same answer, later (azure-core retries a refused connection
  three times with back-off). A ``Retry-After`` on any other status (a 401, a 403) is not a reason
  to try again. Every wait (``Retry-After`` or back-off) is drawn from one ``WaitBudget`` shared
  by all requests of a scan (``--max-wait``): when a server asks for more than is left, its
  answer stands as the error (``Throttled``, naming the wait it asked for) at once, so no server
  can stretch a scan beyond ``max_wait`` seconds of waiting.
* **The token stays home** (``HostPinPolicy``): a request — a ``nextLink``, the SDK's pager, a
  redirect — to any host but the endpoint's is refused before it is sent, so neither the token
  nor anything else goes there.
* **Bounded answers** (``read_json``, ``follow``): a body larger than ``MAX_BODY`` bytes is not
  read on (the answer is streamed and cut), nor is one still arriving after
  ``MAX_ANSWER_SECONDS`` (a server that sends a byte now and then, each within the read
  timeout, would otherwise hold the scan for days); a collection stops with an error after ``MAX_PAGES``
  pages or ``MAX_ITEMS`` items, or when a next link repeats one already read (a loop).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import RetryPolicy, SansIOHTTPPolicy

from ..bounded import TooMuch, read_bounded, read_chunks
from ..neterrors import classify

MAX_BODY = 64 * 1024 * 1024  # one answer; Graph's and ARM's largest pages are a few MB
MAX_ANSWER_SECONDS = 300.0  # one answer, however steadily its bytes arrive
MAX_PAGES = 5000  # one collection: 5000 pages of Graph's 999 or ARM's 1000 items
MAX_ITEMS = 500_000  # one collection
DEFAULT_MAX_WAIT = 300.0  # seconds of Retry-After and back-off, for the whole scan
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class Limit(Exception):
    """An answer or a collection beyond what is read, or a request not sent (another host)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ForeignHost(AzureError):
    """A request to another host than the endpoint's, refused before it was sent."""


def wait_limit(opts: Any) -> float:
    """``--max-wait`` in seconds (``DEFAULT_MAX_WAIT`` when not given)."""
    value = opts.get("max_wait")
    return float(value) if value is not None else DEFAULT_MAX_WAIT


class WaitBudget:
    """Seconds of waiting left for a whole scan (thread-safe; shared by every session)."""

    def __init__(self, seconds: float = DEFAULT_MAX_WAIT) -> None:
        self.total = max(0.0, float(seconds))
        self._left = self.total
        self._lock = threading.Lock()

    @property
    def left(self) -> float:
        with self._lock:
            return self._left

    def take(self, seconds: float) -> bool:
        """Reserve ``seconds`` of waiting; False (nothing taken) when not that much is left."""
        with self._lock:
            if seconds > self._left:
                return False
            self._left -= seconds
            return True


class BoundedRetryPolicy(RetryPolicy):  # type: ignore[type-arg]
    """azure-core's retry policy, retrying only what can get better, within a ``WaitBudget``."""

    def __init__(self, budget: WaitBudget, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.budget = budget

    def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
        if response.http_response.status_code not in RETRY_STATUSES:
            return False  # a Retry-After on a 401 or 403 is no reason to ask again
        return bool(super().is_retry(settings, response))

    def increment(
        self, settings: dict[str, Any], response: Any = None, error: Exception | None = None
    ) -> bool:
        if error is not None and not _retryable(error):
            return False
        if not super().increment(settings, response=response, error=error):
            return False
        wait = None
        if error is None and response is not None and hasattr(response, "http_response"):
            wait = self.get_retry_after(response)
        if wait is None:
            wait = self.get_backoff_time(settings)
        if not self.budget.take(wait):
            return False  # the answer stands; its reason names the wait it asked for
        settings["bio2scan_wait"] = wait
        if error is None and hasattr(response, "http_response"):
            response.http_response.close()  # streamed: give the connection back before retrying
        return True

    def sleep(self, settings: dict[str, Any], transport: Any, response: Any = None) -> None:
        wait = settings.pop("bio2scan_wait", 0)
        if wait > 0:
            transport.sleep(wait)


def _retryable(error: Exception) -> bool:
    """A broken-off connection may work next time; a named network failure will not."""
    if not isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return False
    return classify(error) is None


class HostPinPolicy(SansIOHTTPPolicy[Any, Any]):
    """Refuses every request to another host than ``endpoint``'s, before it is sent."""

    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self.host = urlsplit(endpoint).netloc.lower()

    def on_request(self, request: PipelineRequest[Any]) -> None:
        parts = urlsplit(str(request.http_request.url))
        if parts.scheme.lower() != "https" or parts.netloc.lower() != self.host:
            raise ForeignHost(
                f"not sent: {parts.scheme}://{parts.netloc} is not the endpoint's host "
                f"({self.host}); the token goes nowhere else"
            )


def read_json(resp: Any, limit: int | None = None, seconds: float | None = None) -> Any:
    """The body of a streamed answer as JSON, reading at most ``limit`` (``MAX_BODY``) bytes
    for at most ``seconds`` (``MAX_ANSWER_SECONDS``); ``ValueError`` when it is not JSON."""
    limit = MAX_BODY if limit is None else limit
    seconds = MAX_ANSWER_SECONDS if seconds is None else seconds
    # the requests transport's urllib3 answer, read as it arrives (``collectors.bounded``);
    # azure-core's own iterator reads fixed blocks, each of which a trickling server can
    # stretch to hours — it is used only where the transport is another one
    raw = getattr(getattr(resp, "_internal_response", None), "raw", None)
    import urllib3

    try:
        if raw is not None and hasattr(raw, "read1"):
            body = read_bounded(raw, limit, seconds)
        else:
            body = read_chunks(resp.iter_bytes(), limit, seconds)
    except TooMuch as exc:
        raise Limit(f"HTTP {resp.status_code}: {exc.reason}") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise ServiceResponseError(str(exc), error=exc) from None
    finally:
        resp.close()
    try:
        return json.loads(body)
    except RecursionError:  # nested deeper than the parser goes: not an answer ARM or Graph gives
        raise ValueError("the answer is nested too deeply") from None


def follow(
    first: dict[str, Any],
    key: str,
    fetch: Callable[[str], dict[str, Any]],
    *,
    max_pages: int | None = None,
    max_items: int | None = None,
) -> Iterator[Any]:
    """The items of ``first`` and of every page its next link (``key``) leads to, in order.
    ``fetch(url)`` reads one page. Raises ``Limit`` on a next link seen before, more than
    ``max_pages`` pages or more than ``max_items`` items."""
    max_pages = MAX_PAGES if max_pages is None else max_pages
    max_items = MAX_ITEMS if max_items is None else max_items
    doc, pages, items = first, 1, 0
    seen: set[str] = set()
    while True:
        value = doc.get("value")
        if value is None:
            value = []
        if not isinstance(value, list):
            raise Limit(f"the answer's 'value' is {type(value).__name__}, not a list")
        items += len(value)
        if items > max_items:
            raise Limit(f"the collection exceeds {max_items} items; not read on")
        yield from value
        nxt = doc.get(key)
        if not nxt:
            return
        nxt = str(nxt)
        if nxt in seen:
            raise Limit(f"{key} repeats a page already read (the paging loops)")
        seen.add(nxt)
        pages += 1
        if pages > max_pages:
            raise Limit(f"the collection exceeds {max_pages} pages; not read on")
        doc = fetch(nxt)
