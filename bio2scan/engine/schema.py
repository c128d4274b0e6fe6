"""The JSON Schema of a rule file, generated from the operator table so the two cannot drift.

``bio2scan schema rule`` prints it for editors (YAML language servers autocomplete with it).
"""

from __future__ import annotations

from typing import Any

from .conditions import OPERATORS

ID_PATTERN = r"^[a-z][a-z0-9]*(\.[a-z0-9][a-z0-9_]*){2,}$"
TYPE_PATTERN = r"^[a-z][a-z0-9]*\.[a-z0-9_]+\.[a-z0-9_]+$"
CONTROL_PATTERN = r"^[5-8]\.[0-9]{1,2}$"
MEASURE_PATTERN = r"^[5-8]\.[0-9]{2}\.[0-9]{2}$"
STATUSES = ["PASS", "FAIL", "ERROR", "NOT_APPLICABLE"]


REASON_MAX = 240


def link_schema() -> dict[str, Any]:
    """One rule → control / measure link: how strongly, and why (one line)."""
    return {
        "type": "object",
        "required": ["strength", "reason"],
        "additionalProperties": False,
        "properties": {
            "strength": {"enum": ["direct", "supporting"]},
            "reason": {
                "type": "string",
                "minLength": 10,
                "maxLength": REASON_MAX,
                "pattern": "^[^\\n]*$",
            },
        },
    }


def _links(pattern: str, min_items: int) -> dict[str, Any]:
    return {
        "type": "object",
        "minProperties": min_items,
        "propertyNames": {"pattern": pattern},
        "additionalProperties": link_schema(),
    }


def _texts(max_len: int) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["en", "nl"],
        "additionalProperties": False,
        "properties": {
            "en": {"type": "string", "minLength": 3, "maxLength": max_len},
            "nl": {"type": "string", "minLength": 3, "maxLength": max_len},
        },
    }


ABSENT = {
    "anyOf": [
        {"enum": ["pass", "fail", "empty"]},
        {
            "type": "object",
            "required": ["default"],
            "additionalProperties": False,
            "properties": {"default": {"not": {"type": "null"}}},
        },
        {"$ref": "#/$defs/param"},
    ]
}


def condition_schema() -> dict[str, Any]:
    cond = {"$ref": "#/$defs/condition"}
    entry = {
        "oneOf": [
            {"type": "string", "minLength": 1},
            {
                "type": "object",
                "required": ["path"],
                "additionalProperties": False,
                "properties": {"path": {"type": "string", "minLength": 1}, "absent": ABSENT},
            },
        ]
    }
    path = {"oneOf": [entry, {"type": "array", "items": entry, "minItems": 1}]}
    leaf_props: dict[str, Any] = {
        "path": {"type": "string"},
        "match": {"enum": ["all", "any"]},
        "absent": ABSENT,
    }
    for name, op in OPERATORS.items():
        leaf_props[name] = {"anyOf": [op.operand or {}, {"$ref": "#/$defs/param"}]}
    leaf = {
        "type": "object",
        "required": ["path"],
        "properties": leaf_props,
        "additionalProperties": False,
        "minProperties": 2,
        "maxProperties": 4,
    }
    call = {
        "type": "object",
        "required": ["call"],
        "additionalProperties": False,
        "properties": {
            "call": {"type": "string"},
            "args": {"type": "object"},
            "path": {"type": "string"},
            "match": {"enum": ["all", "any"]},
            "absent": ABSENT,
        },
    }
    return {
        "param": {
            "type": "object",
            "required": ["param"],
            "additionalProperties": False,
            "properties": {"param": {"type": "string"}},
        },
        "condition": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["all"],
                    "additionalProperties": False,
                    "properties": {"all": {"type": "array", "items": cond, "minItems": 1}},
                },
                {
                    "type": "object",
                    "required": ["any"],
                    "additionalProperties": False,
                    "properties": {"any": {"type": "array", "items": cond, "minItems": 1}},
                },
                {
                    "type": "object",
                    "required": ["not"],
                    "additionalProperties": False,
                    "properties": {"not": cond},
                },
                {
                    "type": "object",
                    "required": ["for_each", "assert"],
                    "additionalProperties": False,
                    "properties": {"for_each": path, "where": cond, "assert": cond},
                },
                {
                    "type": "object",
                    "required": ["some", "where"],
                    "additionalProperties": False,
                    "properties": {"some": path, "where": cond},
                },
                call,
                leaf,
            ]
        },
    }


def _resource_case() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["data"],
        "additionalProperties": False,
        "properties": {
            "type": {"type": "string", "pattern": TYPE_PATTERN},
            "id": {"type": "string"},
            "name": {"type": "string"},
            "scope": {"type": "string"},
            "region": {"type": "string"},
            "namespace": {"type": "string"},
            "tags": {"type": "object"},
            "errors": {"type": "object"},
            "deferred": {"type": "object"},
            "source": {"type": "object"},
            "data": {"type": "object"},
        },
    }


def rule_schema(loose_check: bool = False) -> dict[str, Any]:
    """The schema of one rule file. ``loose_check`` accepts any mapping as ``check`` (the loader
    validates the check by compiling it first, which gives sharper messages)."""
    check: dict[str, Any] = {
        "type": "object",
        "required": ["assert"],
        "additionalProperties": False,
        "properties": {
            "subject": {"type": "string"},
            "applies_if": {"$ref": "#/$defs/condition"},
            "assert": {"$ref": "#/$defs/condition"},
            "equivalent": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["mutant", "why"],
                    "additionalProperties": False,
                    "properties": {
                        "mutant": {"type": "string", "minLength": 3},
                        "why": {"type": "string", "minLength": 10},
                    },
                },
            },
        },
    }
    if loose_check:
        check = {"type": "object"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://bio2scan.example/schemas/rule.schema.json",
        "title": "bio2scan rule",
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "title",
            "rationale",
            "remediation",
            "severity",
            "resource_types",
            "controls",
            "check",
            "tests",
        ],
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN},
            "title": _texts(160),
            "rationale": _texts(2000),
            "remediation": _texts(4000),
            "severity": {"enum": ["critical", "high", "medium", "low", "info"]},
            "resource_types": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"type": "string", "pattern": TYPE_PATTERN},
            },
            "controls": _links(CONTROL_PATTERN, 1),
            "measures": _links(MEASURE_PATTERN, 0),
            "references": {"type": "array", "items": {"type": "string", "minLength": 3}},
            "params": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["default", "type", "description"],
                    "additionalProperties": False,
                    "properties": {
                        "default": {},
                        "type": {"enum": ["integer", "number", "string", "boolean", "list"]},
                        "description": _texts(500),
                    },
                },
            },
            "needs": {
                "type": "array",
                "uniqueItems": True,
                "items": {"type": "string", "pattern": TYPE_PATTERN},
            },
            "live_only": {"type": "boolean"},
            "deprecated": {"type": "boolean"},
            "replaced_by": {"type": "string", "pattern": ID_PATTERN},
            "check": check,
            "tests": {
                "type": "array",
                "minItems": 2,
                "items": {
                    "type": "object",
                    "required": ["name", "expect", "resource"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "expect": {"enum": STATUSES},
                        "params": {"type": "object"},
                        "now": {"type": "string"},
                        "resource": _resource_case(),
                        "related": {"type": "array", "items": _resource_case()},
                    },
                },
            },
        },
        "$defs": condition_schema(),
    }
