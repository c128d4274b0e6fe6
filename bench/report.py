"""Benchmark: the HTML report at scale — file size, render time, and how long Chromium takes
to open it (navigation start → findings table drawn) at 10k and 100k results.

    .venv/bin/python bench/report.py                 # 10k and 100k
    .venv/bin/python bench/report.py --sizes 100000 --keep /tmp/big.html

The data is synthetic but shaped like a real estate: every installed rule, ARNs, Azure resource
ids and Kubernetes ids, one evidence item per result, API and file sources, 20 % FAIL, 5 % ERROR,
2 % WAIVED. Targets (issue 6): open in < 3 s and file < 30 MB at 100k results.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bio2scan import api  # noqa: E402
from bio2scan.assess import Assessment, build, rollup  # noqa: E402
from bio2scan.model import Evidence, Result, ScanMeta, Source, Status, Target  # noqa: E402

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
T = "2026-11-20T09:00:00+00:00"


def synthetic(n: int, seed: int = 6) -> dict:
    rng = random.Random(seed)
    rules = sorted(api.load_rules().values(), key=lambda r: r.id)
    by_id = {r.id: r for r in rules}
    statuses = (
        [Status.PASS] * 70
        + [Status.FAIL] * 20
        + [Status.ERROR] * 5
        + [Status.NOT_APPLICABLE] * 3
        + [Status.WAIVED] * 2
    )
    waiver = {
        "id": "W-1",
        "owner": "team@example.nl",
        "approver": "ciso@example.nl",
        "reason": "accepted risk",
        "reference": "RISK-1",
        "expires": "2027-06-30",
        "kind": "risk-acceptance",
    }
    results = []
    for i in range(n):
        rule = rules[i % len(rules)]
        p = rule.provider
        account = f"{100000000000 + i % 25}"
        if p == "aws":
            rid, name, scope, region, ns = (
                f"arn:aws:s3:::bucket-{i:07d}-logs",
                f"bucket-{i:07d}-logs",
                account,
                "eu-west-1",
                None,
            )
            src = Source(api="s3:GetBucketEncryption", region=region, time=T)
        elif p == "azure":
            name = f"st{i:07d}"
            rid = (
                f"/subscriptions/0000-{i % 20:04d}/resourceGroups/rg-{i % 50}/providers/"
                f"Microsoft.Storage/storageAccounts/{name}"
            )
            scope, region, ns = f"0000-{i % 20:04d}", "westeurope", None
            src = Source(api="storage_accounts.list", region=region, time=T)
        else:
            name, ns = f"app-{i:07d}", f"team-{i % 40}"
            rid, scope, region = f"{ns}/Deployment/{name}", f"cluster-{i % 3}", None
            src = Source(file=f"deploy/{ns}/{name}.yaml", line=1 + i % 200)
        st = rng.choice(statuses)
        ev = (Evidence(f"spec.setting_{i % 30}.enabled", st is Status.PASS, "equals True"),)
        msg = (
            f"spec.setting_{i % 30}.enabled = {st is Status.PASS} (expected equals True)"
            if st is not Status.ERROR
            else "could not read: AccessDenied"
        )
        results.append(
            Result(
                rule.id,
                rid,
                rule.resource_types[0],
                name,
                scope,
                region,
                ns,
                st,
                rule.severity,
                rule.controls,
                rule.measures,
                msg,
                ev,
                src,
                waiver if st is Status.WAIVED else None,
                rng.choice(("new", "unchanged")),
            )
        )
    results.sort(key=lambda r: (r.rule_id, r.scope, r.resource_id))
    meta = ScanMeta(
        tool_version="0.1.0",
        started_at=T,
        finished_at=T,
        targets=(Target("aws", tuple(sorted({r.scope for r in results}))),),
    )
    providers = ("aws", "azure", "k8s")
    controls, measures = rollup(results, by_id, providers)
    a = Assessment(
        results=tuple(results),
        controls=controls,
        rules=by_id,
        meta=meta,
        measures=measures,
        providers=providers,
    )
    return build(a, tool_version="0.1.0", ruleset_digest=api.ruleset_digest(rules), evaluated_at=T)


def open_time(path: Path, runs: int = 3) -> tuple[float, float]:
    """Best of ``runs``: (wall seconds goto → table drawn, page's own ready mark in seconds)."""
    from playwright.sync_api import sync_playwright

    best = (float("inf"), float("inf"))
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(runs):
            page = b.new_page()
            t0 = time.perf_counter()
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=60_000)
            page.locator("#fbody tr.row").first.wait_for(state="attached", timeout=60_000)
            wall = time.perf_counter() - t0
            mark = page.evaluate("performance.getEntriesByName('bio2scan:ready')[0].startTime")
            best = min(best, (wall, mark / 1000))
            page.close()
        b.close()
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--keep", help="Keep the largest report at this path.")
    args = ap.parse_args()
    print(
        f"{'results':>8} {'build s':>8} {'render s':>9} {'cpu s':>6} {'size MB':>8} {'open s':>7}"
        f" {'ready s':>8}"
    )
    for n in args.sizes:
        t0 = time.perf_counter()
        doc = synthetic(n)
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "report.html"
            c0, t1 = time.process_time(), time.perf_counter()
            with path.open("wb") as fh:  # streamed, as a scan writes it
                api.renderers()["html"].write(doc, "en", fh)
            t2, cpu = time.perf_counter(), time.process_time() - c0
            size = path.stat().st_size / 1e6
            wall, ready = open_time(path)
            if args.keep and n == max(args.sizes):
                Path(args.keep).write_bytes(path.read_bytes())
        print(
            f"{n:>8} {t1 - t0:>8.2f} {t2 - t1:>9.2f} {cpu:>6.2f} {size:>8.1f} {wall:>7.2f}"
            f" {ready:>8.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
