"""The ERROR results of what a scan could not collect: each collection error makes every rule of
its resource type (``*``: of every type) ERROR where it could not look — never PASS — with a
bound on how many results that gives (``LISTED_ERRORS``)."""

from __future__ import annotations

from ..model import CollectionError, Evidence, Result, Rule, Source, Status

# Per rule, resource type and scope, the collection errors that give an ERROR result each; the
# others there give one ERROR result together. Without this bound, every unreadable file gave
# an ERROR result for each rule and type it might have held (613 for a manifest): 5,000
# two-line broken files (293 KB) made 3 million results, 6 GB of memory and 8 GB of reports.
LISTED_ERRORS = 10

# (the error, the result's resource id, how many further errors it stands for: 0 for itself)
ErrorEntry = tuple[CollectionError, str, int]


def error_entries(errors: list[CollectionError], rtype: str) -> list[ErrorEntry]:
    """The ERROR results that ``errors`` (of one provider, for ``rtype`` or every type) give
    each rule of ``rtype``. Each error's resource id names the place and what failed there (the
    API call, or the file and line), so that several errors of one type and scope — two
    unreadable files, two refused calls — are several findings, not one id given twice
    (``finding_id`` must be unique in a results document); two at one place (a file's problems
    without a line) get ``#2``, ``#3`` …. Beyond ``LISTED_ERRORS`` in a scope, the first by
    resource id (whatever order they were recorded in) keep their own result and the rest
    share one, ``SCOPE:TYPE@(more)``, that counts them."""
    by_scope: dict[str, list[tuple[str, int, CollectionError]]] = {}
    for n, err in enumerate(errors):
        where = "/".join(x for x in (err.scope, err.region, err.namespace) if x)
        what = (f"{err.file}:{err.line}" if err.line else err.file) if err.file else err.api
        rid = f"{where or '*'}:{rtype}" + (f"@{what}" if what else "")
        by_scope.setdefault(err.scope, []).append((rid, n, err))
    out: list[ErrorEntry] = []
    for scope, found in by_scope.items():
        rest: list[tuple[str, int, CollectionError]] = []
        if len(found) > LISTED_ERRORS:
            found.sort(key=lambda e: (e[0], e[1]))
            found, rest = found[:LISTED_ERRORS], found[LISTED_ERRORS:]
        seen: dict[str, int] = {}
        for rid, _, err in found:
            k = seen[rid] = seen.get(rid, 0) + 1
            out.append((err, rid if k == 1 else f"{rid}#{k}", 0))
        if rest:
            rid = f"{scope or '*'}:{rtype}@(more)"
            k = seen[rid] = seen.get(rid, 0) + 1  # (a file named "(more)" keeps its own id)
            out.append((rest[0][2], rid if k == 1 else f"{rid}#{k}", len(rest)))
    return out


def error_result(rule: Rule, rtype: str, err: CollectionError, rid: str, more: int) -> Result:
    """The ERROR result of one rule for one collection error (``error_entries``), or for
    ``more`` errors of one scope, ``err`` the first of them (then in the scope as a whole)."""
    region, namespace = (None, None) if more else (err.region, err.namespace)
    where = "/".join(x for x in (err.scope, region, namespace) if x)
    reason = (
        f"{more} more collection errors here, each listed with the scan's collection errors; "
        f"the first: {err.reason}"
        if more
        else err.reason
    )
    return Result(
        rule.id,
        rid,
        rtype,
        f"{rtype} in {where or 'all scopes'}",
        err.scope,
        region,
        namespace,
        Status.ERROR,
        rule.severity,
        rule.controls,
        rule.measures,
        f"not collected ({err.code}): {reason}",
        (
            Evidence("collection errors", more, "none")
            if more
            else Evidence(err.api or rtype, None, "collected"),
        ),
        Source(api=err.api, region=err.region, file=err.file, line=err.line),
    )
