"""ECR (regional): repositories with their scan-on-push, tag mutability and encryption settings,
and each repository's policy (``Policy``; ``null`` when it has none)."""

from __future__ import annotations

from functools import partial
from typing import Any

from .calls import policy
from .service import Ctx, Kind, Service


def _repositories(ctx: Ctx) -> None:
    for repo in ctx.pages("DescribeRepositories", "repositories"):
        ctx.spawn(partial(_repository, ctx, repo))


def _repository(ctx: Ctx, repo: dict[str, Any]) -> None:
    data = dict(repo)
    errors: dict[str, str] = {}
    ctx.detail(
        data,
        errors,
        "Policy",
        lambda: policy(
            ctx.call("GetRepositoryPolicy", repositoryName=repo["repositoryName"]).get("policyText")
        ),
        absent=("RepositoryPolicyNotFoundException",),
    )
    ctx.add(
        repo["repositoryArn"],
        repo["repositoryName"],
        data,
        api="DescribeRepositories",
        errors=errors,
    )


SERVICES = (
    Service(
        "ecr",
        "ecr",
        kinds=(
            Kind(
                "aws.ecr.repository", _repositories, ("DescribeRepositories", "GetRepositoryPolicy")
            ),
        ),
    ),
)
