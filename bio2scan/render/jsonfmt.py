"""``--format json``: the results document itself (``results.json``), compact, its rows in the
stored form of ``bio2scan.resultrows`` and written as a stream (``documents.write_results``)."""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from ..documents import write_results


class JsonRenderer:
    name = "json"
    extension = "json"
    filename = "results.json"
    description = "the results document (versioned, schema-validated; input of `bio2scan report`)"

    def write(self, document: dict[str, Any], lang: str, fh: BinaryIO) -> str:
        """Stream the document into ``fh``; return its SHA-256."""
        return write_results(fh, document)

    def render(self, document: dict[str, Any], lang: str) -> str:
        buf = io.BytesIO()
        self.write(document, lang, buf)
        return buf.getvalue().decode("utf-8")
