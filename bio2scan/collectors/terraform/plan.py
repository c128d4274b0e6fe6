"""A Terraform plan in JSON (``terraform show -json plan.out``) → resource instances.

The documented format: ``resource_changes`` (address, ``mode``, ``type``, ``change.actions``,
``change.after`` with ``change.after_unknown`` marking what is known only after apply),
``configuration`` (provider configurations, ``module_calls``, the expressions of every
resource with the ``references`` they make). Every managed resource that exists after the
apply (all actions but a plain ``delete``) becomes an ``Instance``; a value marked in
``after_unknown`` becomes ``Unknown``, carrying the resource it refers to when the
configuration names one (so ``bucket = aws_s3_bucket.b.id`` still joins the bucket).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .config import Instance, Problem
from .values import Unknown

MAX_PLAN_BYTES = 512 * 1024 * 1024


class PlanError(Exception):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def looks_like_plan(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and ("resource_changes" in data or "planned_values" in data)
        and "format_version" in data
    )


def read(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_PLAN_BYTES + 1)
    except OSError as exc:
        raise PlanError(f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError("plan larger than 512 MiB")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PlanError(f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise PlanError(
            f"not a Terraform plan in JSON (invalid JSON: {exc.msg})", exc.lineno
        ) from None
    major = str(data.get("format_version", "")).split(".")[0] if isinstance(data, dict) else ""
    if looks_like_plan(data) and major not in ("0", "1"):
        raise PlanError(f"plan format_version {data['format_version']} is not supported (1.x)")
    if not looks_like_plan(data):
        raise PlanError(
            "not a Terraform plan in JSON (expected format_version and resource_changes, as "
            "`terraform show -json plan.out` writes)"
        )
    return dict(data)


def _configs(conf: Mapping[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Configuration resources by their full address (without instance keys)."""
    out: dict[str, dict[str, Any]] = {}
    for r in conf.get("resources") or ():
        if isinstance(r, dict) and isinstance(r.get("address"), str):
            out[prefix + r["address"]] = dict(r, _module=prefix.rstrip("."))
    for name, call in (conf.get("module_calls") or {}).items():
        if isinstance(call, dict) and isinstance(call.get("module"), dict):
            out.update(_configs(call["module"], f"{prefix}module.{name}."))
    return out


def providers(plan: Mapping[str, Any]) -> dict[str, Any]:
    """Provider configuration key → ``{argument: constant value}``."""
    out: dict[str, Any] = {}
    for key, p in ((plan.get("configuration") or {}).get("provider_config") or {}).items():
        if not isinstance(p, dict):
            continue
        exprs = p.get("expressions") or {}
        vals: dict[str, Any] = {}
        for arg, e in exprs.items():
            if isinstance(e, dict) and "constant_value" in e:
                vals[arg] = e["constant_value"]
            elif isinstance(e, list) and e and isinstance(e[0], dict):  # a nested block
                vals[arg] = [
                    {k: x.get("constant_value") for k, x in b.items() if isinstance(x, dict)}
                    for b in e
                ]
        name = key.split(":", 1)[-1]
        out[name] = vals
    return out


def _strip_index(address: str) -> str:
    """``module.a["x"].aws_s3_bucket.b[0]`` → ``module.a.aws_s3_bucket.b``."""
    out, depth, buf = [], 0, ""
    for ch in address:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            buf += ch
    out.append(buf)
    return "".join(out)


def instances(plan: Mapping[str, Any], file: str) -> tuple[list[Instance], list[Problem]]:
    conf = (plan.get("configuration") or {}).get("root_module") or {}
    configs = _configs(conf)
    changes = [c for c in plan.get("resource_changes") or () if isinstance(c, dict)]
    addresses = {str(c.get("address")) for c in changes}
    problems: list[Problem] = []
    out: list[Instance] = []
    for c in changes:
        if c.get("mode", "managed") != "managed":
            continue
        change = c.get("change") or {}
        actions = change.get("actions") or []
        if actions == ["delete"]:
            continue
        address = str(c.get("address"))
        after = change.get("after")
        if not isinstance(after, dict):
            after = {}
        cfg = configs.get(_strip_index(address)) or {}
        module = str(c.get("module_address") or cfg.get("_module") or "")
        values = _merge(after, change.get("after_unknown"), address, cfg, module, addresses)
        provider = str(cfg.get("provider_config_key") or c.get("type", "").split("_")[0])
        out.append(
            Instance(
                address,
                str(c.get("type")),
                str(c.get("name")),
                module,
                values,
                file,
                0,
                provider.split(":", 1)[-1],
            )
        )
    return out, problems


def _ref(arg: str, cfg: Mapping[str, Any], module: str, addresses: set[str]) -> str | None:
    expr = (cfg.get("expressions") or {}).get(arg)
    refs = expr.get("references") if isinstance(expr, dict) else None
    for r in refs or ():
        if not isinstance(r, str) or r.startswith(("var.", "local.", "data.", "each.", "count.")):
            continue
        full = f"{module}.{r}" if module else r
        parts = full.split(".")
        for n in range(len(parts), 1, -1):
            cand = ".".join(parts[:n])
            if cand in addresses:
                return cand
    return None


def _merge(
    after: dict[str, Any],
    unknown: Any,
    address: str,
    cfg: Mapping[str, Any],
    module: str,
    addresses: set[str],
) -> dict[str, Any]:
    values = dict(after)
    if not isinstance(unknown, dict):
        return values
    for k, u in unknown.items():
        if u is True:
            ref = _ref(k, cfg, module, addresses)
            origin = f"{ref}.{k}" if ref is None else f"{ref}.{_ref_attr(k, cfg) or 'id'}"
            values[k] = Unknown(f"{address}.{k}" if ref is None else origin, ref=ref)
        else:
            values[k] = _nested(values.get(k), u, f"{address}.{k}")
    return values


def _ref_attr(arg: str, cfg: Mapping[str, Any]) -> str | None:
    expr = (cfg.get("expressions") or {}).get(arg)
    refs = expr.get("references") if isinstance(expr, dict) else None
    if refs and isinstance(refs[0], str) and "." in refs[0]:
        return refs[0].rsplit(".", 1)[-1]
    return None


def _nested(value: Any, unknown: Any, origin: str) -> Any:
    if unknown is True:
        return Unknown(origin)
    if isinstance(unknown, dict):
        base = dict(value) if isinstance(value, dict) else {}
        for k, u in unknown.items():
            base[k] = _nested(base.get(k), u, f"{origin}.{k}")
        return base
    if isinstance(unknown, list):
        base_list = list(value) if isinstance(value, list) else []
        for i, u in enumerate(unknown):
            if i < len(base_list):
                base_list[i] = _nested(base_list[i], u, f"{origin}[{i}]")
            elif u is True:
                base_list.append(Unknown(f"{origin}[{i}]"))
            elif isinstance(u, (dict, list)):
                base_list.append(_nested(None, u, f"{origin}[{i}]"))
        return base_list
    return value
