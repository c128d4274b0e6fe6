"""Shared helpers of the pipeline tests: a small manifest estate, the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from bio2scan import api

ROOT = Path(__file__).resolve().parents[2]
RULE = "k8s.pod.privileged_container"  # critical; carries government measure 8.18.01
NOW = "2026-06-30T12:00:00Z"


def pod(name: str, namespace: str, privileged: bool, team: str = "a") -> str:
    return textwrap.dedent(f"""\
        apiVersion: v1
        kind: Pod
        metadata: {{name: {name}, namespace: {namespace}, labels: {{team: {team}}}}}
        spec:
          containers:
          - name: app
            image: registry.example/app@sha256:{"0" * 64}
            securityContext: {{privileged: {str(privileged).lower()}}}
        """)


def estate(root: Path, n: int = 12, privileged_every: int = 3) -> Path:
    """``n`` pods in ``n`` files over three namespaces; every ``privileged_every``-th one
    privileged (a FAIL of the critical rule)."""
    d = root / "estate"
    d.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (d / f"pod{i:02d}.yaml").write_text(
            pod(f"pod{i:02d}", f"ns{i % 3}", i % privileged_every == 0, team=f"t{i % 2}")
        )
    return d


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def cli(
    *args: str, cwd: Path | None = None, env: dict | None = None, input: bytes | None = None
) -> subprocess.CompletedProcess:
    e = dict(os.environ, NO_COLOR="1", BIO2SCAN_NOW=NOW)
    e.pop("BIO2SCAN_HISTORY", None)
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bio2scan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=e,
        input=input,
        timeout=120,
    )


def results(out_dir: Path) -> dict:
    return api.load_results(out_dir / "results.json")
