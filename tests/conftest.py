import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("NO_COLOR", "1")


@pytest.fixture(scope="session")
def all_rules():
    from bio2scan import api
    return api.load_rules()


def run_cli(*args: str, input: bytes | None = None, cwd: str | Path | None = None,
            env: dict | None = None, timeout: int = 120):
    """Run the real console entry point in a subprocess; returns CompletedProcess (text)."""
    import subprocess
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "bio2scan", *args], input=input,
                          capture_output=True, cwd=cwd, env=e, timeout=timeout)
