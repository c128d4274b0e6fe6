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
    from .errors import WaiverError
    from .waivers import parse
    from .yamlsrc import YamlSyntaxError, load_with_lines

    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WaiverError(
            f"cannot read: {getattr(exc, 'strerror', None) or exc}", file=str(path)
        ) from None
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise WaiverError(f"YAML syntax error: {exc}", file=str(path), line=exc.line) from None
    except ValueError as exc:  # YAML read a date-like value that is no date (2026-02-30)
        from .waivers import bad_date_line

        line, value = bad_date_line(text) or (None, "")
        raise WaiverError(
            f"{value!r} is not a calendar date ({exc})" if line else f"invalid value: {exc}",
            file=str(path),
            line=line,
        ) from None
    return parse(data, lines, str(path))


def load_baseline(path: str | Path) -> Baseline:
    """A previous results document to compare with (``--baseline``)."""
    return Baseline(str(path), load_results(path))
