"""The Statement of Applicability export (soa.csv) and its HTML view."""

from __future__ import annotations

import copy
import csv
import io

from bio2scan import api
from bio2scan.render.soa import COLUMNS

from .fixture import FORMULA, document


def rows(doc: dict, lang: str = "en") -> list[dict[str, str]]:
    text = api.renderers()["soa-csv"].render(doc, lang)
    assert text.startswith("\ufeff") and "\r\n" in text
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_one_row_per_control_and_active_measure_in_order():
    doc = document()
    table = rows(doc)
    assert tuple(table[0]) == COLUMNS
    assert sum(r["type"] == "control" for r in table) == 93
    assert sum(r["type"] == "measure" for r in table) == 117
    ids = [r["id"] for r in table]
    assert ids.index("8.24") < ids.index("8.24.04") < ids.index("8.25")
    assert all(r["manual_evidence"] == "" for r in table)


def test_statuses_evidence_worst_findings_and_waivers():
    by_id = {r["id"]: r for r in rows(document())}
    c = by_id["8.24"]
    assert c["status"] == "non-compliant" and c["applicable"] == "yes"
    assert "aws.s3.bucket_default_encryption (direct)" in c["evidence_rules"]
    assert "FAIL 1" in c["results"] and c["worst_findings"].startswith("FAIL high")
    assert "W-0001" in c["waivers"]
    m = by_id["8.24.04"]
    assert m["status"] == "fail" and m["providers"] == "aws=fail"
    declared = by_id["8.01.01"]
    assert declared["applicable"] == "no" and "VVT-7" in declared["waivers"]
    assert by_id["8.12"]["providers"] == "gcp=out-of-scope"
    assert "lacking direct evidence: 8.05.01 manual" in by_id["8.5"]["status_basis"]


def test_cells_are_safe_for_spreadsheets_in_any_locale():
    doc = copy.deepcopy(document())
    for r in doc["results"]:
        if r.get("waiver"):
            r["waiver"] = dict(r["waiver"], id="=cmd|'/c calc'!A1")
    doc["rules"]["aws.s3.bucket_default_encryption"]["title"]["en"] = "a;b\tc,d"
    text = api.renderers()["soa-csv"].render(doc, "en")
    for line in text[1:].splitlines():
        assert line.startswith('"') and line.endswith('"')  # every field quoted
    table = list(csv.DictReader(io.StringIO(text[1:])))
    cells = [v for r in table for v in r.values()]
    assert not [v for v in cells if v.startswith(("=", "+", "-", "@"))]
    assert any("'=cmd" in v for v in cells)
    assert any(FORMULA in v for v in cells)  # the resource id, inside a cell that starts safe


def test_html_has_the_soa_view():
    html = api.renderers()["html"].render(document(), "nl")
    assert 'id="soa"' in html and "Verklaring van Toepasselijkheid" in html
    assert html.count('<tr class="soa-measure">') >= 117


def test_views_from_shared_facts_equal_views_from_the_results():
    """The HTML page reads the results once for both languages (``ResultFacts``): what each
    language's view (and its SoA) shows is what reading the results afresh gives."""
    from bio2scan.render.soa import soa_rows
    from bio2scan.render.view import ResultFacts, build_view

    doc = document()
    facts = ResultFacts(doc["results"])
    for lang in ("en", "nl"):
        assert build_view(doc, lang, facts=facts) == build_view(doc, lang)
        assert soa_rows(doc, lang, facts.findings) == soa_rows(doc, lang)
        assert soa_rows(doc, lang, facts.findings, facts.soa) == soa_rows(doc, lang)
    assert facts.shown and all(r["status"] in ("FAIL", "ERROR", "WAIVED") for r in facts.shown)


def test_worst_findings_are_the_first_in_a_stable_sort():
    """Per rule the ``WORST`` findings: by status, severity and resource, ties in the results'
    order — many findings per rule, many ties, the non-findings left out."""
    import random

    from bio2scan.render.soa import _RANK, _SEV, WORST, _per_rule

    rng = random.Random(3)
    results = [
        {
            "rule_id": f"r{rng.randint(0, 3)}",
            "status": rng.choice(["FAIL", "ERROR", "WAIVED", "PASS"]),
            "severity": rng.choice(["high", "low", "odd"]),
            "resource_id": f"x{rng.randint(0, 4)}",
            "n": n,
        }
        for n in range(2000)
    ]
    worst, _ = _per_rule(results)
    for rule in ("r0", "r1", "r2", "r3"):
        mine = [r for r in results if r["rule_id"] == rule and r["status"] in _RANK]
        mine.sort(key=lambda r: (_RANK[r["status"]], _SEV.get(r["severity"], 9), r["resource_id"]))
        assert [r["n"] for _, r in worst[rule]] == [r["n"] for r in mine[:WORST]]
