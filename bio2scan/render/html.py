"""``--format html``: the self-contained HTML report (``report.html``).

The page is rendered from ``reports/html/report.html.j2``. Its stylesheet and script
are inlined and allowed by their SHA-256 in a strict Content-Security-Policy (no ``unsafe-inline``,
``default-src 'none'``), so the file makes no request anywhere and an injected script could not
run even if escaping failed. Results travel in a JSON data island (``island.py``) so that 100k
results stay a small file; the per-control and overview parts are static HTML. The page holds
both languages: the one asked for is shown, the other is a click away (and invisible to a
reader without JavaScript, who gets exactly the asked-for language).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import secrets
from importlib import resources
from typing import Any, BinaryIO

from markupsafe import Markup

from ..documents import HashingWriter
from .island import write_island
from .messages import LANGS, messages, pick
from .templates import html_env
from .view import ResultFacts, build_view


@functools.cache
def _asset(name: str) -> str:
    return resources.files("bio2scan.reports").joinpath(f"html/{name}").read_text("utf-8")


def _hash(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def content_security_policy(css: str, js: str) -> str:
    return (
        "default-src 'none'; script-src "
        + _hash(js)
        + "; style-src "
        + _hash(css)
        + "; img-src data:; base-uri 'none'; form-action 'none'"
    )


def scope_line(document: dict[str, Any]) -> str:
    scopes = (document["scan"].get("scope") or {}).get("scopes") or []
    if len(scopes) > 3:
        return ", ".join(scopes[:3]) + f" (+{len(scopes) - 3})"
    return ", ".join(scopes) or "—"


class HtmlRenderer:
    name = "html"
    extension = "html"
    filename = "report.html"
    description = "self-contained HTML report for the security team and auditors (no network)"

    def prepare(self) -> None:
        """Load what every page needs before there is a document (``outputs.prepare``): the
        page's templates (``precompiled.py``), its stylesheet and its script."""
        env = html_env()
        for name in env.list_templates(filter_func=lambda n: n.startswith("html/")):
            if name.endswith(".j2"):
                env.get_template(name)
        _asset("report.css")
        _asset("report.js")

    def render(self, document: dict[str, Any], lang: str) -> str:
        buf = io.BytesIO()
        self.write(document, lang, buf)
        return buf.getvalue().decode("utf-8")

    def write(self, document: dict[str, Any], lang: str, fh: BinaryIO) -> str:
        """Stream the page in ``lang`` into ``fh``, with the other language alongside for the
        reader to switch to (hidden, with prefixed ids, until chosen). The page is rendered
        around a marker no estate text can hold (random, made for this page) where the data
        island goes; the island is then written row by row. Returns the SHA-256."""
        first = messages(lang).lang
        langs = [first] + [x for x in LANGS if x != first]
        css, js = _asset("report.css"), _asset("report.js")
        env = html_env()
        bodies = []
        facts = ResultFacts(document["results"])
        for i, code in enumerate(langs):
            m = messages(code)
            title = f"{m('report_title')} — {scope_line(document)}"
            html = env.get_template("html/body.html.j2").render(
                _=m,
                pick=lambda texts, code=code: pick(texts, code),
                p="" if i == 0 else code + "-",
                langs=langs,
                scope_line=scope_line(document),
                **build_view(document, code, facts=facts),
            )
            bodies.append(
                {
                    "lang": code,
                    "prefix": "" if i == 0 else code + "-",
                    "title": title,
                    "html": Markup(html),
                }
            )
        marker = f"@@bio2scan-island-{secrets.token_hex(16)}@@"
        page = env.get_template("html/report.html.j2").render(
            lang=first,
            doc=document,
            bodies=bodies,
            csp=content_security_policy(css, js),
            css=Markup(css),
            js=Markup(js),
            island=Markup(marker),
        )
        before, found, after = page.partition(marker)
        if not found or marker in after:
            raise RuntimeError("the report template must place the data island once")
        out = HashingWriter(fh)
        out.write(before)
        del page, bodies
        write_island(out.write, document, langs)
        out.write(after)
        return out.hexdigest()
