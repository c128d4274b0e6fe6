"""The CloudFormation collector: templates (YAML or JSON) checked before they are deployed.

``bio2scan scan cloudformation FILE|DIR --parameter NAME=VALUE``. Each template is read within
bounds (``template_source``), evaluated as far as it can be without AWS (``stack.Stack``:
parameters, pseudo parameters, mappings, conditions, intrinsic functions) and mapped onto the
resource types and data shapes of the live ``aws`` collector (``aws_types``), so the AWS rules
run unchanged. Every resource points at its template file and line.

What deployment decides is deferred (rules that need it are NOT_APPLICABLE "known only after
deployment"); what cannot be resolved (a parameter without a value, a reference to nothing) is
an error on the resource (rules that need it are ERROR). A resource whose ``Condition`` is false
is not deployed and not scanned. A template that cannot be read, and every resource of a type
bio2scan does not map, is a recorded collection error naming file and line; the other files
and resources are still scanned.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...errors import UsageError
from ...model import CollectionError, Inventory, Notice, Resource, Source
from ..base import CollectRequest, Option, Recorder
from ..template_source import (
    TemplateError,
    iter_files,
    line_for,
    load_json,
    load_yaml,
    looks_like_json,
    read_text,
)
from ..template_values import UNRESOLVED, Sym, Unknown, materialize, redact_secrets, unresolved
from . import aws_types
from .shapes import Build, Item, Out
from .stack import Stack, yaml_tag

log = logging.getLogger("bio2scan.collectors.cloudformation")

EXTENSIONS = (".yaml", ".yml", ".json", ".template")
_SUPPORTED_TRANSFORMS = ("AWS::LanguageExtensions",)


class CloudFormationCollector:
    name = "cloudformation"
    provider = "aws"
    description = "AWS CloudFormation templates (YAML, JSON), checked before deployment"
    resource_types = aws_types.RESOURCE_TYPES
    options = (
        Option(
            "paths",
            "Template files or directories (.yaml, .yml, .json, .template).",
            type="path",
            multiple=True,
            argument=True,
            required=True,
        ),
        Option(
            "parameter",
            "A template parameter NAME=VALUE (repeatable); also the pseudo parameters "
            "AWS::AccountId, AWS::Region, AWS::StackName, AWS::Partition. Values are not recorded.",
            multiple=True,
            secret=True,
        ),
    )

    def collect(self, request: CollectRequest) -> Inventory:
        opts = request.options
        paths = [str(p) for p in opts.get("paths") or ()]
        if not paths:
            raise UsageError("no template files or directories given")
        overrides = parse_parameters(opts.get("parameter"))
        scope = str(overrides.get("AWS::AccountId") or "cloudformation")
        region = overrides.get("AWS::Region")
        rec = Recorder(self.name, request)
        rec.scope(scope, region)
        try:
            files = list(iter_files(paths, EXTENSIONS))
        except FileNotFoundError as exc:
            raise UsageError(f"{exc.args[0]}: no such file or directory") from None
        for display, path, explicit in files:
            if request.owns(display):
                _File(rec, request, display, path, explicit, overrides, scope).scan()
        return rec.inventory({"paths": paths, "parameters": sorted(overrides)})


def parse_parameters(values: Any) -> dict[str, str]:
    """``NAME=VALUE`` strings as a mapping. The CLI splits repeated options at commas, so a piece
    without ``=`` continues the value before it (a CommaDelimitedList: ``Subnets=a,b``)."""
    out: dict[str, str] = {}
    last: str | None = None
    for raw in [values] if isinstance(values, str) else list(values or ()):
        text = str(raw)
        if "=" not in text:
            if last is None:
                raise UsageError(f"--parameter {text!r}: expected NAME=VALUE")
            out[last] += "," + text
            continue
        name, _, value = text.partition("=")
        name = name.strip()
        if not name:
            raise UsageError(f"--parameter {text!r}: expected NAME=VALUE")
        out[name] = value
        last = name
    return out


def is_template(doc: Any) -> bool:
    if not isinstance(doc, Mapping):
        return False
    res = doc.get("Resources")
    if "AWSTemplateFormatVersion" in doc:
        return True
    return isinstance(res, Mapping) and any(
        isinstance(r, Mapping) and isinstance(r.get("Type"), str) and "::" in r["Type"]
        for r in res.values()
    )


class _File:
    """One template file: parsed, evaluated, mapped, recorded."""

    def __init__(
        self,
        rec: Recorder,
        request: CollectRequest,
        display: str,
        path: Path,
        explicit: bool,
        overrides: Mapping[str, Any],
        scope: str,
        prefix: str = "",
    ) -> None:
        self.rec, self.request, self.display, self.path = rec, request, display, path
        self.explicit, self.overrides, self.scope, self.prefix = explicit, overrides, scope, prefix

    def error(self, rtype: str, line: int | None, reason: str, code: str = "Error") -> None:
        where = f"{self.display}:{line}" if line else self.display
        self.rec.error(
            CollectionError(
                "aws",
                rtype,
                self.scope,
                f"{where}: {reason}",
                code,
                "cloudformation:template",
                file=self.display,
                line=line or None,
            )
        )

    def scan(self) -> None:
        try:
            text = read_text(self.path)
            if self.path.suffix.lower() == ".json" or looks_like_json(text):
                doc, lines = load_json(text)
            else:
                doc, lines = load_yaml(text, yaml_tag)
        except TemplateError as exc:
            self.error("*", exc.line, exc.message)
            return
        if not is_template(doc):
            if self.explicit:
                self.error("*", 1, "not a CloudFormation template (no Resources with Type)")
            else:
                log.info("notice: %s: skipped (not a CloudFormation template)", self.display)
                self.rec.notice(
                    Notice("skipped", "not a CloudFormation template", "aws", self.display)
                )
            return
        self.evaluate(doc, lines)

    def evaluate(self, doc: Mapping[str, Any], lines: Any) -> None:
        transforms = doc.get("Transform", [])
        for t in transforms if isinstance(transforms, list) else [transforms]:
            if isinstance(t, str) and t not in _SUPPORTED_TRANSFORMS:
                self.error(
                    f"Transform {t}",
                    line_for(lines, ("Transform",)),
                    f"the transform {t} rewrites the template at deployment; the resources it "
                    "generates are not checked (scan the processed template)",
                    "Unsupported",
                )
        stack = Stack(doc, self.overrides, aws_types.ref_name, aws_types.getatt_is_ref)
        for path, message in stack.problems:
            self.error("*", line_for(lines, path), message)
        region = self.overrides.get("AWS::Region", stack.pseudo["AWS::Region"])
        account = self.overrides.get("AWS::AccountId", stack.pseudo["AWS::AccountId"])
        b = Build(stack, region, account)
        for logical, res in stack.resources.items():
            item = self._item(stack, logical, res, lines)
            if item is not None:
                b.items[logical] = item
        for phase in (aws_types.HANDLERS, aws_types.JOINS):
            for item in list(b.items.values()):
                fn = phase.get(item.type)
                if fn is not None:
                    try:
                        fn(item, b)
                    except Exception as exc:  # noqa: BLE001 — a bug must not end the scan or pass
                        b.outs = [o for o in b.outs if o.item is not item]
                        b.by_logical.pop(item.logical, None)
                        self.error(
                            item.type,
                            item.line,
                            f"{item.logical}: not checked: the mapping failed ({type(exc).__name__}: {exc})",
                        )
        for post in aws_types.POST:
            post(b)
        for item in b.items.values():
            if item.type == "AWS::CloudFormation::Stack":
                self._nested(item, stack)
            elif (
                item.type not in aws_types.HANDLERS
                and item.type not in aws_types.JOINS
                and item.type not in aws_types.CONSUMED
            ):
                b.skip(item, "bio2scan has no mapping for this resource type")
        for item, why in b.not_checked:
            log.warning(
                "notice: %s:%s: %s (%s) not checked: %s",
                self.display,
                item.line,
                item.logical,
                item.type,
                why,
            )
            self.rec.notice(
                Notice("not-checked", why, "aws", self.display, item.line, item.type, item.logical)
            )
        for out in b.outs:
            if self.request.wants(out.rtype):
                self.rec.add(self._resource(out, b))

    def _item(self, stack: Stack, logical: str, res: Mapping[str, Any], lines: Any) -> Item | None:
        line = line_for(lines, ("Resources", logical)) or 1
        rtype = res.get("Type")
        if not isinstance(rtype, str):
            self.error("*", line, f"{logical}: a resource needs a Type")
            return None
        cond: Unknown | None = None
        if "Condition" in res:
            value = stack.condition(str(res["Condition"]))
            if value is False:
                log.info(
                    "notice: %s:%d: %s not scanned (condition %s is false)",
                    self.display,
                    line,
                    logical,
                    res["Condition"],
                )
                return None
            if isinstance(value, Unknown):
                cond = Unknown(
                    value.kind,
                    f"deployed only if condition {res['Condition']} holds: {value.reason}",
                )
        props = stack.resolve(res.get("Properties", {}))
        if isinstance(props, Unknown):
            cond = cond or props
            props = {}
        if not isinstance(props, dict):
            self.error("*", line, f"{logical}: Properties must be a mapping")
            props = {}
        return Item(logical, rtype, props, line, stack.physical(logical), cond)

    def _nested(self, item: Item, stack: Stack) -> None:
        url = item.props.get("TemplateURL")
        if self.prefix.count("/") >= 5:
            self.error(
                "*", item.line, f"{item.logical}: nested stacks deeper than 5 levels are not read"
            )
            return
        local = (
            isinstance(url, str)
            and not isinstance(url, Sym)
            and "://" not in url
            and (self.path.parent / url).is_file()
        )
        if not local:
            self.error(
                "*",
                item.line,
                f"{item.logical}: the nested template {url} cannot be read here (only a local "
                "file path is; scan the nested template separately): its resources are not checked",
                "NotFound",
            )
            return
        params = item.props.get("Parameters", {})
        nested = _File(
            self.rec,
            self.request,
            str(self.path.parent / str(url)),
            self.path.parent / str(url),
            True,
            {
                **{k: v for k, v in self.overrides.items() if k.startswith("AWS::")},
                **(params if isinstance(params, dict) else {}),
            },
            self.scope,
            prefix=f"{self.prefix}{item.logical}/",
        )
        nested.scan()

    def _resource(self, out: Out, b: Build) -> Resource:
        data, errors, later = materialize(redact_secrets(out.data))
        errors.update(out.errors)
        later.update(out.later)
        if out.item.condition is not None:
            (errors if out.item.condition.kind == UNRESOLVED else later)["*"] = (
                out.item.condition.reason
            )
        name = out.name
        if isinstance(name, Unknown):
            errors.setdefault("*", name.reason) if name.kind == UNRESOLVED else None
            name = f"${{{out.item.logical}}}"
        region = b.region if isinstance(b.region, str) and not isinstance(b.region, Sym) else None
        return Resource(
            type=out.rtype,
            id=f"{self.display}#{self.prefix}{out.key or out.item.logical}",
            name=str(name) if name is not None else out.item.logical,
            scope=self.scope,
            data=data,
            source=Source(file=self.display, line=out.item.line),
            region=None if out.rtype in aws_types.GLOBAL_TYPES else region,
            tags=_tags(out.tags),
            errors=errors,
            deferred=later,
        )


def _tags(tags: Any) -> dict[str, str]:
    items = (
        tags.items()
        if isinstance(tags, Mapping)
        else ((t.get("Key"), t.get("Value")) for t in tags if isinstance(t, Mapping))
        if isinstance(tags, list)
        else ()
    )
    return {
        str(k): str(v)
        for k, v in items
        if isinstance(k, str) and isinstance(v, (str, int, float, bool))
    }


__all__ = ["CloudFormationCollector", "parse_parameters", "unresolved"]
