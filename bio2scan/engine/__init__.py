"""The rule engine: rule files → validated ``Rule``s → compiled checks → results. Pure: no I/O
beyond reading rule files in ``loader``, no cloud SDK anywhere."""

from .cases import CaseOutcome, run_case, run_rule_cases
from .conditions import OPERATORS, ConditionError
from .evaluate import CompiledRule, compile_rule, evaluate
from .loader import check_unique, load_rule_file, load_rules_dir, parse_overrides, select
from .schema import rule_schema

__all__ = [
    "OPERATORS",
    "CaseOutcome",
    "CompiledRule",
    "ConditionError",
    "check_unique",
    "compile_rule",
    "evaluate",
    "load_rule_file",
    "load_rules_dir",
    "parse_overrides",
    "rule_schema",
    "run_case",
    "run_rule_cases",
    "select",
]
