"""One ARM template evaluated as far as it can be before deployment.

Parameters (defaults, a deployment parameters file, ``--parameter``), variables (with variable
``copy``), resource and property ``copy`` loops, ``condition``, child resources (``resources``
inside a resource), extension resources (``scope``, or the older ``…/providers/…`` form) and
``Microsoft.Resources/deployments`` with an inline ``template`` (outer and inner expression
scope) or a ``templateLink`` to a local file. The result is a flat list of ``ArmResource``:
full type, full name, resource id, evaluated body, and the file and line it came from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..template_source import TemplateError, line_for
from ..template_values import NOVALUE, UNRESOLVED, Sym, Unknown, deferred, unresolved
from .expressions import Call, Evaluator, is_expression
from .functions import FUNCTIONS, list_function, truth
from .parts import (
    _CYCLE,
    ArmResource,
    Problem,
    Scope,
    _join,
    _obj,
    _typed,
    truthy_count,
    type_and_names,
)

log = logging.getLogger("bio2scan.collectors.arm")

MAX_COPY = 800  # ARM's own limit on copy count
MAX_NESTING = 8
DEPLOYMENTS = "microsoft.resources/deployments"


class Template:
    """``doc``: the template; ``values``: parameter values given for it (already evaluated)."""

    def __init__(
        self,
        doc: Mapping[str, Any],
        lines: Any,
        file: str,
        scope: Scope,
        values: Mapping[str, Any],
        load: Callable[[str, str], tuple[Any, Any, str]],
        *,
        path: tuple[Any, ...] = (),
        depth: int = 0,
        outer: Template | None = None,
    ) -> None:
        self.doc, self.lines, self.file, self.scope = doc, lines, file, scope
        self.load, self.path, self.depth, self.outer = load, path, depth, outer
        self.problems: list[Problem] = []
        self.resources: list[ArmResource] = []
        self._vars: dict[str, Any] = _obj(doc.get("variables"))
        self._var_cache: dict[str, Any] = {}
        self._copy: list[tuple[str, Any]] = []
        functions = dict(FUNCTIONS)
        functions.update(
            {
                "parameters": self._fn_parameters,
                "variables": self._fn_variables,
                "copyindex": self._fn_copy_index,
                "resourcegroup": lambda ev, node: self._resource_group(),
                "subscription": lambda ev, node: self._subscription(),
                "tenant": lambda ev, node: {"tenantId": self.scope.tenant},
                "deployment": lambda ev, node: self._deployment(),
                "environment": lambda ev, node: {"name": "AzureCloud"},
                "resourceid": self._fn_resource_id("rg"),
                "subscriptionresourceid": self._fn_resource_id("sub"),
                "tenantresourceid": self._fn_resource_id("tenant"),
                "extensionresourceid": self._fn_extension_id,
            }
        )
        self.ev = _TemplateEvaluator(functions, self)
        self.params: dict[str, Any] = {}
        if outer is None:
            specs = _obj(doc.get("parameters"))
            for name, spec in specs.items():
                self.params[name.lower()] = self._parameter(name, spec, values)

    # --- parameters and variables ------------------------------------------------------------
    def _parameter(self, name: str, spec: Any, values: Mapping[str, Any]) -> Any:
        spec = spec if isinstance(spec, dict) else {}
        ptype = str(spec.get("type", "string")).lower()
        given = next((v for k, v in values.items() if k.lower() == name.lower()), NOVALUE)
        if ptype in ("securestring", "secureobject"):
            if given is NOVALUE and "defaultValue" not in spec:
                return unresolved(f"parameters('{name}') (a secure parameter without a value)")
            return Sym(f"${{{name}}}")  # a secret: its value never enters the inventory
        if given is not NOVALUE:
            value = _typed(given, ptype)
        elif "defaultValue" in spec:
            value = self.ev.value(spec["defaultValue"])
        else:
            return unresolved(
                f"parameters('{name}') (no default value; give it in --parameters FILE "
                f"or --parameter {name}=VALUE)"
            )
        allowed = spec.get("allowedValues")
        if isinstance(allowed, list) and not isinstance(value, (Unknown, Sym)):
            vals = value if isinstance(value, list) and ptype == "array" else [value]
            if any(v not in allowed for v in vals):
                return unresolved(
                    f"parameters('{name}'): {value!r} is not one of its allowedValues"
                )
        return value

    def _fn_parameters(self, ev: Evaluator, node: Call) -> Any:
        if self.outer is not None:
            return self.outer._fn_parameters(ev, node)
        args = ev.args(node)
        if len(args) != 1 or isinstance(args[0], Unknown):
            return args[0] if args and isinstance(args[0], Unknown) else unresolved(node.text)
        key = str(args[0]).lower()
        if key not in self.params:
            return unresolved(f"parameters('{args[0]}') (the template declares no such parameter)")
        return self.params[key]

    def _fn_variables(self, ev: Evaluator, node: Call) -> Any:
        if self.outer is not None:
            return self.outer._fn_variables(ev, node)
        args = ev.args(node)
        if len(args) != 1 or isinstance(args[0], Unknown):
            return args[0] if args and isinstance(args[0], Unknown) else unresolved(node.text)
        return self.variable(str(args[0]))

    def variable(self, name: str) -> Any:
        key = name.lower()
        if key in self._var_cache:
            cached = self._var_cache[key]
            return (
                unresolved(f"variables('{name}') refers to itself") if cached is _CYCLE else cached
            )
        raw = next((v for k, v in self._vars.items() if k.lower() == key), NOVALUE)
        loops = (
            [c for c in self._vars.get("copy", []) if isinstance(c, dict)]
            if isinstance(self._vars.get("copy"), list)
            else []
        )
        loop = next((c for c in loops if str(c.get("name", "")).lower() == key), None)
        if raw is NOVALUE and loop is None:
            return unresolved(f"variables('{name}') (the template declares no such variable)")
        self._var_cache[key] = _CYCLE
        value = self.ev.copy_list(loop) if loop is not None else self.ev.value(raw)
        self._var_cache[key] = value
        return value

    def _fn_copy_index(self, ev: Evaluator, node: Call) -> Any:
        args = ev.args(node)
        name: str | None = None
        offset = 0
        for a in args:
            if isinstance(a, Unknown):
                return a
            if isinstance(a, str):
                name = a.lower()
            else:
                offset = int(a)
        for loop, index in reversed(self._copy):
            if (name is None and loop.startswith("resource:")) or (
                name is not None and loop.split(":", 1)[1] == name
            ):
                return _shifted(index, offset)
        if name is None and self._copy:
            return _shifted(self._copy[-1][1], offset)
        return unresolved(f"{node.text}: not inside a copy loop{f' named {name}' if name else ''}")

    # --- scope functions -----------------------------------------------------------------------
    def _resource_group(self) -> dict[str, Any]:
        s = self.scope
        rid = _join("/subscriptions/", s.subscription, "/resourceGroups/", s.resource_group)
        return {
            "id": rid,
            "name": s.resource_group,
            "location": s.location,
            "type": "Microsoft.Resources/resourceGroups",
            "properties": {"provisioningState": "Succeeded"},
        }

    def _subscription(self) -> dict[str, Any]:
        s = self.scope
        return {
            "id": _join("/subscriptions/", s.subscription),
            "subscriptionId": s.subscription,
            "tenantId": s.tenant,
            "displayName": Sym("${subscription().displayName}"),
        }

    def _deployment(self) -> dict[str, Any]:
        base = Path(self.file).resolve().parent.as_uri() + "/"
        return {
            "name": Sym("${deployment().name}"),
            "location": self.scope.location,
            "properties": {"templateLink": {"uri": base + Path(self.file).name}},
        }

    def _fn_resource_id(self, level: str) -> Callable[[Evaluator, Call], Any]:
        def call(ev: Evaluator, node: Call) -> Any:
            args = ev.args(node)
            bad = next((a for a in args if isinstance(a, Unknown)), None)
            if bad is not None:
                return bad
            i = next((k for k, a in enumerate(args) if isinstance(a, str) and "/" in a), None)
            if i is None:
                return unresolved(f"{node.text}: no resource type among the arguments")
            before, rtype, names = args[:i], str(args[i]), args[i + 1 :]
            sub, rg = self.scope.subscription, self.scope.resource_group
            if level == "rg":
                if len(before) == 1:
                    rg = before[0]
                elif len(before) >= 2:
                    sub, rg = before[0], before[1]
                prefix = _join("/subscriptions/", sub, "/resourceGroups/", rg)
            elif level == "sub":
                prefix = _join("/subscriptions/", before[0] if before else sub)
            else:
                prefix = ""
            return _join(prefix, "/providers/", type_and_names(rtype, names))

        return call

    def _fn_extension_id(self, ev: Evaluator, node: Call) -> Any:
        args = ev.args(node)
        bad = next((a for a in args if isinstance(a, Unknown)), None)
        if bad is not None:
            return bad
        if len(args) < 3:
            return unresolved(f"{node.text}: extensionResourceId(scope, type, name…)")
        return _join(args[0], "/providers/", type_and_names(str(args[1]), args[2:]))

    # --- resources -----------------------------------------------------------------------------
    def expand(self) -> list[ArmResource]:
        raw = self.doc.get("resources", [])
        if isinstance(raw, dict):  # languageVersion 2.0: symbolic names
            items = [(k, r) for k, r in raw.items()]
        elif isinstance(raw, list):
            items = list(enumerate(raw))
        else:
            items = []
        for key, res in items:
            self._resource(res, (*self.path, "resources", key), None)
        return self.resources

    def _line(self, path: tuple[Any, ...]) -> int:
        return line_for(self.lines, path) or 1

    def problem(
        self, path: tuple[Any, ...], message: str, code: str = "Error", rtype: str = "*"
    ) -> None:
        self.problems.append(Problem(self.file, self._line(path), message, code, rtype))

    def _resource(self, res: Any, path: tuple[Any, ...], parent: ArmResource | None) -> None:
        if not isinstance(res, dict):
            self.problem(path, "a resource must be an object")
            return
        if res.get("existing") is True:
            return  # a reference to a resource deployed elsewhere
        loop = res.get("copy")
        if isinstance(loop, dict):
            count = truthy_count(self.ev.value(loop.get("count")))
            name = f"resource:{str(loop.get('name', '')).lower()}"
            if isinstance(count, Unknown):
                self._copy.append((name, Sym("${copyIndex()}")))
                try:
                    self._one(
                        res,
                        path,
                        parent,
                        Unknown(count.kind, f"the number of copies is {count.reason}"),
                    )
                finally:
                    self._copy.pop()
                return
            if count > MAX_COPY:
                self.problem(path, f"copy count {count} is more than ARM's limit of {MAX_COPY}")
                return
            for i in range(count):
                self._copy.append((name, i))
                try:
                    self._one(res, path, parent, None)
                finally:
                    self._copy.pop()
            return
        self._one(res, path, parent, None)

    def _one(
        self,
        res: dict[str, Any],
        path: tuple[Any, ...],
        parent: ArmResource | None,
        cond: Unknown | None,
    ) -> None:
        line = self._line(path)
        if "condition" in res:
            c = truth(self.ev.value(res["condition"]), "condition")
            if c is False:
                log.info("notice: %s:%d: not scanned (its condition is false)", self.file, line)
                return
            if isinstance(c, Unknown):
                cond = cond or Unknown(c.kind, f"deployed only if its condition holds: {c.reason}")
        rtype = self.ev.value(res.get("type"))
        if not isinstance(rtype, str) or isinstance(rtype, Sym):
            self.problem(path, "a resource needs a literal type")
            return
        name = self.ev.value(res.get("name"))
        if parent is not None and "/" not in rtype:
            rtype = f"{parent.type}/{rtype}"
            if isinstance(name, str) and name.count("/") < rtype.count("/") - 1:
                name = (
                    _join(parent.name, "/", name)
                    if not isinstance(parent.name, Unknown)
                    else parent.name
                )
        if rtype.lower() == DEPLOYMENTS:
            self._deployment_resource(res, path, cond)
            return
        skip = (
            "resources",
            "copy",
            "condition",
            "dependsOn",
            "name",
            "type",
            "apiVersion",
            "comments",
        )
        body = {k: self.ev.value(v) for k, v in res.items() if k not in skip}
        body = {k: v for k, v in body.items() if v is not NOVALUE}
        body["apiVersion"] = res.get("apiVersion")
        item = ArmResource(rtype, name, None, body, self.file, line, cond)
        self._place(item, res, body)
        self.resources.append(item)
        children = res.get("resources")
        if isinstance(children, list):
            for j, child in enumerate(children):
                self._resource(child, (*path, "resources", j), item)

    def _place(self, item: ArmResource, res: dict[str, Any], body: dict[str, Any]) -> None:
        """The resource id; for an extension resource, also the id of what it extends."""
        t, name = item.type, item.name
        if isinstance(name, Unknown):
            item.id = name
            return
        scope = body.pop("scope", None)
        if "/providers/" in t.lower():  # Microsoft.KeyVault/vaults/providers/diagnosticSettings
            base, _, ext = t.partition("/providers/")
            parts = str(name).split("/")
            nbase = base.count("/")
            parent_id = self._id(base, "/".join(parts[:nbase]), name)
            ext_name = "/".join(parts[nbase + 1 :]) if len(parts) > nbase + 1 else parts[-1]
            ns = parts[nbase] if len(parts) > nbase else ext.split("/")[0]
            item.type = f"{ns}/{ext}" if "/" not in ext else ext
            item.name, item.parent_id = ext_name, parent_id
            item.id = _join(parent_id, "/providers/", type_and_names(item.type, [ext_name]))
            return
        if isinstance(scope, Unknown):  # extends something that cannot be named: not the
            item.parent_id = item.id = scope  # deployment's scope (a notice names the reason)
            return
        if scope is not None:
            parent_id = scope if str(scope).startswith("/") else self._relative_id(str(scope))
            item.parent_id = parent_id
            item.id = _join(parent_id, "/providers/", type_and_names(t, str(name).split("/")))
            return
        item.id = self._id(t, name, name)

    def _relative_id(self, scope: str) -> Any:
        parts = scope.split("/")
        rtype = "/".join([parts[0], *parts[1::2]]) if len(parts) > 2 else scope
        names = parts[2::2]
        return self._id(rtype, "/".join(names), scope)

    def _id(self, rtype: str, name: Any, shown: Any) -> Any:
        names = str(name).split("/")
        if rtype.count("/") != len(names):
            return unresolved(f"the name {shown!r} does not fit the type {rtype}")
        s = self.scope
        prefix = (
            _join("/subscriptions/", s.subscription)
            if s.level == "subscription"
            else _join("/subscriptions/", s.subscription, "/resourceGroups/", s.resource_group)
        )
        return _join(prefix, "/providers/", type_and_names(rtype, names), like=name)

    def _deployment_resource(
        self, res: dict[str, Any], path: tuple[Any, ...], cond: Unknown | None
    ) -> None:
        props = _obj(res.get("properties"))
        if self.depth >= MAX_NESTING:
            self.problem(path, f"nested deployments deeper than {MAX_NESTING} levels are not read")
            return
        scope = Scope(**vars(self.scope))
        for key, attr in (("subscriptionId", "subscription"), ("resourceGroup", "resource_group")):
            if key in res:
                setattr(scope, attr, self.ev.value(res[key]))
        inner = (
            str((props.get("expressionEvaluationOptions") or {}).get("scope") or "outer").lower()
            == "inner"
        )
        values: dict[str, Any] = {}
        given = _obj(props.get("parameters"))
        for k, v in given.items():
            values[k] = (
                self.ev.value(v.get("value"))
                if isinstance(v, dict) and "value" in v
                else deferred(f"parameter {k} from a Key Vault reference")
            )
        if isinstance(props.get("template"), dict):
            doc, lines, file, sub = (
                props["template"],
                self.lines,
                self.file,
                (*path, "properties", "template"),
            )
        else:
            link = self.ev.value(
                (props.get("templateLink") or {}).get("relativePath")
                or (props.get("templateLink") or {}).get("uri")
            )
            try:
                doc, lines, file = self.load(self.file, link if isinstance(link, str) else "")
            except TemplateError as exc:
                self.problem(
                    (*path, "properties"),
                    f"nested template {link}: {exc.message}; its resources are not checked",
                    "NotFound",
                )
                return
            sub, inner = (), True
        nested = Template(
            doc,
            lines,
            file,
            scope,
            values,
            self.load,
            path=sub,
            depth=self.depth + 1,
            outer=None if inner else self,
        )
        if not inner:
            nested._copy = self._copy  # outer scope: the parent's parameters, variables, loops
        for r in nested.expand():
            r.condition = r.condition or cond
            self.resources.append(r)
        self.problems.extend(nested.problems)


def _shifted(index: Any, offset: int) -> Any:
    if isinstance(index, Unknown):
        return index
    if isinstance(index, Sym):  # a loop whose count is known only at deployment
        return index if offset == 0 else Sym(f"{index}+{offset}")
    return index + offset


class _TemplateEvaluator(Evaluator):
    """Evaluates template values, including property ``copy`` blocks."""

    def __init__(self, functions: dict[str, Any], template: Template) -> None:
        super().__init__(functions, template)
        self.template = template

    def value(self, raw: Any) -> Any:
        if (
            isinstance(raw, dict)
            and isinstance(raw.get("copy"), list)
            and all(isinstance(c, dict) and "input" in c for c in raw["copy"])
        ):
            out = {
                k: super(_TemplateEvaluator, self).value(v) for k, v in raw.items() if k != "copy"
            }
            for loop in raw["copy"]:
                out[str(loop.get("name"))] = self.copy_list(loop)
            return out
        return super().value(raw)

    def copy_list(self, loop: dict[str, Any]) -> Any:
        count = truthy_count(self.value(loop.get("count")))
        if isinstance(count, Unknown):
            return count
        if count > MAX_COPY:
            return unresolved(f"copy count {count} is more than ARM's limit of {MAX_COPY}")
        out = []
        for i in range(count):
            self.template._copy.append((f"property:{str(loop.get('name', '')).lower()}", i))
            try:
                out.append(self.value(loop.get("input")))
            finally:
                self.template._copy.pop()
        return out

    def evaluate(self, node: Any) -> Any:
        if (
            isinstance(node, Call)
            and node.name.startswith("list")
            and node.name not in self.functions
        ):
            return list_function(self, node)
        return super().evaluate(node)


__all__ = ["UNRESOLVED", "ArmResource", "Problem", "Scope", "Template", "is_expression"]
