"""Whole-pipeline benchmark: ``bio2scan scan manifests`` of generated, varied workloads through
every output format, with wall, CPU and peak memory per phase.

    .venv/bin/python bench/pipeline.py                          # 1k and 10k objects, 3 runs
    .venv/bin/python bench/pipeline.py --sizes 1000 --repeat 5
    .venv/bin/python bench/pipeline.py --sizes 1000,10000,100000 --repeat 1   # 100k: minutes
    .venv/bin/python bench/pipeline.py --sizes 10000 --evidence   # with an evidence pack

The estate (``generate``), written as ``helm template`` would (several documents per file): for
each workload (Deployment, StatefulSet, DaemonSet, CronJob, Job or bare Pod, each with a pod spec
of its own — names, images, env, probes, resources and security settings vary per object; nothing
is shared) its ServiceAccount; a PodDisruptionBudget for every third; a Role and RoleBinding for
every fifth; per namespace a NetworkPolicy; a few ClusterRoles and ClusterRoleBindings. Sizes
count every object, related ones included.

Each size is measured twice, each run in a fresh process:

* ``cli`` — the real command, ``python -m bio2scan scan manifests DIR --format
  json,html,md,sarif,junit,csv -o OUT --fail-on none -q``: wall time, CPU time (user+system of
  the child), of which system time, its minor page faults, and peak RSS (the child's
  ``ru_maxrss``). This is the figure to compare with the targets of issue 15. System time shows
  what the machine's memory costs: on a virtual machine whose host takes free memory back, the
  same run with the same faults can take a third longer when its pages must be found anew
  (docs/architecture.md).
* ``phases`` — the same work through ``bio2scan.api`` in one process with the command line's
  garbage-collector settings, timed per phase: ``rules``
  (load and compile every built-in rule), ``load`` (the manifest collector: read, parse,
  provenance, redaction), ``evaluate`` (the engine over every rule), ``assess`` (roll-up and the
  results document), ``write`` (every report format). As in the CLI, the inventory's file is
  forked off after ``load`` and written from the end of ``evaluate`` on (``api.Ahead``). CPU
  per phase includes the worker processes waited for in it: the manifest collector's in
  ``load``, the split evaluation's in ``evaluate``, the writers' and the inventory's child in
  ``write``. Memory per phase is the process's peak RSS (high-water mark) at the end of the
  phase, so the phase that raised it shows, and the largest worker process's peak
  (``worker``).

``--evidence``: both also write an evidence pack (``--evidence-dir``), which is timed in
``write``.

Printed: the median of ``--repeat`` runs per figure, with every run's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

FORMATS = "json,html,md,sarif,junit,csv"
WORKLOADS = (("Deployment", "apps/v1", 30), ("StatefulSet", "apps/v1", 8),
             ("DaemonSet", "apps/v1", 4), ("CronJob", "batch/v1", 8), ("Job", "batch/v1", 8),
             ("Pod", "v1", 20))  # fmt: skip
NAMESPACES = 37


def _workload(rng: random.Random, n: int, ns: str) -> dict[str, Any]:
    from manifests import _pod_spec  # the per-object pod specs of bench/manifests.py

    kind, api_version = rng.choice([(k, a) for k, a, w in WORKLOADS for _ in range(w)])
    labels = {"app": f"app-{n}", "team": ns, "tier": rng.choice(("web", "db", "batch"))}
    meta = {"name": f"{kind.lower()}-{n}", "namespace": ns, "labels": labels}
    spec = _pod_spec(rng, n)
    spec["serviceAccountName"] = f"sa-{n}"
    if rng.random() < 0.5:
        spec["automountServiceAccountToken"] = False
    template = {"metadata": {"labels": dict(labels)}, "spec": spec}
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": meta}
    if kind == "Pod":
        obj["spec"] = spec
    elif kind == "CronJob":
        obj["spec"] = {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}
    elif kind == "Job":
        obj["spec"] = {"template": template, "backoffLimit": 3}
    else:
        obj["spec"] = {"selector": {"matchLabels": {"app": f"app-{n}"}}, "template": template}
        if kind != "DaemonSet":
            obj["spec"]["replicas"] = rng.randint(1, 5)
    return obj


def _unit(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """One workload and the objects that belong to it."""
    ns = f"team-{n % NAMESPACES}"
    docs = [_workload(rng, n, ns)]
    docs.append({"apiVersion": "v1", "kind": "ServiceAccount",
                 "metadata": {"name": f"sa-{n}", "namespace": ns},
                 "automountServiceAccountToken": rng.random() < 0.5})  # fmt: skip
    if n % 3 == 0:
        docs.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                     "metadata": {"name": f"pdb-{n}", "namespace": ns},
                     "spec": {"minAvailable": 1,
                              "selector": {"matchLabels": {"app": f"app-{n}"}}}})  # fmt: skip
    if n % 5 == 0:
        verbs = rng.choice((["get", "list"], ["get", "list", "watch"], ["*"]))
        resources = rng.choice((["pods"], ["secrets"], ["configmaps", "services"], ["*"]))
        docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                     "metadata": {"name": f"role-{n}", "namespace": ns},
                     "rules": [{"apiGroups": [""], "resources": resources, "verbs": verbs}]})  # fmt: skip
        docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                     "metadata": {"name": f"rb-{n}", "namespace": ns},
                     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                 "name": f"role-{n}"},
                     "subjects": [{"kind": "ServiceAccount", "name": f"sa-{n}",
                                   "namespace": ns}]})  # fmt: skip
    return docs


def _cluster(rng: random.Random) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for k in range(NAMESPACES):
        ns = f"team-{k}"
        docs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": "default-deny", "namespace": ns},
                     "spec": {"podSelector": {},
                              "policyTypes": ["Ingress", "Egress"][: 1 + k % 2]}})  # fmt: skip
    for k in range(10):
        docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                     "metadata": {"name": f"ops-{k}"},
                     "rules": [{"apiGroups": ["*"][: k % 2], "resources": ["nodes", "pods"],
                                "verbs": ["get", "list"] if k % 3 else ["*"]}]})  # fmt: skip
        docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                     "metadata": {"name": f"ops-{k}"},
                     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                 "name": f"ops-{k}"},
                     "subjects": [{"kind": "Group", "name": f"team-{k}",
                                   "apiGroup": "rbac.authorization.k8s.io"}]})  # fmt: skip
    return docs


def generate(root: Path, objects: int, seed: int = 1) -> tuple[int, int]:
    """Write about ``objects`` objects under ``root``; return (objects, files)."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    cluster = _cluster(rng)
    (root / "cluster.yaml").write_text(
        "".join("---\n" + yaml.safe_dump(d, sort_keys=False) for d in cluster)
    )
    count, files, n = len(cluster), 1, 0
    while count < objects:
        docs = _unit(rng, n)[: objects - count]
        sub = root / f"team-{n % NAMESPACES}"
        sub.mkdir(exist_ok=True)
        (sub / f"app-{n}.yaml").write_text(
            "".join("---\n" + yaml.safe_dump(d, sort_keys=False) for d in docs)
        )
        count, files, n = count + len(docs), files + 1, n + 1
    return count, files


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the manifest collector parses
    large inputs in a pool of worker processes)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _phases(root: str, out: str, evidence: bool = False) -> dict[str, Any]:
    """One in-process run, timed per phase (see the module's doc)."""
    import datetime as dt

    from bio2scan import api, outputs
    from bio2scan.coverage import Coverage

    phases: dict[str, dict[str, float]] = {}
    clock: list[float] = []

    def start() -> None:
        clock[:] = [time.perf_counter(), _cpu()]

    def stop(name: str) -> None:
        phases[name] = {
            "wall_s": time.perf_counter() - clock[0],
            "cpu_s": _cpu() - clock[1],
            "peak_mib": _peak_mib(),
            "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        }

    start()
    rules = [r for r in api.load_rules().values() if r.provider == "k8s"]
    compiled = api.compile_rules(rules)
    stop("rules")
    start()
    inv = api.collect("manifests", {"paths": [root]}, rules=rules)
    ahead = api.Ahead(out)  # the inventory's file, written as the CLI writes it (api.scan)
    api.write_ahead(ahead, inv)
    stop("load")
    start()
    now = dt.datetime.now(dt.UTC)
    split = api.split_evaluation(len(inv.resources))
    results = api._evaluated(  # as api.assess: the writers made ready while the child evaluates
        inv,
        compiled,
        now=now,
        split=split,
        released=ahead.go,
        meanwhile=lambda: outputs.prepare(FORMATS.split(",")),
    )
    stop("evaluate")
    start()
    doc = api._document(  # the rest of api.assess, after the evaluation
        results,
        {r.id: r for r in rules},
        inv.meta,
        inv.errors,
        providers=api.scanned_providers(inv),
        coverage=Coverage.from_inventory(inv),
        digest=api.ruleset_digest(rules),
        now=now,
        lang="en",
        inventory_sha256=None,
        waivers=None,
        baseline=None,
    )
    stop("assess")
    start()
    with ahead:
        api.finish(
            doc,
            FORMATS.split(","),
            out,
            inventory=inv,
            ahead=ahead,
            evidence_dir=f"{out}-pack" if evidence else None,
        )
    stop("write")
    return {
        "objects": len(inv.resources),
        "results": len(doc["results"]),
        "phases": phases,
        "results_json_mb": os.path.getsize(Path(out) / "results.json") / 1e6,
    }


def _cli(root: str, out: str, evidence: bool = False) -> dict[str, Any]:
    t0 = time.perf_counter()
    pack = ["--evidence-dir", f"{out}-pack"] if evidence else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "bio2scan", "scan", "manifests", root, "--format", FORMATS,
         "-o", out, "--fail-on", "none", "-q", *pack],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        raise RuntimeError(f"scan failed ({code}): {err[-2000:]}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "sys_s": usage.ru_stime,
        "minflt": usage.ru_minflt,
        "peak_mib": usage.ru_maxrss / 1024,
        "exit": code,
    }


def _median(runs: list[dict[str, Any]], *keys: str) -> float:
    vals = []
    for r in runs:
        v: Any = r
        for k in keys:
            v = v[k]
        vals.append(v)
    return round(statistics.median(vals), 3)


def measure(size: int, repeat: int, cli: bool = True, evidence: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bio2scan-pipe-") as tmp:
        root = Path(tmp) / "estate"
        objects, files = generate(root, size)
        cli_runs = [
            _cli(str(root), str(Path(tmp) / f"cli{i}"), evidence)
            for i in range(repeat if cli else 0)
        ]
        phase_runs = []
        for i in range(repeat):
            res = subprocess.run(
                [sys.executable, __file__, "--child", str(root), str(Path(tmp) / f"ph{i}"),
                 *(["--evidence"] if evidence else [])],
                capture_output=True, text=True, check=True,
                env=dict(os.environ, PYTHONPATH=str(ROOT)),
            )  # fmt: skip
            phase_runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    names = list(phase_runs[0]["phases"])
    return {
        "objects": objects,
        "files": files,
        "results": phase_runs[0]["results"],
        "results_json_mb": round(phase_runs[0]["results_json_mb"], 1),
        "cli": {k: _median(cli_runs, k) for k in ("wall_s", "cpu_s", "sys_s", "minflt", "peak_mib")}
        | {"walls": [round(r["wall_s"], 2) for r in cli_runs], "exit": cli_runs[0]["exit"]}
        if cli_runs
        else None,
        "phases": {
            n: {
                k: _median(phase_runs, "phases", n, k)
                for k in ("wall_s", "cpu_s", "peak_mib", "worker_peak_mib")
            }
            for n in names
        },
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="objects, comma-separated")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="one JSON object per size")
    ap.add_argument("--phases-only", action="store_true", help="skip the timed CLI runs")
    ap.add_argument("--evidence", action="store_true", help="write an evidence pack too")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        import gc

        from bio2scan import api

        # the command line's collector settings (bio2scan.cli.run and main: its own process),
        # so that the phases add up to what the ``cli`` run spends
        api.own_process()
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        print(json.dumps(_phases(*args.child, evidence=args.evidence)))
        return 0
    for size in (int(s) for s in args.sizes.split(",") if s):
        row = measure(size, args.repeat, cli=not args.phases_only, evidence=args.evidence)
        if args.json:
            print(json.dumps(row), flush=True)
            continue
        c = row["cli"]
        print(f"{row['objects']} objects in {row['files']} files, {row['results']} results, "
              f"results.json {row['results_json_mb']} MB (median of {args.repeat})")  # fmt: skip
        if c:
            print(f"  cli       wall {c['wall_s']:7.2f} s  cpu {c['cpu_s']:7.2f} s  "
                  f"peak {c['peak_mib']:7.0f} MiB  runs {c['walls']}  "
                  f"(sys {c['sys_s']:.2f} s, {c['minflt'] / 1000:.0f}k minor faults)")  # fmt: skip
        for name, p in row["phases"].items():
            print(f"  {name:<9} wall {p['wall_s']:7.2f} s  cpu {p['cpu_s']:7.2f} s  "
                  f"peak {p['peak_mib']:7.0f} MiB  worker {p['worker_peak_mib']:5.0f} MiB")  # fmt: skip
        print(flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
