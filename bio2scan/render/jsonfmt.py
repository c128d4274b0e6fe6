"""``--format json``: the results document itself (``results.json``)."""

from __future__ import annotations

from typing import Any

from ..documents import dumps


class JsonRenderer:
    name = "json"
    extension = "json"
    filename = "results.json"
    description = "the results document (versioned, schema-validated; input of `bio2scan report`)"

    def render(self, document: dict[str, Any], lang: str) -> str:
        return dumps(document)
