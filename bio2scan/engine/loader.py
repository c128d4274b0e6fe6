"""Loading rule files: YAML → schema → compiled check → ``Rule``, with errors that name the file,
the line and the field.

Layout: a rule pack is a directory ``<root>/<provider>/<service>/<name>.yaml`` where the rule's id
is ``<provider>.<service>.<name>``. Validation runs in three passes: a structural pass against
the schema with a loose ``check``; compiling the check (sharp messages for conditions); the full
schema. A rule must name BIO2 controls that exist and active v1.3 government measures, each with
a strength (direct / supporting) and a one-line reason, never an organisational control or
measure (``automatable: no`` in the catalogue), and carry at least one PASS and one FAIL test
case.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..catalog import Catalog, load_catalog
from ..errors import RuleError, UsageError
from ..model import Param, Rule, Severity
from ..yamlsrc import YamlSyntaxError, dotted, line_for, load_with_lines
from . import rulecache
from .conditions import OPERATORS, ConditionError
from .evaluate import compile_rule
from .links import LINK_SYNTAX, check_links, link_shape
from .schema import rule_schema

if TYPE_CHECKING:  # jsonschema is imported when a rule file is validated, not from the cache
    import jsonschema


@functools.lru_cache(maxsize=2)
def _validator(loose: bool) -> jsonschema.protocols.Validator:
    import jsonschema

    schema = rule_schema(loose_check=loose)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _schema_error(validator: Any, data: Any) -> jsonschema.ValidationError | None:
    import jsonschema

    errors = list(validator.iter_errors(data))
    if not errors:
        return None
    # the deepest error is the most specific; among equals, jsonschema's own ranking
    best: jsonschema.ValidationError | None = jsonschema.exceptions.best_match(errors, key=_rank)
    return best


def _rank(error: jsonschema.ValidationError) -> tuple[Any, ...]:
    import jsonschema

    own: Any = jsonschema.exceptions.relevance(error)
    return (-len(error.absolute_path), *own)


def _humane(err: jsonschema.ValidationError) -> str:
    where = list(err.absolute_path)
    last = where[-1] if where else None
    if err.validator == "anyOf" and isinstance(last, str) and last in OPERATORS:
        want = (OPERATORS[last][1] or {}).get("type", "value")
        return (
            f"{err.instance!r}: '{last}' takes {'an' if want[0] in 'aeiou' else 'a'} "
            f"{want} (or {{param: NAME}})"
        )
    if where and where[0] in ("controls", "measures") and err.validator in ("type", "required"):
        return f"{err.message.replace('is a required property', 'is missing')}; write {LINK_SYNTAX}"
    if err.validator == "required":
        return err.message.replace("is a required property", "is missing")
    if err.validator == "additionalProperties":
        return err.message.replace(
            "Additional properties are not allowed", "unknown key(s) not allowed"
        )
    if err.validator == "pattern":
        return f"{err.instance!r} does not have the expected form ({err.validator_value})"
    if err.validator == "enum":
        allowed = err.validator_value if isinstance(err.validator_value, list) else []
        return f"{err.instance!r} is not one of {', '.join(map(str, allowed))}"
    return err.message


_CACHE: dict[tuple[Any, ...], Rule] = {}


def load_rule_file(
    path: Path,
    catalog: Catalog | None = None,
    pack: str = "builtin",
    root: Path | None = None,
    display: str | None = None,
) -> Rule:
    """Load and validate one rule file. Raises ``RuleError`` naming file, line and field.

    A file loaded before in this process with the same content, and loaded the same way, is not
    parsed and validated again: programs and test suites that load the rule set many times pay
    for it once. (The content is compared, not the size and modification time: an edit within
    the clock's resolution keeps both.)"""
    name = display or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RuleError(f"cannot read rule file: {exc}", file=name) from None
    key: tuple[Any, ...] | None = None
    if catalog is None:
        key = (
            hashlib.sha256(raw).digest(),
            str(Path(path).resolve()),
            pack,
            str(Path(root).resolve()) if root is not None else None,
            display,
        )
        if key in _CACHE:
            return _CACHE[key]
    rule = _load_rule_file(path, raw, catalog, pack, root, name)
    if key is not None:
        if len(_CACHE) > 20_000:
            _CACHE.clear()
        _CACHE[key] = rule
    return rule


def _load_rule_file(
    path: Path, raw: bytes, catalog: Catalog | None, pack: str, root: Path | None, name: str
) -> Rule:
    catalog = catalog or load_catalog()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError(f"cannot read rule file: {exc}", file=name) from None
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise RuleError(f"YAML syntax error: {exc}", file=name, line=exc.line) from None
    if not isinstance(data, dict):
        raise RuleError("a rule file holds one mapping (id, title, …)", file=name, line=1)

    def fail(message: str, field: tuple[Any, ...] | list[Any]) -> RuleError:
        return RuleError(
            message, file=name, line=line_for(lines, tuple(field)), field=dotted(field) or None
        )

    link_shape(data, fail, text)
    # the full schema first: a valid file (the usual case) is validated once; an invalid one
    # goes through the passes that give the sharpest message
    valid = _validator(False).is_valid(data)
    err = None if valid else _schema_error(_validator(True), data)
    if err is not None:
        raise fail(_humane(err), _error_field(err))
    rid: str = data["id"]
    if Path(path).stem != rid.rsplit(".", 1)[1]:
        raise fail(
            f"file name must be the last part of the id ({rid.rsplit('.', 1)[1]}.yaml)", ["id"]
        )
    if root is not None:
        # the directories above the file must spell the id: <provider>/<service>/<name>.yaml;
        # ``root`` may be the pack's root or any directory inside it (rules validate aws/)
        want = tuple(rid.split(".")[:-1])
        parts = Path(path).resolve().parent.parts
        if parts[-len(want) :] != want:
            rel = Path(path).resolve().parent.relative_to(Path(root).resolve()).parts
            raise fail(
                f"rule {rid} must live in {'/'.join(want)}/ of its pack "
                f"(found in {'/'.join(rel) or '.'})",
                ["id"],
            )
    links = check_links(data, catalog, fail)
    params = {}
    for pname, p in (data.get("params") or {}).items():
        if not _type_ok(p["default"], p["type"]):
            raise fail(
                f"default {p['default']!r} is not of type {p['type']}", ["params", pname, "default"]
            )
        params[pname] = Param(pname, p["default"], p["type"], p["description"])
    rule = Rule(
        id=rid,
        title=data["title"],
        rationale=data["rationale"],
        remediation=data["remediation"],
        severity=Severity(data["severity"]),
        resource_types=tuple(data["resource_types"]),
        controls=tuple(data["controls"]),
        measures=tuple(data.get("measures") or ()),
        links=links,
        references=tuple(data.get("references", ())),
        params=params,
        check=data["check"],
        tests=tuple(data["tests"]),
        needs=tuple(data.get("needs", ())),
        live_only=bool(data.get("live_only", False)),
        deprecated=bool(data.get("deprecated", False)),
        replaced_by=data.get("replaced_by"),
        file=name,
        pack=pack,
    )
    try:
        compiled = compile_rule(rule)
    except ConditionError as exc:
        field = list(_split_field(exc.field))
        raise fail(str(exc), field) from None
    # the related types its functions declare are what the collectors must fetch for it
    if not compiled.needs <= set(rule.needs):
        rule = replace(rule, needs=tuple(sorted(set(rule.needs) | compiled.needs)))
    err = None if valid else _schema_error(_validator(False), data)
    if err is not None:
        raise fail(_humane(err), _error_field(err))
    expects = {t["expect"] for t in data["tests"]}
    if not {"PASS", "FAIL"} <= expects:
        raise fail(
            "a rule needs at least one test case that must PASS and one that must FAIL", ["tests"]
        )
    return rule


def _error_field(err: jsonschema.ValidationError) -> list[Any]:
    """Where a schema error points: for an unknown key, the key itself (so the line is its
    line), otherwise the value that failed."""
    where = list(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
        extra = [k for k in err.instance if k not in known]
        if extra:
            where.append(extra[0])
    return where


def _split_field(field: str) -> list[Any]:
    out: list[Any] = []
    for part in field.replace("]", "").split("."):
        head, *idx = part.split("[")
        out.append(head)
        out.extend(int(i) for i in idx if i.isdigit())
    return out


def _type_ok(value: Any, typ: str) -> bool:
    return {
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "list": lambda v: isinstance(v, list),
    }[typ](value)


def load_rules_dir(
    root: Path,
    pack: str = "builtin",
    catalog: Catalog | None = None,
    display_root: str | None = None,
    *,
    cache: bool = True,
) -> list[Rule]:
    """Every ``*.yaml`` rule under ``root`` (sorted, so the order is stable).

    The validated rules are kept in the user's rule cache (``rulecache``), keyed by the content
    of the files: an unchanged directory is not parsed and validated again."""
    root = Path(root)
    if not root.is_dir():
        raise RuleError("not a directory of rules", file=str(root))
    files = sorted(root.rglob("*.yaml"))

    def shown(path: Path) -> str:
        return str(path) if display_root is None else f"{display_root}/{path.relative_to(root)}"

    # the validated rules of these exact files, loaded this way, from an earlier run (a
    # catalogue passed in is not the bundled one: no cache then)
    key = None
    if catalog is None and cache:
        key = rulecache.key_for(root, files, (pack, str(root), str(root.resolve()), display_root))
    hit = rulecache.read(key) if key is not None else None
    if hit is not None:
        cached, uncached = hit
        again = {root / rel for rel in uncached}
        by_file = {r.file: r for r in cached}
        out = []
        for path in files:
            if path in again:
                out.append(load_rule_file(path, catalog, pack, root=root, display=shown(path)))
            elif shown(path) in by_file:
                out.append(by_file[shown(path)])
            else:  # an entry that does not list every file is not this key's: load all
                break
        else:
            return out
    rules = [load_rule_file(p, catalog, pack, root=root, display=shown(p)) for p in files]
    if key is not None:
        rel = {shown(p): p.relative_to(root).as_posix() for p in files}
        rulecache.write(key, rules, lambda r: rel[r.file])
    return rules


def check_unique(rules: Iterable[Rule]) -> list[Rule]:
    seen: dict[str, Rule] = {}
    for r in rules:
        if r.id in seen:
            raise RuleError(
                f"duplicate rule id {r.id} (also in {seen[r.id].file})", file=r.file, field="id"
            )
        seen[r.id] = r
    return list(seen.values())


def parse_overrides(
    items: Iterable[str],
    rules: Mapping[str, Rule],
    base: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """``['k8s.workload.image_registry.allowed=[a,b]', …]`` → ``{rule_id: {param: value}}``.

    Values are coerced to the parameter's type; anything wrong is a ``UsageError``.
    """
    out: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (base or {}).items()}
    for rid, params in out.items():
        for pname, value in params.items():
            out[rid][pname] = _coerce_param(rules, rid, pname, value, f"config params.{rid}")
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or "." not in key:
            raise UsageError(f"--set {item!r}: expected RULE_ID.PARAM=VALUE")
        rid, _, pname = key.rpartition(".")
        out.setdefault(rid, {})[pname] = _coerce_param(rules, rid, pname, raw, f"--set {item!r}")
    return out


def _coerce_param(rules: Mapping[str, Rule], rid: str, pname: str, raw: Any, where: str) -> Any:
    rule = rules.get(rid)
    if rule is None:
        raise UsageError(f"{where}: no rule {rid!r}")
    p = rule.params.get(pname)
    if p is None:
        known = ", ".join(rule.params) or "none"
        raise UsageError(f"{where}: rule {rid} has no parameter {pname!r} (it has: {known})")
    if not isinstance(raw, str):
        if _type_ok(raw, p.type):
            return raw
        raise UsageError(f"{where}: expected {p.type} for {rid}.{pname}, got {raw!r}")
    try:
        if p.type == "integer":
            return int(raw)
        if p.type == "number":
            return float(raw)
        if p.type == "boolean":
            if raw.lower() in ("true", "yes", "1"):
                return True
            if raw.lower() in ("false", "no", "0"):
                return False
            raise ValueError(raw)
        if p.type == "list":
            body = raw.strip()
            if body.startswith("[") and body.endswith("]"):
                body = body[1:-1]
            return [x.strip() for x in body.split(",") if x.strip()]
        return raw
    except ValueError:
        raise UsageError(f"{where}: expected {p.type} for {rid}.{pname}, got {raw!r}") from None


def select(
    rules: Iterable[Rule],
    *,
    patterns: Iterable[str] = (),
    controls: Iterable[str] = (),
    min_severity: Severity | None = None,
    providers: Iterable[str] = (),
    include_deprecated: bool = False,
) -> list[Rule]:
    """The rules matching every given filter (ids or glob patterns, controls or measures,
    severity at or above, providers)."""
    pats = [p for p in patterns if p]
    ctl = set(controls)
    prov = set(providers)
    out = []
    for r in rules:
        if r.deprecated and not include_deprecated:
            continue
        if pats and not any(fnmatch.fnmatchcase(r.id, p) for p in pats):
            continue
        if ctl and not (ctl & set(r.controls) or ctl & set(r.measures)):
            continue
        if min_severity is not None and r.severity.rank < min_severity.rank:
            continue
        if prov and r.provider not in prov:
            continue
        out.append(r)
    return out
