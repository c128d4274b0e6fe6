"""The HTML report in headless Chromium (Debian's ``chromium``, driven by Playwright): opened
from file://, views and filters work, the language is right, injected estate data never runs,
and the page makes no network request at all."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bio2scan import api

from .fixture import document

pytestmark = pytest.mark.slow
expect = None  # playwright's expect, set when the browser starts

CHROMIUM = os.environ.get("BIO2SCAN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    global expect
    expect = sync_api.expect
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for lang in ("en", "nl"):
        d = tmp_path_factory.mktemp(f"report-{lang}")
        out[lang] = api.render(document(), ["html"], d, lang=lang)["html"]
    return out


class Page:
    """A page that records every request, console error and CSP violation."""

    def __init__(self, browser, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)

    def close(self) -> None:
        self.page.close()


def test_views_filter_search_and_detail(browser, reports, tmp_path) -> None:
    p = Page(browser, reports["en"])
    page = p.page
    try:
        assert page.is_visible("#overview") and not page.is_visible("#findings")
        assert page.locator("#control-chart rect").count() >= 5
        page.click("nav.views a[href='#findings']")
        expect(page.locator("#findings")).to_be_visible()  # after the hashchange
        expect(page.locator("#overview")).to_be_hidden()
        assert page.is_hidden("#fstatic")
        # 11 rows: the one NOT_APPLICABLE result is summarised under coverage
        assert page.locator("#fbody tr.row").count() == 11
        assert page.text_content("#fcount") == "11 of 11 results"
        page.select_option("#f-status", "FAIL")
        assert page.locator("#fbody tr.row").count() == 3
        page.select_option("#f-severity", "critical")
        assert page.locator("#fbody tr.row").count() == 2
        page.click("#fclear")
        page.fill("#f-q", "logs-archive")
        expect(page.locator("#fbody tr.row")).to_have_count(1)  # after the search debounce
        page.click("#fbody tr.row")
        detail = page.text_content("#fbody tr.detail")
        assert "W-0001" in detail and "Legacy bucket, migration planned <b>Q1</b>" in detail
        assert "s3:GetBucketEncryption" in detail and "Enable default encryption" in detail
        assert "arn:aws:s3:::logs-archive" in detail and "undefined" not in detail
        page.keyboard.press("Enter")  # the focused row closes again from the keyboard
        expect(page.locator("#fbody tr.detail")).to_have_count(0)
        page.click("#fclear")
        page.click("#ftable th[data-sort='resource']")
        first = page.text_content("#fbody tr.row >> nth=0")
        assert first.startswith("fail") and "<script>" in first  # '<' sorts before letters
        # the control view's link filters the findings by control
        page.click("nav.views a[href='#controls']")
        page.click("#control-8\\.24 summary")
        control = page.text_content("#control-8\\.24")
        assert "8.24.04" in control and "aws: fail" in control  # measure status per provider
        assert "Data at rest is encrypted" in control  # the link's reason
        page.click("#control-8\\.24 a[data-control]")
        expect(page.locator("#findings")).to_be_visible()
        assert page.locator("#fbody tr.row").count() == 4
        page.click("nav.views a[href='#soa']")
        expect(page.locator("#soa")).to_be_visible()
        assert page.locator("#soa-table tr.soa-control").count() == 93
        assert page.locator("#soa-table tr.soa-measure").count() == 117
        page.click("nav.views a[href='#coverage']")
        assert "AuthorizationFailed: <no read permission>" in page.text_content(
            "#collection-errors"
        )
        # what was not checked, and why: the summarised NOT_APPLICABLE results
        na = page.text_content("#na-results")
        assert "account is an AWS Organizations member without root access" in na
        page.click("nav.views a[href='#overview']")
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        assert page.locator(".langroot:visible svg.grid rect").count() == 93
        page.click(".langroot:visible svg.grid a[href='#control-8.20']")  # opens that control
        expect(page.locator("#controls")).to_be_visible()
        assert page.get_attribute("#control-8\\.20", "open") is not None
        assert (tmp_path / "overview.png").stat().st_size > 10_000
        assert p.errors == []
        assert p.requests == [p.url], "the report made a network request"
    finally:
        p.close()


def test_dutch_report_and_language_switch(browser, reports, tmp_path) -> None:
    p = Page(browser, reports["nl"])
    page = p.page
    try:
        assert page.title().startswith("BIO2-nalevingsrapport")
        assert page.locator(".langroot:visible nav.views a").first.text_content() == "Overzicht"
        page.click(".langroot:visible nav.views a[href='#findings']")
        assert page.text_content("#fcount") == "11 van 11 resultaten"
        page.select_option("#f-status", "ERROR")
        assert page.locator("#fbody tr.row").count() == 1
        page.click(".langroot:visible nav.langs a[data-lang='en']")  # to English, same view
        assert page.title().startswith("BIO2 compliance report")
        assert page.evaluate("document.documentElement.lang") == "en"
        expect(page.locator("#en-findings")).to_be_visible()
        expect(page.locator("#findings")).to_be_hidden()
        assert page.text_content("#en-fcount") == "11 of 11 results"
        page.click("#en-fbody tr.row >> nth=0")
        assert "Why it matters" in page.text_content("#en-fbody tr.detail")
        page.click(".langroot:visible nav.views a[href='#controls']")
        assert "Use of cryptography" in page.text_content("#en-control-8\\.24")
        page.screenshot(path=str(tmp_path / "controls-en.png"))
        page.click(".langroot:visible nav.langs a[data-lang='nl']")  # back: the filter kept
        expect(page.locator("#controls")).to_be_visible()
        page.click(".langroot:visible nav.views a[href='#findings']")
        assert page.locator("#fbody tr.row").count() == 1
        assert p.errors == [] and p.requests == [p.url]
    finally:
        p.close()


def test_injected_estate_data_never_runs(browser, reports) -> None:
    p = Page(browser, reports["en"])
    page = p.page
    try:
        page.click("nav.views a[href='#findings']")
        for row in range(page.locator("#fbody tr.row").count()):  # open every detail
            page.click(f"#fbody tr.row >> nth={row}")
        page.click("nav.views a[href='#changes']")
        page.click("nav.views a[href='#controls']")
        page.wait_for_timeout(100)
        assert page.evaluate("window.__pwned") is None
        assert page.title() != "pwned"
        assert page.locator("img").count() == 0  # no <img> came out of a tag value
        text = page.text_content("#fbody")
        assert "<script>window.__pwned=1" in text  # shown as text
        assert "</script><script>window.__pwned=3</script>" in text
        assert "default/Deployment/<script>window.__pwned=1" in text  # id = prefix + segment
        assert "undefined" not in page.inner_text("#fbody")
        assert '"><img src=x onerror=' in text
        assert p.errors == []
    finally:
        p.close()


def test_readable_without_javascript(browser, reports) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    try:
        page.goto(reports["en"].resolve().as_uri())
        assert page.is_visible("#overview") and page.is_visible("#controls")
        assert page.is_visible("#fstatic") and page.is_hidden("#fdynamic")
        assert page.locator("#fstatic details.finding").count() == 6  # FAIL, ERROR, WAIVED
    finally:
        ctx.close()
