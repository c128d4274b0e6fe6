"""Fixtures for the Azure collector tests (the estate is in ``arm_fixture.py``)."""

from __future__ import annotations

import pytest
from arm_fixture import estate


@pytest.fixture
def arm_estate():
    return estate()


@pytest.fixture
def arm_env(monkeypatch):
    """Environment for a collector run: the server's token in AZURE_ACCESS_TOKEN."""
    from stubs.arm import DEFAULT_TOKEN

    monkeypatch.setenv("AZURE_ACCESS_TOKEN", DEFAULT_TOKEN)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    return DEFAULT_TOKEN
