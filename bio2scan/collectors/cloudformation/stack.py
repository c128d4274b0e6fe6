"""One CloudFormation template evaluated as far as it can be before deployment: parameters,
pseudo parameters, mappings, conditions and the intrinsic functions.

``Stack.resolve(value)`` turns a template value into data. What deployment decides comes back as
a ``Sym`` (an identity: ``${Bucket}``, ``${Key.Arn}``, ``${AWS::AccountId}``) or as
``Unknown`` (deferred: a runtime attribute; unresolved: a parameter without a value, a reference
to nothing) — never as a guess. Conditions are three-valued: ``True``, ``False`` or ``Unknown``.

The YAML short forms (``!Ref``, ``!Sub`` …) become their long forms while the file is read
(``yaml_tag``), so the evaluator sees one syntax.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..template_source import TemplateError
from ..template_values import (
    NOVALUE,
    Sym,
    Unknown,
    deferred,
    first_unknown,
    has_sym,
    unknown_within,
    unresolved,
)

PSEUDO = (
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
)

_SHORT = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
    "!Sub": "Fn::Sub",
    "!If": "Fn::If",
    "!Join": "Fn::Join",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap",
    "!Equals": "Fn::Equals",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Not": "Fn::Not",
    "!ImportValue": "Fn::ImportValue",
    "!GetAZs": "Fn::GetAZs",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!Transform": "Fn::Transform",
    "!Length": "Fn::Length",
    "!ToJsonString": "Fn::ToJsonString",
}

# GetAtt attributes whose value is an identity (an ARN, an id, a name, a host name): a Sym.
# Anything else (a CIDR block, an endpoint port …) is a value a rule might interpret: deferred.
_IDENTITY_ATTR = re.compile(r"(Arn|ARN|Id|ID|Ids|Name|Url|URL)$")
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


def yaml_tag(tag: str, value: Any, line: int) -> Any:
    """A CloudFormation short form as its long form: ``!GetAtt a.b`` → ``{"Fn::GetAtt": [a, b]}``."""
    name = _SHORT.get(tag)
    if name is None:
        raise TemplateError(
            f"unknown YAML tag {tag} (not a CloudFormation intrinsic function)", line
        )
    if name == "Fn::GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {name: value}


class Stack:
    """The evaluation context of one template.

    ``overrides``: ``--parameter`` values (and pseudo parameters such as ``AWS::Region``).
    ``ref_name(type)``: the property whose value ``Ref`` returns for that resource type when it
    is set (``BucketName``), ``getatt_is_ref(type, attr)``: attributes equal to ``Ref``.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        overrides: Mapping[str, str],
        ref_name: Callable[[str], str | None],
        getatt_is_ref: Callable[[str, str], bool],
    ) -> None:
        self.template = template
        self.problems: list[tuple[tuple[Any, ...], str]] = []  # (template path, message)
        self.ref_name = ref_name
        self.getatt_is_ref = getatt_is_ref
        self.pseudo: dict[str, Any] = {
            p: Sym(f"${{{p}}}") for p in PSEUDO if p not in ("AWS::NoValue",)
        }
        for p in PSEUDO:
            if p in overrides:
                self.pseudo[p] = overrides[p]
        self.resources: dict[str, Mapping[str, Any]] = {}
        for k, v in _section(template, "Resources").items():
            if str(k).startswith("Fn::ForEach"):
                self.problems.append(
                    (
                        ("Resources", k),
                        f"{k}: loops are not expanded; the resources it makes are not checked",
                    )
                )
            elif isinstance(v, Mapping):
                self.resources[k] = v
            else:
                self.problems.append((("Resources", k), f"{k}: a resource must be a mapping"))
        self.mappings = _section(template, "Mappings")
        self._conditions = _section(template, "Conditions")
        self._cond_cache: dict[str, Any] = {}
        self._resolving: set[str] = set()
        self.parameters: dict[str, Any] = {}
        self.noecho: set[str] = set()
        for name, spec in _section(template, "Parameters").items():
            self.parameters[name] = self._parameter(name, spec, overrides)
        self._fns: dict[str, Callable[[Any], Any]] = {
            "Fn::GetAtt": self._getatt,
            "Fn::Sub": self._sub,
            "Fn::If": self._if,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Equals": lambda a: self._condition_expr({"Fn::Equals": a}),
            "Fn::And": lambda a: self._condition_expr({"Fn::And": a}),
            "Fn::Or": lambda a: self._condition_expr({"Fn::Or": a}),
            "Fn::Not": lambda a: self._condition_expr({"Fn::Not": a}),
            "Fn::ImportValue": self._import,
            "Fn::GetAZs": lambda a: deferred("Fn::GetAZs: the Availability Zones of the region"),
            "Fn::Base64": self._base64,
            "Fn::Cidr": self._cidr,
            "Fn::Transform": lambda a: deferred("Fn::Transform: a macro that runs at deployment"),
            "Fn::Length": self._length,
            "Fn::ToJsonString": self._to_json,
        }

    # --- parameters ---------------------------------------------------------------------------
    def _parameter(self, name: str, spec: Any, overrides: Mapping[str, str]) -> Any:
        if not isinstance(spec, Mapping):
            self.problems.append((("Parameters", name), "a parameter must be a mapping"))
            return unresolved(f"Ref {name} (the parameter is malformed)")
        ptype = str(spec.get("Type", "String"))
        if str(spec.get("NoEcho", "")).lower() == "true":
            self.noecho.add(name)
        if ptype.startswith("AWS::SSM::Parameter::Value<"):
            return deferred(f"Ref {name}: the value of an SSM parameter, read at deployment")
        if name in overrides:
            raw: Any = overrides[name]
            if isinstance(raw, (Unknown, Sym)) or (isinstance(raw, list) and has_sym(raw)):
                return raw  # a nested stack's parameter, resolved in its parent
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            return unresolved(
                f"Ref {name} (a parameter without a default; pass --parameter {name}=VALUE)"
            )
        if isinstance(raw, (dict, list)) and not ptype.startswith(("List<", "CommaDelimited")):
            return unresolved(f"Ref {name} (the default is not a single value)")
        allowed = spec.get("AllowedValues")
        if name in self.noecho:
            value: Any = Sym(f"${{{name}}}")  # a secret: its value never enters the inventory
        elif ptype == "CommaDelimitedList" or ptype.startswith("List<"):
            items = raw if isinstance(raw, list) else str(raw).split(",")
            value = [str(x).strip() for x in items]
        else:
            value = _text(raw)
        if isinstance(allowed, list) and name not in self.noecho:
            vals = value if isinstance(value, list) else [value]
            bad = [v for v in vals if v not in [_text(a) for a in allowed]]
            if bad:
                return unresolved(f"Ref {name}: {bad[0]!r} is not one of its AllowedValues")
        return value

    # --- resolution ---------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        """A template value with every intrinsic function applied."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref":
                    return self.ref(arg)
                if isinstance(key, str) and key.startswith("Fn::"):
                    fn = self._fns.get(key)
                    if fn is None:
                        return unresolved(f"{key} is not supported")
                    return fn(arg)
            out: dict[str, Any] = {}
            for k, v in value.items():
                r = self.resolve(v)
                if r is not NOVALUE:
                    out[k] = r
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NOVALUE]
        return value

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return unresolved("Ref needs the name of a parameter or resource")
        if name == "AWS::NoValue":
            return NOVALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self.physical(name)
        return unresolved(f"Ref {name} (no parameter or resource of that name)")

    def physical(self, logical: str) -> Any:
        """What ``Ref`` of a resource gives: its name property when set, else ``${Logical}``."""
        res = self.resources[logical]
        prop = self.ref_name(str(res.get("Type", "")))
        props = res.get("Properties")
        if prop and isinstance(props, Mapping) and prop in props and logical not in self._resolving:
            self._resolving.add(logical)
            try:
                value = self.resolve(props[prop])
            finally:
                self._resolving.discard(logical)
            if isinstance(value, Sym):
                return Sym(str(value), ref=logical)
            if value is not NOVALUE:
                return value
        return Sym(f"${{{logical}}}", ref=logical)

    def _getatt(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return unresolved("Fn::GetAtt needs [resource, attribute]")
        logical, attr = arg[0], self.resolve(arg[1])
        if isinstance(attr, Unknown):
            return attr
        if not isinstance(logical, str) or logical not in self.resources:
            return unresolved(f"Fn::GetAtt {logical}.{attr} (no resource {logical})")
        attr = str(attr)
        rtype = str(self.resources[logical].get("Type", ""))
        if self.getatt_is_ref(rtype, attr):
            return self.physical(logical)
        if _IDENTITY_ATTR.search(attr.rsplit(".", 1)[-1]):
            return Sym(f"${{{logical}.{attr}}}", ref=logical)
        return deferred(f"Fn::GetAtt {logical}.{attr} is known after deployment")

    def _sub(self, arg: Any) -> Any:
        variables: Any = {}
        if isinstance(arg, list) and len(arg) == 2:
            text, variables = arg[0], self.resolve(arg[1])
        else:
            text = arg
        if not isinstance(text, str) or not isinstance(variables, dict):
            return unresolved("Fn::Sub needs a string or [string, {variables}]")
        parts: list[str] = []
        symbolic = False
        refs: list[str | None] = []
        pos = 0
        for m in _SUB_VAR.finditer(text):
            parts.append(text[pos : m.start()])
            pos = m.end()
            inner = m.group(1)
            if inner.startswith("!"):
                parts.append("${" + inner[1:] + "}")
                continue
            name = inner.strip()
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".", 1)[0] in self.resources:
                value = self._getatt(name.split(".", 1))
            else:
                value = self.ref(name)
            if isinstance(value, Unknown):
                return value
            if value is NOVALUE or isinstance(value, (list, dict)):
                return unresolved(f"Fn::Sub ${{{name}}} is not a single value")
            if isinstance(value, Sym):
                symbolic = True
                refs.append(value.ref)
            parts.append(_text(value))
        parts.append(text[pos:])
        out = "".join(parts)
        if symbolic:
            whole = len(refs) == 1 and len(parts) == 3 and parts[0] == parts[2] == ""
            return Sym(out, ref=refs[0] if whole else None)
        return out

    def _join(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return unresolved("Fn::Join needs [delimiter, [values]]")
        delim, items = self.resolve(arg[0]), self.resolve(arg[1])
        bad = first_unknown(delim, items)
        if bad:
            return bad
        if not isinstance(items, list) or not isinstance(delim, str):
            return unresolved("Fn::Join needs [delimiter, [values]]")
        bad = first_unknown(*items)
        if bad:
            return bad
        if any(isinstance(x, (list, dict)) for x in items):
            return unresolved("Fn::Join of a value that is not a string")
        out = str(delim).join(_text(x) for x in items)
        return Sym(out) if any(isinstance(x, Sym) for x in items) or isinstance(delim, Sym) else out

    def _select(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return unresolved("Fn::Select needs [index, [values]]")
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        bad = first_unknown(index, items)
        if bad:
            return bad
        try:
            i = int(index)
        except (TypeError, ValueError):
            return (
                deferred("Fn::Select with an index known at deployment")
                if isinstance(index, Sym)
                else unresolved(f"Fn::Select index {index!r} is not a number")
            )
        if not isinstance(items, list) or not 0 <= i < len(items):
            return unresolved(f"Fn::Select index {i} is outside the list")
        return items[i]

    def _split(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return unresolved("Fn::Split needs [delimiter, string]")
        delim, text = self.resolve(arg[0]), self.resolve(arg[1])
        bad = first_unknown(delim, text)
        if bad:
            return bad
        if isinstance(text, Sym) or isinstance(delim, Sym):
            return deferred("Fn::Split of a value known at deployment")
        if not isinstance(text, str) or not isinstance(delim, str) or not delim:
            return unresolved("Fn::Split needs [delimiter, string]")
        return text.split(delim)

    def _find_in_map(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            return unresolved("Fn::FindInMap needs [map, key, key]")
        name, k1, k2 = (self.resolve(a) for a in arg[:3])
        fallback = (
            self.resolve(arg[3]).get("DefaultValue", NOVALUE)
            if len(arg) == 4 and isinstance(arg[3], dict)
            else NOVALUE
        )
        bad = first_unknown(name, k1, k2)
        if bad:
            return bad
        table = self.mappings.get(name) if isinstance(name, str) else None
        if not isinstance(table, Mapping):
            return unresolved(f"Fn::FindInMap: no mapping {name!r}")
        firsts = list(table.values()) if isinstance(k1, Sym) else [table.get(k1)]
        found: list[Any] = []
        for level in firsts:
            if not isinstance(level, Mapping):
                continue
            found.extend(level.values() if isinstance(k2, Sym) else [level.get(k2, NOVALUE)])
        found = [f for f in found if f is not NOVALUE]
        if isinstance(k1, Sym) or isinstance(k2, Sym):
            if found and all(f == found[0] for f in found):
                return self.resolve(found[0])
            key = k1 if isinstance(k1, Sym) else k2
            return deferred(f"Fn::FindInMap {name} with the key {key}, known at deployment")
        if not found:
            if fallback is not NOVALUE:
                return fallback
            return unresolved(f"Fn::FindInMap {name}/{k1}/{k2}: no such entry")
        return self.resolve(found[0])

    def _if(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return unresolved("Fn::If needs [condition, value if true, value if false]")
        c = self.condition(arg[0])
        if c is True:
            return self.resolve(arg[1])
        if c is False:
            return self.resolve(arg[2])
        yes, no = self.resolve(arg[1]), self.resolve(arg[2])
        if _same(yes, no):
            return yes
        assert isinstance(c, Unknown)
        return Unknown(c.kind, f"Fn::If on condition {arg[0]}: {c.reason}")

    def _import(self, arg: Any) -> Any:
        name = self.resolve(arg)
        if isinstance(name, Unknown):
            return name
        return Sym(f"${{ImportValue:{_text(name)}}}")

    def _base64(self, arg: Any) -> Any:
        value = self.resolve(arg)
        if isinstance(value, (Unknown, Sym)):
            return value
        return base64.b64encode(_text(value).encode()).decode()

    def _cidr(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3):
            return unresolved("Fn::Cidr needs [ipBlock, count, cidrBits]")
        vals = [self.resolve(a) for a in arg]
        bad = first_unknown(*vals)
        if bad:
            return bad
        if any(isinstance(v, Sym) for v in vals):
            return deferred("Fn::Cidr of a block known at deployment")
        try:
            net = ipaddress.ip_network(str(vals[0]), strict=False)
            count, bits = int(vals[1]), int(vals[2])
            subnets = net.subnets(new_prefix=net.max_prefixlen - bits)
            return [str(s) for _, s in zip(range(count), subnets, strict=False)]
        except (ValueError, TypeError) as exc:
            return unresolved(f"Fn::Cidr: {exc}")

    def _length(self, arg: Any) -> Any:
        value = self.resolve(arg)
        if isinstance(value, Unknown):
            return value
        return len(value) if isinstance(value, list) else unresolved("Fn::Length needs a list")

    def _to_json(self, arg: Any) -> Any:
        value = self.resolve(arg)
        bad = unknown_within(value)
        if bad:
            return bad
        text = json.dumps(value, separators=(",", ":"))
        return Sym(text) if has_sym(value) else text

    # --- conditions ---------------------------------------------------------------------------
    def condition(self, name: str) -> bool | Unknown:
        """The value of a named condition: True, False or Unknown (why it cannot be decided)."""
        if name in self._cond_cache:
            cached = self._cond_cache[name]
            if cached is _CYCLE:
                return unresolved(f"condition {name} refers to itself")
            return cached  # type: ignore[no-any-return]
        if name not in self._conditions:
            return unresolved(f"condition {name} is not defined")
        self._cond_cache[name] = _CYCLE
        value = self._condition_expr(self._conditions[name])
        if isinstance(value, Unknown) and not value.reason.startswith(f"condition {name}"):
            value = Unknown(value.kind, f"condition {name} depends on {value.reason}")
        self._cond_cache[name] = value
        return value

    def _condition_expr(self, expr: Any) -> bool | Unknown:
        if isinstance(expr, Mapping) and len(expr) == 1:
            ((key, arg),) = expr.items()
            if key == "Condition" and isinstance(arg, str):
                return self.condition(arg)
            if key == "Fn::Equals":
                if not (isinstance(arg, list) and len(arg) == 2):
                    return unresolved("Fn::Equals needs two values")
                return _equals(self.resolve(arg[0]), self.resolve(arg[1]))
            if key == "Fn::Not":
                if not (isinstance(arg, list) and len(arg) == 1):
                    return unresolved("Fn::Not needs one condition")
                v = self._condition_expr(arg[0])
                return v if isinstance(v, Unknown) else not v
            if key in ("Fn::And", "Fn::Or"):
                if not isinstance(arg, list) or not arg:
                    return unresolved(f"{key} needs a list of conditions")
                vals = [self._condition_expr(a) for a in arg]
                decisive = bool(key == "Fn::Or")  # Or: any True decides; And: any False decides
                if any(v is decisive for v in vals):
                    return decisive
                pending = first_unknown(*vals)
                return pending if pending is not None else not decisive
        value = self.resolve(expr)
        if isinstance(value, Unknown):
            return value
        if isinstance(value, bool):
            return value
        if (
            isinstance(value, str)
            and value.lower() in ("true", "false")
            and not isinstance(value, Sym)
        ):
            return value.lower() == "true"
        return unresolved(f"not a condition: {json.dumps(value, default=str)[:80]}")


_CYCLE: Any = object()


def _section(template: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = template.get(name)
    return dict(value) if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _equals(a: Any, b: Any) -> bool | Unknown:
    bad = unknown_within(a) or unknown_within(b)
    if bad:
        return bad
    if has_sym(a) or has_sym(b):
        if _same(a, b):
            return True
        sym = next(x for x in (a, b) if has_sym(x))
        return deferred(
            f"{_text(sym) if not isinstance(sym, (list, dict)) else 'a value'}, known at deployment"
        )
    return _scalar_eq(a, b)


def _scalar_eq(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_scalar_eq(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return bool(a == b)
    return _text(a) == _text(b)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        return False
    return bool(a == b)
