"""The message catalogue: both languages complete, and every key the templates and the page
script use exists (a missing key would raise at render time)."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from bio2scan.render.island import SCRIPT_KEYS
from bio2scan.render.messages import LANGS, Messages, catalogue


def test_every_text_in_both_languages() -> None:
    for key, texts in catalogue().items():
        for lang in LANGS:
            assert texts[lang].strip(), f"{key}: empty {lang}"
        placeholders = {lang: set(re.findall(r"\{(\w+)\}", texts[lang])) for lang in LANGS}
        assert placeholders["en"] == placeholders["nl"], key


def test_template_keys_exist() -> None:
    root = resources.files("bio2scan.reports")
    used: set[str] = set(SCRIPT_KEYS)
    for sub in ("html", "md"):
        for f in root.joinpath(sub).iterdir():
            if f.name.endswith(".j2"):
                used |= set(re.findall(r"_\(\"([\w-]+)\"[,)]", f.read_text("utf-8")))
    used |= {f"lang_{code}" for code in LANGS}  # built in the template: "lang_" ~ code
    missing = used - set(catalogue())
    assert not missing


def test_placeholders_filled_and_unknown_key_raises() -> None:
    m = Messages("nl")
    assert m("shown", n=3, total=10) == "3 van 10 resultaten"
    with pytest.raises(KeyError):
        m("no-such-key")
    assert Messages("fr").lang == "en"


def test_catalogue_reads_as_the_python_loader_reads_it() -> None:
    """The catalogue is read with libyaml where installed: the same texts as PyYAML's own."""
    import yaml

    text = resources.files("bio2scan.reports").joinpath("messages.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=yaml.SafeLoader)
    assert catalogue() == {str(k): {x: str(v[x]) for x in LANGS} for k, v in data.items()}
