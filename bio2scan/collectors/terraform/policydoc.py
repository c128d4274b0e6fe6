"""The ``aws_iam_policy_document`` data source, computed as the AWS provider does before apply:
statements with effect, (not_)actions, (not_)resources, (not_)principals and conditions → an
IAM policy JSON document. Single values are written as strings, as the provider writes them.
Unknown parts (an ARN created in the same apply) stay ``Unknown`` inside a ``JsonDoc``."""

from __future__ import annotations

import json
from typing import Any

from .values import JsonDoc, Unknown, Unresolved, known


def _one_or_list(v: Any) -> Any:
    if isinstance(v, list) and len(v) == 1:
        return v[0]
    return v


def _principals(blocks: Any) -> Any:
    if not isinstance(blocks, list):
        return blocks
    out: dict[str, Any] = {}
    for b in blocks:
        t = b.get("type")
        ids = b.get("identifiers")
        if t == "*" and (ids == ["*"] or ids == "*"):
            return "*"
        if isinstance(t, str) and isinstance(ids, list):
            out.setdefault(t, []).extend(ids)
        else:
            return Unresolved("principals block without a known type and identifiers")
    return {k: _one_or_list(sorted(v, key=str) if known(v) else v) for k, v in out.items()}


def _conditions(blocks: Any) -> Any:
    if not isinstance(blocks, list):
        return blocks
    out: dict[str, dict[str, Any]] = {}
    for b in blocks:
        test, var, vals = b.get("test"), b.get("variable"), b.get("values")
        if not isinstance(test, str) or not isinstance(var, str):
            return Unresolved("condition block without a known test and variable")
        out.setdefault(test, {})[var] = _one_or_list(vals)
    return out


def policy_document(values: dict[str, Any]) -> Any:
    statements: list[Any] = []
    for src in values.get("source_policy_documents") or []:
        if isinstance(src, str):
            try:
                doc = json.loads(src)
            except ValueError:
                return Unresolved("source_policy_documents: not JSON")
            found = doc.get("Statement") if isinstance(doc, dict) else None
            statements.extend(found if isinstance(found, list) else [found] if found else [])
        elif isinstance(src, JsonDoc) and isinstance(src.value, dict):
            statements.extend(src.value.get("Statement") or [])
        else:
            return (
                src
                if isinstance(src, (Unknown, Unresolved))
                else Unresolved("source_policy_documents is not a JSON document")
            )
    if values.get("override_policy_documents"):
        return Unresolved("override_policy_documents is not evaluated")
    for s in values.get("statement") or []:
        st: dict[str, Any] = {}
        if s.get("sid"):
            st["Sid"] = s["sid"]
        st["Effect"] = s.get("effect") or "Allow"
        for key, out in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            if s.get(key) is not None:
                st[out] = _one_or_list(s[key])
        if s.get("principals"):
            st["Principal"] = _principals(s["principals"])
        if s.get("not_principals"):
            st["NotPrincipal"] = _principals(s["not_principals"])
        if s.get("condition"):
            st["Condition"] = _conditions(s["condition"])
        statements.append(st)
    doc = {"Version": values.get("version") or "2012-10-17", "Statement": statements}
    if not known(doc):
        return JsonDoc(doc)
    return json.dumps(doc)
