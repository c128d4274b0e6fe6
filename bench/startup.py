"""Benchmark of start-up: a one-file manifest scan and ``rules list`` against bare imports.

    .venv/bin/python bench/startup.py                  # 7 runs of each, interleaved
    .venv/bin/python bench/startup.py --repeat 11 --json

Times, in fresh processes and interleaved (so that load on a shared machine hits every command
alike), the wall time of:

* ``imports`` — ``python -c 'import click, yaml, jsonschema, jinja2, rich'``, the yardstick of
  issue 15;
* ``scan`` — ``bio2scan scan manifests one.yaml -o OUT`` (one Deployment; the formats it writes
  by default: results.json and the inventory) with the rule cache warm;
* ``scan-nocache`` — the same with ``BIO2SCAN_CACHE=off`` (every rule file parsed and
  validated, as before the cache);
* ``rules-list`` — ``bio2scan rules list`` with the cache warm.

Byte code is cached as in an installed copy (``PYTHONDONTWRITEBYTECODE`` is removed from the
environment; the first, untimed, run of each command writes it).

Prints the median wall time (and all runs) of each and its ratio to the imports' median, and the
same for CPU time (user + system of the process): on a shared machine the CPU ratio is the
steadier of the two.
The rule cache used is a temporary directory of its own; nothing of the user's is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.nl/shop/web:1.4.2
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
"""


def _bio2scan() -> list[str]:
    return [sys.executable, "-m", "bio2scan"]


def _time(cmd: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-cold", action="store_true", help="skip the scan without a cache")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bio2scan-startup-") as tmp:
        (Path(tmp) / "one.yaml").write_text(ONE)
        cache = Path(tmp) / "cache"
        env = dict(os.environ, BIO2SCAN_CACHE=str(cache))
        env.pop("PYTHONPROFILEIMPORTTIME", None)
        # as installed: byte code cached (pip compiles it; an editable checkout writes it on the
        # first run), else every run compiles bio2scan's sources and measures that instead
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cold = dict(env, BIO2SCAN_CACHE="off")
        scan = [*_bio2scan(), "scan", "manifests", "one.yaml", "-o", "out"]
        cmds: dict[str, tuple[list[str], dict[str, str]]] = {
            "imports": (
                [sys.executable, "-c", "import click, yaml, jsonschema, jinja2, rich"],
                env,
            ),
            "scan": (scan, env),
            "rules-list": ([*_bio2scan(), "rules", "list"], env),
        }
        if not args.no_cold:
            cmds["scan-nocache"] = (scan, cold)
        for cmd, e in cmds.values():  # warm the rule cache and the file system cache
            _time(cmd, e, tmp)
        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
        for _ in range(args.repeat):
            for name, (cmd, e) in cmds.items():
                runs[name].append(_time(cmd, e, tmp))
    base = statistics.median(w for w, _ in runs["imports"])
    base_cpu = statistics.median(c for _, c in runs["imports"])
    summary = {}
    for name, ts in runs.items():
        wall = statistics.median(w for w, _ in ts)
        cpu = statistics.median(c for _, c in ts)
        summary[name] = {
            "median_s": round(wall, 3),
            "ratio": round(wall / base, 2),
            "cpu_median_s": round(cpu, 3),
            "cpu_ratio": round(cpu / base_cpu, 2),
            "runs": [round(w, 3) for w, _ in ts],
        }
    if args.json:
        print(json.dumps(summary))
    else:
        for name, s in summary.items():
            print(
                f"{name:>13}: wall median {s['median_s']:.3f} s ({s['ratio']:.2f}× imports), "
                f"cpu median {s['cpu_median_s']:.3f} s ({s['cpu_ratio']:.2f}×)  runs {s['runs']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
