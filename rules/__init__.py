"""The built-in rule pack: ``<provider>/<service>/<name>.yaml`` below this directory."""

from pathlib import Path


def path() -> Path:
    """The pack's root directory (registered as the ``builtin`` entry of ``bio2scan.rules``)."""
    return Path(__file__).parent
