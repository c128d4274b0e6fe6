"""AWS resource and trust policies: who may do what, and is any of it open to anyone.

Pure functions over a parsed policy document (no I/O). ``analyse`` answers, per Allow statement,
who it admits (``Principal``/``NotPrincipal``), which actions (``Action``/``NotAction``), and whether
its conditions — or a Deny statement of the same policy — narrow it to known callers. The rules
``docs/exposure.md`` states are implemented here and pinned by ``tests/engine/test_aws_policy.py``:

* Everyone: ``"*"``, ``{"AWS": "*"}``, an ARN or account field of ``*`` (``arn:aws:iam::*:root``),
  ``{"CanonicalUser": "*"}``, ``NotPrincipal`` in an Allow, and a web-identity provider shared by
  every customer (GitHub Actions, Cognito, Google …) without a ``sub``/``aud`` condition.
* A condition restricts only with a key from ``RESTRICTING_KEYS``, a positive operator (not a
  ``…Not…`` operator, not ``…IfExists``, not ``ForAllValues``), and concrete values: no value that
  is only a wildcard, ARNs with a concrete account (S3 ARNs without any wildcard), organisation ids
  without wildcards, and ``aws:SourceIp`` ranges that do not cover the internet (``netreach``). Any
  other key — unknown, spoofable (``aws:Referer``, ``aws:UserAgent``) or not about the caller
  (``sts:ExternalId``, ``aws:PrincipalTag/*``, ``lambda:FunctionUrlAuthType``) — does not restrict:
  the conservative verdict is "public", with the key named in the evidence.
* A Deny for every principal on at least the same actions and resources, with a negated restricting
  condition (``StringNotEquals aws:PrincipalOrgID o-…``, ``NotIpAddress aws:SourceIp …``) and no
  other condition, narrows the Allow just as well.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import CannotJudge, netreach

# key (lower case) → what a concrete value ties the caller to
RESTRICTING_KEYS: dict[str, str] = {
    "aws:sourceip": "ip",
    "aws:vpcsourceip": "ip",
    "aws:sourcevpc": "id",
    "aws:sourcevpce": "id",
    "aws:principalorgid": "org",
    "aws:principalorgpaths": "orgpath",
    "aws:sourceorgid": "org",
    "aws:sourceorgpaths": "orgpath",
    "aws:principalaccount": "account",
    "aws:sourceaccount": "account",
    "aws:sourceowner": "account",
    "kms:calleraccount": "account",
    "s3:datapointaccount": "account",
    "s3:dataaccesspointaccount": "account",
    "aws:principalarn": "arn",
    "aws:sourcearn": "arn",
    "s3:dataaccesspointarn": "arn",
    "aws:userid": "userid",
    "aws:principalisawsservice": "true",
    "sns:endpoint": "id",
}
_POSITIVE = re.compile(r"^(string(equals|like)(ignorecase)?|arn(equals|like)|ipaddress|bool)$")
_NEGATED = re.compile(
    r"^(string(notequals|notlike)(ignorecase)?|arn(notequals|notlike)|notipaddress)$"
)
# web-identity providers whose tokens any of their customers can obtain: a trust needs a
# condition on the provider's ``sub`` (or ``aud``) key with concrete values
SHARED_IDPS = (
    "token.actions.githubusercontent.com",
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
    "gitlab.com",
    "app.terraform.io",
)


def as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


class PolicyError(CannotJudge):
    """A policy that cannot be read as a policy: the condition is unknown (the rule reports
    ERROR unless another part of it decides)."""


def statements(doc: Any) -> list[dict[str, Any]]:
    """The statements of a policy (JSON text or mapping); ``None`` is no policy. Anything else
    that is not a policy raises ``PolicyError``."""
    if doc is None:
        return []
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            raise PolicyError("the policy is not valid JSON") from None
    if not isinstance(doc, dict) or "_unparsed" in doc:
        raise PolicyError("the policy could not be parsed")
    if doc.get("Statement") is None:  # IAM accepts no policy without one
        raise PolicyError("the policy has no Statement")
    out = as_list(doc.get("Statement"))
    if not all(isinstance(s, dict) for s in out):
        raise PolicyError("a statement is not an object")
    for s in out:  # IAM accepts no statement without these: nothing can be concluded from it
        if str(s.get("Effect", "")).lower() not in ("allow", "deny"):
            raise PolicyError("a statement without Effect Allow or Deny")
        if s.get("Action") is None and s.get("NotAction") is None:
            raise PolicyError("a statement without Action or NotAction")
    return out


def label(i: int, s: dict[str, Any]) -> str:
    sid = s.get("Sid")
    return f"Statement[{i}]" + (f" (Sid {sid})" if sid not in (None, "") else "")


def effect(s: dict[str, Any]) -> str:
    return str(s.get("Effect", "")).lower()


# --- actions and resources ----------------------------------------------------------------------


def _glob(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def action_allowed_by(s: dict[str, Any], action: str) -> bool:
    """The statement's ``Action`` matches ``action``, or its ``NotAction`` does not."""
    if "NotAction" in s:
        return not any(_glob(str(p), action) for p in as_list(s.get("NotAction")))
    return any(_glob(str(p), action) for p in as_list(s.get("Action")))


def actions_shown(s: dict[str, Any]) -> str:
    if "NotAction" in s:
        return "every action except " + ", ".join(str(a) for a in as_list(s["NotAction"]))
    return ", ".join(str(a) for a in as_list(s.get("Action"))) or "nothing"


def _covers_actions(deny: dict[str, Any], allow: dict[str, Any]) -> bool:
    """Every action ``allow`` grants is denied by ``deny`` (wildcards compared as patterns)."""
    if "NotAction" in deny:
        return False
    pats = [str(p) for p in as_list(deny.get("Action"))]
    if any(p in ("*", "*:*") for p in pats):
        return True
    if "NotAction" in allow:
        return False
    return all(any(_glob(p, str(a)) for p in pats) for a in as_list(allow.get("Action")))


def _covers_resources(deny: dict[str, Any], allow: dict[str, Any]) -> bool:
    if "NotResource" in deny:
        return False
    pats = [str(p) for p in as_list(deny.get("Resource"))]
    if "*" in pats or "Resource" not in deny:  # resource policies may omit Resource
        return True
    if "NotResource" in allow:
        return False
    return all(any(_glob(p, str(r)) for p in pats) for r in as_list(allow.get("Resource")))


# --- principals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """Who a statement admits: ``everyone`` (anonymous or any AWS principal), ``idp`` (a shared
    web-identity provider: everyone unless a condition names the subject), ``service`` (an AWS
    service, for any customer unless a source condition), or ``named``."""

    kind: str
    text: str
    idps: tuple[str, ...] = ()


def _arn_everyone(p: str) -> bool:
    if p == "*":
        return True
    parts = p.split(":")
    return len(parts) >= 6 and parts[0] == "arn" and parts[4] == "*"


def principal(s: dict[str, Any]) -> Who:
    if "NotPrincipal" in s:
        return Who("everyone", "everyone except the NotPrincipal list")
    p = s.get("Principal")
    if p is None:
        return Who("named", "no principal (an identity policy)")
    if isinstance(p, str):
        return Who("everyone", "anyone (Principal *)") if _arn_everyone(p) else Who("named", p)
    if not isinstance(p, dict):
        raise PolicyError(f"Principal is neither a string nor an object: {p!r}")
    for key in ("AWS", "CanonicalUser"):
        for v in as_list(p.get(key)):
            if _arn_everyone(str(v)):
                return Who("everyone", f"anyone ({key}: {v})")
    idps = tuple(
        str(f)
        for f in as_list(p.get("Federated"))
        if any(str(f).lower().endswith(h) for h in SHARED_IDPS)
    )
    if idps:
        return Who("idp", f"any user of {', '.join(idps)}", idps)
    services = [str(v) for v in as_list(p.get("Service"))]
    if services and not (p.get("AWS") or p.get("Federated") or p.get("CanonicalUser")):
        return Who("service", f"the service {', '.join(services)} for any customer")
    named = [
        str(v) for k in ("AWS", "Federated", "CanonicalUser", "Service") for v in as_list(p.get(k))
    ]
    return Who("named", ", ".join(named))


# --- conditions ---------------------------------------------------------------------------------


def _split_op(op: str) -> tuple[str, str, bool]:
    """(set prefix, base operator, IfExists) of a condition operator, lower case."""
    low = op.lower()
    prefix = ""
    if ":" in low:
        prefix, _, low = low.partition(":")
    if_exists = low.endswith("ifexists")
    return prefix, low[: -len("ifexists")] if if_exists else low, if_exists


def _concrete(kind: str, values: list[str], share: float) -> str | None:
    """Why ``values`` do *not* tie the caller down, or ``None`` when they do."""
    if not values:
        return "no values"
    if kind == "ip":
        try:
            srcs = [netreach.parse_source(v) for v in values]
        except netreach.UnknownSource as exc:
            return str(exc)
        if netreach.reach_is_public(srcs, share):
            return f"{', '.join(values)} covers {netreach.describe(srcs, share)}"
        return None
    if kind == "true":
        return None if all(v.lower() == "true" for v in values) else "not true"
    for v in values:
        if kind in ("arn",):
            parts = v.split(":")
            if len(parts) < 6 or parts[0] != "arn":
                if "*" in v or "?" in v:
                    return f"{v} is a wildcard"
                continue
            if parts[2] == "s3" and not parts[4]:
                if "*" in v or "?" in v:
                    return f"{v}: an S3 ARN with a wildcard matches other accounts' buckets"
            elif not re.fullmatch(r"\d{12}", parts[4]):
                return f"{v} does not name one account"
        elif kind == "orgpath":
            if not re.match(r"^o-[a-z0-9]+/", v.lower()):
                return f"{v} does not name one organisation"
        elif kind == "userid":
            if v.startswith("*") or v.replace("*", "").replace("?", "") == "":
                return f"{v} is a wildcard"
        elif "*" in v or "?" in v:
            return f"{v} is a wildcard"
    return None


@dataclass
class CondVerdict:
    restricted_by: str | None = None  # the key and values that tie the caller down
    ignored: list[str] = field(default_factory=list)  # keys that do not restrict, and why


def judge_conditions(cond: Any, share: float, negated: bool = False) -> CondVerdict:
    """Whether a condition block ties the caller to known callers. ``negated``: judge it as the
    condition of a Deny (a ``…Not…`` operator on a restricting key restricts, keys combine the
    same way). Condition keys are ANDed, so one restricting pair restricts the statement."""
    out = CondVerdict()
    if cond is None:
        return out
    if not isinstance(cond, dict):
        raise PolicyError(f"Condition is not an object: {cond!r}")
    for op, pairs in cond.items():
        if not isinstance(pairs, dict):
            raise PolicyError(f"Condition operator {op} does not hold key/value pairs")
        prefix, base, if_exists = _split_op(str(op))
        for key, raw in pairs.items():
            k = str(key).lower()
            values = [str(v) for v in as_list(raw)]
            kind = RESTRICTING_KEYS.get(k)
            if kind is None:
                out.ignored.append(f"{key} (not a key that ties the caller down)")
                continue
            rx = _NEGATED if negated else _POSITIVE
            if not rx.match(base) or prefix == "forallvalues" or (if_exists and not negated):
                out.ignored.append(f"{op} {key} (this operator does not restrict)")
                continue
            if base == "bool" and kind != "true":
                out.ignored.append(f"{op} {key}")
                continue
            why = _concrete(kind, values, share)
            if why is not None:
                out.ignored.append(f"{key}: {why}")
                continue
            if out.restricted_by is None:
                out.restricted_by = f"{op} {key} = {', '.join(values)}"
    return out


def _idp_subject_bound(cond: Any, idps: Iterable[str]) -> str | None:
    """The condition that binds a shared identity provider's tokens to concrete subjects (its
    ``sub`` key; Cognito's ``aud``, the identity pool), if any."""
    if not isinstance(cond, dict):
        return None
    hosts = [i.lower().rpartition("oidc-provider/")[2] for i in idps]
    for op, pairs in cond.items():
        prefix, base, if_exists = _split_op(str(op))
        if not isinstance(pairs, dict) or if_exists or prefix == "forallvalues":
            continue
        if not _POSITIVE.match(base) or base == "bool":
            continue
        for key, raw in pairs.items():
            host, _, name = str(key).lower().rpartition(":")
            wanted = "aud" if host.startswith("cognito-identity") else "sub"
            if host not in hosts or name != wanted:
                continue
            values = [str(v) for v in as_list(raw)]
            if values and all(re.sub(r"[*?]", "", v.split(":", 1)[-1]).strip(":/") for v in values):
                return f"{op} {key} = {', '.join(values)}"
    return None


# --- the analysis -------------------------------------------------------------------------------


@dataclass
class Grant:
    """One Allow statement and what decides its reach."""

    index: int
    label: str
    who: Who
    actions: str
    public: bool
    because: str


def analyse(
    doc: Any, share: float = netreach.DEFAULT_SHARE, services_public: bool = False
) -> list[Grant]:
    """Every Allow statement of a resource or trust policy, judged. ``services_public``: a
    service principal without a source condition counts as public (the confused deputy: any
    customer's resource of that service can act), as AWS Security Hub's Lambda.1 counts it."""
    stmts = statements(doc)
    denies = [
        (i, s)
        for i, s in enumerate(stmts)
        if effect(s) == "deny" and principal(s).kind == "everyone" and "NotPrincipal" not in s
    ]
    out: list[Grant] = []
    for i, s in enumerate(stmts):
        if effect(s) != "allow":
            continue
        who = principal(s)
        lab = label(i, s)
        acts = actions_shown(s)
        if who.kind == "named" or (who.kind == "service" and not services_public):
            out.append(Grant(i, lab, who, acts, False, f"only {who.text}"))
            continue
        if who.kind == "idp":
            bound = _idp_subject_bound(s.get("Condition"), who.idps)
            if bound:
                out.append(Grant(i, lab, who, acts, False, f"restricted by {bound}"))
            else:
                why = f"no condition on the {who.idps[0]} subject (sub) with concrete values"
                out.append(Grant(i, lab, who, acts, True, why))
            continue
        verdict = judge_conditions(s.get("Condition"), share)
        if verdict.restricted_by:
            out.append(Grant(i, lab, who, acts, False, f"restricted by {verdict.restricted_by}"))
            continue
        deny = _narrowing_deny(s, denies, share)
        if deny:
            out.append(Grant(i, lab, who, acts, False, deny))
            continue
        why = "no condition" if not s.get("Condition") else "; ".join(verdict.ignored)
        out.append(Grant(i, lab, who, acts, True, why))
    return out


def _narrowing_deny(
    allow: dict[str, Any], denies: list[tuple[int, dict[str, Any]]], share: float
) -> str | None:
    for j, d in denies:
        if not (_covers_actions(d, allow) and _covers_resources(d, allow)):
            continue
        v = judge_conditions(d.get("Condition"), share, negated=True)
        if v.restricted_by and not v.ignored:
            return f"narrowed by the Deny {label(j, d)}: {v.restricted_by}"
    return None


def public_grants(doc: Any, share: float = netreach.DEFAULT_SHARE, **kw: Any) -> list[Grant]:
    return [g for g in analyse(doc, share, **kw) if g.public]
