"""Amazon Inspector (regional): the account's status and which scan types are enabled. An answer
without this account's status (moto returns an empty list) is an error, never "not enabled"."""

from __future__ import annotations

from .calls import AwsError
from .service import Ctx, Kind, Service


def _region(ctx: Ctx) -> None:
    answer = ctx.call("BatchGetAccountStatus", accountIds=[ctx.account.id])
    mine = [a for a in answer.get("accounts") or () if a.get("accountId") == ctx.account.id]
    failed = [f for f in answer.get("failedAccounts") or () if f.get("accountId") == ctx.account.id]
    if not mine:
        why = (
            f"{failed[0].get('errorCode')}: {failed[0].get('errorMessage')}"
            if failed
            else "the answer holds no status for this account"
        )
        raise AwsError(
            "Unsupported" if not failed else "Error",
            str(failed[0].get("errorCode")) if failed else "NoAccountStatus",
            why.split(": ", 1)[-1],
            ctx.api("BatchGetAccountStatus"),
        )
    ctx.add(
        ctx.arn("inspector2", "settings"),
        f"{ctx.account.id}/{ctx.region}",
        {"Status": mine[0]},
        api="BatchGetAccountStatus",
    )


SERVICES = (
    Service(
        "inspector2",
        "inspector2",
        kinds=(Kind("aws.inspector2.region", _region, ("BatchGetAccountStatus",)),),
    ),
)
