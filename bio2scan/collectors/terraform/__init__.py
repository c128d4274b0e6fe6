"""The ``terraform`` collector: a Terraform configuration (a directory of ``.tf`` files) or a
plan in JSON (``terraform show -json plan.out``), checked before deployment with the same rules
as the live AWS and Azure estates.

``config.py`` evaluates the configuration statically (``hcl.py`` parses with python-hcl2's
grammar, ``expr.py``/``funcs.py`` evaluate), ``plan.py`` reads a plan; both give resource
instances, which the mappings (``aws_map*.py``, ``azure_map.py``) turn into the resource types
and data shapes of the live collectors. What is known only after apply is ``deferred``
(rules that need it: NOT_APPLICABLE "known only after deployment"); what cannot be resolved is
an ``errors`` entry (rules that need it: ERROR); a file that does not parse or a module that
cannot be found is a collection error naming file and line, and the other files are still
scanned. A resource type without a mapping is listed as *not checked* (file and line).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from typing import Any

from ...errors import UsageError
from ...model import CollectionError, Inventory, Notice
from ..base import CollectRequest, Option, Recorder

log = logging.getLogger("bio2scan.collectors.terraform")

DEFAULT_SCOPE = "terraform"


class TerraformCollector:
    name = "terraform"
    provider = "aws"
    description = (
        "Terraform before deployment: a directory of .tf files or a plan JSON "
        "(terraform show -json), providers aws, azurerm, azapi"
    )
    options = (
        Option(
            "path",
            "A directory of .tf files (the root module) or a plan in JSON.",
            type="path",
            argument=True,
            required=True,
        ),
        Option(
            "var_file",
            "A .tfvars or .tfvars.json file (after terraform.tfvars and *.auto.tfvars).",
            type="path",
            multiple=True,
        ),
        Option(
            "var",
            "A variable value, NAME=VALUE (lists and maps as HCL: 'ports=[22,443]').",
            multiple=True,
            secret=True,
        ),
        Option(
            "account",
            "AWS account id, for the names of account-wide settings and ARNs.",
            default=DEFAULT_SCOPE,
        ),
        Option(
            "subscription",
            "Azure subscription id to record as the scope of Azure resources.",
            default=DEFAULT_SCOPE,
        ),
    )

    @property
    def resource_types(self) -> tuple[str, ...]:
        from .mapper import produced_types

        return produced_types()

    def collect(self, request: CollectRequest) -> Inventory:
        opts = request.options
        path = opts.get("path")
        if isinstance(path, (list, tuple)):
            path = path[0] if path else None
        if not path:
            raise UsageError("terraform: give a directory of .tf files or a plan JSON file")
        path = str(path)
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or directory")
        account = str(opts.get("account") or DEFAULT_SCOPE)
        subscription = str(opts.get("subscription") or DEFAULT_SCOPE)
        rec = Recorder(self.name, request)
        t0 = time.monotonic()
        from . import mapper

        if os.path.isdir(path):
            instances, problems, providers = _directory(path, opts, request.max_workers)
        else:
            instances, problems, providers = _plan_file(path)
        rec.timing("terraform.read", time.monotonic() - t0)
        t1 = time.monotonic()
        result = mapper.map_instances(instances, providers, account, subscription)
        rec.timing("terraform.map", time.monotonic() - t1)
        used = result.providers or {"aws"}
        for p in problems:
            for prov in sorted(used):
                rec.error(
                    CollectionError(
                        prov,
                        "*",
                        account if prov == "aws" else subscription,
                        f"{p.file}:{p.line}: {p.message}" if p.line else f"{p.file}: {p.message}",
                        p.code,
                        api="terraform",
                        file=p.file,
                        line=p.line or None,
                    )
                )
        for r in result.resources:
            if request.wants(r.type) and request.owns(r.id):
                rec.scope(r.scope, r.region)
                rec.add(r)
        for s in sorted(used):
            rec.scope(account if s == "aws" else subscription)
        for n in _notices(result.notices):
            rec.notice(n)
        public: dict[str, Any] = {"path": path}
        if opts.get("var_file"):
            public["var_file"] = list(_as_list(opts.get("var_file")))
        if account != DEFAULT_SCOPE:
            public["account"] = account
        if subscription != DEFAULT_SCOPE:
            public["subscription"] = subscription
        return rec.inventory(public)


def _as_list(v: Any) -> list[str]:
    if v is None:
        return []
    items = [v] if isinstance(v, str) else list(v)
    return [str(x) for x in items]


def _notices(notices: list[tuple[str, str, int, str]]) -> list[Notice]:
    """A ``not-checked`` notice per resource of a type without a mapping (or a resource that
    could not be joined to the resource it configures); each is logged too."""
    out: list[Notice] = []
    for rtype, file, line, why in notices:
        provider = "azure" if rtype.startswith(("azurerm_", "azapi_")) else "aws"
        reason = why or "no mapping to a checked resource type"
        out.append(Notice("not-checked", reason, provider, file, line, kind=rtype))
        log.warning("notice: %s:%s: %s: not checked (%s)", file, line, rtype, reason)
    return out


def _directory(
    path: str, opts: Mapping[str, Any], workers: int
) -> tuple[list[Any], list[Any], dict[str, Any]]:
    from .config import Problem, load
    from .files import default_var_files, read_var_file
    from .hcl import HclError

    problems: list[Problem] = []
    values: dict[str, Any] = {}
    root = os.path.normpath(path)
    explicit = _as_list(opts.get("var_file"))
    for f in default_var_files(root) + explicit:
        try:
            values.update(read_var_file(f))
        except HclError as exc:
            if f in explicit:
                raise UsageError(
                    f"--var-file {f}{f':{exc.line}' if exc.line else ''}: {exc.message}"
                ) from None
            problems.append(Problem(os.path.relpath(f, root), exc.line, exc.message))
    from .config import RawVar

    for text in _as_list(opts.get("var")):
        name, sep, raw = text.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var {text.partition('=')[0]!r}: expected NAME=VALUE")
        values[name.strip()] = RawVar(raw)
    instances, loader, mod = load(root, values, workers)
    for name, v in values.items():
        if isinstance(v, RawVar) and name not in mod.vars:
            raise UsageError(f"--var {name}: no variable {name!r} is declared in {path}")
    if not any(True for _ in _tf_anywhere(root)):
        raise UsageError(f"{path}: no .tf files in this directory")
    problems.extend(loader.problems)
    for f in sorted(os.listdir(root)):
        if f.endswith(".tf.json"):
            problems.append(
                Problem(f, 0, "Terraform JSON syntax (.tf.json) is not read", "Unsupported")
            )

    # files as the user names them (``infra/main.tf``), so SARIF locations are repository paths
    def shown(file: str) -> str:
        return file if os.path.isabs(file) else os.path.normpath(os.path.join(path, file))

    for inst in instances:
        inst.file = shown(inst.file)
    problems = [Problem(shown(p.file), p.line, p.message, p.code) for p in problems]
    return instances, problems, dict(mod.providers)


def _tf_anywhere(root: str) -> Any:
    for f in os.listdir(root):
        if f.endswith((".tf", ".tf.json")):
            yield f


def _plan_file(path: str) -> tuple[list[Any], list[Any], dict[str, Any]]:
    from . import plan

    try:
        data = plan.read(path)
    except plan.PlanError as exc:
        raise UsageError(f"{path}{f':{exc.line}' if exc.line else ''}: {exc.message}") from None
    instances, problems = plan.instances(data, path)
    return instances, problems, plan.providers(data)
