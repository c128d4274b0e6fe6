"""``--format junit``: JUnit XML so CI systems show findings as tests (``junit.xml``).

One ``<testsuite>`` per rule, one ``<testcase>`` per rule × resource: FAIL is a ``<failure>``
carrying the message and evidence, ERROR an ``<error>`` (could not evaluate), NOT_APPLICABLE and
WAIVED are ``<skipped>`` (with the waiver's id and expiry). A last suite, ``bio2scan.coverage``,
holds what the scan could not see — a scope from which nothing could be read, a missing shard:
an ``<error>`` each — and what it met but did not evaluate: one ``<skipped>`` case per notice
(object not checked, file skipped, duplicate). Built with ElementTree, which escapes; characters
XML 1.0 cannot hold at all (control characters from the estate) become U+FFFD.
"""

from __future__ import annotations

import io
import re
from array import array
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, BinaryIO

from ..documents import HashingWriter
from . import notices as _notices
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
        buf = io.BytesIO()
        self.write(document, lang, buf)
        return buf.getvalue()

    def write(self, document: dict[str, Any], lang: str, fh: BinaryIO) -> str:
        """Stream the XML into ``fh``, test case by test case (a first pass over the results
        counts them per rule, as the suites' attributes come first); return its SHA-256."""
        results = document["results"]
        by_rule: dict[str, array[int]] = defaultdict(lambda: array("L"))
        counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_KEYS, 0))
        for i, r in enumerate(results):
            by_rule[r["rule_id"]].append(i)
            _count(counts[r["rule_id"]], r["status"])
        na: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for g in (document.get("not_applicable") or {}).get("groups") or ():
            na[g["rule_id"]].append(g)
            counts[g["rule_id"]]["tests"] += 1
            counts[g["rule_id"]]["skipped"] += 1
        statuses = {c["id"]: c["status"] for c in document["controls"]}
        statuses.update({m["id"]: m["status"] for m in document.get("measures", ())})
        coverage = _coverage_suite(document)
        totals = dict.fromkeys(_KEYS, 0)
        for c in [*counts.values(), coverage[1]]:
            for k in _KEYS:
                totals[k] += c[k]
        files: dict[str, str] = {}  # a file's attribute, quoted once
        out = HashingWriter(fh)
        out.write(
            "<?xml version='1.0' encoding='utf-8'?>\n"
            f'<testsuites name="bio2scan"{_attrs(totals)}>\n'
        )
        for rid in sorted(counts):
            rule = document["rules"].get(rid, {})
            out.write(f"  <testsuite name={_q(rid)}{_attrs(counts[rid])}>\n")
            title = pick(rule.get("title"), lang) if rule else ""
            if title:
                ids = [*rule.get("controls", []), *rule.get("measures", [])]
                controls = ",".join(rule.get("controls", []))
                status = ",".join(f"{i}={statuses.get(i, '')}" for i in ids)
                out.write(
                    "    <properties>\n"
                    f'      <property name="title" value={_q(title)} />\n'
                    f'      <property name="bio2-controls" value={_q(controls)} />\n'
                    f'      <property name="bio2-status" value={_q(status)} />\n'
                    "    </properties>\n"
                )
            head = f"    <testcase classname={_q(rid)} name="
            buf = [_case(results[i], head, rule, lang, files) for i in by_rule.get(rid, ())]
            buf += [_na_case(g, rid) for g in na.get(rid, ())]
            out.write("".join(buf))
            out.write("  </testsuite>\n")
        out.write(coverage[0])
        out.write("</testsuites>\n")
        return out.hexdigest()


_KEYS = ("tests", "failures", "errors", "skipped")
_COUNTED = {"FAIL": "failures", "ERROR": "errors", "NOT_APPLICABLE": "skipped", "WAIVED": "skipped"}


def _count(c: dict[str, int], status: str) -> None:
    c["tests"] += 1
    key = _COUNTED.get(status)
    if key:
        c[key] += 1


def _q(value: Any) -> str:
    """An XML attribute value, quoted (what ElementTree writes for it)."""
    text = "" if value is None else str(value)
    if _PLAIN_ATTR(text):
        return '"' + text + '"'
    return '"' + _x(text).translate(_ATTR) + '"'


def _t(value: Any) -> str:
    text = "" if value is None else str(value)
    if _PLAIN_TEXT(text):
        return text
    return _x(text).translate(_TEXT)


# text with none of these needs neither the U+FFFD replacement nor an escape (the common case)
_INVALID = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_PLAIN_ATTR = re.compile(f'[^{_INVALID}&<>"\n\r\t]*').fullmatch
_PLAIN_TEXT = re.compile(f"[^{_INVALID}&<>]*").fullmatch


_TEXT = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_ATTR = _TEXT | {ord('"'): "&quot;", ord("\n"): "&#10;", ord("\r"): "&#13;", ord("\t"): "&#09;"}


def _attrs(c: Mapping[str, int]) -> str:
    return "".join(f' {k}="{c[k]}"' for k in _KEYS)


def _case(
    r: dict[str, Any], head: str, rule: dict[str, Any], lang: str, files: dict[str, str]
) -> str:
    """One test case; ``head`` is its start up to the name (the suite's ``classname``)."""
    head += _q(f"{r['scope']}/{r['resource_id']}")
    src_file = (r.get("source") or {}).get("file")
    if src_file:
        attr = files.get(src_file)
        if attr is None:
            attr = files[src_file] = f" file={_q(src_file)}"
        head += attr
    status = r["status"]
    if status == "FAIL":
        body = (
            f"      <failure message={_q(r['message'])} type={_q(r['severity'])}>"
            f"{_t(_details(r, rule, lang))}</failure>\n"
        )
    elif status == "ERROR":
        body = (
            f'      <error message={_q(r["message"])} type="ERROR">'
            f"{_t(_details(r, rule, lang))}</error>\n"
        )
    elif status in ("NOT_APPLICABLE", "WAIVED"):
        w = r.get("waiver") or {}
        msg = (
            f"waived {w.get('id', '')} until {w.get('expires', '?')}: {w.get('reason', '')}"
            if status == "WAIVED"
            else r["message"]
        )
        body = f"      <skipped message={_q(msg)} />\n"
    else:
        return head + " />\n"
    return head + ">\n" + body + "    </testcase>\n"


def _na_case(g: Mapping[str, Any], rid: str) -> str:
    """A group of NOT_APPLICABLE results that results.json summarises: one skipped case."""
    name = f"{g['resource_type']}: {g['count']} not applicable"
    return (
        f"    <testcase classname={_q(rid)} name={_q(name)}>\n"
        f"      <skipped message={_q(g['reason'])} />\n"
        "    </testcase>\n"
    )


def _coverage_suite(document: dict[str, Any]) -> tuple[str, dict[str, int]]:
    """The ``bio2scan.coverage`` suite (its text and counts; none when there is nothing)."""
    spots, found = _notices.blind_spots(document), _notices.notices(document)
    n = dict.fromkeys(_KEYS, 0)
    if not spots and not found:
        return "", n
    cases = []
    for spot in spots:
        n["tests"] += 1
        n["errors"] += 1
        cases.append(
            f'    <testcase classname="bio2scan.coverage" name={_q(f"not-read: {spot}")}>\n'
            f'      <error message={_q(f"nothing could be read: {spot}")} type="NOT_READ" />\n'
            "    </testcase>\n"
        )
    for x in found:
        n["tests"] += 1
        n["skipped"] += 1
        label = _notices.what(x) or _notices.where(x) or x["reason"]
        file = f" file={_q(x['file'])}" if x.get("file") else ""
        cases.append(
            f'    <testcase classname="bio2scan.coverage" name={_q(x["code"] + ": " + label)}{file}>\n'
            f"      <skipped message={_q(_notices.text(x))} />\n"
            "    </testcase>\n"
        )
    head = f'  <testsuite name="bio2scan.coverage"{_attrs(n)}>\n'
    return head + "".join(cases) + "  </testsuite>\n", n
