"""A Terraform configuration (a root module directory) evaluated statically into resource
instances: variables (defaults, ``.tfvars``, ``--var``), locals, ``count``/``for_each``,
``dynamic`` blocks, local modules (and modules ``terraform init`` downloaded), references
between resources. Everything is lazy and memoised; a cycle is ``Unresolved``.

The output is a list of ``Instance`` (address, type, attribute values with ``Unknown``/
``Unresolved`` leaves, file and line) and a list of ``Problem`` (file, line, message) for
what could not be read: files that do not parse, modules that are not there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .expr import META, Namespace, Scope, body_values, evaluate, get_attr
from .files import module_manifest, parse_all, parse_var_option, tf_files, type_name
from .hcl import Body, HclError
from .values import Unknown, Unresolved

MAX_INSTANCES = 100_000
MAX_MODULE_DEPTH = 16
# attributes whose value Terraform knows at plan time because it IS a configured argument
ID_ALIAS: dict[str, dict[str, str]] = {
    "aws_s3_bucket": {"id": "bucket", "bucket": "bucket"},
    "aws_iam_role": {"id": "name"},
    "aws_iam_user": {"id": "name"},
    "aws_iam_policy": {"id": "name"},
    "aws_cloudwatch_log_group": {"id": "name"},
    "aws_sqs_queue": {"id": "name"},
    "aws_db_instance": {"id": "identifier"},
    "aws_ecr_repository": {"id": "name"},
    "aws_eks_cluster": {"id": "name"},
    "aws_lambda_function": {"id": "function_name"},
}


class RawVar:
    """A ``--var`` value before its variable's type is known (string, or an HCL expression)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


@dataclass
class Instance:
    address: str
    type: str
    name: str
    module: str
    values: dict[str, Any]
    file: str
    line: int
    provider: str = ""  # "aws", "aws.dr"
    module_inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    code: str = "Error"


class Loader:
    """Parses module directories (all found beneath the root in one parallel pass, others on
    demand) and keeps the problems of the modules actually used."""

    def __init__(self, root: str, max_workers: int) -> None:
        self.root = root
        self.max_workers = max_workers
        self.parsed: dict[str, list[tuple[str, Body | HclError]]] = {}
        self.used: set[str] = set()
        self.problems: list[Problem] = []
        self.manifest = module_manifest(root)

    def rel(self, path: str) -> str:
        r = os.path.relpath(path, self.root)
        return path if r.startswith("..") else r

    def preload(self, directories: list[str]) -> None:
        todo = [d for d in directories if d not in self.parsed]
        files = {d: tf_files(d) for d in todo}
        parsed = parse_all([p for d in todo for p in files[d]], self.max_workers)
        for d in todo:
            self.parsed[d] = [(self.rel(p), parsed[p]) for p in files[d]]

    def module(self, directory: str) -> list[tuple[str, Body]]:
        if directory not in self.parsed:
            self.preload([directory])
        out: list[tuple[str, Body]] = []
        first = directory not in self.used
        self.used.add(directory)
        for file, res in self.parsed[directory]:
            if isinstance(res, HclError):
                if first:
                    self.problems.append(Problem(file, res.line, res.message))
            else:
                out.append((file, res))
        return out


@dataclass
class Decl:
    kind: str  # resource | data | module | variable | local | output
    type: str
    name: str
    body: Any
    file: str
    line: int
    expr: Any = None


class Module:
    """One module instance: its declarations and the values of its names."""

    def __init__(
        self,
        loader: Loader,
        directory: str,
        address: str,
        inputs: Mapping[str, Any],
        depth: int = 0,
        key: str = "",
        providers: Mapping[str, Any] | None = None,
    ) -> None:
        self.loader = loader
        self.dir = directory
        self.address = address  # "" for the root, module.a, module.a["x"].module.b
        self.key = key  # the manifest key: "a.b"
        self.inputs = inputs  # name → value or a zero-argument callable (lazy)
        self.depth = depth
        self.vars: dict[str, Decl] = {}
        self.locals: dict[str, Decl] = {}
        self.outputs: dict[str, Decl] = {}
        self.resources: dict[tuple[str, str], Decl] = {}
        self.data: dict[tuple[str, str], Decl] = {}
        self.calls: dict[str, Decl] = {}
        self.providers: dict[str, Any] = dict(providers or {})
        self.types: set[str] = set()
        self._memo: dict[Any, Any] = {}
        self._busy: set[Any] = set()
        self._provider_blocks: list[tuple[str, str, Any]] = []
        for file, (_attrs, blocks) in loader.module(directory):
            self._declare(file, blocks)
        self._configure_providers()

    # --- declarations ------------------------------------------------------------------------
    def _declare(self, file: str, blocks: list[Any]) -> None:
        for btype, labels, body, line in blocks:
            if btype in ("resource", "data") and len(labels) == 2:
                d = Decl(btype, labels[0], labels[1], body, file, line)
                (self.resources if btype == "resource" else self.data)[(labels[0], labels[1])] = d
                if btype == "resource":
                    self.types.add(labels[0])
            elif btype == "variable" and len(labels) == 1:
                self.vars[labels[0]] = Decl("variable", "", labels[0], body, file, line)
            elif btype == "locals":
                for name, (expr, ln) in body[0].items():
                    self.locals[name] = Decl("local", "", name, None, file, ln, expr)
            elif btype == "output" and len(labels) == 1:
                self.outputs[labels[0]] = Decl("output", "", labels[0], body, file, line)
            elif btype == "module" and len(labels) == 1:
                self.calls[labels[0]] = Decl("module", "", labels[0], body, file, line)
            elif btype == "provider" and len(labels) == 1 and not self.address:
                self._provider_blocks.append((file, labels[0], body))

    def _configure_providers(self) -> None:
        """Provider blocks, evaluated once every name of the module is declared."""
        for file, label, body in self._provider_blocks:
            scope = self.scope(file)
            name = label
            alias = body[0].get("alias")
            if alias is not None:
                a = evaluate(alias[0], scope)
                name = f"{label}.{a}" if isinstance(a, str) else label
            values = body_values(body, scope)
            values.pop("alias", None)
            self.providers[name] = values

    def scope(self, file: str) -> Scope:
        return Scope(self.resolve, file, base_dir=self.dir)

    def _once(self, key: Any, fn: Any) -> Any:
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:
            return Unresolved(f"cycle through {key[1] if isinstance(key, tuple) else key}")
        self._busy.add(key)
        try:
            v = fn()
        finally:
            self._busy.discard(key)
        self._memo[key] = v
        return v

    # --- names -------------------------------------------------------------------------------
    def resolve(self, name: str, line: int) -> Any:
        if name == "var":
            return _Attrs(self.var, "var")
        if name == "local":
            return _Attrs(self.local, "local")
        if name == "module":
            return _Attrs(self.module_value, "module")
        if name == "data":
            return _Attrs(
                lambda t, ln: _Attrs(lambda n, ln2: self.data_value(t, n), "data"), "data"
            )
        if name == "path":
            return {"module": self.dir, "root": self.loader.root, "cwd": os.getcwd()}
        if name == "terraform":
            return {"workspace": "default"}
        if name in ("each", "count", "self"):
            return Unresolved(f"{name} used outside a resource with {name}")
        if name in self.types:
            return _Attrs(lambda n, ln: self.resource_value(name, n), name)
        return Unresolved(f"unresolved: {name} (not declared in this module)")

    def var(self, name: str, line: int = 0) -> Any:
        def compute() -> Any:
            decl = self.vars.get(name)
            if decl is None:
                return Unresolved(f"unresolved: var.{name} (no such variable)")
            if name in self.inputs:
                v = self.inputs[name]
                tname = type_name(decl.body[0].get("type", (None,))[0])
                if isinstance(v, RawVar):
                    try:
                        v = parse_var_option(f"{name}={v.text}", tname)[1]
                    except HclError as exc:
                        return Unresolved(f"unresolved: --var {name}: {exc.message}")
                v = v() if callable(v) else v
                return _convert(v, tname)
            default = decl.body[0].get("default")
            if default is not None:
                return evaluate(default[0], self.scope(decl.file))
            return Unresolved(
                f"unresolved: var.{name} has no value ({decl.file}:{decl.line}; give it with "
                "--var or --var-file)"
            )

        return self._once(("var", name), compute)

    def local(self, name: str, line: int = 0) -> Any:
        decl = self.locals.get(name)
        if decl is None:
            return Unresolved(f"unresolved: local.{name} (no such local value)")
        return self._once(("local", name), lambda: evaluate(decl.expr, self.scope(decl.file)))

    # --- resources and data sources ----------------------------------------------------------
    def instances(self, decl: Decl) -> Any:
        """``[(key, Instance)]`` plus how they are addressed: ``single``, ``count`` or
        ``for_each`` — or a special value when count/for_each cannot be known."""
        return self._once(("inst", decl.kind, decl.type, decl.name), lambda: self._expand(decl))

    def _expand(self, decl: Decl) -> Any:
        attrs = decl.body[0]
        base = (
            f"{decl.type}.{decl.name}"
            if decl.kind == "resource"
            else f"data.{decl.type}.{decl.name}"
        )
        addr = f"{self.address}.{base}" if self.address else base
        scope = self.scope(decl.file)
        keys: list[tuple[Any, dict[str, Any]]]
        mode = "single"
        if "count" in attrs:
            n = evaluate(attrs["count"][0], scope)
            if isinstance(n, (Unknown, Unresolved)):
                return ("special", n, addr)
            if not isinstance(n, (int, float)) or isinstance(n, bool) or n < 0:
                return (
                    "special",
                    Unresolved(f"{decl.file}:{decl.line}: count is not a number"),
                    addr,
                )
            if n > MAX_INSTANCES:
                return ("special", Unresolved(f"{decl.file}:{decl.line}: count too large"), addr)
            mode = "count"
            keys = [(i, {"count": {"index": i}}) for i in range(int(n))]
        elif "for_each" in attrs:
            fe = evaluate(attrs["for_each"][0], scope)
            if isinstance(fe, (Unknown, Unresolved)):
                return ("special", fe, addr)
            if isinstance(fe, dict):
                items = [(k, fe[k]) for k in sorted(fe)]
            elif isinstance(fe, list) and all(isinstance(x, str) for x in fe):
                items = [(x, x) for x in sorted(set(fe))]
            else:
                return (
                    "special",
                    Unresolved(
                        f"{decl.file}:{decl.line}: for_each needs a map or a set of strings"
                    ),
                    addr,
                )
            mode = "for_each"
            keys = [(k, {"each": {"key": k, "value": v}}) for k, v in items]
        else:
            keys = [(None, {})]
        out = []
        for key, names in keys:
            suffix = "" if key is None else (f"[{key}]" if isinstance(key, int) else f'["{key}"]')
            out.append((key, _Lazy(self, decl, addr + suffix, names)))
        return (mode, out, addr)

    def resource_value(self, rtype: str, name: str) -> Any:
        decl = self.resources.get((rtype, name))
        if decl is None:
            return Unresolved(f"unresolved: {rtype}.{name} (not declared in this module)")
        return _collection(self.instances(decl))

    def data_value(self, dtype: str, name: str) -> Any:
        decl = self.data.get((dtype, name))
        if decl is None:
            return Unresolved(f"unresolved: data.{dtype}.{name} (not declared in this module)")
        return _collection(self.instances(decl))

    # --- module calls ------------------------------------------------------------------------
    def module_value(self, name: str, line: int = 0) -> Any:
        decl = self.calls.get(name)
        if decl is None:
            return Unresolved(f"unresolved: module.{name} (no such module call)")
        return _collection(self.children(decl))

    def children(self, decl: Decl) -> Any:
        return self._once(("mod", decl.name), lambda: self._children(decl))

    def _children(self, decl: Decl) -> Any:
        attrs = decl.body[0]
        scope = self.scope(decl.file)
        key = f"{self.key}.{decl.name}" if self.key else decl.name
        src = evaluate(attrs["source"][0], scope) if "source" in attrs else None
        directory = None
        if isinstance(src, str) and src.startswith(("./", "../")):
            directory = os.path.normpath(os.path.join(self.dir, src))
        elif key in self.loader.manifest:
            directory = self.loader.manifest[key]
        base = f"{self.address}.module.{decl.name}" if self.address else f"module.{decl.name}"
        if directory is None or not tf_files(directory):
            what = (
                f"source {src!r} is not a local path and was not found in .terraform/modules "
                "(run terraform init, or scan the plan JSON)"
                if directory is None
                else f"source {src!r}: no .tf files in {self.loader.rel(directory)}"
            )
            self.loader.problems.append(
                Problem(decl.file, decl.line, f"module.{decl.name}: {what}")
            )
            return ("special", Unresolved(f"unresolved: module.{decl.name} ({what})"), base)
        if self.depth >= MAX_MODULE_DEPTH:
            self.loader.problems.append(
                Problem(decl.file, decl.line, f"module.{decl.name}: modules nested too deeply")
            )
            return ("special", Unresolved("modules nested too deeply"), base)
        fake = Decl("resource", "module", decl.name, decl.body, decl.file, decl.line)
        expanded = self._expand(fake)
        if expanded[0] == "special":
            return ("special", expanded[1], base)
        mode, lazies, _ = expanded
        out = []
        for k, lazy in lazies:
            suffix = lazy.address[len(base) :]
            inner_scope = scope.child(lazy.names)
            inputs = {
                n: _deferred(e, inner_scope)
                for n, (e, _) in attrs.items()
                if n not in META and n not in ("source", "version", "providers")
            }
            child = Module(
                self.loader, directory, base + suffix, inputs, self.depth + 1, key, self.providers
            )
            out.append((k, _ModuleObj(child)))
        return (mode, out, base)

    # --- everything --------------------------------------------------------------------------
    def walk(self) -> list[Instance]:
        """Every managed resource instance of this module and its children."""
        out: list[Instance] = []
        for decl in self.resources.values():
            got = self.instances(decl)
            if got[0] == "special":
                out.append(_special_instance(self, decl, got))
                continue
            for _, lazy in got[1]:
                out.append(lazy.instance())
        for decl in self.calls.values():
            got = self.children(decl)
            if got[0] == "special":
                continue
            for _, obj in got[1]:
                out.extend(obj.module.walk())
        return out


def _special_instance(mod: Module, decl: Decl, got: Any) -> Instance:
    v = got[1]
    key = "__count__"
    return Instance(
        got[2],
        decl.type,
        decl.name,
        mod.address,
        {key: v},
        decl.file,
        decl.line,
        _provider_of(decl, mod),
    )


def _provider_of(decl: Decl, mod: Module) -> str:
    p = decl.body[0].get("provider")
    if p is not None and p[0][0] == "G" and p[0][1][0] == "R":
        return f"{p[0][1][1]}.{p[0][2]}"
    return decl.type.split("_", 1)[0]


class _Attrs(Namespace):
    def __init__(self, fn: Any, what: str) -> None:
        self.fn = fn
        self.what = what

    def attr(self, name: str, line: int) -> Any:
        return self.fn(name, line)

    def describe(self) -> str:
        return self.what


class _Lazy(Namespace):
    """One resource (or data source) instance; its values are evaluated when first needed."""

    def __init__(self, mod: Module, decl: Decl, address: str, names: dict[str, Any]) -> None:
        self.mod = mod
        self.decl = decl
        self.address = address
        self.names = names
        self._values: dict[str, Any] | None = None
        self._busy = False

    def values(self) -> dict[str, Any]:
        if self._values is None:
            if self._busy:
                return {"__cycle__": Unresolved(f"cycle through {self.address}")}
            self._busy = True
            try:
                scope = self.mod.scope(self.decl.file).child(self.names)
                self._values = body_values(self.decl.body, scope)
                if self.decl.kind == "data" and self.decl.type == "aws_iam_policy_document":
                    from .policydoc import policy_document

                    self._values["json"] = policy_document(self._values)
            finally:
                self._busy = False
        return self._values

    def instance(self) -> Instance:
        return Instance(
            self.address,
            self.decl.type,
            self.decl.name,
            self.mod.address,
            self.values(),
            self.decl.file,
            self.decl.line,
            _provider_of(self.decl, self.mod),
        )

    def attr(self, name: str, line: int) -> Any:
        vals = self.values()
        if "__cycle__" in vals:
            return vals["__cycle__"]
        if name in vals:
            return vals[name]
        alias = ID_ALIAS.get(self.decl.type, {}).get(name)
        if alias is not None and isinstance(vals.get(alias), str):
            return vals[alias]
        if self.decl.kind == "data":
            return Unknown(f"{self.address}.{name}")
        return Unknown(f"{self.address}.{name}", ref=self.address)

    def describe(self) -> str:
        return self.address

    def as_value(self) -> Any:
        return Unknown(self.address, ref=self.address)


class _ModuleObj(Namespace):
    def __init__(self, module: Module) -> None:
        self.module = module

    def attr(self, name: str, line: int) -> Any:
        decl = self.module.outputs.get(name)
        if decl is None:
            return Unresolved(f"unresolved: {self.module.address}.{name} (no such output)")
        value = decl.body[0].get("value")
        if value is None:
            return None
        return self.module._once(
            ("out", name), lambda: evaluate(value[0], self.module.scope(decl.file))
        )

    def describe(self) -> str:
        return self.module.address


def _collection(got: Any) -> Any:
    if got[0] == "special":
        return got[1]
    mode, items, _ = got
    if mode == "single":
        return items[0][1]
    if mode == "count":
        return [x for _, x in items]
    return dict(items)


def _deferred(expr: Any, scope: Scope) -> Any:
    box: list[Any] = []

    def get() -> Any:
        if not box:
            box.append(evaluate(expr, scope))
        return box[0]

    return get


def _convert(v: Any, tname: str | None) -> Any:
    if tname == "number" and isinstance(v, str):
        try:
            f = float(v)
            return int(f) if f.is_integer() else f
        except ValueError:
            return Unresolved(f"unresolved: {v!r} is not a number")
    if tname == "bool" and isinstance(v, str) and v in ("true", "false"):
        return v == "true"
    if tname == "string" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return v


def load(
    root: str, inputs: Mapping[str, Any], max_workers: int
) -> tuple[list[Instance], Loader, Module]:
    """Evaluate the configuration in ``root``: every managed resource instance."""
    loader = Loader(root, max_workers)
    loader.preload(_local_module_dirs(root))
    mod = Module(loader, root, "", inputs)
    return mod.walk(), loader, mod


def _local_module_dirs(root: str) -> list[str]:
    """The root and the directories beneath it that hold ``.tf`` files (module candidates), so
    all can be parsed in one parallel pass; modules elsewhere are parsed when called."""
    out = [root]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in (".terraform", ".git", "node_modules"))
        if dirpath != root and any(f.endswith(".tf") for f in filenames):
            out.append(dirpath)
        if len(out) > 200:
            break
    return out


def get(obj: Any, name: str) -> Any:
    return get_attr(obj, name, Scope(lambda n, ln: Unresolved(n), "?"))
