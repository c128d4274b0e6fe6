"""The ``aws_iam_policy_document`` data source, computed as the AWS provider computes it before
apply (``internal/service/iam/policy_document_data_source.go``):

* ``source_policy_documents`` first (a Sid twice among them is an error), then the ``statement``
  blocks (a Sid twice is an error), then ``override_policy_documents``; each merge replaces a
  statement with the same non-empty Sid and appends the others — so a statement that overrides a
  source statement *replaces* it, it does not stand beside it;
* every statement carries ``Sid`` (``""`` when none), ``Effect`` (default ``Allow``); a set of one
  action, resource or principal identifier is written as a string; empty sets are left out;
* ``principals`` of one block ``type = "*"``, ``identifiers = ["*"]`` is ``"*"``; blocks of the
  same type are merged; ``condition`` blocks with the same test and variable are merged;
* ``&{aws:username}`` is written as ``${aws:username}`` (not allowed with version 2008-10-17);
* ``policy_id`` is ``Id``; the document's version is the highest of the merged documents.

Unknown parts (an ARN created in the same apply) stay ``Unknown`` inside a ``JsonDoc``; what the
provider refuses is an error (rules that read the policy: ERROR).
"""

from __future__ import annotations

import json
from typing import Any

from .values import JsonDoc, Unknown, Unresolved, known

_ORDER = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource")
_ORDER2 = ("Principal", "NotPrincipal", "Condition")


def _fail(message: str) -> Unresolved:
    return Unresolved(f"aws_iam_policy_document: {message}", error=True)


def _vars(v: Any, version: str) -> Any:
    """``&{…}`` → ``${…}`` in a string (the provider's variable syntax for policies)."""
    if isinstance(v, str) and "&{" in v:
        if version == "2008-10-17":
            raise ValueError(f"found &{{ sequence in ({v}), not supported in version 2008-10-17")
        return v.replace("&{", "${")
    return v


def _string_set(v: Any, version: str, replace: bool) -> Any:
    """A set of strings as the provider writes it: one element → the string, several → the list
    in reverse lexical order, none → absent (None)."""
    if not isinstance(v, list):
        return v  # unknown or unresolved as a whole
    items: list[Any] = []
    for x in v:
        x = _vars(x, version) if replace else x
        if x not in items:
            items.append(x)
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    if all(isinstance(x, str) for x in items):
        return sorted(items, reverse=True)
    return items


def _principals(blocks: Any, version: str) -> Any:
    if not isinstance(blocks, list):
        return blocks
    if not blocks:
        return None
    merged: dict[str, Any] = {}
    for b in blocks:
        if not isinstance(b, dict):
            return b if isinstance(b, (Unknown, Unresolved)) else _fail("a bad principals block")
        t, ids = b.get("type"), _string_set(b.get("identifiers"), version, True)
        if isinstance(t, (Unknown, Unresolved)):
            return t
        if not isinstance(t, str) or ids is None:
            return _fail("a principals block needs a type and identifiers")
        if len(blocks) == 1 and t == "*" and ids == "*":
            return "*"
        have = merged.get(t)
        if have is None:
            merged[t] = ids
        else:
            merged[t] = (have if isinstance(have, list) else [have]) + (
                ids if isinstance(ids, list) else [ids]
            )
    return merged


def _conditions(blocks: Any, version: str) -> Any:
    if not isinstance(blocks, list):
        return blocks
    if not blocks:
        return None
    out: dict[str, dict[str, Any]] = {}
    for b in blocks:
        if not isinstance(b, dict):
            return b if isinstance(b, (Unknown, Unresolved)) else _fail("a bad condition block")
        test, var, vals = b.get("test"), b.get("variable"), b.get("values")
        for x in (test, var):
            if isinstance(x, (Unknown, Unresolved)):
                return x
        if not isinstance(test, str) or not isinstance(var, str):
            return _fail("a condition block needs a test and a variable")
        if isinstance(vals, list):
            vals = [_vars(x, version) for x in vals]
            value: Any = vals[0] if len(vals) == 1 else vals
        else:
            value = vals
        have = out.setdefault(test, {}).get(var)
        # as the provider marshals them: lists of the same test and variable are joined
        if isinstance(have, list) and isinstance(value, list):
            out[test][var] = have + value
        else:
            out[test][var] = value
    return out


def _statement(s: dict[str, Any], version: str) -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": s.get("sid") or "", "Effect": s.get("effect") or "Allow"}
    for key, out, replace in (
        ("actions", "Action", False),
        ("not_actions", "NotAction", False),
        ("resources", "Resource", True),
        ("not_resources", "NotResource", True),
    ):
        v = _string_set(s.get(key), version, replace)
        if v is not None:
            st[out] = v
    for key, out, fn in (
        ("principals", "Principal", _principals),
        ("not_principals", "NotPrincipal", _principals),
        ("condition", "Condition", _conditions),
    ):
        v = fn(s.get(key), version)
        if v is not None:
            st[out] = v
    return st


def _source(doc: Any, what: str) -> Any:
    """A source or override document: its statements, ``Version`` and ``Id``."""
    if isinstance(doc, (Unknown, Unresolved)):
        return doc
    if isinstance(doc, JsonDoc):
        doc = doc.value
    elif isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            return _fail(f"{what}: not a JSON document")
    if not isinstance(doc, dict):
        return _fail(f"{what}: not a JSON policy document")
    found = doc.get("Statement")
    stmts = found if isinstance(found, list) else [found] if found else []
    if any(not isinstance(x, dict) for x in stmts):
        return _fail(f"{what}: a statement is not an object")
    return {"Version": doc.get("Version"), "Id": doc.get("Id"), "Statement": stmts}


def _merge(into: dict[str, Any], doc: dict[str, Any]) -> None:
    """The provider's ``IAMPolicyDoc.Merge``: a statement with a Sid replaces the one with the
    same Sid; the others are appended; the newer ``Id`` and the higher ``Version`` win."""
    if doc.get("Id"):
        into["Id"] = doc["Id"]
    v = doc.get("Version")
    if isinstance(v, str) and v > (into.get("Version") or ""):
        into["Version"] = v
    for st in doc["Statement"]:
        sid = st.get("Sid")
        at = next((i for i, x in enumerate(into["Statement"]) if sid and x.get("Sid") == sid), None)
        if at is None:
            into["Statement"].append(st)
        else:
            into["Statement"][at] = st


def _document(values: dict[str, Any]) -> Any:
    version = values.get("version") or "2012-10-17"
    if not isinstance(version, str):
        return version if isinstance(version, (Unknown, Unresolved)) else _fail("bad version")
    merged: dict[str, Any] = {"Version": "", "Statement": []}
    seen: set[str] = set()
    for i, src in enumerate(_items(values.get("source_policy_documents"))):
        if src is None:
            continue
        doc = _source(src, f"source_policy_documents[{i}]")
        if not isinstance(doc, dict):
            return doc
        for st in doc["Statement"]:
            sid = st.get("Sid")
            if sid and sid in seen:
                return _fail(f"duplicate Sid ({sid}) in source_policy_documents")
            if sid:
                seen.add(sid)
        _merge(merged, doc)
    own: list[dict[str, Any]] = []
    sids: set[str] = set()
    blocks = values.get("statement")
    if isinstance(blocks, (Unknown, Unresolved)):
        return blocks
    for s in blocks if isinstance(blocks, list) else ():
        if not isinstance(s, dict):
            return s if isinstance(s, (Unknown, Unresolved)) else _fail("a bad statement block")
        sid = s.get("sid")
        if isinstance(sid, str) and sid:
            if sid in sids:
                return _fail(f"duplicate Sid ({sid})")
            sids.add(sid)
        try:
            own.append(_statement(s, version))
        except ValueError as exc:
            return _fail(str(exc))
    this = {"Version": version, "Id": values.get("policy_id"), "Statement": own}
    _merge(merged, this)
    for i, src in enumerate(_items(values.get("override_policy_documents"))):
        if src is None:
            continue
        doc = _source(src, f"override_policy_documents[{i}]")
        if not isinstance(doc, dict):
            return doc
        _merge(merged, doc)
    out: dict[str, Any] = {"Version": merged["Version"]}
    if merged.get("Id"):
        out["Id"] = merged["Id"]
    out["Statement"] = [_ordered(st) for st in merged["Statement"]]
    return out


def _items(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, list):
        return v
    return [v]  # unknown or unresolved as a whole: reported by _source


def _ordered(st: dict[str, Any]) -> dict[str, Any]:
    keys = [k for k in (*_ORDER, *_ORDER2) if k in st]
    return {k: st[k] for k in keys} | {k: v for k, v in st.items() if k not in keys}


def policy_document(values: dict[str, Any]) -> tuple[Any, Any]:
    """``(json, minified_json)`` of the data source: JSON text, or a ``JsonDoc`` when parts are
    known only after apply, or the ``Unknown``/``Unresolved`` that stops it."""
    doc = _document(values)
    if isinstance(doc, (Unknown, Unresolved)):
        return doc, doc
    if not known(doc):
        return JsonDoc(doc), JsonDoc(doc)
    return _text(doc, 2), _text(doc, None)


def _text(doc: Any, indent: int | None) -> str:
    """JSON as the provider writes it (Go's encoder: ``<``, ``>``, ``&`` escaped)."""
    sep = (",", ": ") if indent else (",", ":")
    text = json.dumps(doc, indent=indent, separators=sep, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
