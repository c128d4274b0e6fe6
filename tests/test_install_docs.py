"""Docs that can be copied (issue 10.6): every install line in the README and docs installs
bio2scan from a checkout, a built wheel or the container image of ``deploy/image/`` — never
``bio2scan`` by name from a package index where the project is not published (a copied line
would install someone else's package, with the pipeline's credentials). The image's build
context is enough to build a wheel that carries the rules and templates."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CONTAINERFILE = ROOT / "deploy" / "image" / "Containerfile"
# what may be installed by name from an index: real, published packages that bio2scan uses
PUBLISHED = {"psycopg", "pip", "setuptools", "wheel"}
_INSTALL = re.compile(r"pip(?:3)?\s+install\s+(?P<args>[^\n`|;&]*)")


def _install_lines() -> list[tuple[str, str]]:
    out = []
    for f in [*DOCS, CONTAINERFILE]:
        for m in _INSTALL.finditer(f.read_text("utf-8")):
            args = m.group("args").split("#", 1)[0].strip()  # a shell comment is no argument
            out.append((f"{f.relative_to(ROOT)}", args))
    return out


def _targets(args: str) -> list[str]:
    """The requirement arguments of a pip install line (options and their values dropped)."""
    words = [w.strip("'\"") for w in args.replace("\\", " ").split()]
    takes_value = {"-r", "--requirement", "-c", "--find-links", "-f", "-e", "--python", "-t"}
    out, skip = [], False
    for w in words:
        if skip:
            skip = False
            continue
        if w in takes_value:
            skip = w not in ("-e",)
            continue
        if w.startswith("-"):
            continue
        out.append(w)
    return out


def test_the_docs_have_install_lines():
    assert len(_install_lines()) >= 4  # README (checkout, extra, wheel), operations, ci, image


@pytest.mark.parametrize("where, args", _install_lines())
def test_no_install_line_fetches_bio2scan_from_an_index(where, args):
    for target in _targets(args):
        local = target.startswith((".", "/", "$", "dist/")) or target.endswith(".whl")
        name = re.split(r"[\[<>=!~ ]", target, maxsplit=1)[0].lower()
        if name == "bio2scan":
            # only from wheels we built ourselves, with no index to fall back on
            assert "--no-index" in args and ("--find-links" in args or "-f" in args), (where, args)
            continue
        assert local or name in PUBLISHED, f"{where}: `pip install {args}` installs {target!r}"


def test_docs_never_name_a_version_to_fetch():
    for f in DOCS:
        text = f.read_text("utf-8")
        assert not re.search(r"bio2scan\s*(==|>=|~=)", text), f"{f}: a bio2scan version pin"


def _copied_paths() -> list[str]:
    """The sources of the build stage's COPY lines of the Containerfile."""
    build = CONTAINERFILE.read_text("utf-8").split("FROM ")[1]
    paths: list[str] = []
    for line in build.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            paths.extend(line.split()[1:-1])
    return paths


@pytest.mark.slow
def test_the_image_build_context_makes_a_complete_wheel(tmp_path):
    """The build stage copies only what it names: build a wheel from exactly that (offline,
    the way the image's ``pip wheel`` does) and check the rules and templates are in it, and
    that the README's wheel name is the one built."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for p in _copied_paths():
        src = ROOT / p
        if src.is_dir():
            shutil.copytree(src, ctx / p, ignore=ignore)
        else:
            shutil.copy(src, ctx / p)
    assert {"rules", "reports", "bio2scan", "pyproject.toml"} <= {p.name for p in ctx.iterdir()}
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "-w", str(tmp_path / "dist"), str(ctx)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("bio2scan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = {"bio2scan/" + str(p.relative_to(ROOT)) for p in (ROOT / "rules").rglob("*.yaml")}
    assert rules and rules <= names
    assert "bio2scan/reports/html/report.html.j2" in names
    assert f"dist/{wheel.name}" in (ROOT / "README.md").read_text("utf-8")
