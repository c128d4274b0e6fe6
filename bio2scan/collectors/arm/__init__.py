"""The ARM template collector: Azure Resource Manager templates (and Bicep, through the JSON
that ``bicep build`` writes) checked before they are deployed.

``bio2scan scan arm FILE|DIR --parameters params.json --parameter NAME=VALUE``. Each template
is read within bounds (JSON with comments; the line of every resource), evaluated as far as it
can be without Azure (``template.Template``: parameters, variables, the expression language,
``copy`` loops, conditions, child, extension and nested-deployment resources) and mapped onto
the records of the live ``azure`` collector (``shapes``), so the Azure rules run unchanged.

What deployment decides (``reference()``, a runtime default) is deferred; what cannot be
resolved (a parameter without a value) is an error on the resource. A template that cannot be
read, a linked template that cannot be found, and every resource of a type bio2scan does not
map is a recorded collection error naming file and line; everything else is still scanned.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...errors import InputError, UsageError
from ...model import CollectionError, Inventory, Notice, Resource, Source
from ..azure.kinds import ALL_TYPES
from ..base import CollectRequest, Option, Recorder
from ..cloudformation import parse_parameters
from ..template_source import TemplateError, iter_files, load_json, read_text
from ..template_values import UNRESOLVED, Sym, Unknown, deferred, materialize, redact_secrets
from .parts import Scope
from .shapes import Record, map_resources
from .template import Template

log = logging.getLogger("bio2scan.collectors.arm")

EXTENSIONS = (".json", ".jsonc")
_SCHEMA_HINT = "deploymenttemplate.json"
# Values a rule reads as a network range or address: a Sym (an identity) is not good enough.
INTERPRETED = frozenset(
    {
        "sourceAddressPrefix",
        "sourceAddressPrefixes",
        "destinationAddressPrefix",
        "destinationAddressPrefixes",
        "sourcePortRange",
        "sourcePortRanges",
        "destinationPortRange",
        "destinationPortRanges",
        "startIpAddress",
        "endIpAddress",
        "ipAddressOrRange",
        "authorizedIPRanges",
        "ipRules",
    }
)


class ArmCollector:
    name = "arm"
    provider = "azure"
    description = "Azure Resource Manager templates (and Bicep build output), before deployment"
    resource_types = ALL_TYPES
    options = (
        Option(
            "paths",
            "Template files or directories (.json; Bicep: the output of `bicep build`).",
            type="path",
            multiple=True,
            argument=True,
            required=True,
        ),
        Option(
            "parameters",
            "A deployment parameters file (the ARM parameters-file format).",
            type="path",
            multiple=True,
        ),
        Option(
            "parameter",
            "A parameter NAME=VALUE (repeatable; wins over --parameters). Values are not recorded.",
            multiple=True,
            secret=True,
        ),
        Option("subscription", "The subscription id the templates are deployed to."),
        Option("resource_group", "The resource group the templates are deployed to."),
        Option("location", "The resource group's location (resourceGroup().location)."),
    )

    def collect(self, request: CollectRequest) -> Inventory:
        opts = request.options
        paths = [str(p) for p in opts.get("paths") or ()]
        if not paths:
            raise UsageError("no template files or directories given")
        values: dict[str, Any] = {}
        files = (
            [opts["parameters"]]
            if isinstance(opts.get("parameters"), str)
            else list(opts.get("parameters") or ())
        )
        for f in files:
            values.update(read_parameters_file(str(f)))
        values.update(parse_parameters(opts.get("parameter")))
        scope = Scope()
        if opts.get("subscription"):
            scope.subscription = str(opts["subscription"])
        if opts.get("resource_group"):
            scope.resource_group = str(opts["resource_group"])
        if opts.get("location"):
            scope.location = str(opts["location"])
        scope_name = str(opts.get("subscription") or "arm")
        rec = Recorder(self.name, request)
        rec.scope(scope_name, opts.get("location"))
        try:
            found = list(iter_files(paths, EXTENSIONS))
        except FileNotFoundError as exc:
            raise UsageError(f"{exc.args[0]}: no such file or directory") from None
        param_files = {str(Path(f).resolve()) for f in files}
        for display, path, explicit in found:
            if str(path.resolve()) in param_files or not request.owns(display):
                continue
            _scan(rec, request, display, path, explicit, values, scope, scope_name)
        return rec.inventory(
            {
                "paths": paths,
                "parameters": [str(f) for f in files],
                "parameter_names": sorted(values),
                **{
                    k: opts[k]
                    for k in ("subscription", "resource_group", "location")
                    if opts.get(k)
                },
            }
        )


def read_parameters_file(path: str) -> dict[str, Any]:
    """``{"parameters": {"name": {"value": …} | {"reference": {"keyVault": …}}}}``: a Key Vault
    reference is a secret known only at deployment."""
    try:
        doc, _ = load_json(read_text(Path(path)), comments=True)
    except TemplateError as exc:
        raise InputError(exc.message, file=path, line=exc.line) from None
    params = doc.get("parameters") if isinstance(doc, dict) else None
    if not isinstance(params, dict):
        raise InputError(
            "not an ARM parameters file (no 'parameters' object)", file=path, field="parameters"
        )
    out: dict[str, Any] = {}
    for name, spec in params.items():
        if isinstance(spec, dict) and "value" in spec:
            out[name] = spec["value"]
        elif isinstance(spec, dict) and "reference" in spec:
            out[name] = Sym(f"${{{name}}}")
        else:
            raise InputError(
                "a parameter needs 'value' or 'reference'", file=path, field=f"parameters.{name}"
            )
    return out


def is_template(doc: Any) -> bool:
    return isinstance(doc, Mapping) and (
        _SCHEMA_HINT in str(doc.get("$schema", "")).lower()
        or ("resources" in doc and "contentVersion" in doc)
    )


def _load(current: str, link: str) -> tuple[Any, Any, str]:
    """A linked template (``relativePath``, or a ``file:`` URI) next to the current one."""
    if not link or ("://" in link and not link.startswith("file:")):
        raise TemplateError(f"cannot be read here ({link or 'no link'}); scan it separately")
    target = Path(link[5:].lstrip("/") if link.startswith("file:") else link)
    if link.startswith("file:"):
        target = Path("/" + link[5:].lstrip("/"))
    path = target if target.is_absolute() else Path(current).parent / target
    if not path.is_file():
        raise TemplateError(f"no such file {path}")
    doc, lines = load_json(read_text(path), comments=True)
    return doc, lines, str(path)


def _scan(
    rec: Recorder,
    request: CollectRequest,
    display: str,
    path: Path,
    explicit: bool,
    values: Mapping[str, Any],
    scope: Scope,
    scope_name: str,
) -> None:
    def error(rtype: str, file: str, line: int | None, reason: str, code: str = "Error") -> None:
        where = f"{file}:{line}" if line else file
        rec.error(
            CollectionError(
                "azure",
                rtype,
                scope_name,
                f"{where}: {reason}",
                code,
                "arm:template",
                file=file,
                line=line or None,
            )
        )

    try:
        doc, lines = load_json(read_text(path), comments=True)
    except TemplateError as exc:
        error("*", display, exc.line, exc.message)
        return
    if not is_template(doc):
        if explicit:
            error("*", display, 1, "not an ARM template (no $schema of a deployment template)")
        else:
            log.info("notice: %s: skipped (not an ARM template)", display)
            rec.notice(Notice("skipped", "not an ARM template", "azure", display))
        return
    own = Scope(**vars(scope))
    if "subscriptiondeploymenttemplate" in str(doc.get("$schema", "")).lower():
        own.level = "subscription"
    template = Template(doc, lines, display, own, values, _load)
    try:
        resources = template.expand()
    except Exception as exc:  # noqa: BLE001 — a bug must not end the scan or look like a pass
        error(
            "*",
            display,
            None,
            f"not checked: evaluating the template failed ({type(exc).__name__}: {exc})",
        )
        return
    for p in template.problems:
        error(p.rtype, p.file, p.line, p.message, p.code)
    try:
        mapped = map_resources(resources, own.subscription)
    except Exception as exc:  # noqa: BLE001
        error(
            "*",
            display,
            None,
            f"not checked: mapping the template failed ({type(exc).__name__}: {exc})",
        )
        return
    for res, why in mapped.not_checked:
        name = _last_name(res.name)
        log.warning(
            "notice: %s:%s: %s (%s) not checked: %s", res.file, res.line, name, res.type, why
        )
        rec.notice(Notice("not-checked", why, "azure", res.file, res.line, res.type, name))
    for r in mapped.records:
        if request.wants(r.rtype):
            rec.add(_resource(r, scope_name, own.subscription))


def _last_name(name: Any) -> str:
    return str(name).rsplit("/", 1)[-1] if not isinstance(name, Unknown) else "(unnamed)"


def _guard(v: Any, key: str = "") -> Any:
    """A Sym where a rule reads an address or range becomes "known at deployment"."""
    if isinstance(v, dict):
        return {k: _guard(x, k) for k, x in v.items()}
    if isinstance(v, list):
        if key in INTERPRETED and any(isinstance(x, Sym) for x in v):
            return deferred(f"{key} is known at deployment")
        return [_guard(x) for x in v]
    if key in INTERPRETED and isinstance(v, Sym):
        return deferred(f"{key} {v} is known at deployment")
    return v


_AGGREGATES = {
    "azure.security.contacts": "Microsoft.Security/securityContacts",
    "azure.insights.activity_log": "Microsoft.Insights/activityLog",
}


def _resource(r: Record, scope_name: str, sub: Any) -> Resource:
    data, errors, later = materialize(redact_secrets(_guard(r.data)))
    later.update(r.later)
    if r.res.condition is not None:
        (errors if r.res.condition.kind == UNRESOLVED else later)["*"] = r.res.condition.reason
    location = r.res.body.get("location")
    region = location if isinstance(location, str) and not isinstance(location, Sym) else None
    tags = r.res.body.get("tags")
    rid = r.res.id
    if r.rtype in _AGGREGATES:
        rid = f"/subscriptions/{sub}/providers/{_AGGREGATES[r.rtype]}"
    elif isinstance(rid, Unknown):
        (errors if rid.kind == UNRESOLVED else later).setdefault(
            "*", f"the resource name: {rid.reason}"
        )
        rid = f"{r.res.type}/{_last_name(r.res.name)}"
    name = data.get("name") if isinstance(data, dict) else None
    if r.rtype in _AGGREGATES:  # as live, where the subscription's display name is unknown
        name = f"{sub} {'security contacts' if r.rtype.endswith('contacts') else 'activity log'}"
    elif r.rtype == "azure.authorization.role_definition" and isinstance(data, dict):
        name = (data.get("properties") or {}).get("roleName") or name
    return Resource(
        type=r.rtype,
        id=str(rid),
        name=str(name if name is not None else rid),
        scope=scope_name,
        data=data if isinstance(data, dict) else {},
        source=Source(file=r.res.file, line=r.res.line),
        region=region,
        tags={str(k): str(v) for k, v in tags.items() if isinstance(v, (str, int, float, bool))}
        if isinstance(tags, dict)
        else {},
        errors=errors,
        deferred=later,
    )


__all__ = ["ArmCollector", "read_parameters_file"]
