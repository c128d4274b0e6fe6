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


def shared(doc: dict[str, Any]) -> dict[str, Any]:
    """``recurring``'s rows sharing objects as a scan's rows do (``assess.document.rows``: one
    evidence list for equal evidence, one source per resource, one controls list per rule) and
    as it never does — traps for a writer that remembers by identity: one evidence list in
    rows of different rules, of PASS and FAIL, with a message that is and one that is not what
    it gives; one source dict for different resources and different sources for one resource;
    one controls list for different rules."""
    out = copy.deepcopy(recurring(doc))
    lists: dict[str, Any] = {}
    sources: dict[str, Any] = {}
    controls: dict[str, Any] = {}
    for i, r in enumerate(out["results"]):
        # equal evidence, also in notation (1 and True, 0.0 and -0.0 stay apart)
        key = repr([(e["path"], type(e["value"]), repr(e["value"]), e["expected"])
                    for e in r["evidence"]])  # fmt: skip
        r["evidence"] = lists.setdefault(key, r["evidence"])
        if i % 13 != 0:  # (every 13th keeps a source of its own, equal or not)
            r["source"] = sources.setdefault(r["resource_id"] if i % 2 else "one", r["source"])
        r["controls"] = controls.setdefault(repr(r["controls"]), r["controls"])
    rows = out["results"]
    for a, b in ((1, 46), (2, 61), (3, 4)):  # one resource, another source
        for k in ("resource_type", "resource_id", "resource_name", "scope", "region", "namespace"):
            rows[b][k] = rows[a][k]
        rows[b]["source"] = {"api": "Other", "file": f"other-{b}.yaml", "line": b}
    # a row whose controls, measures or severity are not its rule's (rows 5 to 9: one rule, PASS)
    rows[6]["controls"] = ["9.99", *rows[5]["controls"]]
    rows[7]["measures"] = ["C.99.01"]
    rows[9]["severity"] = "info" if rows[5]["severity"] != "info" else "low"
    return out


def unshared(doc: dict[str, Any]) -> dict[str, Any]:
    """The same rows, each a copy of its own (as read back from JSON: nothing shared)."""
    return dict(doc, results=[copy.deepcopy(r) for r in doc["results"]])
