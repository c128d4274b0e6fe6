"""The AWS collector: accounts × regions × services on one bounded pool, read-only.

For every account (default credentials, ``--profile``s, or ``--assume-role`` into ``--accounts``
or the accounts of the Organization) it finds the enabled regions, then runs each wanted resource
type's ``Kind`` (declared by the service modules listed in ``SERVICE_MODULES``) once per scope:
account × region for regional services, the account for global ones. Listings queue one detail
job per resource on the same pool (``scheduler.py``). What fails becomes a ``CollectionError`` (a
listing, a region, an account) or a resource's ``errors`` entry (one detail read); the scan always
goes on. boto3 is imported only when a scan runs.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from ...errors import UsageError
from ...model import CollectionError, Inventory
from ..base import CollectRequest, Option, Recorder, public_options
from .service import Account, Ctx, Kind, Service

SERVICE_MODULES = (
    "iam",
    "s3",
    "cloudtrail",
    "logs",
    "kms",
    "ec2",
    "elb",
    "cloudfront",
    "rds",
    "backup",
    "guardduty",
    "securityhub",
    "configservice",
    "inspector2",
    "accessanalyzer",
    "awslambda",
    "ecr",
    "eks",
    "secretsmanager",
    "sns",
    "sqs",
    "acm",
    "route53",
    "opensearch",
    "glacier",
)


def services() -> list[Service]:
    out: list[Service] = []
    for name in SERVICE_MODULES:
        out.extend(importlib.import_module(f"{__name__}.{name}").SERVICES)
    return out


def _all_types() -> tuple[str, ...]:
    return tuple(k.type for s in services() for k in s.kinds)


class AwsCollector:
    name = "aws"
    provider = "aws"
    description = "AWS accounts and regions through the AWS APIs (read-only)"
    options = (
        Option(
            "profile",
            "AWS profile(s) to scan, one account each (default: the default credential chain).",
            multiple=True,
        ),
        Option(
            "assume_role",
            "Role name (or ARN) to assume in each account of --accounts or "
            "--organization, from the base credentials.",
        ),
        Option("accounts", "Account ids to scan through --assume-role.", multiple=True),
        Option(
            "organization",
            "Scan every ACTIVE account of the AWS Organization (with --assume-role).",
            type="flag",
        ),
        Option(
            "external_id",
            "ExternalId for sts:AssumeRole.",
            secret=True,
            envvar="BIO2SCAN_AWS_EXTERNAL_ID",
        ),
        Option(
            "regions",
            "Regions to scan (default: the enabled regions of each account).",
            multiple=True,
        ),
    )

    @property
    def resource_types(self) -> tuple[str, ...]:
        return _all_types()

    def collect(self, request: CollectRequest) -> Inventory:
        rec = Recorder(self.name, request)
        _Run(rec, request).go()
        return rec.inventory(public_options(request.options, self.options))

    def permissions(self, resource_types: set[str]) -> dict[str, Any]:
        """The least-privilege read-only IAM policy for ``resource_types``, from the operations
        the service modules declare (plus what account and region discovery need)."""
        actions: set[str] = {"ec2:DescribeRegions"}
        for svc in services():
            for k in svc.kinds:
                if k.type in resource_types:
                    actions.update(svc.action(op) for op in k.ops)
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Bio2scanReadOnly",
                    "Effect": "Allow",
                    "Action": sorted(actions),
                    "Resource": "*",
                }
            ],
        }


def _split(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else list(value or ())
    return [x.strip() for v in items for x in str(v).split(",") if x.strip()]


class _Run:
    """One collection: accounts, their scopes, the pool, and the errors."""

    def __init__(self, rec: Recorder, request: CollectRequest) -> None:
        from . import session
        from .scheduler import WorkQueue

        self.rec = rec
        self.request = request
        self.cfg = session.config(request.max_workers)
        self.queue = WorkQueue(self._crashed)
        opts = request.options
        self.regions = _split(opts.get("regions"))
        self.services = [s for s in services() if any(request.wants(k.type) for k in s.kinds)]
        self.task = request.progress.task("aws")

    def go(self) -> None:
        from . import session
        from .calls import AwsError

        opts = self.request.options
        t0 = time.monotonic()
        role = opts.get("assume_role")
        profiles: list[str | None] = list(_split(opts.get("profile")))
        if role and not (opts.get("accounts") or opts.get("organization")):
            raise UsageError("--assume-role needs --accounts ID,ID or --organization")
        if not role and (opts.get("accounts") or opts.get("organization")):
            raise UsageError("--accounts and --organization need --assume-role ROLE_NAME")
        if role and len(profiles) > 1:
            raise UsageError("--assume-role takes at most one --profile (the base credentials)")
        if role:
            base = session.base_session(profiles[0] if profiles else None)
            ids = _split(opts.get("accounts"))
            if opts.get("organization"):
                try:
                    ids += [
                        a
                        for a in session.organization_accounts(base, self.cfg, self.count)
                        if a not in ids
                    ]
                except AwsError as exc:
                    self._error("*", "*", exc)
            for acct in ids:
                self.queue.submit(partial(self._assumed, base, acct, role))
        else:
            for p in profiles or [None]:
                self.queue.submit(partial(self._profile, p))  # None: the default chain
        self.queue.run(self.request.max_workers)
        self.task.done()
        self.rec.timing("aws.collect", time.monotonic() - t0)
        # not a time: the calls on the longest chain of dependent calls (scheduler.py)
        self.rec.timing("aws.chain_calls", float(self.queue.longest))

    def count(self, api: str) -> None:
        """One API call: counted per API and on the running job's chain."""
        self.rec.call(api)
        self.queue.step()

    # --- accounts --------------------------------------------------------------------------
    def _profile(self, profile: str | None) -> None:
        from . import session
        from .calls import AwsError

        try:
            s = session.base_session(profile)
            acct = session.identify(s, self.cfg, self.count)
        except AwsError as exc:
            self._error("*", profile or "default", exc)
            return
        except Exception as exc:  # noqa: BLE001 — e.g. ProfileNotFound
            from .calls import classify

            self._error("*", profile or "default", classify(exc, "sts:GetCallerIdentity"))
            return
        self._account(Account(acct, s, self.cfg, profile or acct))

    def _assumed(self, base: Any, acct: str, role: str) -> None:
        from . import session
        from .calls import AwsError

        try:
            s = session.assume(
                base, acct, role, self.request.options.get("external_id"), self.cfg, self.count
            )
        except AwsError as exc:
            self._error("*", acct, exc)
            return
        self._account(Account(acct, s, self.cfg, acct))

    def _account(self, account: Account) -> None:
        from . import session
        from .calls import AwsError

        self.rec.scope(account.id)
        regional = [s for s in self.services if s.regional]
        regions = self.regions
        if regional and not regions:
            try:
                regions = session.enabled_regions(account.session, self.cfg, self.count)
            except AwsError as exc:
                for svc in regional:
                    for k in self._kinds(svc):
                        self._error(k.type, account.id, exc)
                regions = []
        account.regions = list(regions)
        for svc in self.services:
            scopes: Iterable[str | None] = regions if svc.regional else [None]
            for region in scopes:
                if not self.request.owns(f"{account.id}/{region or 'global'}"):
                    continue
                self.rec.scope(account.id, region)
                for kind in self._kinds(svc):
                    ctx = Ctx(self, account, region, svc, kind)
                    self.queue.submit(partial(self._guarded, kind.fn, ctx))

    def _kinds(self, svc: Service) -> list[Kind]:
        return [k for k in svc.kinds if self.request.wants(k.type)]

    # --- jobs and errors -------------------------------------------------------------------
    def spawn(self, fn: Callable[[], None], ctx: Ctx) -> None:
        self.queue.submit(lambda: self._guarded(lambda _c: fn(), ctx))

    def _guarded(self, fn: Callable[[Ctx], None], ctx: Ctx) -> None:
        from .calls import AwsError, classify

        t0 = time.monotonic()
        try:
            fn(ctx)
        except AwsError as exc:
            self._error(ctx.kind.type, ctx.account.id, exc, ctx.region)
        except Exception as exc:  # noqa: BLE001 — a bug must not end the scan or look like PASS
            err = classify(exc, ctx.service.client)
            self._error(
                ctx.kind.type,
                ctx.account.id,
                err,
                ctx.region,
                reason=f"collector failed: {type(exc).__name__}: {exc}",
            )
        finally:
            self.rec.timing(f"aws.{ctx.service.client}", time.monotonic() - t0)
            self.task.advance()

    def _error(
        self, rtype: str, scope: str, exc: Any, region: str | None = None, reason: str | None = None
    ) -> None:
        self.rec.error(
            CollectionError("aws", rtype, scope, reason or exc.reason, exc.code, exc.api, region)
        )

    def _crashed(self, job: Any, exc: Exception) -> None:
        self.rec.error(
            CollectionError(
                "aws", "*", "*", f"collector failed: {type(exc).__name__}: {exc}", "Error"
            )
        )
