"""Waivers: BIO2 risk acceptances and "not applicable" declarations, with an owner and an expiry.

A waivers file (YAML, validated against ``schemas/waivers.schema.json``)::

    waivers:
      - id: RISK-2026-014                   # unique; shown in every report
        rules: [k8s.pod.host_network]       # rule ids or glob patterns (`rule:` works too)
        resources: ["monitoring/DaemonSet/*"]   # optional: resource ids or globs
        scopes: ["prod-cluster"]            # optional: account / subscription / cluster globs
        tags: {team: monitoring}            # optional: resource tags or labels (value globs)
        owner: team-monitoring@example.nl
        approver: ciso@example.nl           # optional
        reason: node-exporter reads host network statistics
        reference: RISK-REG-2026-014        # optional: ticket or risk-register entry
        expires: 2026-12-31                 # through the end of that day, Europe/Amsterdam
        kind: risk-acceptance               # or not-applicable (default: risk-acceptance)
      - id: VVT-2026-003                    # a government measure declared not applicable
        measures: ["8.01.01"]               # (Statement of Applicability): kind not-applicable
        kind: not-applicable
        owner: ciso@example.nl
        reason: no mobile devices process information of this system
        expires: 2027-06-30

Why these choices:

* **Expiry** is a calendar date, as a risk register writes it. A waiver applies *through the end
  of that day in Europe/Amsterdam* (the organisations this tool is for keep Dutch time), i.e.
  until 00:00 Amsterdam time of the next day: 22:00 UTC in summer, 23:00 UTC in winter.
* **Only FAIL results are waived.** A waiver accepts a known deviation; it never turns "could
  not look" (ERROR) into an accepted state, and a PASS needs no waiver.
* **Government measures cannot be risk-accepted** (BIO2 part 1 §12/§16: they are the mandatory
  minimum; they may only be declared not applicable in the Statement of Applicability). A
  ``risk-acceptance`` waiver whose rule patterns cover a rule that carries a government measure
  is an input error (exit 2) naming the waiver and the rule — checked against the rules of the
  scan, and by ``bio2scan waivers check`` against every installed rule. Globs are not an escape:
  narrow the patterns or declare ``kind: not-applicable``.
* **Expired** waivers stop applying and are listed; active waivers that cover a rule of the
  scan but match no FAIL are listed as **stale** (the finding was fixed or the pattern is
  wrong); waivers expiring within ``soon_days`` are listed as **expiring soon**.
* **A waiver for every rule** (a pattern such as ``*`` that matches any rule id) must say so
  with ``all_rules: true`` (and then needs no ``rules``); every report lists it, because it
  turns every FAIL of the scan into an accepted one.
* **Measures** (``measures: [C.NN.MM]``, only with ``kind: not-applicable``) declare government
  measures not applicable, as the Statement of Applicability does: the measure's status becomes
  ``not-applicable`` with the waiver's owner and reason. They waive no result by themselves.
* **Far-future expiry** (``9999-12-31``) is accepted: such a waiver simply does not expire.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .catalog import load_catalog
from .documents import schema
from .errors import WaiverError
from .model import Result, Rule, Status
from .yamlsrc import YamlSyntaxError, dotted, line_for, load_with_lines

KINDS = ("risk-acceptance", "not-applicable")
TIMEZONE = "Europe/Amsterdam"
Lines = Mapping[tuple[Any, ...], int]


# the instant that stands for "never" (a date at the end of the calendar: 9999-12-31)
NEVER = _dt.datetime.max.replace(tzinfo=_dt.UTC)
# a pattern that matches every one of these matches every rule id of any provider
_PROBE_IDS = ("aws.s3.bucket_x", "azure.storage.y", "k8s.pod.z", "example.widget.thing_1")


def matches_every_rule(pattern: str) -> bool:
    return all(fnmatch.fnmatchcase(p, pattern) for p in _PROBE_IDS)


def end_of_day(day: _dt.date) -> _dt.datetime:
    """The UTC instant at which a waiver expiring on ``day`` stops applying: the next
    midnight in Europe/Amsterdam (``NEVER`` for the last day of the calendar)."""
    if day >= _dt.date.max - _dt.timedelta(days=1):
        return NEVER
    try:
        tz = ZoneInfo(TIMEZONE)
    except ZoneInfoNotFoundError:
        return eu_end_of_day(day)
    nxt = day + _dt.timedelta(days=1)
    return _dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz).astimezone(_dt.UTC)


def eu_end_of_day(day: _dt.date) -> _dt.datetime:
    """``end_of_day`` without a tz database (slim container images): the EU rule, in force
    since 1996 — summer time from the last Sunday of March to the last Sunday of October,
    switching at 01:00 UTC, so at local midnight the date alone decides the offset."""
    nxt = day + _dt.timedelta(days=1)
    offset = 2 if _last_sunday(nxt.year, 3) < nxt <= _last_sunday(nxt.year, 10) else 1
    return _dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=_dt.UTC) - _dt.timedelta(hours=offset)


def _last_sunday(year: int, month: int) -> _dt.date:
    last = _dt.date(year + month // 12, month % 12 + 1, 1) - _dt.timedelta(days=1)
    return last - _dt.timedelta(days=(last.weekday() + 1) % 7)


@dataclass(frozen=True)
class Waiver:
    id: str
    rules: tuple[str, ...]
    owner: str
    reason: str
    expires: _dt.date
    kind: str = "risk-acceptance"
    approver: str | None = None
    reference: str | None = None
    resources: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    line: int | None = None
    index: int = 0
    measures: tuple[str, ...] = ()
    all_rules: bool = False

    @property
    def expires_at(self) -> _dt.datetime:
        return end_of_day(self.expires)

    def active(self, now: _dt.datetime) -> bool:
        return now < self.expires_at

    def covers_rule(self, rule_id: str) -> bool:
        return self.all_rules or any(fnmatch.fnmatchcase(rule_id, p) for p in self.rules)

    def matches(self, result: Result, tags: Mapping[str, str]) -> bool:
        if not self.covers_rule(result.rule_id):
            return False
        if self.resources and not any(
            fnmatch.fnmatchcase(result.resource_id, p) for p in self.resources
        ):
            return False
        if self.scopes and not any(fnmatch.fnmatchcase(result.scope, p) for p in self.scopes):
            return False
        return all(k in tags and fnmatch.fnmatchcase(str(tags[k]), v) for k, v in self.tags.items())

    def to_dict(self) -> dict[str, Any]:
        """What a waived result carries (and every report shows)."""
        return {
            "id": self.id,
            "owner": self.owner,
            "approver": self.approver,
            "reason": self.reason,
            "reference": self.reference,
            "expires": self.expires.isoformat(),
            "kind": self.kind,
        }

    def listing(self) -> dict[str, Any]:
        """The waiver as listed under expired / stale / expiring soon: with what it covers."""
        d = self.to_dict()
        d["rules"] = ["*"] if self.all_rules else list(self.rules)
        if self.all_rules:
            d["all_rules"] = True
        if self.measures:
            d["measures"] = list(self.measures)
        if self.resources:
            d["resources"] = list(self.resources)
        if self.scopes:
            d["scopes"] = list(self.scopes)
        if self.tags:
            d["tags"] = dict(self.tags)
        return d


@dataclass(frozen=True)
class WaiverSet:
    file: str
    waivers: tuple[Waiver, ...]
    lines: Lines = field(default_factory=dict)

    def check_rules(self, rules: Mapping[str, Rule]) -> None:
        """Refuse risk acceptances of rules that carry a BIO2 government measure."""
        for w in self.waivers:
            if w.kind != "risk-acceptance":
                continue
            for rid in sorted(rules):
                rule = rules[rid]
                if rule.measures and w.covers_rule(rid):
                    raise WaiverError(
                        f"waiver {w.id!r} is a risk-acceptance, but rule {rid} carries BIO2 "
                        f"government measure(s) {', '.join(rule.measures)}, which cannot be "
                        "risk-accepted; declare it 'kind: not-applicable' (Statement of "
                        "Applicability) or narrow its rules",
                        file=self.file,
                        line=line_for(self.lines, ("waivers", w.index, "kind")) or w.line,
                        field=f"waivers[{w.index}].kind",
                    )

    def unknown_rules(self, rules: Iterable[str]) -> list[tuple[Waiver, str]]:
        """(waiver, pattern) pairs that match no rule at all: a typo, or a rule pack missing."""
        ids = list(rules)
        return [
            (w, p)
            for w in self.waivers
            for p in w.rules
            if not any(fnmatch.fnmatchcase(i, p) for i in ids)
        ]

    def expiring(self, now: _dt.datetime, days: int) -> list[Waiver]:
        """Active waivers that stop applying within ``days`` days of ``now``."""
        horizon = now + _dt.timedelta(days=days)
        return sorted(
            (w for w in self.waivers if w.active(now) and w.expires_at <= horizon),
            key=lambda w: (w.expires, w.id),
        )

    def expired(self, now: _dt.datetime) -> list[Waiver]:
        return [w for w in self.waivers if not w.active(now)]

    def declarations(self, now: _dt.datetime) -> dict[str, dict[str, Any]]:
        """Government measures declared not applicable by an active waiver → the declaration
        (the first in file order wins)."""
        out: dict[str, dict[str, Any]] = {}
        for w in self.waivers:
            if w.active(now):
                for m in w.measures:
                    out.setdefault(m, w.to_dict())
        return out

    def all_rules_waivers(self) -> list[Waiver]:
        return [w for w in self.waivers if w.all_rules]


def _dates_to_text(value: Any) -> Any:
    """YAML reads ``2026-12-31`` as a date; the schema speaks JSON, so make it text again."""
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    if isinstance(value, _dt.datetime):
        return value.isoformat()  # rejected by the schema's pattern: a date, not a time
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _tuple(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    return (v,) if isinstance(v, str) else tuple(v)


def bad_date_line(text: str) -> tuple[int, str] | None:
    """Line and value of the first ``key: YYYY-MM-DD`` that is no calendar date. YAML itself
    fails on those (2026-02-30) before any line is known; this finds it for the message."""
    import re

    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^[\s-]*[\w-]+:\s*(\d{4}-\d{1,2}-\d{1,2})\s*(#.*)?$", line)
        if m:
            try:
                _dt.date(*(int(x) for x in m.group(1).split("-")))
            except ValueError:
                return n, m.group(1)
    return None


def load(path: Any) -> WaiverSet:
    """Read and validate a waivers file; every error names file, line and field."""
    from pathlib import Path

    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WaiverError(
            f"cannot read: {getattr(exc, 'strerror', None) or exc}", file=str(path)
        ) from None
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise WaiverError(f"YAML syntax error: {exc}", file=str(path), line=exc.line) from None
    except ValueError as exc:  # YAML read a date-like value that is no date (2026-02-30)
        line, value = bad_date_line(text) or (None, "")
        raise WaiverError(
            f"{value!r} is not a calendar date ({exc})" if line else f"invalid value: {exc}",
            file=str(path),
            line=line,
        ) from None
    return parse(data, lines, str(path))


def parse(data: Any, lines: Lines, file: str) -> WaiverSet:
    """Validate a loaded waivers file; every error names file, line and field."""
    if data is None:
        data = {"waivers": []}
    data = _dates_to_text(data)
    import jsonschema  # only when a waivers file is read

    validator = jsonschema.Draft202012Validator(schema("waivers"))
    err = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if err is not None:
        path = list(err.absolute_path)
        message = err.message
        if err.validator == "required" and isinstance(err.instance, dict):
            missing = [k for k in err.validator_value if k not in err.instance]
            if missing:
                path.append(missing[0])
                message = f"'{missing[0]}' is required"
        elif err.validator == "anyOf" and isinstance(err.instance, dict):
            path.append("rules")
            message = (
                "'rules' is required (rule ids or glob patterns), or 'measures' (government "
                "measures declared not applicable), or 'all_rules: true'"
            )
        elif (
            err.validator == "not"
            and isinstance(err.instance, dict)
            and "rules" in err.instance
            and "rule" in err.instance
        ):
            message = "give 'rules' or 'rule', not both"
        elif err.validator == "pattern" and path and path[-1] == "expires":
            message = f"{err.instance!r} is not a date (YYYY-MM-DD)"
        raise WaiverError(
            message, file=file, line=line_for(lines, tuple(path)), field=dotted(path) or None
        )
    out: list[Waiver] = []
    seen: dict[str, int] = {}
    for i, w in enumerate(data["waivers"]):
        line = line_for(lines, ("waivers", i))
        try:
            expires = _dt.date.fromisoformat(w["expires"])
        except ValueError:
            raise WaiverError(
                f"{w['expires']!r} is not a calendar date",
                file=file,
                line=line_for(lines, ("waivers", i, "expires")),
                field=f"waivers[{i}].expires",
            ) from None
        if w["id"] in seen:
            raise WaiverError(
                f"duplicate waiver id {w['id']!r} (first at line {seen[w['id']]})",
                file=file,
                line=line_for(lines, ("waivers", i, "id")),
                field=f"waivers[{i}].id",
            )
        seen[w["id"]] = line or 0
        rules = _tuple(w.get("rules", w.get("rule")))
        _check_scope(w, i, rules, file, lines)
        out.append(
            Waiver(
                id=w["id"],
                rules=rules,
                owner=w["owner"],
                reason=w["reason"],
                expires=expires,
                kind=w.get("kind", "risk-acceptance"),
                approver=w.get("approver"),
                reference=w.get("reference"),
                resources=_tuple(w.get("resources")),
                scopes=_tuple(w.get("scopes")),
                tags=dict(w.get("tags") or {}),
                line=line,
                index=i,
                measures=tuple(w.get("measures") or ()),
                all_rules=bool(w.get("all_rules")),
            )
        )
    return WaiverSet(file=file, waivers=tuple(out), lines=dict(lines))


def _check_scope(
    w: Mapping[str, Any], i: int, rules: tuple[str, ...], file: str, lines: Lines
) -> None:
    """``all_rules`` said when meant, and only then; measures only declared not applicable,
    and only v1.3 measures."""

    def error(message: str, key: str) -> WaiverError:
        return WaiverError(
            message,
            file=file,
            line=line_for(lines, ("waivers", i, key)),
            field=f"waivers[{i}].{key}",
        )

    key = "rules" if "rules" in w else "rule"
    broad = [p for p in rules if matches_every_rule(p)]
    if broad and not w.get("all_rules"):
        raise error(
            f"pattern {broad[0]!r} matches every rule: a waiver for all rules must say so with "
            "'all_rules: true' (every report then lists it), or name the rules it is for",
            key,
        )
    if w.get("all_rules") and rules and not broad:
        raise error(
            "'all_rules: true' with rules that do not match every rule: give one or the other",
            "all_rules",
        )
    if w.get("all_rules") is False:
        raise error("'all_rules: false' says nothing: leave it out", "all_rules")
    measures = w.get("measures") or []
    if measures and w.get("kind", "risk-acceptance") != "not-applicable":
        raise error(
            "government measures can only be declared not applicable (BIO2 part 1 §12/§16): "
            "set 'kind: not-applicable'",
            "measures",
        )
    catalog = load_catalog()
    for j, m in enumerate(measures):
        why = catalog.check_measure(m)
        if why:
            raise WaiverError(
                why,
                file=file,
                line=line_for(lines, ("waivers", i, "measures", j)),
                field=f"waivers[{i}].measures[{j}]",
            )


TagsOf = Callable[[Result], Mapping[str, str]]


def apply(
    results: Sequence[Result],
    waivers: WaiverSet,
    rules: Mapping[str, Rule],
    now: _dt.datetime,
    tags_of: TagsOf = lambda r: {},
    soon_days: int = 30,
) -> tuple[list[Result], dict[str, Any]]:
    """Waive the FAIL results that an active waiver matches (the first in file order wins).

    Returns the new results and the ``waivers`` section of the results document."""
    waivers.check_rules(rules)
    active = [w for w in waivers.waivers if w.active(now)]
    matched: set[str] = set()
    applied = 0
    out: list[Result] = []
    for r in results:
        if r.status is Status.FAIL and active:
            tags = tags_of(r)
            hits = [w for w in active if w.matches(r, tags)]
            if hits:
                matched.update(w.id for w in hits)
                r = r._replace(status=Status.WAIVED, waiver=hits[0].to_dict())
                applied += 1
        out.append(r)
    stale = [w for w in active if w.id not in matched and any(w.covers_rule(rid) for rid in rules)]
    section = {
        "file": waivers.file,
        "applied": applied,
        "expired": [w.listing() for w in waivers.expired(now)],
        "stale": [w.listing() for w in stale],
        "expiring_soon": [w.listing() for w in waivers.expiring(now, soon_days)],
        "all_rules": [w.listing() for w in waivers.all_rules_waivers()],
        "declarations": [w.listing() for w in waivers.waivers if w.measures and w.active(now)],
    }
    return out, section
