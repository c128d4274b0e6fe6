"""``--format junit``: JUnit XML so CI systems show findings as tests (``junit.xml``).

One ``<testsuite>`` per rule, one ``<testcase>`` per rule × resource: FAIL is a ``<failure>``
carrying the message and evidence, ERROR an ``<error>`` (could not evaluate), NOT_APPLICABLE and
WAIVED are ``<skipped>`` (with the waiver's id and expiry). Built with ElementTree, which escapes;
characters XML 1.0 cannot hold at all (control characters from the estate) become U+FFFD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from .messages import pick

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(value: Any) -> str:
    return _INVALID_XML.sub("\ufffd", "" if value is None else str(value))


def _details(r: dict[str, Any], rule: dict[str, Any], lang: str) -> str:
    src = r.get("source") or {}
    where = (
        f"{src['file']}:{src.get('line', '?')}"
        if src.get("file")
        else f"{src.get('api', '?')} {src.get('region', '')} {src.get('time', '')}".strip()
    )
    lines = [
        r["message"],
        f"resource: {r['resource_id']} ({r['resource_type']})",
        f"scope: {r['scope']}"
        + "".join(f" / {v}" for v in (r.get("region"), r.get("namespace")) if v),
        f"BIO2: {', '.join(r['controls'] + r['measures'])}",
        f"source: {where}",
    ]
    lines += [
        f"evidence: {e['path']} = {e['value']!r} (expected {e['expected']})" for e in r["evidence"]
    ]
    if rule:
        lines.append("remediation: " + pick(rule.get("remediation"), lang))
    return "\n".join(lines)


class JunitRenderer:
    name = "junit"
    extension = "xml"
    filename = "junit.xml"
    description = "JUnit XML: one test case per rule × resource, for CI test reports"

    def render(self, document: dict[str, Any], lang: str) -> bytes:
        by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in document["results"]:
            by_rule[r["rule_id"]].append(r)
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        statuses = {c["id"]: c["status"] for c in document["controls"]}
        statuses.update({m["id"]: m["status"] for m in document.get("measures", ())})
        root = ET.Element("testsuites", name="bio2scan")
        for rid in sorted(by_rule):
            rule = document["rules"].get(rid, {})
            suite = ET.SubElement(root, "testsuite", name=_x(rid))
            n = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
            for r in by_rule[rid]:
                n["tests"] += 1
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=_x(rid),
                    name=_x(f"{r['scope']}/{r['resource_id']}"),
                )
                src_file = (r.get("source") or {}).get("file")
                if src_file:
                    case.set("file", _x(src_file))
                status = r["status"]
                if status == "FAIL":
                    n["failures"] += 1
                    el = ET.SubElement(
                        case, "failure", message=_x(r["message"]), type=_x(r["severity"])
                    )
                    el.text = _x(_details(r, rule, lang))
                elif status == "ERROR":
                    n["errors"] += 1
                    el = ET.SubElement(case, "error", message=_x(r["message"]), type="ERROR")
                    el.text = _x(_details(r, rule, lang))
                elif status in ("NOT_APPLICABLE", "WAIVED"):
                    n["skipped"] += 1
                    w = r.get("waiver") or {}
                    msg = (
                        f"waived {w.get('id', '')} until {w.get('expires', '?')}: "
                        f"{w.get('reason', '')}"
                        if status == "WAIVED"
                        else r["message"]
                    )
                    ET.SubElement(case, "skipped", message=_x(msg))
            title = pick(rule.get("title"), lang) if rule else ""
            if title:
                props = ET.Element("properties")
                ET.SubElement(props, "property", name="title", value=_x(title))
                ET.SubElement(
                    props,
                    "property",
                    name="bio2-controls",
                    value=_x(",".join(rule.get("controls", []))),
                )
                ids = [*rule.get("controls", []), *rule.get("measures", [])]
                ET.SubElement(
                    props,
                    "property",
                    name="bio2-status",
                    value=_x(",".join(f"{i}={statuses.get(i, '')}" for i in ids)),
                )
                suite.insert(0, props)
            for k, v in n.items():
                suite.set(k, str(v))
                totals[k] += v
        for k, v in totals.items():
            root.set(k, str(v))
        ET.indent(root)
        return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"
