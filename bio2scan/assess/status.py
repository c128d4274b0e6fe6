"""The vocabulary of an assessment: statuses per BIO2 control and per government measure, the
roll-up records, and the ``Assessment`` every renderer reads (as the results document).

Control statuses, worst first (``CONTROL_STATUSES``):

* ``non-compliant`` — a FAIL of a rule that gives *direct* evidence for the control (severity
  low or higher; info rules are observations and decide nothing);
* ``not-assessed`` — an ERROR (something could not be read), or rules of a scanned provider
  gave no PASS and no FAIL (nothing to read);
* ``partially-evidenced`` — PASSes, but measures or aspects without direct automated evidence
  remain (listed in ``gaps``);
* ``compliant-with-accepted-risk`` — as evidence-complete, but with risk-accepted (waived) FAILs;
* ``evidence-complete`` — every government measure of the control with technical content has
  direct PASS evidence on every scanned provider where it applies (a control without such
  measures: its own direct rules; one the catalogue judges only *partly* checkable stays
  partially evidenced, its organisational part being manual);
* ``out-of-scope`` — its rules belong to providers that were not scanned (named);
* ``manual`` — no selected rule can give evidence: the organisation shows it by other means.

Measure statuses (``MEASURE_STATUSES``): ``fail``, ``error``, ``not-assessed``, ``pass``,
``out-of-scope``, ``manual`` and ``not-applicable`` (declared with a ``not-applicable`` waiver
that names the measure, with owner and reason).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import CollectionError, Result, Rule, ScanMeta


class ControlStatus(str, enum.Enum):
    NON_COMPLIANT = "non-compliant"
    NOT_ASSESSED = "not-assessed"
    PARTIALLY_EVIDENCED = "partially-evidenced"
    COMPLIANT_WITH_ACCEPTED_RISK = "compliant-with-accepted-risk"
    EVIDENCE_COMPLETE = "evidence-complete"
    OUT_OF_SCOPE = "out-of-scope"
    MANUAL = "manual"

    def __str__(self) -> str:
        return self.value


class MeasureStatus(str, enum.Enum):
    FAIL = "fail"
    ERROR = "error"
    NOT_ASSESSED = "not-assessed"
    PASS = "pass"
    OUT_OF_SCOPE = "out-of-scope"
    MANUAL = "manual"
    NOT_APPLICABLE = "not-applicable"

    def __str__(self) -> str:
        return self.value


CONTROL_STATUSES = tuple(s.value for s in ControlStatus)
MEASURE_STATUSES = tuple(s.value for s in MeasureStatus)
# what --min-compliance counts: these among the controls that are neither manual nor out of scope
COMPLIANT = (
    ControlStatus.EVIDENCE_COMPLETE.value,
    ControlStatus.COMPLIANT_WITH_ACCEPTED_RISK.value,
)
NOT_COUNTED = (ControlStatus.MANUAL.value, ControlStatus.OUT_OF_SCOPE.value)


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One rule's evidence for a control or measure: how strongly, why, and what it found."""

    rule: str
    provider: str
    strength: str
    reason: str
    severity: str
    counts: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "provider": self.provider,
            "strength": self.strength,
            "reason": self.reason,
            "severity": self.severity,
            "counts": dict(self.counts),
        }


@dataclass(frozen=True, slots=True)
class MeasureRollup:
    """The status of one government measure, per provider, with its evidence rules."""

    id: str
    control: str
    status: MeasureStatus
    evidence: tuple[EvidenceRow, ...] = ()
    providers: Mapping[str, str] = field(default_factory=dict)
    out_of_scope: tuple[str, ...] = ()
    declaration: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "control": self.control,
            "status": self.status.value,
            "providers": dict(self.providers),
            "out_of_scope": list(self.out_of_scope),
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.declaration is not None:
            d["declaration"] = dict(self.declaration)
        return d


@dataclass(frozen=True, slots=True)
class ControlRollup:
    """All evidence for one BIO2 control: status and why (``basis``), counts per result
    status, rules with their strength and reason, what still lacks evidence (``gaps``), the
    organisational measures that always need manual evidence, and unscanned providers."""

    id: str
    status: ControlStatus
    counts: Mapping[str, int]
    rules: tuple[str, ...]
    measures: tuple[str, ...]
    basis: str = ""
    evidence: tuple[EvidenceRow, ...] = ()
    gaps: tuple[Mapping[str, str], ...] = ()
    manual_measures: tuple[str, ...] = ()
    out_of_scope: tuple[str, ...] = ()
    accepted_risk: int = 0
    applicable: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "basis": self.basis,
            "applicable": self.applicable,
            "counts": dict(self.counts),
            "rules": list(self.rules),
            "measures": list(self.measures),
            "evidence": [e.to_dict() for e in self.evidence],
            "gaps": [dict(g) for g in self.gaps],
            "manual_measures": list(self.manual_measures),
            "out_of_scope": list(self.out_of_scope),
            "accepted_risk": self.accepted_risk,
        }


@dataclass(frozen=True)
class Assessment:
    """Results after waivers and baseline, rolled up per control and per measure. What every
    renderer reads (serialised as the results document, ``schemas/results.schema.json``)."""

    results: tuple[Result, ...]
    controls: tuple[ControlRollup, ...]
    rules: Mapping[str, Rule]
    meta: ScanMeta
    errors: tuple[CollectionError, ...] = ()
    extras: Mapping[str, Any] = field(default_factory=dict)  # waivers, baseline, history …
    measures: tuple[MeasureRollup, ...] = ()
    providers: tuple[str, ...] = ()
    coverage: Any = None  # coverage.Coverage: resources per scope, unread scopes, notices
    # NOT_APPLICABLE results already summarised (of shards being merged): rule_id,
    # resource_type, reason, count, examples
    not_applicable: tuple[Mapping[str, Any], ...] = ()
