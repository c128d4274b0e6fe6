"""bio2scan-widgets: an example plugin. Importing it registers its named function."""

from pathlib import Path

from . import functions  # noqa: F401  (registers widget_colour_is_safe)


def rules_path() -> Path:
    """The root of this package's rule pack (entry point ``bio2scan.rules: widgets``)."""
    return Path(__file__).parent / "rules"
