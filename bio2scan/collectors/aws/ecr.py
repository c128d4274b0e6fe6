"""ECR (regional): repositories with their scan-on-push, tag mutability and encryption settings."""

from __future__ import annotations

from .service import Ctx, Kind, Service


def _repositories(ctx: Ctx) -> None:
    for repo in ctx.pages("DescribeRepositories", "repositories"):
        ctx.add(repo["repositoryArn"], repo["repositoryName"], repo, api="DescribeRepositories")


SERVICES = (
    Service(
        "ecr", "ecr", kinds=(Kind("aws.ecr.repository", _repositories, ("DescribeRepositories",)),)
    ),
)
