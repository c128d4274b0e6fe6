"""Widgets from a JSON file: ``{"scope": "...", "things": [{"id": ..., ...}], "errors": [...]}``.

Each thing becomes an ``example.widget.thing`` resource; each entry of ``errors`` a
``CollectionError`` (what this collector could not read), so rules report ERROR there."""

import json

from bio2scan.collectors.base import CollectRequest, Option, Recorder
from bio2scan.errors import CollectorError
from bio2scan.model import CollectionError, Inventory, Resource, Source


class WidgetCollector:
    plugin_api = 1  # the bio2scan plugin API major version this was written for
    name = "widgets"
    provider = "example"
    description = "Widgets from a JSON file (example plugin)"
    resource_types = ("example.widget.thing",)
    options = (Option("file", "The widgets JSON file.", type="path", argument=True, required=True),)

    def collect(self, request: CollectRequest) -> Inventory:
        path = request.options["file"]
        try:
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CollectorError(f"{path}: cannot read widgets: {exc}") from None
        rec = Recorder(self.name, request)
        scope = doc.get("scope", "widgets")
        rec.scope(scope)
        for i, thing in enumerate(doc.get("things", [])):
            rec.add(
                Resource(
                    type="example.widget.thing",
                    id=str(thing["id"]),
                    name=str(thing.get("name", thing["id"])),
                    scope=scope,
                    data=thing,
                    source=Source(file=str(path), line=i + 1),
                )
            )
        for err in doc.get("errors", []):
            rec.error(
                CollectionError(
                    provider="example",
                    resource_type="example.widget.thing",
                    scope=scope,
                    reason=err,
                    code="AccessDenied",
                    api="widgets:list",
                    region=None,
                )
            )
        return rec.inventory({"file": str(path)})
