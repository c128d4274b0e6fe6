"""The fixed texts of the reports in English and Dutch, from one catalogue
(``reports/messages.yaml``) that the HTML and Markdown templates both use.

``messages(lang)`` gives a ``Messages`` object; templates call it as ``_("key", n=3)``. A missing
key is a bug, so it raises instead of printing the key.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

LANGS = ("en", "nl")


# libyaml's loader where it is installed: the catalogue is read by every process that writes a
# report (a forked writer too), and the pure-Python one took ~35 ms of it
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("bio2scan.reports").joinpath("messages.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=_LOADER)  # (a safe loader, C or Python)
    return {str(k): {lang: str(v[lang]) for lang in LANGS} for k, v in data.items()}


class Messages:
    """Texts of one language. ``m("shown", n=1, total=2)`` fills ``{n}`` placeholders."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "en"
        self._texts = {k: v[self.lang] for k, v in catalogue().items()}

    def __call__(self, key: str, **values: Any) -> str:
        text = self._texts[key]
        if values:
            for name, value in values.items():
                text = text.replace("{" + name + "}", str(value))
        return text


def messages(lang: str) -> Messages:
    return Messages(lang)


def pick(texts: Any, lang: str) -> str:
    """A ``{"en": …, "nl": …}`` text in ``lang`` (English when that language is missing)."""
    if isinstance(texts, dict):
        return str(texts.get(lang) or texts.get("en") or "")
    return "" if texts is None else str(texts)
