"""Run the real console entry point (``python -m bio2scan``) in a subprocess.

Import as ``from clirun import run_cli`` (a unique module name: several ``conftest`` modules exist).
"""

import os
import subprocess
import sys
from pathlib import Path


def run_cli(
    *args: str,
    input: bytes | None = None,
    cwd: str | Path | None = None,
    env: dict | None = None,
    timeout: int = 120,
):
    """Run the real console entry point in a subprocess; returns CompletedProcess (text)."""
    e = dict(os.environ, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "bio2scan", *args],
        input=input,
        capture_output=True,
        cwd=cwd,
        env=e,
        timeout=timeout,
    )
