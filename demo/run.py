"""`make demo`: a real scan of embedded estates, no cloud account needed.

Each section collects one estate with the real collector (manifests from ``demo/manifests``; the
AWS, Azure and cluster sections add theirs) and the demo evaluates them together, prints the
summary per BIO2 control and writes the reports.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
# the local servers the demo estates run on are the test doubles of tests/stubs (not shipped)
sys.path.insert(0, str(HERE.parent / "tests"))

from bio2scan import api  # noqa: E402
from bio2scan.model import Inventory  # noqa: E402
from bio2scan.render.terminal import summary  # noqa: E402


def manifests(rules: list) -> Inventory:
    return api.collect(
        "manifests", {"paths": [str(HERE / "manifests")], "cluster": "demo-manifests"}, rules=rules
    )


# (name, function) — later sections add AWS (moto), Azure (local ARM server), a live cluster stub
SECTIONS: list[tuple[str, Callable[[list], Inventory]]] = [("Kubernetes manifests", manifests)]


def _optional_sections() -> None:
    for module, title in (
        ("aws_estate", "AWS (moto)"),
        ("azure_estate", "Azure (local ARM)"),
        ("entra_estate", "Entra ID (local Graph)"),
        ("cluster_estate", "Kubernetes cluster (API stub)"),
    ):
        try:
            mod = __import__(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        SECTIONS.append((title, mod.collect))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--output-dir", default="demo-output")
    ap.add_argument("--lang", default="en", choices=["en", "nl"])
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    _optional_sections()
    rules = api.select_rules(api.load_rules())
    inventories = []
    for title, fn in SECTIONS:
        inv = fn(rules)
        print(f"collected {title}: {len(inv.resources)} resources, {len(inv.errors)} errors")
        inventories.append(inv)
    merged = Inventory.merge(inventories)
    out = Path(args.output_dir)
    api.save_inventory(out / "inventory.json.gz", merged)
    # waivers, the previous demo run as baseline, and a history that grows with every run
    previous = out / "results.json"
    doc = api.assess(
        merged,
        rules,
        lang=args.lang,
        waivers=HERE / "waivers.yaml",
        baseline=previous if previous.exists() else None,
    )
    scan_id, doc["history"] = api.record_history(str(out / "history.db"), doc)
    print(f"history: scan {scan_id} recorded in {out / 'history.db'}")
    api.validate_results(doc)
    formats = [f for f in ("json", "html", "md", "sarif", "junit", "csv") if f in api.renderers()]
    written = api.render(doc, formats, out, lang=args.lang)
    print(summary(doc, args.lang))
    for fmt, path in written.items():
        print(f"{fmt}: {path.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
