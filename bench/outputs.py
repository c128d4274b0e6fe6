"""Benchmark of the outputs: every report format written from one results document.

    .venv/bin/python bench/outputs.py --objects 10000
    .venv/bin/python bench/outputs.py --objects 10000 --verbose-results   # every N/A row listed
    .venv/bin/python bench/outputs.py --objects 2000 --profile json       # cProfile of one format

To measure another checkout (the code before a change), run this file with
``PYTHONPATH=<that checkout>``. Generates ``--objects`` varied Kubernetes objects as manifest files (``bench/manifests.py``:
distinct pod specs, services, service accounts), collects and assesses them with every
built-in rule in a child process, then writes each format the way a scan does
(``outputs.render``: streamed into a staging directory of ``documents.write_set``) and prints
per format: wall and CPU seconds, the file's size, and the peak memory the writing added above
what the process held before it (Linux: the peak RSS is reset through ``/proc/self/clear_refs``
before each format, so each figure is that format's own). Then all of them ``together`` as a scan
writes them (side by side in forked writers, ``bio2scan.parallel``): wall, CPU of this process
and its writers, and ``writer_peak_mib``, the largest writer's peak RSS (pages it shares with
this process count in full). Also: results, rows listed, NOT_APPLICABLE summarised, and bytes of
``results.json`` per result and per object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):  # PYTHONPATH=<another checkout>: measure that one
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FORMATS = ("json", "html", "md", "sarif", "junit", "csv", "soa-csv")


def _status(key: str) -> int:
    """A ``/proc/self/status`` figure in KiB (0 where there is none)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the formats' writers)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _children_peak() -> int:
    """The largest peak RSS (KiB) of a finished child: shared pages count in full."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _child(root: str, formats: list[str], verbose: bool, profile: str | None) -> None:
    from bio2scan import api
    from bio2scan.collectors.base import CollectRequest
    from bio2scan.collectors.manifests import ManifestCollector

    rules = list(api.load_rules().values())
    t0 = time.perf_counter()
    inv = ManifestCollector().collect(CollectRequest(options={"paths": [root]}))
    collect_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    # (without the flag when it is off: the bench also runs against older checkouts)
    doc = api.assess(inv, rules, **({"verbose_results": True} if verbose else {}))
    assess_s, assess_cpu = time.perf_counter() - t0, time.process_time() - c0
    out: dict = {
        "objects": len(inv.resources),
        "collect_s": round(collect_s, 2),
        "assess_s": round(assess_s, 2),
        "assess_cpu_s": round(assess_cpu, 2),
        "results": sum(doc["summary"]["results"].values()),
        "rows": len(doc["results"]),
        "na_groups": len((doc.get("not_applicable") or {}).get("groups", ())),
        "rss_after_assess_mib": round(_status("VmRSS") / 1024),
        "peak_before_outputs_mib": round(_status("VmHWM") / 1024),
        "formats": {},
    }
    with tempfile.TemporaryDirectory(prefix="bio2scan-outputs-") as tmp:
        for f in formats:
            d = Path(tmp) / f
            if profile == f:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.enable()
                api.render(doc, [f], d)
                prof.disable()
                pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(20)
                continue
            base = _status("VmRSS")
            _reset_peak()
            t0, c0 = time.perf_counter(), time.process_time()
            paths = api.render(doc, [f], d)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            size = sum(p.stat().st_size for p in paths.values())
            out["formats"][f] = {
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "bytes": size,
                "added_peak_mib": round(max(0, _status("VmHWM") - base) / 1024),
            }
        if len(formats) > 1:  # the set, as a scan writes it: side by side (bio2scan.parallel)
            base = _status("VmRSS")
            _reset_peak()
            t0, c0 = time.perf_counter(), _cpu()
            paths = api.render(doc, formats, Path(tmp) / "all")
            wall, cpu = time.perf_counter() - t0, _cpu() - c0
            out["together"] = {
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),  # this process and its writers
                "bytes": sum(p.stat().st_size for p in paths.values()),
                "added_peak_mib": round(max(0, _status("VmHWM") - base) / 1024),
                "writer_peak_mib": round(_children_peak() / 1024),
            }
    js = out["formats"].get("json")
    if js:
        out["json_bytes_per_result"] = round(js["bytes"] / max(1, out["results"]), 1)
        out["json_bytes_per_object"] = round(js["bytes"] / max(1, out["objects"]), 1)
    out["outputs_cpu_s"] = round(sum(x["cpu_s"] for x in out["formats"].values()), 2)
    print(json.dumps(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--verbose-results", action="store_true")
    ap.add_argument("--profile", metavar="FORMAT")
    ap.add_argument("--dir", help="use (and keep) this directory of manifests")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    if args.child:
        import gc

        gc.freeze()  # the command line's collector settings (bio2scan.cli.main)
        gc.set_threshold(50_000, 20, 20)
        _child(args.child, formats, args.verbose_results, args.profile)
        return 0
    import manifests

    with tempfile.TemporaryDirectory(prefix="bio2scan-bench-") as tmp:
        root = Path(args.dir or tmp)
        if not root.exists() or not any(root.iterdir()):
            root.mkdir(parents=True, exist_ok=True)
            manifests.generate(root, args.objects)
        cmd = [sys.executable, __file__, "--child", str(root), "--formats", ",".join(formats)]
        if args.verbose_results:
            cmd.append("--verbose-results")
        if args.profile:
            cmd += ["--profile", args.profile]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            return r.returncode
        sys.stderr.write(r.stderr)
        data = json.loads(r.stdout)
    print(json.dumps({k: v for k, v in data.items() if k not in ("formats", "together")}, indent=1))
    print(f"{'format':<8} {'wall s':>7} {'cpu s':>6} {'MB':>8} {'+peak MiB':>9}")
    rows = dict(data["formats"])
    if "together" in data:
        rows["together"] = data["together"]
    for f, x in rows.items():
        print(
            f"{f:<8} {x['wall_s']:>7} {x['cpu_s']:>6} {x['bytes'] / 1e6:>8.1f} "
            f"{x['added_peak_mib']:>9}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
