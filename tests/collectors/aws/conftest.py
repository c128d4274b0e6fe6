"""Fixtures for the AWS collector tests: one in-process moto estate, scanned once per module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from awsfixtures import ACCOUNT, REGIONS, collect, moto_env


@pytest.fixture(scope="module")
def demo_inventory():
    """The demo estate (stubs.awsestate.demo) in moto, collected with every AWS type."""
    import boto3
    from moto import mock_aws
    from stubs.aws import aws_shaped_gaps
    from stubs.awsestate import demo

    with moto_env(), mock_aws(), aws_shaped_gaps():
        demo(boto3.Session(region_name=REGIONS[0]), REGIONS, ACCOUNT)
        inventory = collect()
    return inventory


@pytest.fixture
def moto():
    """A fresh, empty in-process moto for one test."""
    from moto import mock_aws
    from stubs.aws import aws_shaped_gaps

    with moto_env(), mock_aws(), aws_shaped_gaps():
        yield
