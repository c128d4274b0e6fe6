import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests run on shared CI machines and beside other test workers: generating examples may
# be slow there, which says nothing about the code under test. Time limits that matter are stated
# in the tests themselves (a test's own @settings overrides these).
settings.register_profile("bio2scan", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bio2scan")

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("NO_COLOR", "1")
# the cache (rules, plugins) of this test process (and the CLIs it starts): not the user's ~/.cache
if "BIO2SCAN_CACHE" not in os.environ:
    _RULE_CACHE = tempfile.mkdtemp(prefix="bio2scan-test-cache-")
    os.environ["BIO2SCAN_CACHE"] = _RULE_CACHE
    atexit.register(shutil.rmtree, _RULE_CACHE, True)


@pytest.fixture(scope="session")
def all_rules():
    from bio2scan import api

    return api.load_rules()


from clirun import run_cli  # noqa: E402  (re-exported for older imports)


@pytest.fixture
def cli():
    """The real ``bio2scan`` entry point in a subprocess: ``cli("scan", ...)``."""
    return run_cli
