"""Rule → BIO2 links: each control and measure a rule names carries a strength and a one-line
reason (``controls: {"8.20": {strength: direct, reason: "…"}}``).

``direct``: the setting is what the control or measure asks (for a measure, the reason names the
part it covers); ``supporting``: it contributes but is no evidence on its own. Only direct
evidence decides a control or a measure (``bio2scan.assess``). The loader refuses a link without
a reason, a link to an organisational control or measure (``automatable: no`` in the catalogue),
a direct link of an info rule (an observation) and a direct measure link whose control link is
only supporting.
"""

from __future__ import annotations

from typing import Any

from ..catalog import Catalog
from ..model import Link

LINK_SYNTAX = (
    'controls: {"8.20": {strength: direct, reason: "…"}} — each BIO2 id with its strength '
    "(direct: the setting is what the control or measure asks; supporting: it contributes) "
    "and a one-line reason (docs/rules.md#controls-and-measures)"
)


def link_shape(data: dict[str, Any], fail: Any, text: str) -> None:
    """The ``controls``/``measures`` sections before the schema: the old list form and YAML's
    reading of unquoted ids (8.10 → 8.1) get a message that says what to write instead."""
    for section in ("controls", "measures"):
        value = data.get(section)
        if isinstance(value, list):
            hint = (
                "; the file has '# mapping:' comment lines: `make convert-links "
                "FILES=<file>` turns them into this form"
                if "# mapping:" in text
                else ""
            )
            raise fail(
                f"{section} is a list without reasons; write a mapping instead: "
                + LINK_SYNTAX.replace("controls:", f"{section}:", 1)
                + hint,
                [section],
            )
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    raise fail(
                        f'{key!r} is a number: quote BIO2 ids ("{key}"), or YAML reads 8.10 as 8.1',
                        [section, key],
                    )


def check_links(data: dict[str, Any], catalog: Catalog, fail: Any) -> dict[str, Link]:
    """Check every control and measure link against the catalogue and the rule's severity."""
    controls: dict[str, Any] = data["controls"]
    measures: dict[str, Any] = data.get("measures") or {}
    info = data["severity"] == "info"
    out: dict[str, Link] = {}
    for section, items, check in (
        ("controls", controls, catalog.check_control),
        ("measures", measures, catalog.check_measure),
    ):
        for bid, link in items.items():
            why = check(bid)
            if why:
                raise fail(why, [section, bid])
            item = catalog.controls[bid] if section == "controls" else catalog.measures[bid]
            if item.automatable == "no":
                kind = "control" if section == "controls" else "measure"
                raise fail(
                    f"{kind} {bid} is organisational (the catalogue marks it automatable: no): "
                    "configuration is no evidence for it; remove the link",
                    [section, bid],
                )
            if info and link["strength"] == "direct":
                raise fail(
                    "an info rule is an observation and decides no control or measure: its "
                    "links are 'supporting'",
                    [section, bid, "strength"],
                )
            out[bid] = Link(link["strength"], link["reason"].strip())
    for mid, link in measures.items():
        ctl = catalog.measures[mid].control
        if ctl not in controls:
            raise fail(
                f"measure {mid} belongs to control {ctl}, which the rule does not list",
                ["measures", mid],
            )
        if link["strength"] == "direct" and controls[ctl]["strength"] != "direct":
            raise fail(
                f"direct evidence for measure {mid} is direct evidence for its control {ctl}: "
                f"make controls.{ctl} direct too (or the measure supporting)",
                ["measures", mid, "strength"],
            )
    return out
