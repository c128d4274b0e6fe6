"""OpenSearch Service (regional): domains with their configuration, including the access policy
(``AccessPolicies``, parsed; ``null`` when none) that decides who may reach the domain."""

from __future__ import annotations

from typing import Any

from .calls import policy
from .service import Ctx, Kind, Service

_BATCH = 5  # DescribeDomains takes at most five names


def _domains(ctx: Ctx) -> None:
    names = [d["DomainName"] for d in ctx.call("ListDomainNames").get("DomainNames") or []]
    for i in range(0, len(names), _BATCH):
        answer = ctx.call("DescribeDomains", DomainNames=names[i : i + _BATCH])
        for d in answer.get("DomainStatusList") or []:
            data: dict[str, Any] = dict(d)
            data["AccessPolicies"] = policy(d.get("AccessPolicies") or None)
            ctx.add(d["ARN"], d["DomainName"], data, api="DescribeDomains")


SERVICES = (
    Service(
        "opensearch",
        "es",
        kinds=(Kind("aws.opensearch.domain", _domains, ("ListDomainNames", "DescribeDomains")),),
    ),
)
