"""The results as the document lists them, made in one pass over the results: the rows
(``$defs/row`` of ``schemas/results.schema.json``), the NOT_APPLICABLE results summarised per
rule, resource type and reason, and the counts the roll-up and the summary read (per rule and
status, FAILs per severity).

One pass because the pass is what costs: at 10,000 objects the 110,000 results lie scattered
in memory after evaluation, and each pass over them (counting per rule, per status, per
severity, then the rows) paid for reaching them again.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from hashlib import sha256 as _sha256
from itertools import compress
from typing import Any, NamedTuple

from ..model import Result, Severity, Status
from ..parallel import collector_paused
from ..resultrows import RowFacts, Rows
from ..rowindex import RowIndex

EXAMPLES = 3  # resource ids named per group of NOT_APPLICABLE results
ACCEPTED = "ACCEPTED"  # a count per rule: WAIVED by a risk acceptance (not a not-applicable one)
_SHAREABLE = frozenset({str, int, bool, type(None)})  # values whose equality is their JSON's
_GROUP_KEY = ("rule_id", "resource_type", "reason")
_STATUS_KEYS = (*(s.value for s in Status), ACCEPTED)
_SEV_ORDER = tuple(s.value for s in Severity)


def na_reason(r: Result) -> str:
    """Why a NOT_APPLICABLE result does not apply, without the observed values (so that the
    results of one rule group by reason): ``does not apply: spec.type (expected == 'x')``,
    ``known only after deployment: …``, ``evaluated on live data only …``."""
    if not r.message.startswith("does not apply: "):
        return r.message
    ev = r.evidence
    text = "; ".join(f"{e.path} (expected {e.expected})" for e in ev[:EXAMPLES])
    more = f" and {len(ev) - EXAMPLES} more" if len(ev) > EXAMPLES else ""
    return f"does not apply: {text or 'the rule does not apply'}{more}"


def seed_groups(groups: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], Any]:
    """NOT_APPLICABLE groups summarised before (of shards being merged), by rule, resource type
    and reason: ``add_to_group`` adds results to them."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for g in groups:
        key = (g["rule_id"], g["resource_type"], g["reason"])
        entry = out.setdefault(key, {**dict(zip(_GROUP_KEY, key)), "count": 0, "examples": []})
        entry["count"] += int(g["count"])
        entry["examples"] = (entry["examples"] + list(g.get("examples", ())))[:EXAMPLES]
    return out


def add_to_group(out: dict[tuple[str, str, str], Any], r: Result) -> None:
    key = (r.rule_id, r.resource_type, na_reason(r))
    entry = out.get(key)
    if entry is None:
        entry = out[key] = {**dict(zip(_GROUP_KEY, key)), "count": 0, "examples": []}
    entry["count"] += 1
    if len(entry["examples"]) < EXAMPLES:
        entry["examples"].append(r.resource_id)


class _Row:
    """A row's fields in the schema's order. Only its ``__dict__`` is kept: CPython lets the
    dicts of one class's instances share one key table, so a row holds its 15 values and not
    15 keys as well — about 250 bytes less per row (at 100,000 objects, ~170 MB). The row is a
    plain ``dict`` for everyone who reads it."""

    def __init__(
        self,
        finding_id: str,
        rule_id: str,
        resource_id: str,
        resource_type: str,
        resource_name: Any,
        scope: Any,
        region: Any,
        namespace: Any,
        status: str,
        severity: str,
        controls: list[str],
        measures: list[str],
        message: str,
        evidence: list[dict[str, Any]],
        source: Any,
    ) -> None:
        self.finding_id = finding_id
        self.rule_id = rule_id
        self.resource_id = resource_id
        self.resource_type = resource_type
        self.resource_name = resource_name
        self.scope = scope
        self.region = region
        self.namespace = namespace
        self.status = status
        self.severity = severity
        self.controls = controls
        self.measures = measures
        self.message = message
        self.evidence = evidence
        self.source = source


class Listing(NamedTuple):
    """What one pass over the results gives (``listing``)."""

    rows: list[dict[str, Any]]
    groups: list[dict[str, Any]]  # NOT_APPLICABLE results summarised (and those of shards)
    counts: dict[str, Counter[str]]  # per rule: per status, and ACCEPTED (``count_results``)
    statuses: dict[str, int]  # per status, the summarised ones included
    failed: dict[str, int]  # FAILs per severity


def listing(
    results: Iterable[Result],
    not_applicable: Iterable[Mapping[str, Any]] = (),
    *,
    summarise: bool = True,
) -> Listing:
    """The rows of ``results``; with ``summarise`` their NOT_APPLICABLE results are added to
    the groups of ``not_applicable`` (shards' groups) instead of listed. The counts are those
    of every result (``rollup.count_results``); ``statuses`` also counts ``not_applicable``."""
    before = tuple(not_applicable)
    found = seed_groups(before)
    tallies: dict[str, dict[str, int]] = {}
    failed = dict.fromkeys(_SEV_ORDER, 0)
    with collector_paused():  # (rows hold no cycles)
        rows = _rows(results, found if summarise else None, tallies, failed)
    counts: dict[str, Counter[str]] = {}
    statuses = {s.value: 0 for s in Status}
    for rule_id, tally in tallies.items():
        counts[rule_id] = Counter({k: n for k, n in tally.items() if n})
        for k in statuses:
            statuses[k] += tally[k]
    for g in before:
        statuses[Status.NOT_APPLICABLE.value] += int(g["count"])
    return Listing(rows, [found[k] for k in sorted(found)], counts, statuses, failed)


def rows(results: Iterable[Result]) -> list[dict[str, Any]]:
    """The results as the document's rows (``schemas/results.schema.json``, ``$defs/row``).
    Rows are read, never changed in place, so the parts many rows have in common are made once
    and shared: a rule's ``controls``/``measures`` lists, a resource's ``source`` (a document of
    200,000 rows held 380 bytes less per row), equal ``evidence`` (7 of 8 rows at 10,000
    objects). Those are found by the identity of the result's
    tuple or ``Source`` (the engine gives every result of a rule and of a resource the same
    one), which ``keep`` holds alive while it is a key."""
    return _rows(results, None, {}, dict.fromkeys(_SEV_ORDER, 0))


def _rows(
    results: Iterable[Result],
    groups: dict[tuple[str, str, str], Any] | None,
    tallies: dict[str, dict[str, int]],
    failed: dict[str, int],
) -> list[dict[str, Any]]:
    """``rows``, counting every result into ``tallies`` (per rule and status) and ``failed``
    (per severity); with ``groups``, NOT_APPLICABLE results go there instead of into rows."""
    lists: dict[int, list[str]] = {}
    sources: dict[int, dict[str, Any]] = {}
    evs: dict[Any, list[dict[str, Any]]] = {}
    evs1: dict[Any, tuple[list[dict[str, Any]], type]] = {}
    keep: list[Any] = []
    listed = results if isinstance(results, (list, tuple)) else list(results)
    out: list[Any] = [None] * len(listed)
    skipped: list[int] = []  # positions of the NOT_APPLICABLE results summarised
    found: list[int] = []  # positions of the FAIL, ERROR and WAIVED results
    waived: list[int] = []  # positions of the results with a waiver
    scopes: set[Any] = set()
    shareable = _SHAREABLE
    sha = _sha256
    empty: list[dict[str, Any]] = []  # every result without evidence: one list
    summarised = Status.NOT_APPLICABLE if groups is not None else None
    fail, error, waived_ = Status.FAIL, Status.ERROR, Status.WAIVED
    # per rule: its controls and measures (the tuples, and their lists), its tally, and the
    # shapes of its rows (``RowIndex``: (status, severity, message, id(evidence list)) -> shape)
    per_rule: dict[
        str, tuple[Any, Any, list[str], list[str], dict[str, int], bytes, dict[Any, int]]
    ] = {}
    # the rows' index (``RowIndex``), by position in ``listed`` (lists while they are filled:
    # a list's item is set faster than an array's)
    shapes: list[int] = [-1] * len(listed)
    places: list[int] = [-1] * len(listed)
    shape_count = 0
    place_of: dict[tuple[Any, ...], int] = {}
    place = -1  # the place of the row before, and the four values that make it with its
    p_type: Any = None  # source, resource id and scope
    p_name: Any = None
    p_region: Any = None
    p_ns: Any = None
    last_source: Any = None
    last_id: Any = None
    last_scope: Any = None
    where = b""  # "scope\x1fresource id" of the finding ids, made once per resource
    src: Any = None
    for i in _memory_order(listed):
        r = listed[i]
        (rule_id, res_id, rtype, name, scope, region, ns, status, severity, controls, measures,
         message, evidence, source, waiver, change) = r  # fmt: skip
        rule = per_rule.get(rule_id)
        if rule is None or rule[0] is not controls or rule[1] is not measures:
            ctl = lists.get(id(controls))
            if ctl is None:
                ctl = lists[id(controls)] = list(controls)
                keep.append(controls)
            mea = lists.get(id(measures))
            if mea is None:
                mea = lists[id(measures)] = list(measures)
                keep.append(measures)
            tally = tallies.get(rule_id)
            if tally is None:
                tally = tallies[rule_id] = dict.fromkeys(_STATUS_KEYS, 0)
            rule = per_rule[rule_id] = (
                controls,
                measures,
                ctl,
                mea,
                tally,
                f"{rule_id}\x1f".encode(),
                {},
            )
        _, _, ctl, mea, tally, prefix, shape_of = rule
        sv = status._value_
        tally[sv] += 1
        if status is fail:
            failed[severity._value_] += 1
            found.append(i)
        elif status is waived_:
            found.append(i)
            if (waiver or {}).get("kind") != "not-applicable":
                tally[ACCEPTED] += 1
        elif status is error:
            found.append(i)
        elif status is summarised:
            skipped.append(i)
            continue
        moved = False  # (another source, resource id or scope than the row before's)
        if source is not last_source:  # the results of one resource come together
            last_source = source
            moved = True
            src = sources.get(id(source))
            if src is None:
                src = sources[id(source)] = source.to_dict()
                keep.append(source)
        if res_id is not last_id or scope is not last_scope:  # model.finding_id, in two parts
            last_id, last_scope = res_id, scope
            moved = True
            where = f"{scope}\x1f{res_id}".encode()
            scopes.add(scope)
        # the same evidence recurs across resources ("no values to check", a label absent):
        # one list for all of it, where equal also means the same JSON (no 1 == True == 1.0)
        ev: list[dict[str, Any]] | None = empty if not evidence else None
        if ev is None and len(evidence) == 1:  # most evidence: one value, by its Evidence
            e = evidence[0]
            kind = type(e[1])
            if kind in shareable:
                hit = evs1.get(e)
                if hit is None:
                    ev = [{"path": e[0], "value": e[1], "expected": e[2]}]
                    evs1[e] = (ev, kind)
                elif hit[1] is kind:
                    ev = hit[0]
        if ev is None:  # several values, or one equal to a value of another type
            kinds = tuple([type(e[1]) for e in evidence])
            key = (evidence, kinds) if shareable.issuperset(kinds) else None
            ev = evs.get(key) if key is not None else None
            if ev is None:
                ev = [{"path": p, "value": v, "expected": x} for p, v, x in evidence]
                if key is not None:
                    evs[key] = ev
        if type(message) is str:  # (else a shape of its own)
            skey = (sv, severity._value_, message, id(ev))
            shape = shape_of.get(skey, -1)
            if shape < 0:
                shape = shape_of[skey] = shape_count
                shape_count += 1
            shapes[i] = shape
        if (  # the results of one resource come together: mostly the place before
            moved
            or place < 0
            or rtype is not p_type
            or name is not p_name
            or region is not p_region
            or ns is not p_ns
        ):
            p_type, p_name, p_region, p_ns = rtype, name, region, ns
            place = -1
            at = (res_id, scope, rtype, name, region, ns)
            if all(x is None or type(x) is str for x in at):
                place = place_of.setdefault((id(src), *at), len(place_of))
        places[i] = place
        d: dict[str, Any] = _Row(
            sha(prefix + where).hexdigest()[:24],
            rule_id,
            res_id,
            rtype,
            name,
            scope,
            region,
            ns,
            sv,
            severity._value_,
            ctl,
            mea,
            message,
            ev,
            src,
        ).__dict__
        if waiver is not None:
            d["waiver"] = dict(waiver)
            waived.append(i)
        if change is not None:
            d["change"] = change
        out[i] = d
    found.sort()
    waived.sort()
    gone = summarised._value_ if summarised is not None else None  # (no rows of them)
    facts = RowFacts(
        [out[i] for i in found],
        [w for i in waived if (w := out[i]["waiver"])],
        scopes,
        {  # the rows' statuses
            rule_id: counts
            for rule_id, tally in tallies.items()
            if (counts := {k: n for k, n in tally.items() if n and k != ACCEPTED and k != gone})
        },
    )
    if skipped:  # in the results' order: a group names its first examples
        skipped.sort()
        for i in skipped:
            add_to_group(groups, listed[i])  # type: ignore[arg-type]
        shapes = list(compress(shapes, out))  # (a row is never empty: only gaps)
        places = list(compress(places, out))
        out = filter(None, out)  # type: ignore[assignment]
    # (4 bytes a row kept, not a pointer)
    return Rows(out, facts, RowIndex(array("i", shapes), array("i", places)))


def _memory_order(results: Sequence[Any]) -> Iterable[int]:
    """The positions of ``results`` in the order of their addresses in memory. Results are
    sorted by rule, but made resource by resource (all rules of one resource, then the next):
    visiting them in the order they were made finds a resource's values (ids, names, source)
    and the result's own parts still in the CPU's cache — at 10,000 objects this made the rows
    ~30 % faster than visiting them in the sorted order. Any order gives the same rows."""
    if len(results) < _IN_MEMORY_ORDER:
        return range(len(results))
    addresses = list(map(id, results))
    # 8 bytes a position while the rows are made, not an int object and a pointer (36)
    return array("q", sorted(range(len(results)), key=addresses.__getitem__))


_IN_MEMORY_ORDER = 1000  # below this, sorting the positions costs more than it saves
