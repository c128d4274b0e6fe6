from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bio2scan import api

MANIFESTS = Path(__file__).resolve().parents[2] / "demo" / "manifests"


@pytest.fixture(scope="module")
def scanned():
    """A real manifests scan with every rule: (results document, inventory)."""
    rules = list(api.load_rules().values())
    inv = api.collect("manifests", {"paths": [str(MANIFESTS)]}, rules=rules)
    doc = api.assess(inv, rules, now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    return doc, inv
