"""Convert rule files from the old link form to the current one (``make convert-links
FILES="rules/azure/entra/*.yaml"``, or ``python tests/convert_links.py FILE…``).

Old form: flow lists of ids, each id explained by a comment line below its list::

    controls: ["5.17", "8.5"]
    # mapping: 5.17 direct — MFA protects the sign-in
    # mapping: 8.5 supporting — Conditional Access enforces it
    measures: ["5.17.01"]
    # mapping: 5.17.01 direct — Covers: MFA for all users

New form (docs/rules.md#controls-and-measures)::

    controls:
      "5.17": {strength: direct, reason: "MFA protects the sign-in"}
      "8.5": {strength: supporting, reason: "Conditional Access enforces it"}
    measures:
      "5.17.01": {strength: direct, reason: "Covers: MFA for all users"}

The comment lines may also stand together after both lists. Only those lines change; the rest
of the file stays byte for byte. An id without a mapping line,
a mapping line for an id not in the list, or a strength other than direct/supporting stops the
conversion of that file with a message naming the file and line (nothing is written). The
loader checks the rest (reasons, the catalogue, info rules) when the rules load.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_LIST = re.compile(r"^(controls|measures):\s*\[(?P<ids>[^\]]*)\]\s*(#.*)?$")
_MAPPING = re.compile(
    r"^\s*#\s*mapping:\s*(?P<id>[0-9.]+)\s+(?P<strength>\S+)\s*(?:—|–|--|-|:)\s*(?P<reason>.+?)\s*$"
)


class ConvertError(ValueError):
    pass


def convert(text: str, name: str = "<rule>") -> str:
    """The file's text with its link lists and mapping comments turned into mappings. The
    comment lines may stand under each list or together after both."""
    lines = text.splitlines(keepends=True)
    lists: dict[str, tuple[int, list[str]]] = {}
    found: dict[str, tuple[str, str]] = {}
    for i, line in enumerate(lines):
        m = _LIST.match(line.rstrip("\n"))
        if m:
            ids = [x.strip().strip("'\"") for x in m.group("ids").split(",") if x.strip()]
            lists[m.group(1)] = (i, ids)
            continue
        mm = _MAPPING.match(line)
        if mm:
            bid, strength = mm.group("id"), mm.group("strength").lower()
            if strength not in ("direct", "supporting"):
                raise ConvertError(
                    f"{name}:{i + 1}: strength {strength!r} of {bid}: write direct or supporting"
                )
            found[bid] = (strength, mm.group("reason"))
    if not lists:
        return text
    listed = {b for _, ids in lists.values() for b in ids}
    for i, line in enumerate(lines):
        mm = _MAPPING.match(line)
        if mm and mm.group("id") not in listed:
            raise ConvertError(
                f"{name}:{i + 1}: mapping for {mm.group('id')}, which the controls and measures "
                "lists lack"
            )
    for section, (i, ids) in lists.items():
        missing = [b for b in ids if b not in found]
        if missing:
            raise ConvertError(
                f"{name}:{i + 1}: no '# mapping: <id> <strength> — <reason>' line for "
                f"{', '.join(missing)} under {section}"
            )
    out: list[str] = []
    for i, line in enumerate(lines):
        if _MAPPING.match(line):
            continue
        section = next((sec for sec, (j, _) in lists.items() if j == i), None)
        if section is None:
            out.append(line)
            continue
        out.append(f"{section}:\n")
        for bid in lists[section][1]:
            strength, reason = found[bid]
            out.append(
                f'  "{bid}": {{strength: {strength}, reason: {json.dumps(reason, ensure_ascii=False)}}}\n'
            )
    return "".join(out)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    status = 0
    for arg in argv:
        path = Path(arg)
        try:
            text = path.read_text("utf-8")
            new = convert(text, arg)
        except (OSError, ConvertError) as exc:
            print(f"convert-links: {exc}", file=sys.stderr)
            status = 1
            continue
        if new != text:
            path.write_text(new, "utf-8")
            print(f"converted {arg}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
