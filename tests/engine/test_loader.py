"""Loader errors: each names the file, the line and the field, and ``bio2scan rules validate``
turns it into one line on stderr and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from clirun import run_cli

from bio2scan.engine import check_unique, load_rules_dir
from bio2scan.errors import RuleError

GOOD = """\
id: test.svc.thing_ok
title:
  en: Things are fine
  nl: Dingen zijn in orde
rationale:
  en: Because it matters.
  nl: Omdat het ertoe doet.
remediation:
  en: Make it fine.
  nl: Maak het in orde.
severity: high
resource_types: [test.svc.thing]
controls:
  "8.9": {strength: supporting, reason: "Part of a secure configuration"}
  "8.24": {strength: direct, reason: "The days are a key rotation period"}
measures:
  "8.24.04": {strength: direct, reason: "Covers: rotation per NCSC advice"}
params:
  min_days:
    default: 30
    type: integer
    description: {en: Minimum number of days, nl: Minimaal aantal dagen}
check:
  assert:
    all:
      - {path: spec.days, gte: {param: min_days}}
      - {path: spec.name, matches: '^[a-z]+$'}
tests:
  - name: good
    expect: PASS
    resource: {data: {spec: {days: 40, name: abc}}}
  - name: bad
    expect: FAIL
    resource: {data: {spec: {days: 1, name: abc}}}
"""


def write(root: Path, text: str = GOOD, rel: str = "test/svc/thing_ok.yaml") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def line_of(text: str, marker: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


def test_the_template_is_valid(tmp_path):
    write(tmp_path)
    (rule,) = load_rules_dir(tmp_path)
    assert rule.id == "test.svc.thing_ok" and rule.params["min_days"].default == 30
    assert rule.file.endswith("test/svc/thing_ok.yaml")


CASES = [  # (old, new, marker of the expected line, field, words)
    (
        "gte: {param: min_days}",
        "bigger: 3",
        "bigger",
        "check.assert.all[0]",
        "unknown operator 'bigger'",
    ),
    ("'^[a-z]+$'", "'^[a-z+$'", "matches", "check.assert.all[1].matches", "bad regular expression"),
    (
        '  "8.9": {strength: supporting',
        '  "8.99": {strength: supporting',
        '"8.99"',
        "controls.8.99",
        "'8.99' is not a BIO2 control",
    ),
    (
        '  "8.24.04": {strength: direct, reason: "Covers: rotation per NCSC advice"}',
        '  "8.24.04": {strength: direct, reason: "Covers: rotation per NCSC advice"}\n'
        '  "5.04.02": {strength: supporting, reason: "An old number of a measure"}',
        '"5.04.02"',
        "measures.5.04.02",
        "'5.04.02' is a v1.2 number; in BIO2 v1.3 it is 5.10.02",
    ),
    (
        '  "8.24.04": {strength: direct',
        '  "5.09.01": {strength: supporting',
        '"5.09.01"',
        "measures.5.09.01",
        "measure 5.09.01 belongs to control 5.9, which the rule does not list",
    ),
    (
        '  "8.9": {strength: supporting, reason: "Part of a secure configuration"}',
        '  "8.9": {strength: supporting}',
        '"8.9"',
        "controls.8.9",
        "'reason' is missing; write controls:",
    ),
    (
        '  "8.9": {strength: supporting, reason: "Part of a secure configuration"}',
        '  "8.9": "Part of a secure configuration"',
        '"8.9"',
        "controls.8.9",
        "is not of type 'object'; write controls:",
    ),
    (
        '  "8.9": {strength: supporting, reason:',
        '  "8.9": {strength: strong, reason:',
        '"8.9"',
        "controls.8.9.strength",
        "'strong' is not one of direct, supporting",
    ),
    (
        '  "8.9": {strength: supporting, reason:',
        '  "5.1": {strength: supporting, reason:',
        '"5.1"',
        "controls.5.1",
        "control 5.1 is organisational (the catalogue marks it automatable: no)",
    ),
    (
        '  "8.24.04": {strength: direct',
        '  "8.24.01": {strength: direct',
        '"8.24.01"',
        "measures.8.24.01",
        "measure 8.24.01 is organisational",
    ),
    (
        '  "8.24": {strength: direct',
        '  "8.24": {strength: supporting',
        '"8.24.04"',
        "measures.8.24.04.strength",
        "direct evidence for measure 8.24.04 is direct evidence for its control 8.24",
    ),
    (
        "severity: high",
        "severity: info",
        '"8.24":',
        "controls.8.24.strength",
        "an info rule is an observation and decides no control or measure",
    ),
    (
        '  "8.9": {strength: supporting, reason: "Part of a secure configuration"}',
        '  8.9: {strength: supporting, reason: "Part of a secure configuration"}',
        "8.9:",
        "controls.8.9",
        'quote BIO2 ids ("8.9")',
    ),
    (
        '  "8.9": {strength: supporting, reason: "Part of a secure configuration"}',
        '  "8.9": {strength: supporting, reason: "short"}',
        '"8.9"',
        "controls.8.9.reason",
        "too short",
    ),
    ("  nl: Dingen zijn in orde\n", "", "title:", "title", "'nl' is missing"),
    (
        "default: 30",
        "default: thirty",
        "default:",
        "params.min_days.default",
        "default 'thirty' is not of type integer",
    ),
    (
        "    expect: FAIL",
        "    expect: PASS",
        "tests:",
        "tests",
        "at least one test case that must PASS and one that must FAIL",
    ),
    (
        "severity: high",
        "severity: urgent",
        "severity:",
        "severity",
        "'urgent' is not one of critical, high, medium, low, info",
    ),
    (
        "severity: high",
        "severity: high\nseverty: low",
        "severty",
        "severty",
        "unknown key(s) not allowed ('severty' was unexpected)",
    ),
    (
        "gte: {param: min_days}",
        "gte: {param: max_days}",
        "gte:",
        "check.assert.all[0].gte",
        "unknown parameter 'max_days'",
    ),
    (
        "resource_types: [test.svc.thing]",
        "resource_types: [Thing]",
        "resource_types:",
        "resource_types[0]",
        "'Thing' does not have the expected form",
    ),
    ("  en: Make it fine.", "  en: ok", "en: ok", "remediation.en", "too short"),
    (
        "gte: {param: min_days}",
        "exists: 'yes'",
        "exists",
        "check.assert.all[0].exists",
        "'yes': 'exists' takes a boolean (or {param: NAME})",
    ),
    (
        "    resource: {data: {spec: {days: 1, name: abc}}}",
        "    resource: {spec: {days: 1}}",
        "resource: {spec",
        "tests[1].resource",
        "'data' is missing",
    ),
]


@pytest.mark.parametrize("old, new, marker, field, words", CASES, ids=[c[4][:40] for c in CASES])
def test_rule_errors_name_file_line_and_field(tmp_path, old, new, marker, field, words):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    path = write(tmp_path, text)
    with pytest.raises(RuleError) as info:
        load_rules_dir(tmp_path)
    err = info.value
    assert words in err.reason
    assert err.file == str(path)
    assert err.line == line_of(text, marker), str(err)
    assert err.field == field


LEGACY = """\
controls: ["8.9", "8.24"]
# mapping: 8.9 supporting — Part of a secure configuration
# mapping: 8.24 direct — The days are a key rotation period
measures: ["8.24.04"]
# mapping: 8.24.04 direct — Covers: rotation per NCSC advice
"""


def _legacy() -> str:
    start = GOOD.index("controls:")
    return GOOD[:start] + LEGACY + GOOD[GOOD.index("params:") :]


def test_a_list_of_controls_is_refused_with_the_syntax_to_write(tmp_path):
    path = write(tmp_path, GOOD.replace("    expect: FAIL", "    expect: FAIL", 1))
    path.write_text(_legacy().replace("# mapping:", "# note:"))
    with pytest.raises(RuleError) as info:
        load_rules_dir(tmp_path)
    err = info.value
    assert err.field == "controls" and err.line == line_of(path.read_text(), "controls:")
    assert "controls is a list without reasons" in err.reason
    assert '{"8.20": {strength: direct, reason: "…"}}' in err.reason
    assert "convert-links" not in err.reason


def test_mapping_comments_point_at_the_converter(tmp_path):
    path = write(tmp_path)
    path.write_text(_legacy())
    with pytest.raises(RuleError, match="make convert-links"):
        load_rules_dir(tmp_path)


def test_missing_id(tmp_path):
    text = GOOD.replace("id: test.svc.thing_ok\n", "")
    write(tmp_path, text)
    with pytest.raises(RuleError, match="'id' is missing") as info:
        load_rules_dir(tmp_path)
    assert info.value.line == 1


def test_yaml_syntax_error_names_the_line(tmp_path):
    text = GOOD.replace("severity: high", "severity: [high")
    write(tmp_path, text)
    with pytest.raises(RuleError, match="YAML syntax error") as info:
        load_rules_dir(tmp_path)
    assert info.value.line in (line_of(text, "severity"), line_of(text, "resource_types"))


def test_duplicate_key_is_a_syntax_error(tmp_path):
    text = GOOD.replace("severity: high", "severity: high\nseverity: low")
    write(tmp_path, text)
    with pytest.raises(RuleError, match="duplicate key 'severity'") as info:
        load_rules_dir(tmp_path)
    assert info.value.line == line_of(text, "severity: low")


def test_file_name_must_be_the_id(tmp_path):
    write(tmp_path, rel="test/svc/other.yaml")
    with pytest.raises(
        RuleError,
        match=r"file name must be the last part of the id "
        r"\(thing_ok.yaml\)",
    ) as info:
        load_rules_dir(tmp_path)
    assert info.value.line == 1 and info.value.field == "id"


def test_rule_must_live_in_its_directory(tmp_path):
    write(tmp_path, rel="test/other/thing_ok.yaml")
    with pytest.raises(
        RuleError,
        match=r"must live in test/svc/ of its pack "
        r"\(found in test/other\)",
    ):
        load_rules_dir(tmp_path)


def test_a_file_that_is_not_a_mapping(tmp_path):
    write(tmp_path, "- just\n- a list\n")
    with pytest.raises(RuleError, match="one mapping"):
        load_rules_dir(tmp_path)


def test_duplicate_id_names_both_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    fa, fb = write(a), write(b)
    rules = load_rules_dir(a) + load_rules_dir(b)
    with pytest.raises(RuleError) as info:
        check_unique(rules)
    assert str(fa) in str(info.value) and str(fb) in str(info.value)


def test_validate_cli_one_line_and_exit_2(tmp_path):
    text = GOOD.replace("gte: {param: min_days}", "bigger: 3")
    path = write(tmp_path, text)
    p = run_cli("rules", "validate", str(tmp_path))
    assert p.returncode == 2
    err = p.stderr.decode().strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(
        f"bio2scan: error: {path}:{line_of(text, 'bigger')} "
        "(check.assert.all[0]): unknown operator 'bigger'"
    )


def test_validate_cli_duplicate_across_dirs_and_ok(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write(a)
    write(b)
    p = run_cli("rules", "validate", str(a), str(b))
    assert p.returncode == 2 and "duplicate rule id test.svc.thing_ok" in p.stderr.decode()
    p = run_cli("rules", "validate", str(a))
    assert p.returncode == 0 and p.stdout.decode().strip() == "1 rules valid"
    p = run_cli("rules", "validate", str(tmp_path / "nope"))
    assert p.returncode == 2 and "no such file or directory" in p.stderr.decode()
