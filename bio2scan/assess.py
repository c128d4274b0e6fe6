"""From results to an assessment: roll-up per BIO2 control (and the hooks for waivers and the
baseline, which ``waivers.py`` and ``baseline.py`` fill in).

Control status, strictest first:

* **non-compliant** — at least one FAIL;
* **not assessed** — no FAIL but an ERROR (something could not be read, so it cannot be called
  compliant), or no PASS at all (no resources, only NOT_APPLICABLE);
* **compliant** — at least one PASS (or WAIVED), no FAIL, no ERROR;
* **manual** — no selected rule gives evidence for the control: the report still lists it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .catalog import Catalog, load_catalog
from .model import ControlRollup, ControlStatus, Result, Rule, Status

STATUS_KEYS = tuple(s.value for s in Status)


def rollup(
    results: Iterable[Result], rules: Mapping[str, Rule], catalog: Catalog | None = None
) -> tuple[ControlRollup, ...]:
    catalog = catalog or load_catalog()
    counts: dict[str, dict[str, int]] = {
        cid: dict.fromkeys(STATUS_KEYS, 0) for cid in catalog.controls
    }
    rules_for: dict[str, list[str]] = {cid: [] for cid in catalog.controls}
    measures_for: dict[str, set[str]] = {cid: set() for cid in catalog.controls}
    for rule in rules.values():
        for cid in rule.controls:
            rules_for[cid].append(rule.id)
        for m in rule.measures:
            measures_for[catalog.measures[m].control].add(m)
    for r in results:
        key = r.status.value
        for cid in r.controls:
            counts[cid][key] += 1
    out = []
    for cid in catalog.controls:
        c = counts[cid]
        if not rules_for[cid]:
            status = ControlStatus.MANUAL
        elif c["FAIL"]:
            status = ControlStatus.NON_COMPLIANT
        elif c["ERROR"] or not (c["PASS"] or c["WAIVED"]):
            status = ControlStatus.NOT_ASSESSED
        else:
            status = ControlStatus.COMPLIANT
        out.append(
            ControlRollup(
                cid, status, c, tuple(sorted(rules_for[cid])), tuple(sorted(measures_for[cid]))
            )
        )
    return tuple(out)
