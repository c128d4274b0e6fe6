"""A tiny rule pack on disk for CLI tests (a rule whose own PASS case is wrong)."""

from __future__ import annotations

from pathlib import Path

RULE = """\
id: test.svc.thing_ok
title: {en: Things are fine, nl: Dingen zijn in orde}
rationale: {en: Because it matters., nl: Omdat het ertoe doet.}
remediation: {en: Make it fine., nl: Maak het in orde.}
severity: low
resource_types: [test.svc.thing]
controls:
  "8.9": {strength: direct, reason: "A test rule about configuration"}
check:
  assert: {path: enabled, equals: true}
tests:
  - {name: good, expect: PASS, resource: {data: {enabled: false}}}
  - {name: bad, expect: FAIL, resource: {data: {enabled: false}}}
"""


def broken_case_pack(root: Path) -> Path:
    path = root / "pack" / "test" / "svc" / "thing_ok.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(RULE)
    return root / "pack"


WEAK = """\
id: test.svc.weak
title: {en: Things are locked, nl: Dingen zijn op slot}
rationale: {en: Because it matters., nl: Omdat het ertoe doet.}
remediation: {en: Lock them., nl: Doe ze op slot.}
severity: low
resource_types: [test.svc.thing]
controls:
  "8.9": {strength: direct, reason: "A test rule about configuration"}
check:
  assert:
    all:
      - {path: locked, equals: true}
      - {path: sealed, equals: true, absent: {default: false}}
  equivalent:
    - {mutant: "assert.all[0]: negate", why: "only to see a stale declaration reported"}
tests:
  - {name: both, expect: PASS, resource: {data: {locked: true, sealed: true}}}
  - {name: open, expect: FAIL, resource: {data: {locked: false, sealed: true}}}
"""


def weak_pack(root: Path) -> Path:
    """A rule whose cases leave a branch and an absent default unpinned."""
    path = root / "weak" / "test" / "svc" / "weak.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(WEAK)
    return root / "weak"
