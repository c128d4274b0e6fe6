"""Lambda (regional): functions as ListFunctions returns them, with environment values that look
like credentials replaced by ``<redacted>`` (the rules see *that* there is one, the report never
shows it, nor a hash of it), and the function's resource policy."""

from __future__ import annotations

from functools import partial
from typing import Any

from ...credentials import REDACTED, credential_like
from .calls import policy
from .service import Ctx, Kind, Service


def redact(function: dict[str, Any]) -> dict[str, Any]:
    env = (function.get("Environment") or {}).get("Variables")
    if not isinstance(env, dict) or not any(credential_like(k, v) for k, v in env.items()):
        return function
    variables = {k: REDACTED if credential_like(k, v) else v for k, v in env.items()}
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
