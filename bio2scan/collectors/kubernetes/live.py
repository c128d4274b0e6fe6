"""Live Kubernetes clusters through the official ``kubernetes`` client: the production view.

Each kind the selected rules need is listed once per cluster (paged with ``limit``/``continue``),
all kinds of all clusters concurrently. The API's raw JSON is used, not the client's typed
models, so every object gets exactly the shape a manifest of it has (``objects.to_resource``):
items get back the ``apiVersion`` and ``kind`` that list responses leave out, as kubectl does.
Secrets are reduced to names, type and certificate facts the moment they are read.

What cannot be read is recorded, per kind (and namespace), as a ``CollectionError``: 403 →
AccessDenied, a group the cluster does not serve (404) → NotFound, a slow answer → Timeout, a
server that cannot be reached → Refused, DNS, TLS or Unreachable (``neterrors``), known within
a second or two: connect attempts have their own short timeout and few retries. A
cluster-wide 403 is retried per namespace, because many scanners may read only some namespaces.
The scan always goes on.

Answers are bounded as in the Azure collector, whatever the server sends: each is streamed and
read up to ``MAX_BODY`` bytes and for at most ``MAX_ANSWER_SECONDS`` (a server that trickles a
byte now and then, each within the read timeout, cannot hold the scan), and a list stops with
an error after ``MAX_PAGES`` pages or ``MAX_ITEMS`` items, or when a ``continue`` token repeats
one already sent (a loop).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from ...errors import InputError, UsageError
from ...model import CollectionError, Inventory, Source
from ..base import CollectRequest, Option, Recorder, public_options, run_parallel, utcnow_iso
from ..bounded import TooMuch, read_bounded
from ..neterrors import classify as classify_network
from .objects import coverage_notice, mark_controlled, sanitize, to_resource, untrusted
from .resources import (
    NAMESPACE,
    RESOURCE_TYPES,
    VERSION_API_VERSION,
    VERSION_KIND,
    VERSION_TYPE,
    ApiKind,
    cluster_role,
    wanted_kinds,
)

PROVIDER = "k8s"

MAX_BODY = 64 * 1024 * 1024  # one answer; a page of 500 large objects is a few MB
MAX_ANSWER_SECONDS = 300.0  # one answer, however steadily its bytes arrive
MAX_PAGES = 10_000  # one list
MAX_ITEMS = 1_000_000  # one list


class ApiFailure(Exception):
    """One request that did not give a list: ``code`` is a ``CollectionError`` code."""

    def __init__(self, code: str, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.code, self.reason, self.status = code, reason, status


@dataclass
class Cluster:
    """One context to scan: its scope name and a configured ``ApiClient``."""

    name: str
    client: Any
    namespaces: list[str] | None = None  # what exists (None: could not list them)


class KubernetesCollector:
    name = "kubernetes"
    provider = PROVIDER
    description = "Live Kubernetes clusters via kubeconfig contexts or in-cluster service account"
    resource_types = RESOURCE_TYPES
    options = (
        Option(
            "kubeconfig",
            "Kubeconfig file (default: $KUBECONFIG or ~/.kube/config; in a Pod "
            "without one: the in-cluster service account).",
            type="path",
        ),
        Option(
            "context",
            "Context to scan (repeat for several; default: the current one).",
            multiple=True,
        ),
        Option("all_contexts", "Scan every context in the kubeconfig.", type="flag"),
        Option(
            "namespaces",
            "Only these namespaces (repeat or comma-separate; default: all). "
            "Cluster-wide kinds (RBAC, webhooks) are read regardless.",
            multiple=True,
        ),
        Option(
            "cluster_name", "Scope name for the in-cluster configuration.", default="in-cluster"
        ),
        Option(
            "page_size",
            "Objects per list request (limit/continue paging).",
            type="integer",
            default=500,
        ),
        Option("timeout", "Seconds to wait for one API answer.", type="integer", default=30),
    )

    # --- public ---------------------------------------------------------------------------

    def permissions(self, resource_types: set[str]) -> str:
        return cluster_role(resource_types)

    def collect(self, request: CollectRequest) -> Inventory:
        opts = request.options
        rec = Recorder(self.name, request)
        run = _Run(
            rec,
            request,
            page_size=int(opts.get("page_size") or 500),
            timeout=float(opts.get("timeout") or 30),
        )
        clusters = _clusters(opts, request, rec)
        run_parallel([partial(run.prepare, c) for c in clusters], request.max_workers)
        jobs = [job for c in clusters for job in run.jobs(c)]
        task = request.progress.task("kubernetes: listing", total=len(jobs))

        def step(job: Callable[[], None]) -> Callable[[], None]:
            def go() -> None:
                job()
                task.advance()

            return go

        run_parallel([step(j) for j in jobs], request.max_workers)
        task.done()
        for c in clusters:
            c.client.close()
        # a Pod, ReplicaSet or Job is checked through its owner only when the owner was read
        # from the same cluster; objects no rule can judge are listed as not checked
        rec.resources[:] = mark_controlled(rec.resources, live=True)
        for r in rec.resources:
            note = coverage_notice(r)
            if note is not None:
                rec.notice(note)
        return rec.inventory(public_options(opts, self.options))


# --- configuration --------------------------------------------------------------------------


def _split(values: Any) -> list[str]:
    return [x.strip() for v in (values or ()) for x in str(v).split(",") if x.strip()]


def _clusters(opts: Any, request: CollectRequest, rec: Recorder) -> list[Cluster]:
    """The contexts this shard scans, each with its own client (a pool as large as the
    workers). A context whose credentials cannot be set up (a missing client certificate, a
    failing exec plugin) is recorded as an error for every kind there; the others go on."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException
    from urllib3.util.retry import Retry

    def configured(name: str, load: Callable[[Any], None]) -> Cluster | None:
        rec.scope(name)
        cfg = client.Configuration()
        try:
            load(cfg)
        except (ConfigException, OSError, ValueError) as exc:
            rec.error(
                CollectionError(
                    PROVIDER,
                    "*",
                    name,
                    f"cannot set up the client: {exc}",
                    code="Error",
                    api="kubeconfig",
                )
            )
            return None
        # a refused or unresolvable address is retried once, quickly: a restarting API server
        # gets a second chance, an unreachable cluster is known in about a second
        cfg.retries = Retry(total=1, connect=1, read=0, status=0, backoff_factor=0.2)
        cfg.connection_pool_maxsize = max(4, request.max_workers)
        return Cluster(name, client.ApiClient(cfg))

    path = opts.get("kubeconfig")
    if not path and os.environ.get("KUBERNETES_SERVICE_HOST") and not os.environ.get("KUBECONFIG"):
        name = opts.get("cluster_name") or "in-cluster"
        if not request.owns(name):
            return []
        c = configured(name, _load_incluster)
        return [c] if c else []
    try:
        contexts, active = config.list_kube_config_contexts(config_file=path)  # type: ignore[no-untyped-call]
    except (ConfigException, OSError) as exc:
        raise InputError(f"cannot read kubeconfig: {exc}", file=path) from None
    known = [c["name"] for c in contexts or ()]
    if opts.get("all_contexts"):
        names = known
    else:
        names = _split(opts.get("context")) or ([active["name"]] if active else [])
    if not names:
        raise UsageError(
            "no context to scan: the kubeconfig has no current-context; "
            "give --context or --all-contexts"
        )
    missing = [n for n in names if n not in known]
    if missing:
        raise UsageError(
            f"--context {', '.join(missing)}: not in the kubeconfig "
            f"(it has: {', '.join(known) or 'none'})"
        )
    out = []
    for n in dict.fromkeys(names):
        if request.owns(n):
            c = configured(
                n,
                partial(_load_context, path, n),
            )
            if c:
                out.append(c)
    return out


# --- requests -------------------------------------------------------------------------------


CONNECT_TIMEOUT = 10.0  # a TCP + TLS handshake to an API server needs far less


def _connect(timeout: float) -> float:
    return min(timeout, CONNECT_TIMEOUT)


def _read(resp: Any) -> bytes:
    """The body of a streamed urllib3 answer, at most ``MAX_BODY`` bytes and
    ``MAX_ANSWER_SECONDS`` seconds (``bounded``); ``ApiFailure`` beyond either."""
    try:
        return read_bounded(resp, MAX_BODY, MAX_ANSWER_SECONDS)
    except TooMuch as exc:
        raise ApiFailure("Error", exc.reason, resp.status) from None


def _get(api: Any, path: str, query: list[tuple[str, Any]], timeout: float) -> dict[str, Any]:
    """GET ``path`` and return the JSON body; raise ``ApiFailure`` for anything else. The
    timeout is a (connect, read) pair: older clients ignore a plain float."""
    import urllib3
    from kubernetes.client.exceptions import ApiException

    raw: bytes | str
    try:
        if hasattr(api, "param_serialize"):  # client ≥ 35 (openapi-generator 7)
            method, url, headers, _, _ = api.param_serialize(
                "GET",
                path,
                query_params=query,
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
            )
            resp = api.call_api(
                method, url, header_params=headers, _request_timeout=(_connect(timeout), timeout)
            )
            status, raw = resp.status, _read(resp.response)
        else:  # older clients raise on non-2xx
            try:
                resp = api.call_api(
                    path,
                    "GET",
                    query_params=query,
                    header_params={"Accept": "application/json"},
                    auth_settings=["BearerToken"],
                    _preload_content=False,
                    _return_http_data_only=True,
                    _request_timeout=(_connect(timeout), timeout),
                )
                status, raw = 200, _read(resp)
            except ApiException as exc:
                status, raw = exc.status, exc.body or b""
    except ApiException as exc:  # TLS problems come as status 0
        named = classify_network(exc, timeout)
        if named and not exc.status:
            raise ApiFailure(named[0], named[1]) from None
        lines = str(exc.reason or "").strip().splitlines() or ["request failed"]
        raise ApiFailure("Error", lines[-1], exc.status or None) from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        # refused, DNS, TLS, unreachable, timeout — named, not all called "Timeout"
        named = classify_network(exc, timeout)
        if named:
            raise ApiFailure(*named) from None
        reason = getattr(exc, "reason", None) or exc
        detail = str(reason).splitlines()[0][:200] if str(reason) else ""
        raise ApiFailure(
            "Error",
            f"cannot reach the API server: {type(reason).__name__}"
            + (f" ({detail})" if detail else ""),
        ) from None
    if 200 <= status < 300:
        try:
            answer: dict[str, Any] = json.loads(raw)
            return answer
        except ValueError:
            raise ApiFailure(
                "Error", "the API server sent something that is not JSON", status
            ) from None
    try:
        message = json.loads(raw).get("message") or ""
    except (ValueError, AttributeError, TypeError):
        message = ""
    code = {401: "AccessDenied", 403: "AccessDenied", 404: "NotFound", 429: "Throttled"}.get(
        status, "Timeout" if status == 504 else "Error"
    )
    if status == 404:
        message = message or "the server could not find the requested resource"
    raise ApiFailure(code, f"HTTP {status}: {message}".rstrip(": "), status)


class _Run:
    """One collection: the recorder, options, and the jobs for each cluster."""

    def __init__(
        self, rec: Recorder, request: CollectRequest, page_size: int, timeout: float
    ) -> None:
        self.rec, self.request = rec, request
        self.page_size, self.timeout = max(1, page_size), timeout
        self.only = _split(request.options.get("namespaces")) or None
        self.kinds = wanted_kinds(request.resource_types)
        self.unreachable: set[str] = set()

    def _fail(
        self, c: Cluster, rtype: str, api: str, f: ApiFailure, namespace: str | None = None
    ) -> None:
        self.rec.error(
            CollectionError(
                PROVIDER, rtype, c.name, f.reason, code=f.code, api=api, namespace=namespace
            )
        )

    def prepare(self, c: Cluster) -> None:
        """Version first (it also tells whether the cluster answers at all), then namespaces:
        they are needed for the namespace filter and for per-namespace retries."""
        try:
            version = self._call(c, "/version", [], "GET /version")
        except ApiFailure as f:
            if f.status in (None, 401):  # no answer, no TLS, or credentials refused:
                # one error for every kind rather than thirty
                self.unreachable.add(c.name)
                self._fail(c, "*", "GET /version", f)
                return
            if self.request.wants(VERSION_TYPE):
                self._fail(c, VERSION_TYPE, "GET /version", f)
        else:
            if self.request.wants(VERSION_TYPE):
                obj = {
                    "apiVersion": VERSION_API_VERSION,
                    "kind": VERSION_KIND,
                    "metadata": {"name": "kubernetes"},
                    **version,
                }
                self.rec.add(
                    to_resource(
                        obj, cluster=c.name, source=Source(api="GET /version", time=utcnow_iso())
                    )
                )
        try:
            items, src = self._list(c, NAMESPACE, None)
        except ApiFailure as f:
            if self.request.wants(NAMESPACE.type):
                self._fail(c, NAMESPACE.type, f"GET {NAMESPACE.path()}", f)
            c.namespaces = self.only
            return
        names = [i["metadata"]["name"] for i in items]
        c.namespaces = [n for n in names if n in self.only] if self.only else names
        if self.request.wants(NAMESPACE.type):
            keep = set(c.namespaces)
            self._add(c, [i for i in items if i["metadata"]["name"] in keep], src)

    def jobs(self, c: Cluster) -> list[Callable[[], None]]:
        if c.name in self.unreachable:
            return []
        out: list[Callable[[], None]] = []
        for k in self.kinds:
            if k is NAMESPACE:
                continue
            if k.namespaced and self.only is not None:
                out.extend(partial(self.list_kind, c, k, [ns]) for ns in (c.namespaces or ()))
            else:
                out.append(partial(self.list_kind, c, k, None))
        return out

    def list_kind(self, c: Cluster, k: ApiKind, namespaces: list[str] | None) -> None:
        """List ``k`` cluster-wide (``namespaces`` None) or in each namespace; a cluster-wide
        403 on a namespaced kind is retried per namespace."""
        started = time.monotonic()
        try:
            each: list[str | None] = list(namespaces) if namespaces else [None]
            for ns in each:
                try:
                    items, src = self._list(c, k, ns)
                except ApiFailure as f:
                    if ns is None and f.status == 403 and k.namespaced and c.namespaces:
                        self.list_kind(c, k, list(c.namespaces))
                    else:
                        self._fail(c, k.type, f"GET {k.path(ns)}", f, namespace=ns)
                    continue
                self._add(c, items, src)
        finally:
            self.rec.timing(f"list {k.type}", time.monotonic() - started)

    def _call(self, c: Cluster, path: str, query: list[tuple[str, Any]], api: str) -> Any:
        self.rec.call(api)
        return _get(c.client, path, query, self.timeout)

    def _list(
        self, c: Cluster, k: ApiKind, namespace: str | None
    ) -> tuple[list[dict[str, Any]], Source]:
        """Every item of one list, page by page; items carry ``apiVersion`` and ``kind``."""
        path = k.path(namespace)
        api = f"GET {k.path('{namespace}' if namespace else None)}"
        src = Source(api=f"GET {path}", time=utcnow_iso())
        items: list[dict[str, Any]] = []
        token = None
        seen: set[str] = set()
        pages = 0
        while True:
            query: list[tuple[str, Any]] = [("limit", self.page_size)]
            if token:
                query.append(("continue", token))
            body = self._call(c, path, query, api)
            pages += 1
            got = body.get("items")
            if got is None:  # an empty list, as some servers write it
                got = []
            if not isinstance(got, list):
                raise ApiFailure(
                    "Error", f"the answer's items are {type(got).__name__}, not a list"
                )
            if len(items) + len(got) > MAX_ITEMS:
                raise ApiFailure("Error", f"the list exceeds {MAX_ITEMS} items; not read on")
            for item in got:
                item = {"apiVersion": k.api_version, "kind": k.kind, **untrusted(item)}
                items.append(sanitize(item) if k.kind == "Secret" else item)
            meta = body.get("metadata")
            token = meta.get("continue") if isinstance(meta, dict) else None
            if not token:
                return items, src
            token = str(token)
            if token in seen:
                raise ApiFailure("Error", "continue repeats a page already read (the paging loops)")
            seen.add(token)
            if pages >= MAX_PAGES:
                raise ApiFailure("Error", f"the list exceeds {MAX_PAGES} pages; not read on")

    def _add(self, c: Cluster, items: list[dict[str, Any]], src: Source) -> None:
        self.rec.extend(to_resource(i, cluster=c.name, source=src) for i in items)


def _load_incluster(cfg: Any) -> None:
    from kubernetes import config

    config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]


def _load_context(path: str | None, context: str, cfg: Any) -> None:
    from kubernetes import config

    config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=path, context=context, client_configuration=cfg, persist_config=False
    )
