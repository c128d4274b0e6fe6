"""Lambda (regional): functions as ListFunctions returns them, with the credentials in their
environment replaced by ``<redacted>`` (``bio2scan.credentials``: the whole value when the
variable's name names a secret, else only the secret part — ``postgres://app:<redacted>@db``), so
the rules see *that* and *where* there is one and the report never shows it, nor a hash of it;
and the function's resource policy."""

from __future__ import annotations

from functools import partial
from typing import Any

from ...credentials import redact_value
from .calls import policy
from .service import Ctx, Kind, Service


def redact(function: dict[str, Any]) -> dict[str, Any]:
    """``function`` with the secrets in its environment variables redacted (the template
    collectors use it too, so a template and the deployed function read the same)."""
    env = (function.get("Environment") or {}).get("Variables")
    if not isinstance(env, dict):
        return function
    variables = {k: redact_value(k, v) for k, v in env.items()}
    if variables == env:
        return function
    return dict(function, Environment=dict(function["Environment"], Variables=variables))


def _functions(ctx: Ctx) -> None:
    for fn in ctx.pages("ListFunctions", "Functions"):
        ctx.spawn(partial(_function, ctx, fn))


def _function(ctx: Ctx, fn: dict[str, Any]) -> None:
    data = redact(dict(fn))
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Policy",
        lambda: policy(ctx.call("GetPolicy", FunctionName=fn["FunctionArn"]).get("Policy")),
        absent=("ResourceNotFoundException",),
    )
    ctx.add(fn["FunctionArn"], fn["FunctionName"], data, api="ListFunctions", errors=errors)


SERVICES = (
    Service(
        "lambda",
        "lambda",
        kinds=(Kind("aws.lambda.function", _functions, ("ListFunctions", "GetPolicy")),),
    ),
)
