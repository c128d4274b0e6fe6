"""AWS rule coverage per ISO/IEC 27002:2022 control, against Prowler's ISO 27001:2022 mapping.

For every control where Prowler maps AWS checks, print how many distinct Prowler checks map to it
and how many bio2scan AWS rules list it among their ``controls``. ``docs/aws-rules.md`` carries the
Markdown table this prints between its ``coverage:begin``/``coverage:end`` markers; a test
regenerates it and fails when the rules changed but the document did not.

    python bench/coverage.py            # the Markdown table
    python bench/coverage.py --write    # also rewrite the table inside docs/aws-rules.md
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROWLER = ROOT / "bench" / "data" / "prowler-iso27001-2022-aws.csv"
DOC = ROOT / "docs" / "aws-rules.md"
BEGIN, END = "<!-- coverage:begin -->", "<!-- coverage:end -->"


def _key(control: str) -> tuple[int, ...]:
    return tuple(int(p) for p in control.split("."))


def prowler_checks(path: Path = PROWLER) -> dict[str, set[str]]:
    """control -> the distinct Prowler AWS check ids mapped to it."""
    out: dict[str, set[str]] = defaultdict(set)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in rows:
            out[row["control"]].add(row["check_id"])
    return dict(out)


def our_rules() -> dict[str, set[str]]:
    """control -> the ids of built-in AWS rules that list it."""
    from bio2scan.api import load_rules
    out: dict[str, set[str]] = defaultdict(set)
    for rule in load_rules().values():
        if rule.id.startswith("aws.") and not rule.deprecated:
            for control in rule.controls:
                out[control].add(rule.id)
    return dict(out)


def table(prowler: dict[str, set[str]], ours: dict[str, set[str]]) -> str:
    lines = ["| Control | Prowler AWS checks | bio2scan AWS rules | |",
             "|---|---:|---:|---|"]
    for control in sorted(set(prowler) | set(ours), key=_key):
        p, o = len(prowler.get(control, ())), len(ours.get(control, ()))
        mark = "" if o >= p else "fewer — see below"
        lines.append(f"| {control} | {p} | {o} | {mark} |")
    p_total = len(set().union(*prowler.values())) if prowler else 0
    o_total = len(set().union(*ours.values())) if ours else 0
    behind = sum(1 for c in prowler if len(ours.get(c, ())) < len(prowler[c]))
    lines.append(f"| **distinct** | **{p_total}** | **{o_total}** | {behind} of {len(prowler)} "
                 "Prowler controls with fewer |")
    return "\n".join(lines) + "\n"


def replace_table(doc: str, new: str) -> str:
    head, rest = doc.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{new}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite the table in docs/aws-rules.md")
    args = ap.parse_args(argv)
    text = table(prowler_checks(), our_rules())
    sys.stdout.write(text)
    if args.write:
        from bio2scan.documents import atomic_write
        atomic_write(DOC, replace_table(DOC.read_text("utf-8"), text).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
