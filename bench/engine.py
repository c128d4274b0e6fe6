"""Engine benchmark: the whole built-in rule set over generated inventories.

    .venv/bin/python bench/engine.py                      # 10k, 100k and 1M workloads
    .venv/bin/python bench/engine.py --sizes 10000,100000 --profile 20000
    .venv/bin/python bench/engine.py --estate workloads   # workloads only, shared pod specs

The default estate (``--estate related``) is N workloads whose pod specs are each generated
afresh, with what the cross-resource rules look up: N ServiceAccounts, N/5
PodDisruptionBudgets, the Namespaces with NetworkPolicies, LimitRanges and ResourceQuotas, and
N/4 EC2 instances with their security groups — so that ``env.related``/``env.lookup`` are on
the measured path (bench/workloads.py). ``--estate workloads`` is the older mix: workloads only,
pod specs drawn from a shared pool.

Each size runs in its own process so that its peak memory (``ru_maxrss``) is its own. Printed per
size: generation time, evaluation time (``engine.evaluate`` of every compiled built-in rule),
CPU time of the evaluation (what one core spends; wall time varies with the machine's load),
resources/s and rule evaluations/s (results produced) per CPU second, peak RSS and RSS per resource. ``--profile N``
prints a cProfile of one evaluation of N resources instead. Target: 100k workload resources × all
rules in under 10 s on one core, memory linear in the size.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


KB_PER_RESOURCE = 16  # measured peak per workload resource with ~26 workload rules (+ margin)


def _available_mb() -> float | None:
    """MemAvailable of /proc/meminfo (None elsewhere): a size that would not fit is skipped
    rather than pushing the machine into swap or the OOM killer."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup(n: int, estate: str = "related"):
    import workloads

    from bio2scan import api
    from bio2scan.engine import compile_rule
    from bio2scan.model import Inventory, ScanMeta

    rules = list(api.load_rules().values())
    compiled = [compile_rule(r) for r in rules]
    t0 = time.perf_counter()
    gen = workloads.estate(n) if estate == "related" else workloads.resources(n)
    inv = Inventory(
        ScanMeta("bench", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"), tuple(gen)
    )
    return rules, compiled, inv, time.perf_counter() - t0


def one(n: int, estate: str = "related") -> dict:
    from bio2scan.engine import evaluate
    from bio2scan.kinds import WORKLOAD_TYPES

    rules, compiled, inv, gen_s = _setup(n, estate)
    rss_before = _rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    results = evaluate(inv, compiled)
    eval_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    applicable = [r for r in rules if set(r.resource_types) & set(WORKLOAD_TYPES)]
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status.value] = statuses.get(r.status.value, 0) + 1
    return {
        "size": n,
        "resources": len(inv.resources),
        "rules": len(rules),
        "workload_rules": len(applicable),
        "generate_s": round(gen_s, 2),
        "evaluate_s": round(eval_s, 2),
        "cpu_s": round(cpu_s, 2),
        "results": len(results),
        "resources_per_s": round(len(inv.resources) / cpu_s),
        "evaluations_per_s": round(len(results) / cpu_s),
        "rss_before_eval_mb": round(rss_before),
        "peak_rss_mb": round(_rss_mb()),
        "statuses": statuses,
    }


def profile(n: int, estate: str = "related") -> None:
    import cProfile
    import pstats

    from bio2scan.engine import evaluate

    _rules, compiled, inv, _ = _setup(n, estate)
    prof = cProfile.Profile()
    prof.enable()
    evaluate(inv, compiled)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="comma-separated inventory sizes [default: 10000,100000,1000000]",
    )
    ap.add_argument(
        "--estate",
        choices=("related", "workloads"),
        default="related",
        help="related: fresh pod specs plus related resources (default); workloads: the older mix",
    )
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--profile", type=int, metavar="N", help="cProfile one run of N resources")
    ap.add_argument("--json", action="store_true", help="print one JSON object per size")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.estate)))
        return
    if args.profile:
        profile(args.profile, args.estate)
        return
    header = (
        f"{'workloads':>10} {'resources':>10} {'rules':>5} {'wl-rules':>8} {'gen s':>6} "
        f"{'eval s':>7} {'cpu s':>6} {'results':>9} {'res/s':>8} {'evals/s':>9} {'peak MB':>8} "
        f"{'KB/res':>7}"
    )
    if not args.json:
        print(header)
    rows: list[dict] = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        scale = 3 if args.estate == "related" else 1  # resources per workload, about
        need_mb, free_mb = size * scale * KB_PER_RESOURCE / 1024, _available_mb()
        if free_mb is not None and need_mb > 0.8 * free_mb:
            print(
                f"{size:>10} skipped: needs about {need_mb:.0f} MB, {free_mb:.0f} MB available",
                flush=True,
            )
            continue
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--estate", args.estate],
            check=True,
            capture_output=True,
            text=True,
            env=dict(os.environ),
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        if args.json:
            print(json.dumps(row))
            continue
        print(
            f"{row['size']:>10} {row['resources']:>10} {row['rules']:>5} "
            f"{row['workload_rules']:>8} {row['generate_s']:>6} {row['evaluate_s']:>7} "
            f"{row['cpu_s']:>6} {row['results']:>9} {row['resources_per_s']:>8} "
            f"{row['evaluations_per_s']:>9} {row['peak_rss_mb']:>8} "
            f"{row['peak_rss_mb'] * 1024 / row['resources']:>7.1f}",
            flush=True,
        )
    _growth(rows, args.json)


def _growth(rows: list[dict], as_json: bool) -> None:
    """Linear or not: between consecutive sizes, how CPU time and peak memory grew against the
    number of resources (1.0 = exactly linear)."""
    for a, b in itertools.pairwise(rows):
        k = b["resources"] / a["resources"]
        g = {
            "from": a["size"],
            "to": b["size"],
            "resources_x": round(k, 2),
            "cpu_per_resource_x": round(b["cpu_s"] / max(a["cpu_s"], 1e-9) / k, 2),
            "peak_per_resource_x": round(b["peak_rss_mb"] / max(a["peak_rss_mb"], 1) / k, 2),
        }
        if as_json:
            print(json.dumps({"growth": g}))
        else:
            print(
                f"{g['from']} → {g['to']}: resources ×{g['resources_x']}, CPU per resource "
                f"×{g['cpu_per_resource_x']}, peak memory per resource ×{g['peak_per_resource_x']}"
                " (1.0 = linear)"
            )


if __name__ == "__main__":
    main()
