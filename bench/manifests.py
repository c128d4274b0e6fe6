"""Benchmark of manifest loading: ``scan manifests``' collector over generated, varied workloads.

    .venv/bin/python bench/manifests.py --objects 10000            # generate, then time loading
    .venv/bin/python bench/manifests.py --objects 10000 --repeat 5 --json
    .venv/bin/python bench/manifests.py --objects 10000 --phases   # + where the time goes

Writes ``--objects`` Kubernetes objects into a temporary directory (one file per workload, some
files with several documents and some ``List``s, as ``helm template`` and ``kubectl get -o yaml``
write them), each with its own pod spec (names, images, env, probes, resources and security
settings vary per object, so nothing is shared between objects), then times
``ManifestCollector().collect`` — reading, YAML parsing, provenance, redaction and
``to_resource`` — in a fresh process per repetition. Prints the median wall and CPU time and the
peak RSS of the collecting process.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = (
    ("Deployment", "apps/v1", 30),
    ("StatefulSet", "apps/v1", 8),
    ("DaemonSet", "apps/v1", 4),
    ("CronJob", "batch/v1", 8),
    ("Job", "batch/v1", 8),
    ("Pod", "v1", 20),
    ("ServiceAccount", "v1", 8),
    ("Service", "v1", 10),
    ("ConfigMap", "v1", 4),
)


def _container(rng: random.Random, i: int, n: int) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": f"c{i}-{n}",
        "image": rng.choice(
            (
                f"registry.example.nl/team{n % 40}/app{n}:{rng.randint(1, 9)}.{rng.randint(0, 30)}",
                f"nginx:1.{rng.randint(20, 27)}",
                f"ghcr.io/org/svc{n}@sha256:{rng.getrandbits(256):064x}",
            )
        ),
        "ports": [{"containerPort": rng.choice((80, 8080, 5432, 9100)), "protocol": "TCP"}],
        "env": [
            {"name": f"SETTING_{k}", "value": f"value-{n}-{k}"} for k in range(rng.randint(0, 6))
        ],
        "resources": {
            "limits": {"cpu": f"{rng.randint(1, 8) * 100}m", "memory": f"{rng.randint(1, 16)}Gi"},
            "requests": {"cpu": f"{rng.randint(1, 4) * 50}m", "memory": "128Mi"},
        },
    }
    if rng.random() < 0.5:
        c["livenessProbe"] = {
            "httpGet": {"path": f"/healthz/{n}", "port": 8080},
            "initialDelaySeconds": rng.randint(1, 30),
        }
    if rng.random() < 0.3:
        c["args"] = [f"--listen=:{8000 + n % 1000}", "--log-level=info", f"--name=app-{n}"]
    level = rng.random()
    if level < 0.4:
        c["securityContext"] = {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    elif level < 0.5:
        c["securityContext"] = {"privileged": True, "runAsUser": 0}
    return c


def _pod_spec(rng: random.Random, n: int) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceAccountName": f"sa-{n % 50}",
        "containers": [_container(rng, i, n) for i in range(rng.choice((1, 1, 2, 3)))],
    }
    if rng.random() < 0.2:
        spec["initContainers"] = [_container(rng, 9, n)]
    if rng.random() < 0.1:
        spec["volumes"] = [{"name": "logs", "hostPath": {"path": f"/var/log/app{n}"}}]
    if rng.random() < 0.3:
        spec["nodeSelector"] = {"kubernetes.io/os": "linux", "pool": f"p{n % 7}"}
    return spec


def _object(rng: random.Random, n: int) -> dict[str, Any]:
    kinds = [k for k in KINDS for _ in range(k[2])]
    kind, api, _w = rng.choice(kinds)
    ns = f"team-{n % 37}"
    meta: dict[str, Any] = {
        "name": f"{kind.lower()}-{n}",
        "namespace": ns,
        "labels": {"app": f"app-{n}", "team": ns, "tier": rng.choice(("web", "db", "batch"))},
        "annotations": {"owner": f"team{n % 37}@example.nl"},
    }
    obj: dict[str, Any] = {"apiVersion": api, "kind": kind, "metadata": meta}
    template = {"metadata": {"labels": dict(meta["labels"])}, "spec": _pod_spec(rng, n)}
    if kind == "Pod":
        obj["spec"] = template["spec"]
    elif kind == "CronJob":
        obj["spec"] = {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}
    elif kind in ("Deployment", "StatefulSet", "DaemonSet"):
        obj["spec"] = {
            "replicas": rng.randint(1, 5),
            "selector": {"matchLabels": {"app": f"app-{n}"}},
            "template": template,
        }
    elif kind == "Job":
        obj["spec"] = {"template": template, "backoffLimit": 3}
    elif kind == "Service":
        obj["spec"] = {
            "selector": {"app": f"app-{n}"},
            "ports": [{"port": 80, "targetPort": 8080}],
        }
    elif kind == "ConfigMap":
        obj["data"] = {f"key{k}": f"value {n} {k}" for k in range(5)}
    return obj


def generate(root: Path, objects: int, seed: int = 1) -> int:
    """Write ``objects`` objects under ``root``; return the number of files."""
    rng = random.Random(seed)
    files = 0
    n = 0
    while n < objects:
        take = min(objects - n, rng.choice((1, 1, 1, 1, 2, 3, 5)))
        docs = [_object(rng, n + k) for k in range(take)]
        n += take
        sub = root / f"team-{files % 37}"
        sub.mkdir(parents=True, exist_ok=True)
        if take > 3 and rng.random() < 0.5:  # kubectl get -o yaml
            text = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": docs})
        elif rng.random() < 0.05:
            (sub / f"f{files}.json").write_text(json.dumps(docs[0] if take == 1 else docs))
            files += 1
            continue
        else:
            text = "".join("---\n" + yaml.safe_dump(d, sort_keys=False) for d in docs)
        (sub / f"f{files}.yaml").write_text(text)
        files += 1
    return files


def _child(root: str) -> None:
    """One timed collection (in its own process, so peak RSS is its own)."""
    import gc

    from bio2scan.collectors.base import CollectRequest
    from bio2scan.collectors.manifests import ManifestCollector

    gc.collect()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    inv = ManifestCollector().collect(CollectRequest(options={"paths": [root]}))
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "cpu": cpu, "rss_mib": rss, "objects": len(inv.resources)}))


def _phases(root: str, repeat: int) -> dict[str, float]:
    """CPU medians, in this process and serially, of the stages of reading the files under
    ``root``: libyaml parsing alone (in C, no Python object made: what a C builder could reach),
    libyaml composing PyYAML's nodes (the floor of any builder in Python: its C parser and
    composer, nothing built), ``yaml_objects.load`` (values with go-yaml's rules, the line of every document),
    and ``manifest_files.load_job`` (reading, loading, ``to_resource``, redaction)."""
    import gc

    from bio2scan.collectors import yaml_objects
    from bio2scan.collectors.manifest_files import Job, load_job

    files = sorted(str(p) for p in Path(root).rglob("*.*"))
    texts = [Path(f).read_text() for f in files]
    yaml_texts = [t for t in texts if t.lstrip()[:1] not in ("{", "[")]
    yaml_bytes = [t.encode() for t in yaml_texts]
    from yaml._yaml import CParser

    def parse() -> None:  # libyaml alone, in C: no Python object per event
        for b in yaml_bytes:
            CParser(b).raw_parse()

    def compose() -> None:
        for t in yaml_texts:
            loader = yaml_objects._Loader(t)
            while loader.check_node():
                loader.get_node()
            loader.dispose()

    def load() -> None:
        for t in texts:
            for _doc in yaml_objects.load(t):
                pass

    def jobs() -> None:
        for f in files:
            load_job(Job(f, f, False, None), "c", None, yaml_objects.DEFAULT_LIMITS)

    out = {}
    gc.disable()  # as the collector does
    steps = (("libyaml_parse", parse), ("compose_floor", compose), ("yaml_load", load))
    for name, fn in (*steps, ("load_job", jobs)):
        times = []
        for _ in range(repeat):
            c = time.process_time()
            fn()
            times.append(time.process_time() - c)
        out[f"{name}_cpu_median_s"] = round(statistics.median(times), 3)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", help="use (and keep) this directory instead of a temporary one")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--phases",
        action="store_true",
        help="also time libyaml's composer alone, yaml_objects.load and load_job (CPU, serial)",
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="bio2scan-bench-") as tmp:
        root = Path(args.dir or tmp)
        if not any(root.iterdir()) if root.exists() else True:
            root.mkdir(parents=True, exist_ok=True)
            files = generate(root, args.objects)
        else:
            files = sum(1 for _ in root.rglob("*.*"))
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(root)],
                capture_output=True,
                text=True,
                check=True,
                env=dict(os.environ, PYTHONPATH=str(ROOT)),
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        phases = _phases(str(root), args.repeat) if args.phases else {}
    summary = {
        "objects": runs[0]["objects"],
        "files": files,
        "wall_median_s": round(statistics.median(r["wall"] for r in runs), 3),
        "cpu_median_s": round(statistics.median(r["cpu"] for r in runs), 3),
        "rss_peak_mib": round(max(r["rss_mib"] for r in runs), 1),
        "walls": [round(r["wall"], 3) for r in runs],
        **phases,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        for k, v in summary.items():
            print(f"{k:>14}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
