"""What a scan reads besides its target: waivers files and baselines, each validated with
errors that name file, line and field. Part of the library's face (``bio2scan.api`` re-exports
it); read before collection starts, so a bad file stops the run before any work."""

from __future__ import annotations

from pathlib import Path

from .baseline import Baseline
from .outputs import load_results
from .waivers import WaiverSet


def load_waivers(path: str | Path) -> WaiverSet:
    """Read and validate a waivers file (``bio2scan.waivers``); errors name file, line, field."""
    from .waivers import load

    return load(path)


def load_baseline(path: str | Path) -> Baseline:
    """A previous results document to compare with (``--baseline``): any schema version whose
    results can be read."""
    return Baseline(str(path), load_results(path, findings_only=True))
