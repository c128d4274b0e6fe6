"""What the AWS mappings share: the mapping context (account, regions from the provider
blocks, default tags) and the helpers that build a live resource from an instance."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .config import Instance
from .mapping import Out, Registry, first, tag_map
from .values import Unknown, Unresolved


class AwsCtx:
    def __init__(self, registry: Registry, providers: Mapping[str, Any], account: str) -> None:
        self.reg = registry
        self.providers = providers
        self.account = account

    def region(self, inst: Instance) -> str | None:
        p = self.providers.get(inst.provider) or self.providers.get("aws") or {}
        r = p.get("region") if isinstance(p, dict) else None
        return r if isinstance(r, str) else None

    def default_tags(self, inst: Instance) -> dict[str, str]:
        p = self.providers.get(inst.provider) or self.providers.get("aws") or {}
        dt = first(p, "default_tags") if isinstance(p, dict) else None
        return tag_map(dt.get("tags")) if dt else {}

    def arn(self, service: str, inst: Instance, resource: str, regional: bool = True) -> str:
        region = (self.region(inst) or "") if regional else ""
        return f"arn:aws:{service}:{region}:{self.account}:{resource}"

    def out(
        self,
        rtype: str,
        inst: Instance,
        name: Any,
        data: dict[str, Any],
        *,
        regional: bool = True,
        tags: Any = None,
    ) -> Out:
        all_tags = dict(self.default_tags(inst))
        all_tags.update(tag_map(inst.values.get("tags") if tags is None else tags))
        out = Out(
            rtype,
            inst,
            name,
            data,
            region=self.region(inst) if regional else None,
            scope=self.account,
            tags=all_tags,
        )
        return self.reg.add(out)

    def region_out(self, rtype: str, inst: Instance, data: dict[str, Any]) -> Out:
        """A per-region settings resource (GuardDuty, Security Hub …), named as the live
        collector names it: ``ACCOUNT/REGION``; one per region, later declarations join it."""
        region = self.region(inst) or "(region)"
        key = f"{self.account}/{region}"
        found = self.reg.find(rtype, key)
        if found is not None:
            return found
        return self.out(rtype, inst, key, data)


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def boolstr(v: Any) -> Any:
    """A provider boolean as AWS answers it in attribute maps (``"true"``/``"false"``)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def name_of(inst: Instance, *keys: str) -> Any:
    for k in keys:
        v = inst.values.get(k)
        if isinstance(v, str) and v:
            return v
        if isinstance(v, (Unknown, Unresolved)):
            return v
    return None


Mapper = Callable[[Instance, AwsCtx], None]


def own_bucket_arn(doc: Any, out: Any) -> Any:
    """A bucket's ARN is known before apply (``arn:aws:s3:::<name>``): a policy that refers to
    it as ``${aws_s3_bucket.x.arn}`` gets the ARN itself, so a rule can tell that a statement
    covers this bucket and its objects."""
    name = out.name
    if not isinstance(name, str):
        return doc
    origin = out.inst.address + ".arn"
    ref = "${" + origin + "}"
    arn = f"arn:aws:s3:::{name}"

    def fix(v: Any) -> Any:
        if isinstance(v, Unknown) and v.text is not None:
            return arn + v.text[len(ref) :] if v.text.startswith(ref) else v
        if isinstance(v, Unknown) and v.origin == origin:
            return arn
        if isinstance(v, str) and v.startswith(ref):
            return arn + v[len(ref) :]
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        return v

    return fix(doc)
