"""``--format sarif``: SARIF 2.1.0 for code scanning in pipelines (``results.sarif``).

One run; the driver lists every rule with its help text (rationale, remediation) and, in
``properties``, its BIO2 controls and measures. Results are the findings: FAIL (``kind: fail``),
ERROR (``kind: open`` — the tool could not decide) and WAIVED (``fail`` with an accepted external
suppression carrying the waiver). PASS and NOT_APPLICABLE are left out: code-scanning systems
would show them as alerts. Manifest findings point at file and line (``physicalLocation``); API
findings carry the resource as a ``logicalLocation``. Collection errors are tool execution
notifications, and the invocation is marked unsuccessful when the scan was incomplete. So are
the scopes from which nothing could be read and missing shards (level ``error``), and the
notices — objects not checked, duplicates (``warning``), files skipped by design (``note``) —
with the file and line they concern (descriptor ids ``bio2scan/not-checked`` …).
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from ..documents import HashingWriter, stream_json
from ..resultrows import compact_encoder, findings_first
from . import notices as _notices
from .messages import pick

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning reads a CVSS-like number from "security-severity"
_SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}
_KIND = {"FAIL": "fail", "ERROR": "open", "WAIVED": "fail"}
_NOTICE_LEVEL = {"not-checked": "warning", "duplicate": "warning", "skipped": "note"}


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
_fast = compact_encoder()  # _dumps for a list or dict, without its per-call set-up
_str = json.encoder.encode_basestring  # _dumps for a str (the C function it calls)
_MEMO = 1 << 13  # texts of shared values (evidence, sources, lists) remembered at most


def _notice(n: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "level": _NOTICE_LEVEL.get(n["code"], "note"),
        "descriptor": {"id": f"bio2scan/{n['code']}"},
        "message": {"text": _notices.text(n)},
        "properties": dict(n),
    }
    if n.get("file"):
        phys: dict[str, Any] = {"artifactLocation": _artifact(n["file"])}
        if n.get("line"):
            phys["region"] = {"startLine": n["line"]}
        out["locations"] = [{"physicalLocation": phys}]
    return out


def _artifact(path: str) -> dict[str, Any]:
    p = path.replace("\\", "/")
    pp = PurePosixPath(p)
    if pp.is_absolute():
        return {"uri": pp.as_uri()}
    return {"uri": p, "uriBaseId": "%SRCROOT%"}


def _bio2(document: dict[str, Any]) -> dict[str, Any]:
    """The assessment in brief: status counts, the compliance share, and the status of every
    control and government measure that has rules."""
    summary = document["summary"]
    return {
        "controls": summary.get("controls", {}),
        "measures": summary.get("measures", {}),
        "compliance": summary.get("compliance", {}),
        "control-statuses": {c["id"]: c["status"] for c in document["controls"] if c["rules"]},
        "measure-statuses": {
            m["id"]: m["status"] for m in document.get("measures", ()) if m.get("evidence")
        },
    }


def _rule(rule: dict[str, Any], lang: str) -> dict[str, Any]:
    rationale, remediation = pick(rule["rationale"], lang), pick(rule["remediation"], lang)
    d: dict[str, Any] = {
        "id": rule["id"],
        "name": rule["id"],
        "shortDescription": {"text": pick(rule["title"], lang)},
        "fullDescription": {"text": rationale},
        "help": {
            "text": f"{rationale}\n\n{remediation}",
            "markdown": f"{rationale}\n\n**Remediation:** {remediation}",
        },
        "defaultConfiguration": {"level": _LEVEL[rule["severity"]]},
        "properties": {
            "tags": ["security", "bio2", *(f"BIO2-{c}" for c in rule["controls"])],
            "bio2-controls": list(rule["controls"]),
            "bio2-measures": list(rule.get("measures", [])),
            "bio2-links": dict(rule.get("links") or {}),
            "severity": rule["severity"],
            "security-severity": _SECURITY_SEVERITY[rule["severity"]],
        },
    }
    refs = rule.get("references") or []
    if refs:
        d["helpUri"] = refs[0]
    return d


def _more(r: Mapping[str, Any], src: Any) -> tuple[tuple[str, Any], ...]:
    """A result's properties after its status and severity, in their order (those that are
    ``None`` are left out by both writers)."""
    return (
        ("scope", r["scope"]),
        ("region", r.get("region")),
        ("namespace", r.get("namespace")),
        ("resourceType", r["resource_type"]),
        ("bio2-controls", r["controls"]),
        ("bio2-measures", r["measures"]),
        ("evidence", r["evidence"]),
        ("change", r.get("change")),
        ("source", src or None),
    )


# each property's name as the fast path writes it before its value (the names ``_more`` gives)
_KEYS = {k: f',"{k}":' for k, _ in _more(defaultdict(str), None)}


def _result(
    r: dict[str, Any], rule_index: int, artifacts: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    src = r.get("source") or {}
    location: dict[str, Any] = {
        "logicalLocations": [
            {"name": r["resource_name"], "fullyQualifiedName": r["resource_id"], "kind": "resource"}
        ]
    }
    file = src.get("file")
    if file:
        artifact = artifacts.get(file)
        if artifact is None:
            artifact = artifacts[file] = _artifact(file)
        phys: dict[str, Any] = {"artifactLocation": artifact}
        if src.get("line"):
            phys["region"] = {"startLine": src["line"]}
        location["physicalLocation"] = phys
    out: dict[str, Any] = {
        "ruleId": r["rule_id"],
        "ruleIndex": rule_index,
        "kind": _KIND[r["status"]],
        "level": _LEVEL[r["severity"]] if r["status"] != "ERROR" else "warning",
        "message": {"text": f"{r['resource_name']}: {r['message']}"},
        "locations": [location],
        "partialFingerprints": {"bio2scanFinding/v1": r["finding_id"]},
        "properties": {
            k: v
            for k, v in (("status", r["status"]), ("severity", r["severity"]), *_more(r, src))
            if v is not None
        },
    }
    if r.get("waiver"):
        w = r["waiver"]
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": str(w.get("reason", "")),
                "properties": dict(w),
            }
        ]
    return out


class _Results:
    """The JSON text of results (``_dumps(_result(…))``), put together from parts: the start of
    a result is encoded once per rule, status and severity, a file's location once per file,
    and values that results share (an evidence list, a source, a rule's controls) once per
    object, in a bounded memo. A result with a waiver takes ``_result``. The two give the same
    bytes (``tests/render/test_fastpaths.py``, on arbitrary rows)."""

    def __init__(self, index: dict[str, int]) -> None:
        self.index = index
        self.heads: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.files: dict[str, str] = {}  # a file → its artifactLocation
        self.artifacts: dict[str, dict[str, Any]] = {}  # for _result
        self.memo: dict[int, tuple[Any, str]] = {}  # id of a shared value → (it, its text)

    def _j(self, v: Any) -> str:
        t = type(v)
        if t is str:
            return str(_str(v))
        if v is None or t is int:
            return "null" if v is None else int.__repr__(v)
        m = self.memo.get(id(v))
        if m is None or m[0] is not v:
            if len(self.memo) >= _MEMO:
                self.memo.clear()
            m = self.memo[id(v)] = (v, _fast(v))
        return m[1]

    def text(self, r: dict[str, Any]) -> str:
        rid, status, severity = r["rule_id"], r["status"], r["severity"]
        if r.get("waiver") or type(severity) is not str:
            return str(_dumps(_result(r, self.index[rid], self.artifacts)))
        j = self._j
        heads = self.heads.get((rid, status, severity))
        if heads is None:
            level = _LEVEL[severity] if status != "ERROR" else "warning"
            heads = self.heads[(rid, status, severity)] = (
                f'{{"ruleId":{j(rid)},"ruleIndex":{j(self.index[rid])},'
                f'"kind":{j(_KIND[status])},"level":{j(level)},"message":{{"text":',
                f'"status":{j(status)},"severity":{j(severity)}',
            )
        name, res_id = r["resource_name"], r["resource_id"]
        src = r.get("source") or {}
        parts = [
            heads[0],
            _str(f"{name}: {r['message']}"),
            '},"locations":[{"logicalLocations":[{"name":',
            _str(name) if type(name) is str else j(name),
            ',"fullyQualifiedName":',
            _str(res_id) if type(res_id) is str else j(res_id),
            ',"kind":"resource"}]',
        ]
        file = src.get("file")
        if file:
            art = self.files.get(file)
            if art is None:
                art = self.files[file] = _fast(_artifact(file))
            parts += (',"physicalLocation":{"artifactLocation":', art)
            if src.get("line"):
                parts += (',"region":{"startLine":', j(src["line"]), "}")
            parts.append("}")
        fid = r["finding_id"]
        parts += (
            '}],"partialFingerprints":{"bio2scanFinding/v1":',
            _str(fid) if type(fid) is str else j(fid),
            '},"properties":{',
            heads[1],
        )
        # the properties after status and severity, those that are not None (as _result)
        for key, v in _more(r, src):
            if v is not None:
                parts += (_KEYS[key], _str(v) if type(v) is str else j(v))
        parts.append("}}")
        return "".join(parts)


class SarifRenderer:
    name = "sarif"
    extension = "sarif"
    filename = "results.sarif"
    description = "SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps)"

    def render(self, document: dict[str, Any], lang: str) -> str:
        buf = io.BytesIO()
        self.write(document, lang, buf)
        return buf.getvalue().decode("utf-8")

    def write(self, document: dict[str, Any], lang: str, fh: BinaryIO) -> str:
        """Stream the log into ``fh``, result by result (compact JSON); return its SHA-256."""
        rule_ids = sorted(document["rules"])
        index = {rid: i for i, rid in enumerate(rule_ids)}

        def results(write: Callable[[str], Any], rows: Any) -> None:
            write("[")
            text = _Results(index).text
            batch: list[str] = []
            first = True
            for r in rows:
                if r["status"] in _KIND and r["rule_id"] in index:
                    batch.append(text(r))
                    if len(batch) >= 100:
                        write(("" if first else ",") + ",".join(batch))
                        first = False
                        batch.clear()
            if batch:
                write(("" if first else ",") + ",".join(batch))
            write("]")

        scan = document["scan"]
        notifications = [
            {
                "level": "error",
                "message": {
                    "text": f"{e['provider']} {e['resource_type']} in {e['scope']}"
                    f"{'/' + e['region'] if e.get('region') else ''}: "
                    f"{e.get('code', 'Error')}: {e['reason']}"
                },
                "properties": dict(e),
            }
            for e in document["collection_errors"]
        ]
        notifications += [
            {
                "level": "error",
                "descriptor": {"id": "bio2scan/not-read"},
                "message": {"text": f"nothing could be read: {spot}"},
            }
            for spot in _notices.blind_spots(document)
        ]
        notifications += [_notice(n) for n in _notices.notices(document)]
        run = {
            "tool": {
                "driver": {
                    "name": "bio2scan",
                    "version": document["tool"]["version"],
                    "semanticVersion": document["tool"]["version"],
                    "rules": [_rule(document["rules"][rid], lang) for rid in rule_ids],
                    "properties": {"ruleset-digest": document["ruleset"]["digest"]},
                }
            },
            "invocations": [
                {
                    "executionSuccessful": bool(document["summary"]["complete"]),
                    "startTimeUtc": scan["started_at"],
                    "endTimeUtc": scan["finished_at"],
                    "toolExecutionNotifications": notifications,
                }
            ],
            "columnKind": "unicodeCodePoints",
            "properties": {
                "scope": scan.get("scope", {}),
                "lang": lang,
                "bio2": _bio2(document),
                # what was not checked and why: NOT_APPLICABLE results, counted per rule,
                # resource type and reason (code scanning shows no alerts for them)
                "not-applicable": (document.get("not_applicable") or {}).get("groups") or [],
            },
            "results": findings_first(document["results"]),  # (a PASS is no SARIF result)
        }
        out = HashingWriter(fh)
        out.write('{"$schema":' + _dumps(SARIF_SCHEMA) + ',"version":"2.1.0","runs":[')
        stream_json(out, run, {"results": results}, end="]}\n")
        return out.hexdigest()
