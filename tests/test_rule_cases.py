"""Every rule's own test cases, one pytest id per case (``<rule id>::<case name>``)."""

import pytest

from bio2scan import api
from bio2scan.testing import assert_case, rule_case_params

RULES = list(api.load_rules().values())


@pytest.mark.parametrize("rule, case", rule_case_params(RULES))
def test_rule_case(rule, case):
    assert_case(rule, case)


def test_every_rule_has_pass_and_fail_cases():
    for r in RULES:
        expects = {c["expect"] for c in r.tests}
        assert {"PASS", "FAIL"} <= expects, r.id
