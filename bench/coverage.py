"""AWS rule coverage per ISO/IEC 27002:2022 control, against Prowler's ISO 27001:2022 mapping.

For every control where Prowler maps AWS checks, print how many distinct Prowler checks map to it
and how many bio2scan AWS rules list it among their ``controls``. ``docs/aws-rules.md`` carries the
Markdown table this prints between its ``coverage:begin``/``coverage:end`` markers; a test
regenerates it and fails when the rules changed but the document did not.

    python bench/coverage.py            # the Markdown table
    python bench/coverage.py --write    # also rewrite the generated blocks of docs/aws-rules.md
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
RULES_BEGIN, RULES_END = "<!-- rules:begin -->", "<!-- rules:end -->"

# Prowler check-id prefixes (its service names) of the services bio2scan's AWS collector reads.
# A Prowler check on any other service (Glue, SageMaker, DynamoDB …) has no bio2scan counterpart
# by construction; the third column separates those from real gaps.
COLLECTED = frozenset(
    {
        "iam",
        "s3",
        "cloudtrail",
        "cloudwatch",
        "kms",
        "ec2",
        "vpc",
        "elb",
        "elbv2",
        "cloudfront",
        "rds",
        "backup",
        "guardduty",
        "securityhub",
        "config",
        "inspector2",
        "accessanalyzer",
        "awslambda",
        "ecr",
        "eks",
        "secretsmanager",
        "sns",
        "sqs",
        "acm",
        "route53",
    }
)


def collected(check_id: str) -> bool:
    return check_id.split("_", 1)[0] in COLLECTED


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


def aws_rules() -> list:
    """The built-in AWS rules that are not deprecated, by id."""
    from bio2scan.api import load_rules

    return sorted(
        (r for r in load_rules().values() if r.id.startswith("aws.") and not r.deprecated),
        key=lambda r: r.id,
    )


def our_rules(rules: list | None = None) -> dict[str, set[str]]:
    """control -> the ids of built-in AWS rules that list it."""
    out: dict[str, set[str]] = defaultdict(set)
    for rule in aws_rules() if rules is None else rules:
        for control in rule.controls:
            out[control].add(rule.id)
    return dict(out)


def rule_index(rules: list) -> str:
    """One Markdown line per rule, grouped by service, with the per-service count."""
    by_service: dict[str, list] = defaultdict(list)
    for r in rules:
        by_service[r.id.split(".")[1]].append(r)
    lines = [f"{len(rules)} rules in {len(by_service)} services.", ""]
    for service in sorted(by_service):
        group = by_service[service]
        lines.append(f"**{service}** ({len(group)})")
        lines.append("")
        for r in group:
            measures = f"; measures {', '.join(r.measures)}" if r.measures else ""
            lines.append(
                f"- `{r.id}` [{r.severity.value}] {r.title['en']} — controls "
                f"{', '.join(r.controls)}{measures}"
            )
        lines.append("")
    return "\n".join(lines)


def table(prowler: dict[str, set[str]], ours: dict[str, set[str]]) -> str:
    lines = [
        "| Control | Prowler AWS checks | of which on services bio2scan collects "
        "| bio2scan AWS rules | |",
        "|---|---:|---:|---:|---|",
    ]
    for control in sorted(set(prowler) | set(ours), key=_key):
        checks = prowler.get(control, set())
        p, o = len(checks), len(ours.get(control, ()))
        pc = sum(1 for c in checks if collected(c))
        mark = "" if o >= p else ("fewer — see below" if o < pc else "fewer (other services)")
        lines.append(f"| {control} | {p} | {pc} | {o} | {mark} |")
    p_total = len(set().union(*prowler.values())) if prowler else 0
    o_total = len(set().union(*ours.values())) if ours else 0
    behind = sum(1 for c in prowler if len(ours.get(c, ())) < len(prowler[c]))
    pc_total = sum(1 for c in set().union(*prowler.values()) if collected(c)) if prowler else 0
    lines.append(
        f"| **distinct** | **{p_total}** | **{pc_total}** | **{o_total}** | {behind} of "
        f"{len(prowler)} Prowler controls with fewer |"
    )
    return "\n".join(lines) + "\n"


def replace_block(doc: str, new: str, begin: str = BEGIN, end: str = END) -> str:
    head, rest = doc.split(begin, 1)
    _old, tail = rest.split(end, 1)
    return f"{head}{begin}\n{new}{end}{tail}"


def render_doc(doc: str) -> str:
    """``doc`` with both generated blocks brought up to date."""
    rules = aws_rules()
    doc = replace_block(doc, table(prowler_checks(), our_rules(rules)))
    return replace_block(doc, rule_index(rules), RULES_BEGIN, RULES_END)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite the table in docs/aws-rules.md")
    args = ap.parse_args(argv)
    sys.stdout.write(table(prowler_checks(), our_rules()))
    if args.write:
        from bio2scan.documents import atomic_write

        atomic_write(DOC, render_doc(DOC.read_text("utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
