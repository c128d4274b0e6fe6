"""Benchmark of the AWS collector against a bare boto3 script making the same calls.

    .venv/bin/python bench/aws.py --resources 1000 --latency 0.05 --workers 16 --repeat 3

moto_server (its own process) is seeded with an estate of about ``--resources`` resources across
three regions and put behind the latency proxy of tests/stubs (also its own process, so that
neither moto's nor the proxy's CPU is counted), which adds ``--latency`` seconds to every call
(50 ms is the order of real AWS latency). Then, ``--repeat`` times each, alternating:

* ``scan`` — the AWS collector with every AWS rule's resource types (``api.collect``), timed:
  wall time and the CPU time of this process (the scanner only);
* ``bare`` — a bare boto3 script making the same calls: every call the scan made (operation,
  parameters and region, each page of a listing as the scan asked for it — recorded through
  botocore's ``before-parameter-build`` event), one client per service and region, on a thread
  pool of ``--workers`` threads, all calls at once: it knows every parameter in advance and so
  waits for no listing. No script that has to discover the estate can be faster; the ratio
  scan / bare is therefore an upper bound of our overhead.

Printed: medians of both, their ratio, API calls, the requests that reached the proxy, and two
lower bounds of any schedule: latency × requests / workers (throughput) and latency × the calls
on the longest chain of dependent calls (``aws.chain_calls``: a listing's pages, then a
resource's detail reads, after the account's identity). The larger of the two is the bound.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/stubs

REGIONS = ["eu-west-1", "eu-central-1", "eu-north-1"]


def _proxy_child(upstream: str, latency: float) -> None:
    """The latency proxy in its own process: prints its URL; then per line ``counts`` on stdin
    prints the requests it forwarded since the last time (by service) as JSON."""
    from stubs.aws import AwsProxy

    with AwsProxy(upstream, latency=latency) as proxy:
        print(proxy.url, flush=True)
        for line in sys.stdin:
            if line.strip() == "counts":
                with proxy._lock:
                    counts = dict(proxy.requests)
                    proxy.requests.clear()
                print(json.dumps(counts), flush=True)


class _Proxy:
    def __init__(self, upstream: str, latency: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--proxy-child", upstream, str(latency)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.url = self.proc.stdout.readline().strip()

    def counts(self) -> dict[str, int]:
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.proc.stdin.write("counts\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(10)


class _Calls:
    """Every botocore call made in this process (service, region, operation, parameters),
    recorded through botocore's own event — for the bare replay."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []
        self.on = False
        self._lock = threading.Lock()

    def install(self) -> None:
        import boto3

        original = boto3.Session.__init__
        calls = self

        def init(session: Any, *a: Any, **kw: Any) -> None:
            original(session, *a, **kw)
            session.events.register("before-parameter-build", calls._record)

        boto3.Session.__init__ = init  # type: ignore[method-assign]

    def _record(self, params: Any, model: Any, context: Any = None, **_: Any) -> None:
        if self.on:
            service = model.service_model.service_name
            region = (context or {}).get("client_region") or "us-east-1"
            with self._lock:
                self.calls.append((service, region, model.name, copy.deepcopy(params)))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _scan(rules: list[Any], workers: int) -> tuple[float, float, Any]:
    from bio2scan import api

    cpu0, t0 = _cpu(), time.perf_counter()
    inv = api.collect("aws", {"regions": REGIONS}, rules=rules, max_workers=workers)
    return time.perf_counter() - t0, _cpu() - cpu0, inv


def _bare(
    calls: list[tuple[str, str, str, dict[str, Any]]], workers: int
) -> tuple[float, float, int]:
    """The same calls with plain boto3 clients on a thread pool; returns wall, CPU, failures."""
    import boto3
    from botocore import xform_name

    from bio2scan.collectors.aws import session as aws_session
    from bio2scan.collectors.aws.service import _no_account_host

    cfg = aws_session.config(workers)  # the same retries and connection pool size
    cpu0, t0 = _cpu(), time.perf_counter()
    sess = boto3.Session()
    clients: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()
    failed = [0]

    def client(service: str, region: str) -> Any:
        with lock:
            c = clients.get((service, region))
            if c is None:
                c = clients[(service, region)] = sess.client(
                    service, region_name=region, config=cfg
                )
                if service == "s3control":
                    _no_account_host(c)  # the account-id host prefix an endpoint override lacks
            return c

    def one(call: tuple[str, str, str, dict[str, Any]]) -> None:
        service, region, op, params = call
        try:
            getattr(client(service, region), xform_name(op))(**params)
        except Exception:  # noqa: BLE001 — counted: moto answers some calls with errors
            with lock:
                failed[0] += 1

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, calls))
    return time.perf_counter() - t0, _cpu() - cpu0, failed[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.05, help="seconds added per call")
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    ap.add_argument("--proxy-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.proxy_child:
        _proxy_child(args.proxy_child[0], float(args.proxy_child[1]))
        return 0

    from stubs.aws import MOTO_ENV

    os.environ.update(MOTO_ENV)
    os.environ.setdefault("BIO2SCAN_AWS_MAX_ATTEMPTS", "2")  # moto answers gaps with 500s
    import boto3
    from stubs.awsestate import bulk

    from bio2scan import api

    recorder = _Calls()
    recorder.install()
    rules = [r for r in api.load_rules().values() if r.provider == "aws"]
    with _MotoProcess() as moto:
        t0 = time.monotonic()
        os.environ["AWS_ENDPOINT_URL"] = moto.url
        made = bulk(boto3.Session(region_name=REGIONS[0]), REGIONS, args.resources, "123456789012")
        seeded = time.monotonic() - t0
        proxy = _Proxy(moto.url, args.latency)
        try:
            os.environ["AWS_ENDPOINT_URL"] = proxy.url
            recorder.on = True
            _, _, inv = _scan(rules, args.workers)  # warm-up, and the calls to replay
            recorder.on = False
            calls = list(recorder.calls)
            requests = sum(proxy.counts().values())
            scans, bares = [], []
            for _ in range(args.repeat):
                wall, cpu, inv = _scan(rules, args.workers)
                scans.append((wall, cpu, sum(proxy.counts().values())))
                wall, cpu, failed = _bare(calls, args.workers)
                bares.append((wall, cpu, sum(proxy.counts().values()), failed))
        finally:
            proxy.close()
    n_calls = sum(inv.meta.api_calls.values())
    chain = int(inv.meta.timings.get("aws.chain_calls", 0))
    med = lambda xs: round(statistics.median(xs), 2)  # noqa: E731
    scan_wall, bare_wall = med(s[0] for s in scans), med(b[0] for b in bares)
    bound_tp = args.latency * requests / args.workers
    bound_chain = args.latency * chain
    out = {
        "seeded": made,
        "seed_s": round(seeded, 1),
        "resources": len(inv.resources),
        "collection_errors": len(inv.errors),
        "api_calls": n_calls,
        "replayed_calls": len(calls),
        "proxy_requests_scan": requests,
        "proxy_requests_bare": bares[0][2],
        "bare_failed_calls": bares[0][3],
        "latency_s": args.latency,
        "workers": args.workers,
        "repeat": args.repeat,
        "scan_wall_s": scan_wall,
        "scan_cpu_s": med(s[1] for s in scans),
        "bare_wall_s": bare_wall,
        "bare_cpu_s": med(b[1] for b in bares),
        "ratio_scan_to_bare": round(scan_wall / bare_wall, 2),
        "scan_walls": [round(s[0], 2) for s in scans],
        "bare_walls": [round(b[0], 2) for b in bares],
        "chain_calls": chain,
        "bound_throughput_s": round(bound_tp, 2),
        "bound_chain_s": round(bound_chain, 2),
        "bound_s": round(max(bound_tp, bound_chain), 2),
        "calls_by_api": dict(sorted(inv.meta.api_calls.items(), key=lambda kv: -kv[1])[:8]),
    }
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        for k, v in out.items():
            print(f"{k:22} {v}")
    return 0


class _MotoProcess:
    """moto_server in its own process, so the CPU time measured here is the scanner's."""

    def __enter__(self) -> _MotoProcess:
        import socket

        from stubs.aws import free_port

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false"),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("moto_server did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


if __name__ == "__main__":
    raise SystemExit(main())
