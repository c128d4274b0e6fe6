"""Benchmark of the AWS collector: moto_server seeded with an estate of a chosen size across three
regions, optionally behind a proxy that adds latency to every call (50 ms is the order of real
AWS latency), scanned with every AWS rule.

    .venv/bin/python bench/aws.py --resources 1000 --latency 0.05 --workers 16

Reports wall time, API calls made (per service and in total), calls per resource, the CPU time
of the collecting process (so one can see whether latency/concurrency or our CPU dominates), and
the lower bound latency × calls / workers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # tests/stubs

REGIONS = ["eu-west-1", "eu-central-1", "eu-north-1"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds added per call")
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = ap.parse_args()

    from stubs.aws import MOTO_ENV, AwsProxy

    os.environ.update(MOTO_ENV)
    os.environ.setdefault("BIO2SCAN_AWS_MAX_ATTEMPTS", "2")  # moto answers gaps with 500s
    import boto3
    from stubs.awsestate import bulk

    from bio2scan import api

    rules = [r for r in api.load_rules().values() if r.provider == "aws"]
    with _MotoProcess() as moto:
        t0 = time.monotonic()
        seed = boto3.Session(region_name=REGIONS[0])
        os.environ["AWS_ENDPOINT_URL"] = moto.url
        made = bulk(seed, REGIONS, args.resources, "123456789012")
        seeded = time.monotonic() - t0
        with AwsProxy(moto.url, latency=args.latency) as proxy:
            os.environ["AWS_ENDPOINT_URL"] = proxy.url
            cpu0 = _cpu()
            t0 = time.monotonic()
            inv = api.collect("aws", {"regions": REGIONS}, rules=rules, max_workers=args.workers)
            wall = time.monotonic() - t0
            cpu = _cpu() - cpu0
            t0 = time.monotonic()
            doc = api.assess(inv, rules)
            evaluate = time.monotonic() - t0
            through_proxy = sum(proxy.requests.values())
    calls = sum(inv.meta.api_calls.values())
    n = len(inv.resources)
    out = {
        "seeded": made,
        "seed_s": round(seeded, 1),
        "resources": n,
        "collection_errors": len(inv.errors),
        "api_calls": calls,
        "http_requests": through_proxy,
        "calls_per_resource": round(calls / max(n, 1), 2),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "latency_s": args.latency,
        "workers": args.workers,
        "latency_bound_s": round(args.latency * through_proxy / args.workers, 2),
        "evaluate_s": round(evaluate, 2),
        "results": len(doc["results"]),
        "calls_by_api": dict(sorted(inv.meta.api_calls.items(), key=lambda kv: -kv[1])[:12]),
    }
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        for k, v in out.items():
            print(f"{k:20} {v}")
    return 0


class _MotoProcess:
    """moto_server in its own process, so the CPU time measured here is the collector's (and
    the latency proxy's), not moto's."""

    def __enter__(self) -> _MotoProcess:
        import socket
        import subprocess

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


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


if __name__ == "__main__":
    raise SystemExit(main())
