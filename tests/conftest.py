import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("NO_COLOR", "1")


@pytest.fixture(scope="session")
def all_rules():
    from bio2scan import api

    return api.load_rules()


from clirun import run_cli  # noqa: E402  (re-exported for older imports)


@pytest.fixture
def cli():
    """The real ``bio2scan`` entry point in a subprocess: ``cli("scan", ...)``."""
    return run_cli
