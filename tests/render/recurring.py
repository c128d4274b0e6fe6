"""A results document whose rows recur the way a large estate's do — the same source, evidence
and message on many rows — with the traps a writer's memo could fall into."""

from __future__ import annotations

import copy
from typing import Any

from bio2scan.render.island import VALUE_LIMIT
from bio2scan.resultrows import evidence_message

from .fixture import FORMULA, ISLAND_BREAKER


def recurring(doc: dict[str, Any]) -> dict[str, Any]:
    """The fixture's rows many times over, so that sources, evidence and messages recur — with
    the traps a memo could fall into: values equal in Python but not in notation (``1`` and
    ``True``, ``0.0`` and ``-0.0``), a PASS whose message is NOT what its evidence gives next to
    one whose message is, one source object shared by two different resources, values too long
    for the page, and hostile text (for the page and for a spreadsheet)."""
    base = [r for r in doc["results"] if r["status"] in ("PASS", "FAIL")]
    rows = []
    shared_source = {"api": "ListBuckets", "region": "eu-west-1", "time": "2026-11-20T09:00:00Z"}
    values: list[Any] = [
        1,
        True,
        0.0,
        -0.0,
        "1",
        None,
        [1, True],
        {"a": "</script>"},
        "x" * (VALUE_LIMIT // 6),
        "y" * (VALUE_LIMIT + 5),
        "\u2028<!--" + ISLAND_BREAKER,
        {"k": "v" * (VALUE_LIMIT + 1)},
        FORMULA,
        " ;=1|@x",
        "\x1b[2J\r\n\t",
    ]
    for i in range(90):
        r = copy.deepcopy(base[i // len(values) % len(base)])  # a rule per block of values
        v = values[i % len(values)]
        r["resource_id"] = f"arn:aws:s3:::bucket-{i % 5}/key:{i % 3}"
        r["resource_name"] = f"key:{i % 3}" if i % 2 else "other"
        r["evidence"] = [{"path": "a.b", "value": v, "expected": "not 1"}]
        if i % 5 == 0:
            r["evidence"].append({"path": "=c", "value": "x", "expected": "- y"})
        r["status"] = "PASS" if i % 4 else "FAIL"
        rule = doc["rules"].get(r["rule_id"]) or {}
        msg = evidence_message(r["status"], r["evidence"], "en", rule.get("messages"))
        r["message"] = msg if i % 3 else msg + " (said otherwise)"
        if i % 7 == 0:
            r["source"] = shared_source
        if i % 11 == 0:
            r["change"] = "new"
        rows.append(r)
    return dict(doc, results=rows)
