"""The design, checked: light imports, no I/O at import, imports running one way, small modules,
and a pinned public surface (docs: /docs/architecture.md)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "bio2scan"

# Layers, lowest first. A module may import modules of its own group and of lower layers.
# The stages (layer 3) do not import one another: they meet only in api.py and in model.py.
LAYERS: list[dict[str, tuple[str, ...]]] = [
    {"errors": ("errors",), "package": ("",)},  # bio2scan/__init__: the version
    {"model": ("model", "kinds", "credentials", "coverage")},
    {
        "catalog": ("catalog",),
        "documents": ("documents", "resultrows", "rowindex", "parallel", "sharing"),
        "plugins": ("plugins",),
        "usercache": ("usercache",),
        "yamlsrc": ("yamlsrc",),
        "config": ("config",),
        "safetext": ("safetext",),
        "rules": ("rules",),
    },
    {
        "collectors": ("collectors",),
        "engine": ("engine",),
        # the assessment: roll-up, waivers and baseline, in that order (bio2scan/assess)
        "assess": ("assess", "waivers", "baseline"),
        "render": ("render", "reports"),
        "history": ("history", "history_rows", "history_sql"),
        "merging": ("merging",),
        "evidence": ("evidence",),
    },
    {"api": ("api", "outputs", "inputs", "info"), "testing": ("testing",)},
    {"cli": ("cli", "cli_info", "cli_options", "cli_pipeline", "__main__")},
]
STAGE_LAYER = 3
# The one import upward: bio2scan/__init__ re-exports api's main functions lazily (PEP 562),
# on first attribute access, so `import bio2scan` stays light.
LAZY_REEXPORT = ("", "api")
CLOUD_SDKS = ("boto3", "botocore", "azure", "kubernetes")


def _place(module: str) -> tuple[int, str]:
    """(layer, group) of ``bio2scan.<module>`` (dotted, relative to the package)."""
    head = module.split(".", 1)[0]
    for rank, groups in enumerate(LAYERS):
        for group, heads in groups.items():
            if head in heads:
                return rank, group
    raise AssertionError(f"bio2scan.{module} is in no layer: add it to LAYERS in {__file__}")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path) -> set[str]:
    """Every bio2scan module ``name`` imports (module level and inside functions)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "bio2scan" or a.name.startswith("bio2scan."):
                    found.add(a.name[len("bio2scan.") :] if "." in a.name else "")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and (node.module == "bio2scan" or node.module.startswith("bio2scan.")):
                target = node.module[len("bio2scan.") :] if "." in node.module else ""
            else:
                continue
            for a in node.names:  # ``from . import paths`` imports the module engine.paths
                sub = f"{target}.{a.name}" if target else a.name
                found.add(sub if sub in MODULE_NAMES else target)
    found.discard(name)
    return found


MODULES = _modules()
MODULE_NAMES = set(MODULES)
IMPORTS = {m: _imports(m, p) for m, p in MODULES.items()}


def test_every_module_has_a_layer():
    for m in MODULES:
        _place(m)


def test_imports_run_downward_and_stages_stay_apart():
    wrong = []
    for m, targets in IMPORTS.items():
        rank, group = _place(m)
        for t in targets:
            trank, tgroup = _place(t)
            if tgroup == group or t == "" or (m, t) == LAZY_REEXPORT:
                continue
            if trank > rank or (trank == rank and rank == STAGE_LAYER):
                wrong.append(f"bio2scan.{m} ({group}) imports bio2scan.{t} ({tgroup})")
    assert not wrong, "imports against the design:\n" + "\n".join(sorted(wrong))


def test_no_two_modules_import_each_other():
    pairs = sorted(
        {
            tuple(sorted((a, b)))
            for a, ts in IMPORTS.items()
            for b in ts
            if a in IMPORTS.get(b, ()) and a != b and {a, b} != set(LAZY_REEXPORT)
        }
    )
    assert not pairs, f"mutual imports: {pairs}"


def test_module_size_budget():
    sizes = {m: len(p.read_text("utf-8").splitlines()) for m, p in MODULES.items()}
    over = {m: n for m, n in sizes.items() if n > 600}
    large = {m: n for m, n in sizes.items() if 400 < n <= 600}
    if large:  # the warn list: shown with -rP, fails nothing
        print(f"modules over 400 lines (split them): {sorted(large.items())}")
    assert not over, f"modules over 600 lines: {over}"


_PROBE = """
import sys, json, builtins, io, os
opened = []
real_open, real_io_open = builtins.open, io.open
def spy(file, *a, **k):
    opened.append(str(file))
    return real_open(file, *a, **k)
builtins.open = io.open = spy
import importlib
for m in sys.argv[1:]:
    importlib.import_module(m)
builtins.open, io.open = real_open, real_io_open
sdks = sorted(m for m in sys.modules if m.split('.')[0] in %r)
print(json.dumps({"sdks": sdks, "opened": opened}))
""" % (CLOUD_SDKS,)


@pytest.mark.parametrize(
    "modules",
    [
        ("bio2scan",),
        ("bio2scan.api",),
        ("bio2scan.engine",),
        (
            "bio2scan.engine",
            "bio2scan.engine.functions.common",
            "bio2scan.engine.functions.kubernetes",
        ),
    ],
)
def test_import_is_light_and_does_no_io(modules):
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules], capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout)
    assert found["sdks"] == [], f"importing {modules} loads cloud SDKs: {found['sdks']}"
    ours = [f for f in found["opened"] if "bio2scan" in f]
    assert ours == [], f"importing {modules} reads files: {ours}"


def test_rule_loading_imports_no_sdk():
    code = (
        "import sys; from bio2scan import api; api.load_rules();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in %r))" % (CLOUD_SDKS,)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cloud_sdks_only_in_their_collectors():
    wrong = []
    for m, path in MODULES.items():
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.module and not node.level
                else []
            )
            for n in names:
                sdk = n.split(".")[0]
                if sdk in CLOUD_SDKS and not m.startswith("collectors."):
                    wrong.append(f"bio2scan.{m} imports {n}")
    assert not wrong, wrong


PUBLIC = {  # bio2scan itself: exactly these; the others: at least these (adding is no break)
    "bio2scan": [
        "PLUGIN_API",
        "__version__",
        "assess",
        "collect",
        "exit_code",
        "load_rules",
        "render",
        "scan",
        "select_rules",
    ],
    "bio2scan.api": [
        "RuleError",
        "assess",
        "check_waivers",
        "collect",
        "collectors",
        "compile_rules",
        "compliance",
        "diff_scans",
        "exit_code",
        "list_scans",
        "load_results",
        "load_rules",
        "load_waivers",
        "merge",
        "needed_types",
        "parse_formats",
        "parse_params",
        "record_history",
        "render",
        "renderers",
        "ruleset_digest",
        "save_inventory",
        "scan",
        "select_rules",
        "sha256_file",
        "validate_results",
    ],
    "bio2scan.engine": [
        "CaseOutcome",
        "CompiledRule",
        "ConditionError",
        "OPERATORS",
        "check_unique",
        "compile_rule",
        "evaluate",
        "load_rule_file",
        "load_rules_dir",
        "parse_overrides",
        "rule_schema",
        "run_case",
        "run_rule_cases",
        "select",
    ],
    "bio2scan.testing": [
        "DEFAULT_NOW",
        "Source",
        "assert_case",
        "make_inventory",
        "rule_case_params",
        "run_rule",
    ],
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_public_names_are_pinned(module):
    import importlib

    mod = importlib.import_module(module)
    if module == "bio2scan":
        assert sorted(mod.__all__) == sorted(PUBLIC[module]), (
            "bio2scan.__all__ changed: update PUBLIC here and the docs, on purpose"
        )
    missing = sorted(set(PUBLIC[module]) - set(mod.__all__))
    assert not missing, f"{module} no longer exports {missing}: that breaks its users"
    for name in mod.__all__:
        assert getattr(mod, name, None) is not None, f"{module}.{name} is in __all__ but missing"


def test_package_reexports_are_the_api_functions():
    import bio2scan
    from bio2scan import api

    assert bio2scan.scan is api.scan and bio2scan.load_rules is api.load_rules
    with pytest.raises(AttributeError):
        bio2scan.no_such_thing  # noqa: B018


def test_pyproject_lists_every_package():
    """pyproject.toml names the packages one by one (rules/ and reports/ are mapped into the
    package from the top of the repository), so a new subpackage must be added there."""
    import tomllib

    conf = tomllib.loads((PKG.parent / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    tree = {".".join(p.parent.relative_to(PKG.parent).parts) for p in PKG.rglob("__init__.py")}
    reports = PKG.parent / "reports"  # (its subpackages: the compiled templates)
    tree |= {
        ".".join(("bio2scan.reports", *p.parent.relative_to(reports).parts))
        for p in reports.rglob("__init__.py")
    }
    assert set(conf["packages"]) == tree | {"bio2scan.rules"}
    assert conf["package-dir"]["bio2scan.rules"] == "rules"
    assert conf["package-dir"]["bio2scan.reports"] == "reports"


CLI_MAY_IMPORT = {"", "api", "errors", "safetext"}  # "": the package itself (__version__)


def test_the_cli_goes_only_through_api():
    """The command line is a thin face over ``bio2scan.api`` (issue 10.4): it imports the API,
    the exception tree and the text sanitiser — no stage, no collector, no renderer."""
    wrong = sorted(
        f"bio2scan.{m} imports bio2scan.{t}"
        for m, targets in IMPORTS.items()
        if _place(m)[1] == "cli"
        for t in targets
        if _place(t)[1] != "cli" and t not in CLI_MAY_IMPORT
    )
    assert not wrong, "\n".join(wrong)
