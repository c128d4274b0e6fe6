"""Fixtures for the Entra collector tests: the tenant (``graph_fixture.py``) on the Graph stub and
its ARM side on the ARM stub, with their tokens in the environment."""

from __future__ import annotations

import pytest
from graph_fixture import arm_estate, graph_estate


@pytest.fixture
def tenant_estate():
    return graph_estate(), arm_estate()


@pytest.fixture
def tokens(monkeypatch):
    """The stubs' tokens in AZURE_GRAPH_TOKEN / AZURE_ACCESS_TOKEN (what the tests look for)."""
    from stubs.arm import DEFAULT_TOKEN as ARM_TOKEN
    from stubs.graph import DEFAULT_TOKEN as GRAPH_TOKEN

    monkeypatch.setenv("AZURE_GRAPH_TOKEN", GRAPH_TOKEN)
    monkeypatch.setenv("AZURE_ACCESS_TOKEN", ARM_TOKEN)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    return GRAPH_TOKEN, ARM_TOKEN
