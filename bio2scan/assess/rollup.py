"""The roll-up: results → a status per government measure and per BIO2 control.

Only *direct* evidence of rules of severity low or higher decides (``model.Link``); supporting
links and info rules are listed as evidence but decide nothing. A rule speaks for its own
provider only (``aws.…`` for AWS); providers that were not scanned are named, never counted as
passing. One pass over the results counts statuses per rule; everything after that works on
those counts, so the roll-up is linear in results plus links.

Per measure (and per control without technical measures — its *own* requirement):

* no direct rule → ``manual``; direct rules only for unscanned providers → ``out-of-scope``;
* per scanned provider with direct rules: ``fail`` (a FAIL), ``error`` (an ERROR), ``pass`` (a
  PASS or a risk-accepted FAIL), else ``not-assessed``; the measure takes the worst of
  fail > error > pass > not-assessed. A provider whose rules found nothing to check (no such
  resources) is shown as not-assessed but does not hold back a pass elsewhere: the measure
  does not apply there.

Per control, in this order: ``manual`` (no rule of severity ≥ low), ``out-of-scope`` (none of a
scanned provider), ``non-compliant`` (a direct FAIL), ``not-assessed`` (an ERROR, or no PASS at
all), then ``evidence-complete`` / ``compliant-with-accepted-risk`` when every unit (technical
measure, or the control itself) is ``pass`` or declared not applicable — else
``partially-evidenced`` with the gaps listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from ..catalog import Catalog, Control
from ..model import Result, Rule, Severity, Status
from .status import (
    ControlRollup,
    ControlStatus,
    EvidenceRow,
    MeasureRollup,
    MeasureStatus,
)

STATUS_KEYS = tuple(s.value for s in Status)
ACCEPTED = "ACCEPTED"  # internal count: WAIVED by a risk acceptance (not a not-applicable one)
_WORST = ("fail", "error", "pass", "not-assessed")


def count_results(results: Iterable[Result]) -> dict[str, Counter[str]]:
    """Result statuses per rule (counted in C, ``Counter`` over (rule, status) pairs);
    ``ACCEPTED`` counts risk-accepted FAILs."""
    listed = results if isinstance(results, (list, tuple)) else list(results)
    pairs = Counter(zip(map(_RULE_ID, listed), map(_STATUS, listed)))
    counts: dict[str, Counter[str]] = {}
    for (rule_id, status), n in pairs.items():
        c = counts.get(rule_id)
        if c is None:
            c = counts[rule_id] = Counter()
        c[status.value] += n
    if any(status is Status.WAIVED for _, status in pairs):
        for r in listed:
            if r.status is Status.WAIVED and (r.waiver or {}).get("kind") != "not-applicable":
                counts[r.rule_id][ACCEPTED] += 1
    return counts


_RULE_ID = itemgetter(Result._fields.index("rule_id"))
_STATUS = itemgetter(Result._fields.index("status"))


def _row(rule: Rule, bio2_id: str, counts: Counter[str]) -> EvidenceRow:
    link = rule.link(bio2_id)
    return EvidenceRow(
        rule.id,
        rule.provider,
        link.strength,
        link.reason,
        rule.severity.value,
        {k: counts.get(k, 0) for k in STATUS_KEYS},
    )


def _deciding(rule: Rule, bio2_id: str) -> bool:
    return rule.severity is not Severity.INFO and rule.link(bio2_id).direct


def judge(
    rules: Sequence[Rule],
    bio2_id: str,
    counts: Mapping[str, Counter[str]],
    scanned: frozenset[str],
) -> tuple[MeasureStatus, dict[str, str], tuple[str, ...], bool]:
    """Status of one measure (or a control's own requirement) from its direct rules: the
    status, per-provider statuses, the unscanned providers with rules, any accepted risk."""
    deciding = [r for r in rules if _deciding(r, bio2_id)]
    if not deciding:
        return MeasureStatus.MANUAL, {}, (), False
    providers = sorted({r.provider for r in deciding})
    unscanned = tuple(p for p in providers if p not in scanned)
    per: dict[str, str] = dict.fromkeys(unscanned, MeasureStatus.OUT_OF_SCOPE.value)
    accepted = False
    for p in providers:
        if p in unscanned:
            continue
        n: Counter[str] = Counter()
        for r in deciding:
            if r.provider == p:
                n.update(counts.get(r.id, Counter()))
        accepted = accepted or n[ACCEPTED] > 0
        per[p] = (
            "fail"
            if n["FAIL"]
            else "error"
            if n["ERROR"]
            else "pass"
            if n["PASS"] or n[ACCEPTED]
            else "not-assessed"
        )
    if len(unscanned) == len(providers):
        return MeasureStatus.OUT_OF_SCOPE, per, unscanned, False
    scanned_states = {s for p, s in per.items() if p not in unscanned}
    status = next(s for s in _WORST if s in scanned_states)
    return MeasureStatus(status), per, unscanned, accepted


def rollup_measures(
    catalog: Catalog,
    rules: Mapping[str, Rule],
    counts: Mapping[str, Counter[str]],
    scanned: frozenset[str],
    declarations: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[MeasureRollup, ...]:
    """Every active v1.3 government measure, in catalogue order."""
    declarations = declarations or {}
    by_measure: dict[str, list[Rule]] = {}
    for rule in rules.values():
        for mid in rule.measures:
            by_measure.setdefault(mid, []).append(rule)
    out = []
    for m in catalog.active_measures():
        mine = sorted(by_measure.get(m.id, ()), key=lambda r: r.id)
        rows = tuple(_row(r, m.id, counts.get(r.id, Counter())) for r in mine)
        if m.id in declarations:
            out.append(
                MeasureRollup(
                    m.id, m.control, MeasureStatus.NOT_APPLICABLE, rows, {}, (), declarations[m.id]
                )
            )
            continue
        status, per, unscanned, _ = judge(mine, m.id, counts, scanned)
        out.append(MeasureRollup(m.id, m.control, status, rows, per, unscanned))
    return tuple(out)


def _gaps(
    ctl: Control,
    mine: Sequence[Rule],
    measures: Mapping[str, MeasureRollup],
    counts: Mapping[str, Counter[str]],
    scanned: frozenset[str],
) -> tuple[list[dict[str, str]], bool]:
    """What lacks direct PASS evidence, and whether accepted risk is part of the evidence."""
    technical = [m for m in ctl.measures if m.automatable != "no"]
    gaps: list[dict[str, str]] = []
    accepted = False
    if technical:
        for m in technical:
            mr = measures[m.id]
            if mr.status is MeasureStatus.NOT_APPLICABLE:
                continue
            if mr.status is not MeasureStatus.PASS:
                gaps.append({"kind": "measure", "id": m.id, "status": mr.status.value})
            else:
                _, _, _, acc = judge([r for r in mine if m.id in r.links], m.id, counts, scanned)
                accepted = accepted or acc
        return gaps, accepted
    status, _, _, accepted = judge(mine, ctl.id, counts, scanned)
    if status is not MeasureStatus.PASS:
        gaps.append({"kind": "control", "id": ctl.id, "status": status.value})
    if ctl.automatable == "partly":
        gaps.append({"kind": "aspect", "id": "organisational", "status": "manual"})
    return gaps, accepted


def rollup_controls(
    catalog: Catalog,
    rules: Mapping[str, Rule],
    counts: Mapping[str, Counter[str]],
    measures: Sequence[MeasureRollup],
    scanned: frozenset[str],
) -> tuple[ControlRollup, ...]:
    """All 93 controls, in catalogue order."""
    by_control: dict[str, list[Rule]] = {cid: [] for cid in catalog.controls}
    for rule in rules.values():
        for cid in rule.controls:
            by_control[cid].append(rule)
    by_measure = {m.id: m for m in measures}
    out = []
    for cid, ctl in catalog.controls.items():
        mine = sorted(by_control[cid], key=lambda r: r.id)
        total: Counter[str] = Counter()
        for r in mine:
            total.update(counts.get(r.id, Counter()))
        rows = tuple(_row(r, cid, counts.get(r.id, Counter())) for r in mine)
        decide = [r for r in mine if r.severity is not Severity.INFO]
        providers = sorted({r.provider for r in decide})
        unscanned = tuple(p for p in providers if p not in scanned)
        named = sorted({m for r in mine for m in r.measures if catalog.measures[m].control == cid})
        manual_measures = tuple(m.id for m in ctl.measures if m.automatable == "no")
        own = [by_measure[m.id] for m in ctl.measures]
        applicable = not own or any(m.status is not MeasureStatus.NOT_APPLICABLE for m in own)
        gaps: list[dict[str, str]] = []
        accepted = 0
        if not decide:
            status, basis = ControlStatus.MANUAL, "no-rules"
        elif len(unscanned) == len(providers):
            status, basis = ControlStatus.OUT_OF_SCOPE, "providers-not-scanned"
        elif any(counts.get(r.id, Counter())["FAIL"] for r in decide if r.link(cid).direct):
            status, basis = ControlStatus.NON_COMPLIANT, "direct-fail"
        elif any(counts.get(r.id, Counter())["ERROR"] for r in decide):
            status, basis = ControlStatus.NOT_ASSESSED, "errors"
        elif not any(
            counts.get(r.id, Counter())["PASS"] or counts.get(r.id, Counter())[ACCEPTED]
            for r in decide
        ):
            status, basis = ControlStatus.NOT_ASSESSED, "nothing-to-check"
        else:
            gaps, acc = _gaps(ctl, decide, by_measure, counts, scanned)
            accepted = sum(counts.get(r.id, Counter())[ACCEPTED] for r in decide)
            if gaps:
                status, basis = ControlStatus.PARTIALLY_EVIDENCED, "gaps"
            elif acc or accepted:
                status, basis = ControlStatus.COMPLIANT_WITH_ACCEPTED_RISK, "accepted-risk"
            else:
                status, basis = ControlStatus.EVIDENCE_COMPLETE, "complete"
        out.append(
            ControlRollup(
                cid,
                status,
                {k: total.get(k, 0) for k in STATUS_KEYS},
                tuple(r.id for r in mine),
                tuple(named),
                basis=basis,
                evidence=rows,
                gaps=tuple(gaps),
                manual_measures=manual_measures,
                out_of_scope=unscanned,
                accepted_risk=accepted,
                applicable=applicable,
            )
        )
    return tuple(out)


def compliance(control_counts: Mapping[str, int]) -> dict[str, float | int]:
    """``--min-compliance``'s figure: the percentage of controls that are evidence-complete or
    compliant-with-accepted-risk among those that are neither manual nor out of scope (0 when
    there are none: no evidence is no compliance)."""
    from .status import COMPLIANT, NOT_COUNTED

    counted = sum(n for s, n in control_counts.items() if s not in NOT_COUNTED)
    good = sum(control_counts.get(s, 0) for s in COMPLIANT)
    percent = round(100.0 * good / counted, 2) if counted else 0.0
    return {"percent": percent, "compliant": good, "counted": counted}
