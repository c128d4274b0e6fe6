"""``--format md``: a short Markdown summary for a pull-request comment (``report.md``).

From ``reports/md/report.md.j2``: the table of controls that have rules, then the
failing findings (worst first, at most ``limit``, with an "and N more" line) and grouped ERRORs.
Estate values are Markdown-escaped by the template environment, so a resource name cannot
inject links, images or HTML into the comment.
"""

from __future__ import annotations

from typing import Any

from .messages import messages
from .templates import md_env
from .view import ResultFacts, build_view


class MarkdownRenderer:
    name = "md"
    extension = "md"
    filename = "report.md"
    description = "short Markdown summary for a pull-request comment"

    def __init__(self, limit: int = 25) -> None:
        self.limit = limit

    def prepare(self) -> None:
        """Load the summary's templates before there is a document (``outputs.prepare``)."""
        env = md_env()
        for name in env.list_templates(filter_func=lambda n: n.startswith("md/")):
            if name.endswith(".j2"):
                env.get_template(name)

    def render(self, document: dict[str, Any], lang: str) -> str:
        m = messages(lang)
        facts = ResultFacts(document["results"])
        view = build_view(document, m.lang, static_findings=0, facts=facts)
        # the findings come sorted worst first (``finding_order``); its FAILs, in that order
        failing = [r for r in facts.shown if r["status"] == "FAIL"]
        return (
            md_env()
            .get_template("md/report.md.j2")
            .render(_=m, failing=failing[: self.limit], failing_total=len(failing), **view)
        )
