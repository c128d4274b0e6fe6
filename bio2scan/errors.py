"""The exceptions bio2scan raises, and the exit code each one stands for.

    Bio2scanError                  base; exit_code 2 unless said otherwise
    ├── UsageError                 bad command-line arguments or option values (--set, --shard …)
    ├── InputError                 a file we were given is wrong; names file, line and field
    │   ├── RuleError              a rule file does not validate
    │   ├── InventoryError         an inventory document cannot be read or does not validate
    │   ├── ManifestError          a Kubernetes manifest is not YAML/JSON or not an object
    │   └── WaiverError            a waivers file does not validate
    ├── OutputError                a report, evidence pack or history entry could not be written
    ├── PluginError                an entry point could not be loaded
    └── CollectorError             a collector could not start at all (no credentials, bad kubeconfig)

Partial failures during collection are *not* exceptions: collectors record them as
``CollectionError`` records in the inventory and the affected rules report ``ERROR``.

Exit codes (part of the public API): 0 nothing at or above the fail threshold, 1 findings at or
above it, 2 usage or input error, 3 the scan was incomplete (collection errors or ERROR results;
with ``--allow-incomplete`` only when nothing at all could be read from a target). 3 takes
precedence over 1.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


class Bio2scanError(Exception):
    """Base class. ``str(error)`` is the one line shown to the user."""

    exit_code = EXIT_USAGE


class UsageError(Bio2scanError):
    """A command-line argument or option value is wrong."""


class InputError(Bio2scanError):
    """A file we were given is wrong. The message names the file (and line or field)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file, self.line, self.field = file, line, field
        where = ""
        if file:
            where = file + (f":{line}" if line else "")
        if field:
            where = f"{where} ({field})" if where else field
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message


class RuleError(InputError):
    """A rule file does not validate."""


class InventoryError(InputError):
    """An inventory document cannot be read or does not validate."""


class ManifestError(InputError):
    """A Kubernetes manifest file cannot be parsed or holds something that is not an object."""


class WaiverError(InputError):
    """A waivers file does not validate."""


class OutputError(Bio2scanError):
    """A report, an evidence pack or a history entry could not be written. The previous reports
    stay as they were (they are replaced only as a whole set). ``reason``: what went wrong
    (the system's words and the file they name), without what was being written, for a caller
    that words it again (an evidence pack whose reports could not be written)."""

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason if reason is not None else message


class PluginError(Bio2scanError):
    """A plugin entry point could not be loaded."""


class CollectorError(Bio2scanError):
    """A collector could not start at all (no credentials, unreadable kubeconfig …)."""
