"""The Jinja environments of the reports: templates from ``reports/``, undefined
values are errors (``StrictUndefined``), and every value is escaped for the target format —
HTML autoescaping for the HTML report, Markdown escaping (``finalize``) for the Markdown one.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..safetext import safe
from .island import shown_value
from .precompiled import Loader, generate


def json_text(value: Any) -> str:
    """An observed value as JSON text to show (not to embed: the result is still escaped),
    cut to a preview like the page's data island does (``island.shown_value``)."""
    shown = shown_value(value)
    return json.dumps(value, ensure_ascii=False, default=str) if shown is value else shown


@functools.cache
def html_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=Loader(jinja2.PackageLoader("bio2scan.reports", ".")),  # (precompiled.py)
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["json_text"] = json_text
    return env


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_escape(value: Any) -> str:
    """Text safe inside a Markdown table cell or list item: Markdown and HTML special characters
    are backslash-escaped, ``&`` is an entity, line breaks become spaces, other control
    characters visible escapes (``safetext.safe``)."""
    if isinstance(value, Markup):  # the template's own fixed markup (a ``|safe`` value)
        return str(value)
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("\r", " ").replace("\n", " ")
    # control characters and escape sequences shown, not passed on (a CI log that prints the
    # file must not obey them)
    return safe(_MD_SPECIAL.sub(r"\\\1", text))


@functools.cache
def md_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=Loader(jinja2.PackageLoader("bio2scan.reports", ".")),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        finalize=md_escape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def main() -> int:  # pragma: no cover - ``make templates``
    """Compile the report templates into ``reports/compiled`` (``precompiled.py``)."""
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("reports/compiled")
    for path in generate(root, [(html_env(), "html/"), (md_env(), "md/")]):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
