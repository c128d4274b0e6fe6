"""Renderers: one report model (the results document) → formats.

A renderer is an object with ``name`` (the ``--format`` value), ``extension`` (of the file it
writes) and ``render(document, lang) -> str | bytes``. ``document`` is the results document as a
dict (see ``bio2scan/schemas/results.schema.json``), so a stored ``results.json`` re-renders to
every format. HTML and Markdown come from the Jinja templates in ``reports/``. Built-ins
register through the ``bio2scan.renderers`` entry point group, like third-party ones.
"""

from __future__ import annotations

from typing import Any, Protocol


class Renderer(Protocol):
    """Built-ins: ``json`` (results.json), ``html`` (report.html), ``md`` (report.md), ``sarif``
    (results.sarif), ``junit`` (junit.xml), ``csv`` (results.csv); see docs/reports.md."""

    name: str
    extension: str
    filename: str  # optional for third parties: ``report.<extension>`` when missing
    description: str

    def render(self, document: dict[str, Any], lang: str) -> str | bytes: ...
