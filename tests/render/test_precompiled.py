"""The report templates compiled ahead of time (``bio2scan/render/precompiled.py``): each
module is that of its template's current text and the environment's settings, it is what a
scan uses, and a module that is not (an edited template, other settings) is never used."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from bio2scan.render import precompiled
from bio2scan.render.templates import html_env, md_env

ENVS = [(html_env, "html/"), (md_env, "md/")]
COMPILED = Path(precompiled.__file__).resolve().parents[2] / "reports" / "compiled"


def _templates() -> list[tuple[jinja2.Environment, str]]:
    out = []
    for make, prefix in ENVS:
        env = make()
        out += [
            (env, n) for n in env.list_templates() if n.startswith(prefix) and n.endswith(".j2")
        ]
    return out


def test_every_template_has_the_module_of_its_text_and_settings():
    """Fails after a template (or an environment's settings) changed until ``make templates``
    is run: the module would not be used, and every report would compile the template."""
    templates = _templates()
    assert len(templates) >= 10
    stale = []
    for env, name in templates:
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        module = precompiled.compiled(name)
        if module is None or (
            precompiled.digest(source),
            precompiled.settings(env),
        ) != (module.SOURCE_SHA256, module.SETTINGS):
            stale.append(name)
    assert not stale, f"run `make templates`: {stale}"
    assert {p.name for p in COMPILED.glob("*.py")} == {"__init__.py"} | {
        f"{precompiled.module_name(n)}.py" for _, n in templates
    }


def test_the_modules_are_what_this_jinja_makes_and_a_scan_uses_them(tmp_path):
    """With the Jinja version they were made by, the modules are exactly what ``make
    templates`` writes now, and the environments load them (no compiling); with another
    version they are not used and the templates are compiled from their text."""
    made = precompiled.generate(tmp_path, [(make(), prefix) for make, prefix in ENVS])
    for env, name in _templates():
        module = precompiled.compiled(name)
        template = env.get_template(name)
        if jinja2.__version__ == module.JINJA2:
            fresh = tmp_path / f"{precompiled.module_name(name)}.py"
            assert fresh in made and fresh.read_text("utf-8") == Path(module.__file__).read_text(
                "utf-8"
            )
            assert template.filename == module.__file__  # taken from the module
        else:
            assert template.filename != module.__file__  # compiled from the text


@pytest.mark.parametrize("change", ["text", "settings"])
def test_a_module_not_made_from_this_text_or_for_these_settings_is_not_used(change):
    env = md_env()
    name = "md/notices.md.j2"
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    module = precompiled.compiled(name)
    assert module is not None and precompiled.digest(source) == module.SOURCE_SHA256
    if change == "text":
        edited = source.replace("⛔", "STOP")
        assert edited != source
        loader = precompiled.Loader(jinja2.DictLoader({name: edited}))
        other = jinja2.Environment(loader=loader, **_options(env))
    else:
        loader = precompiled.Loader(jinja2.DictLoader({name: source}))
        other = jinja2.Environment(loader=loader, **{**_options(env), "trim_blocks": False})
    template = other.get_template(name)
    assert template.filename != module.__file__
    out = template.render(blind_spots=["x"], _=lambda *a, **k: "banner", notices=[])
    assert ("STOP" in out) is (change == "text")


def _options(env: jinja2.Environment) -> dict:
    return {
        "autoescape": env.autoescape,
        "undefined": env.undefined,
        "finalize": env.finalize,
        "trim_blocks": env.trim_blocks,
        "lstrip_blocks": env.lstrip_blocks,
        "keep_trailing_newline": env.keep_trailing_newline,
    }


def test_a_second_environment_compiles_for_itself():
    """A compiled module's code runs in the environment that loaded it first (its globals name
    it); another environment with the same settings compiles the template from its text, and
    the first one's template still renders in its own environment."""
    env = md_env()
    name = "md/notices.md.j2"
    first = env.get_template(name)
    module = precompiled.compiled(name)
    if first.filename != module.__file__:
        pytest.skip("the modules were made by another Jinja version")
    other = jinja2.Environment(loader=precompiled.Loader(env.loader), **_options(env))  # type: ignore[arg-type]
    second = other.get_template(name)
    assert second.filename != module.__file__
    assert module.__dict__["environment"] is env
    args = {"blind_spots": ["x"], "_": lambda *a, **k: "banner", "notices": []}
    assert first.render(**args) == second.render(**args)
