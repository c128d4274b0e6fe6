"""bio2scan: how an AWS, Azure or Kubernetes estate stands against BIO2, with evidence.

The public API is ``bio2scan.api`` (re-exported here). Importing this package is light: no cloud
SDK, no rule loading, no I/O.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
