"""Shared helpers for the AWS collector tests (a unique module name: several conftests exist)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

REGIONS = ["eu-west-1", "eu-central-1"]
ACCOUNT = "123456789012"


@contextmanager
def moto_env(extra: dict[str, str] | None = None) -> Iterator[None]:
    """Fake credentials, no endpoint override, moto without its AMI catalogue."""
    from stubs.aws import MOTO_ENV

    saved = dict(os.environ)
    os.environ.update(MOTO_ENV)
    os.environ.update(extra or {})
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        if not extra or var not in extra:
            os.environ.pop(var, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def collect(types: set[str] | None = None, **options):
    """Run the real collector (in the current moto context) for ``types``."""
    from bio2scan.collectors.aws import AwsCollector
    from bio2scan.collectors.base import CollectRequest

    opts = {"regions": REGIONS, **options}
    return AwsCollector().collect(
        CollectRequest(
            options=opts,
            resource_types=frozenset(types) if types is not None else None,
            max_workers=8,
        )
    )


def by_type(inv, rtype: str) -> dict:
    return {r.name: r for r in inv.resources if r.type == rtype}
