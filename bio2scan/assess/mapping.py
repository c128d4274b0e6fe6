"""The rule → BIO2 mapping as an auditor reads it: every link of every rule to a control or a
government measure, with the provider, the strength and the one-line reason
(``bio2scan controls --mapping --format csv|json``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..catalog import Catalog, load_catalog
from ..model import Rule

COLUMNS = (
    "control",
    "control_title",
    "measure",
    "rule",
    "provider",
    "severity",
    "strength",
    "reason",
    "rule_title",
)


def mapping_rows(
    rules: Iterable[Rule], catalog: Catalog | None = None, lang: str = "en"
) -> list[dict[str, Any]]:
    """One row per link, in catalogue order (control, then its own links before those of its
    measures), then by rule id. ``measure`` is empty for a link to the control itself."""
    catalog = catalog or load_catalog()
    order = {cid: i for i, cid in enumerate(catalog.controls)}
    morder = {mid: i for i, mid in enumerate(catalog.measures)}
    rows = []
    for r in rules:
        for bid, link in r.links.items():
            measure = catalog.measures.get(bid)
            cid = measure.control if measure is not None else bid
            rows.append(
                {
                    "control": cid,
                    "control_title": catalog.controls[cid].text(lang),
                    "measure": bid if measure is not None else "",
                    "rule": r.id,
                    "provider": r.provider,
                    "severity": r.severity.value,
                    "strength": link.strength,
                    "reason": link.reason,
                    "rule_title": r.text("title", lang),
                }
            )
    rows.sort(
        key=lambda x: (
            order.get(x["control"], 999),
            morder.get(x["measure"], -1),
            x["rule"],
        )
    )
    return rows
