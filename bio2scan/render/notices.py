"""What a scan met but did not evaluate, and what it could not see at all, for every report.

The results document's ``coverage`` section holds the notices (objects not checked, files
skipped by design, duplicates) and the blind spots (scopes from which nothing could be read,
shards missing from a merge). Each renderer shows them in its own way — HTML and Markdown a
section, SARIF tool-execution notifications, JUnit test cases, CSV rows, the terminal lines —
from the plain values this module derives. Documents written before the section existed have
none of it.
"""

from __future__ import annotations

from typing import Any

CODES = ("not-checked", "skipped", "duplicate")
# the CSV ``status`` of a notice row (result rows carry PASS, FAIL …)
CSV_STATUS = {"not-checked": "NOT_CHECKED", "skipped": "SKIPPED", "duplicate": "DUPLICATE"}


def notices(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list((document.get("coverage") or {}).get("notices") or [])


def counts(document: dict[str, Any]) -> dict[str, int]:
    found = dict((document.get("coverage") or {}).get("counts") or {})
    return {c: int(found.get(c, 0)) for c in CODES}


def blind_spots(document: dict[str, Any]) -> list[str]:
    """Scopes from which nothing could be read and shards that are missing, as short texts."""
    cov = document.get("coverage") or {}
    out = [str(s) for s in cov.get("unread") or ()]
    missing = (cov.get("shards") or {}).get("missing") or []
    if missing:
        out.append("shards " + ", ".join(str(m) for m in missing))
    if not out and cov and cov.get("resources") == 0 and cov.get("errors"):
        out.append("no resources, only collection errors")
    return out


def where(n: dict[str, Any]) -> str:
    """``file:line`` of a notice (or the file, or nothing)."""
    f = n.get("file") or ""
    return f"{f}:{n['line']}" if f and n.get("line") else f


def what(n: dict[str, Any]) -> str:
    """``Kind/name`` of a notice's object, when known."""
    return "/".join(str(x) for x in (n.get("kind"), n.get("name")) if x)


def text(n: dict[str, Any]) -> str:
    """One line: what, where, why (and how to scan it)."""
    w, loc = what(n), where(n)
    head = " ".join(p for p in (w, f"({loc})" if loc and w else loc) if p)
    line = f"{n['code']}: {head} — {n['reason']}" if head else f"{n['code']}: {n['reason']}"
    return f"{line}; {n['hint']}" if n.get("hint") else line
