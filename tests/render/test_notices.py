"""Every notice and blind spot reaches every report (issue 13.2, 11.4): objects not checked,
files skipped, duplicates and scopes that could not be read at all are in the results document,
counted in its summary, and shown by HTML, Markdown, SARIF, JUnit, CSV and the terminal — not
only printed on a terminal. And output is safe (issue 13.7): terminal lines carry no escape
sequence from the estate; CSV cells survive a spreadsheet of any locale."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from bio2scan import api
from bio2scan.render.csvfmt import SEPARATORS, field, safe_cell
from bio2scan.safetext import safe, safe_block

from .fixture import CLEAR, FORMULA, OSC_LINK, XSS_NAME, document

ESC = "\x1b"


@pytest.fixture(scope="module")
def doc() -> dict:
    return document()


def _render(doc: dict, fmt: str, lang: str = "en") -> str:
    out = api.renderers()[fmt].render(dict(doc, lang=lang), lang)
    return out.decode() if isinstance(out, bytes) else out


def test_the_document_lists_and_counts_them(doc):
    api.validate_results(doc)
    assert doc["summary"]["notices"] == {"not-checked": 2, "skipped": 1, "duplicate": 1}
    assert doc["coverage"]["counts"] == doc["summary"]["notices"]
    assert doc["coverage"]["unread"] == ["dead-cluster"]
    assert doc["summary"]["complete"] is False
    skipped = next(n for n in doc["coverage"]["notices"] if n["code"] == "skipped")
    assert skipped["hint"].startswith("helm template")


def test_html(doc):
    html = _render(doc, "html")
    assert 'id="notices"' in html and 'id="blind-banner"' in html and 'id="notices-banner"' in html
    assert "dead-cluster" in html and "charts/web/Chart.yaml" in html
    assert "helm template web charts/web | bio2scan scan manifests -" in html
    assert XSS_NAME not in html and "&lt;script&gt;window.__pwned=1" in html
    assert "2 object(s) not checked, 1 file(s) skipped, 1 duplicate(s)" in html
    nl = _render(doc, "html", "nl")
    assert "niet gecontroleerd" in nl and "Niets kon worden gelezen van: dead-cluster" in nl


def test_markdown(doc):
    md = _render(doc, "md")
    assert "### Not evaluated (4)" in md
    assert "Nothing could be read from: dead-cluster" in md
    assert ESC not in md and "web\\x1b\\[2J" in md
    assert "- skipped: · charts/web/Chart.yaml" not in md  # no empty object name
    assert "charts/web/Chart.yaml" in md and "helm template web charts/web \\| bio2scan" in md
    assert "<script>" not in md


def test_sarif(doc):
    sarif = json.loads(_render(doc, "sarif"))
    inv = sarif["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    by_id: dict[str, list[dict]] = {}
    for n in inv["toolExecutionNotifications"]:
        by_id.setdefault(n.get("descriptor", {}).get("id", "error"), []).append(n)
    assert [n["level"] for n in by_id["bio2scan/not-checked"]] == ["warning", "warning"]
    assert by_id["bio2scan/skipped"][0]["level"] == "note"
    assert by_id["bio2scan/duplicate"][0]["level"] == "warning"
    assert by_id["bio2scan/not-read"][0]["level"] == "error"
    rollout = by_id["bio2scan/not-checked"][0]
    loc = rollout["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "apps/rollout.yaml" and loc["region"]["startLine"] == 3


def test_junit(doc):
    root = ET.fromstring(_render(doc, "junit").encode())
    suite = next(s for s in root if s.get("name") == "bio2scan.coverage")
    assert (suite.get("tests"), suite.get("errors"), suite.get("skipped")) == ("5", "1", "4")
    names = [c.get("name") for c in suite]
    assert "not-read: dead-cluster" in names
    assert any(n.startswith("skipped: charts/web/Chart.yaml") for n in names)
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in root)


def test_csv(doc):
    rows = list(csv.DictReader(io.StringIO(_render(doc, "csv").lstrip("\ufeff"))))
    notices = {
        r["status"]: r for r in rows if r["status"] in ("NOT_CHECKED", "SKIPPED", "DUPLICATE")
    }
    assert set(notices) == {"NOT_CHECKED", "SKIPPED", "DUPLICATE"}
    assert notices["SKIPPED"]["source"] == "charts/web/Chart.yaml"
    assert "helm template" in notices["SKIPPED"]["message"]
    dup = notices["DUPLICATE"]
    assert dup["resource_type"] == "Deployment" and dup["source"] == "overlays/prod/web.yaml:1"
    assert dup["resource_name"] == "shop;'" + FORMULA  # the formula after ';' neutralised


def test_terminal_summary(doc):
    text = api.summary(doc, "en", width=80)
    assert ESC not in text and "\x07" not in text
    assert "Could not read at all: dead-cluster" in text
    assert "2 object(s) not checked, 1 file(s) skipped, 1 duplicate(s)" in text
    assert "web\\x1b[2J\\x1b[Hall fine" in text  # shown escaped, not obeyed
    assert "\\x1b]8;;http://evil.example\\x07click me" in text
    assert "helm template web charts/web | bio2scan scan manifests -" in text


# --- safe output ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        CLEAR,
        OSC_LINK,
        "a\rfake line",
        "a\nINFO: all checks passed",
        "bell\x07 and backspace\x08",
        "8-bit CSI \x9b2J and OSC \x9d0;title\x9c",
        "right-to-left \u202eexe.txt",
        "isolate \u2066x\u2069",
        "DEL \x7f",
    ],
)
def test_safe_escapes_every_control_and_direction_change(raw):
    out = safe(raw)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]", out)
    assert out.isprintable()


def test_safe_keeps_ordinary_text_and_block_keeps_lines():
    for ok in ("Beheersmaatregel 8.24 — versleuteling", "日本語 ünïcödé", "a\\x1b as text"):
        assert safe(ok) == ok
    assert safe_block("line 1\n\tline 2\x1b[31m") == "line 1\n\tline 2\\x1b[31m"
    assert safe("\x1b") == "\\x1b"


def test_the_summary_fits_80_columns_with_whole_headers(doc):
    for lang in ("en", "nl"):
        text = api.summary(doc, lang, width=80)
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= 80, max(lines, key=len)
        header = lines[0].split()
        assert not [h for h in header if h.endswith("…")], header
        words = {
            "en": ["Control", "Status", "pass", "fail", "error", "n/a", "waived"],
            "nl": ["Maatregel", "Status", "voldoet", "faalt", "fout", "n.v.t.", "uitgezonderd"],
        }[lang]
        assert header[: len(words)] == words


@pytest.mark.parametrize(
    "value",
    [
        "shop;=cmd|' /C calc'!A0",
        "a,=1+1",
        "x\t@SUM(1)",
        "p|-2+3",
        'q;"=1+1',
        "r; =1+1",
        "=HYPERLINK(1)",
        "+1",
    ],
)
def test_csv_cells_are_safe_split_on_any_separator(value):
    cell = field(safe_cell(value))
    for sep in SEPARATORS:
        # a spreadsheet that splits on this separator and ignores our quoting (its own list
        # separator differs from ours) still finds no cell that starts a formula
        for piece in cell.split(sep):
            piece = piece.lstrip(' "')
            assert not piece.startswith(("=", "+", "-", "@")), (sep, cell)
    if any(s in value for s in ",;|"):  # (a tab is shown as \t: no separator left)
        assert cell.startswith('"') and cell.endswith('"')
