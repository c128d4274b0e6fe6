"""Renderers: one report model (the results document) → formats.

A renderer is an object with ``name`` (the ``--format`` value), ``extension`` (of the file it
writes) and ``render(document, lang) -> str | bytes``. ``document`` is the results document as a
dict (see ``bio2scan/schemas/results.schema.json``), so a stored ``results.json`` re-renders to
every format. HTML and Markdown come from the Jinja templates in ``bio2scan/reports/``. Built-ins
register through the ``bio2scan.renderers`` entry point group, like third-party ones.
"""

from __future__ import annotations

from typing import Any, Protocol


class Renderer(Protocol):
    name: str
    extension: str
    description: str

    def render(self, document: dict[str, Any], lang: str) -> str | bytes: ...
