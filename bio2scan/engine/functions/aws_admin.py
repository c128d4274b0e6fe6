"""AWS administrators: who holds every right, or can grant it to itself.

A set of IAM policy statements is *admin-equivalent* when it allows every action on every resource
(``Action: "*"``/``"*:*"``, or a ``NotAction`` that leaves IAM's own actions in), or any of the known
privilege-escalation combinations below on a resource pattern that reaches other principals. The
combinations are the 21 methods of Rhino Security Labs, "AWS IAM Privilege Escalation – Methods
and Mitigation" (Spencer Gietzen, 2018; numbered as there), which parliament's and Cloudsplaining's
checks also follow. A principal's statements are the union of its inline and attached policies,
its groups' policies, and — for a user — the policies of every role it may assume (its own
policies allow ``sts:AssumeRole`` on the role, and the role's trust admits the user or its whole
account). An attached policy that the inventory does not hold is an ERROR, never "not admin".
"""

from __future__ import annotations

from typing import Any

from ...model import Evidence
from . import CannotJudge, KnownAfterDeployment, Read, Related, aws_policy, function
from .aws_policy import as_list

ADMIN_POLICY_ARNS = (
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
    "arn:aws-cn:iam::aws:policy/AdministratorAccess",
)
_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
_NONE: dict[str, Any] = {"Version": "2012-10-17", "Statement": []}
# AWS managed policies whose effect is a known fact (others must be in the inventory): the
# administrator policy, and read-only job-function policies that hold only Get/List/Describe
# style actions (no write to IAM, no PassRole, no code execution)
MANAGED: dict[str, Any] = dict.fromkeys(ADMIN_POLICY_ARNS, _ALL) | {
    f"arn:aws:iam::aws:policy/{name}": _NONE
    for name in ("ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit", "job-function/ViewOnlyAccess")
}

ESCALATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, ("iam:CreatePolicyVersion",)),
    (2, ("iam:SetDefaultPolicyVersion",)),
    (3, ("iam:PassRole", "ec2:RunInstances")),
    (4, ("iam:CreateAccessKey",)),
    (5, ("iam:CreateLoginProfile",)),
    (6, ("iam:UpdateLoginProfile",)),
    (7, ("iam:AttachUserPolicy",)),
    (8, ("iam:AttachGroupPolicy",)),
    (9, ("iam:AttachRolePolicy", "sts:AssumeRole")),
    (10, ("iam:PutUserPolicy",)),
    (11, ("iam:PutGroupPolicy",)),
    (12, ("iam:PutRolePolicy", "sts:AssumeRole")),
    (13, ("iam:AddUserToGroup",)),
    (14, ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole")),
    (15, ("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction")),
    (16, ("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping")),
    (17, ("lambda:UpdateFunctionCode",)),
    (18, ("iam:PassRole", "glue:CreateDevEndpoint")),
    (19, ("glue:UpdateDevEndpoint",)),
    (20, ("iam:PassRole", "cloudformation:CreateStack")),
    (21, ("iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition")),
)
# actions on *other* users: a resource limited to ${aws:username} (oneself) is no escalation
_ON_OTHERS = frozenset({"iam:createaccesskey", "iam:createloginprofile", "iam:updateloginprofile"})


def _service_of(action: str) -> str:
    prefix = action.split(":", 1)[0].lower()
    return "iam" if prefix == "sts" else prefix


def _broad(s: dict[str, Any], action: str) -> bool:
    """The statement's resources reach beyond one named resource of the action's service: ``*``,
    a wildcard or policy variable in an ARN of that service, or a ``NotResource`` that does not
    leave out the whole service."""
    svc = _service_of(action)
    if "NotResource" in s:
        for r in (str(x) for x in as_list(s.get("NotResource"))):
            parts = r.split(":", 5)
            if r == "*" or (
                len(parts) == 6 and parts[2] in (svc, "*") and parts[5] in ("*", "*:*")
            ):
                return False
        return True
    for r in (str(x) for x in as_list(s.get("Resource"))):
        if r == "*":
            return True
        parts = r.split(":", 5)
        if len(parts) == 6 and parts[2] not in (svc, "*"):
            continue  # an ARN of another service
        if "${" in r and action.lower() in _ON_OTHERS:
            continue
        if "*" in r or "?" in r or "${" in r:
            return True
    return False


class Grants:
    """The statements a principal holds, with where each came from (for evidence)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, int, dict[str, Any]]] = []

    def add(self, where: str, doc: Any) -> None:
        for i, s in enumerate(aws_policy.statements(doc)):
            if s.get("Resource") is None and s.get("NotResource") is None:
                # IAM refuses an identity-policy statement without one
                raise aws_policy.PolicyError(f"{where}Statement[{i}] has no Resource")
            self.items.append((where, i, s))

    def _denied(self, action: str) -> bool:
        return any(
            aws_policy.effect(s) == "deny"
            and not s.get("Condition")
            and "*" in [str(r) for r in as_list(s.get("Resource"))]
            and aws_policy.action_allowed_by(s, action)
            for _, _, s in self.items
        )

    def allows(self, action: str, broad: bool = True) -> str | None:
        """Where ``action`` is allowed (on a broad resource when ``broad``), or None."""
        if self._denied(action):
            return None
        for where, i, s in self.items:
            if aws_policy.effect(s) != "allow" or not aws_policy.action_allowed_by(s, action):
                continue
            if not broad or _broad(s, action):
                return f"{where} {aws_policy.label(i, s)}"
        return None

    def allows_on(self, action: str, resource: str) -> bool:
        """``action`` on ``resource`` (a concrete ARN) is allowed."""
        if self._denied(action):
            return False
        for _, _, s in self.items:
            if aws_policy.effect(s) != "allow" or not aws_policy.action_allowed_by(s, action):
                continue
            if "NotResource" in s:
                if not any(aws_policy._glob(str(r), resource) for r in as_list(s["NotResource"])):
                    return True
            elif any(aws_policy._glob(str(r), resource) for r in as_list(s.get("Resource"))):
                return True
        return False

    def admin(self) -> list[str]:
        """Why these statements are admin-equivalent (empty: they are not)."""
        for where, i, s in self.items:
            if aws_policy.effect(s) != "allow":
                continue
            acts = [str(a) for a in as_list(s.get("Action"))]
            on_all = "*" in [str(r) for r in as_list(s.get("Resource"))]
            full = on_all and "NotAction" not in s and any(a in ("*", "*:*") for a in acts)
            if full and not self._denied("iam:AttachUserPolicy"):
                return [f"{where} {aws_policy.label(i, s)}: every action on every resource"]
        out = []
        for n, combo in ESCALATIONS:
            found = [self.allows(a) for a in combo]
            if all(found):
                via = "; ".join(dict.fromkeys(f for f in found if f))
                out.append(f"{' + '.join(combo)} (privilege escalation #{n}) via {via}")
        return out


def _policy_docs(
    obj: dict[str, Any], env: Any, where: str, grants: Grants, need: set[str] | None = None
) -> None:
    """Inline and attached policies of a user, group or role into ``grants``."""
    for name, doc in (obj.get("InlinePolicies") or {}).items():
        grants.add(f"{where}inline policy {name}", doc)
    attached = [p.get("PolicyArn") for p in as_list(obj.get("AttachedPolicies")) if p]
    if not attached:
        return
    from .aws_exposure import from_template, known_now

    known = {r.data.get("Arn"): r for r in env.related("aws.iam.policy")}
    for arn in attached:
        if arn in MANAGED:
            grants.add(f"{where}{arn.rsplit('/', 1)[-1]}", MANAGED[arn])
            continue
        res = known.get(arn)
        if res is None and from_template(env):
            raise KnownAfterDeployment(
                f"{where}AttachedPolicies ({arn})",
                "a policy the template does not define: its document is read from the account",
            )
        if res is None or "Document" in res.errors or "*" in res.errors:
            raise CannotJudge(f"attached policy {arn} is not in the inventory")
        known_now(res, "Document", f"attached policy {arn}")
        grants.add(f"{where}{res.data.get('PolicyName') or arn}", res.data.get("Document"))


def principal_grants(obj: dict[str, Any], env: Any, kind: str, with_groups: bool = True) -> Grants:
    """The statements a user (with its groups), group or role holds directly. (Unreadable or
    absent policy lists of the subject never get here: the engine checks ``PRINCIPAL_READS``;
    those of a related group or role cannot be judged, or wait for deployment when a template
    refers to them without defining them.)"""
    from .aws_exposure import from_template, known_now

    g = Grants()
    for key in ("InlinePolicies", "AttachedPolicies"):
        if key not in obj:
            raise CannotJudge(f"{key} of this {kind} were not collected")
    _policy_docs(obj, env, "", g)
    if kind == "user" and with_groups and as_list(obj.get("Groups")):
        for ref in as_list(obj.get("Groups")):
            name = ref.get("GroupName") if isinstance(ref, dict) else None
            found = env.lookup("aws.iam.group", "GroupName", name)
            grp = found[0] if found else None
            if grp is None and from_template(env):
                raise KnownAfterDeployment(
                    f"Groups ({name})",
                    "a group the template does not define: its policies are read from the account",
                )
            if grp is None or grp.errors:
                raise CannotJudge(f"group {name} of the user is not in the inventory")
            for key in ("InlinePolicies", "AttachedPolicies"):
                known_now(grp, key, f"group {name}")
            _policy_docs(grp.data, env, f"group {name}: ", g)
    return g


def _trust_admits(trust: Any, user_arn: str, account: str) -> bool:
    for s in aws_policy.statements(trust):
        if aws_policy.effect(s) != "allow" or not aws_policy.action_allowed_by(s, "sts:AssumeRole"):
            continue
        who = aws_policy.principal(s)
        if who.kind == "everyone":
            return True
        p = s.get("Principal")
        for v in as_list(p.get("AWS") if isinstance(p, dict) else p):
            if str(v) in (user_arn, account, f"arn:aws:iam::{account}:root"):
                return True
    return False


def user_admin(obj: dict[str, Any], env: Any) -> list[str]:
    """Why an IAM user is admin-equivalent: directly, through its groups, or through a role it
    may assume (one hop). Empty: it is not."""
    # its own policies first: an administrator by them needs no group or role to be read
    why = principal_grants(obj, env, "user", with_groups=False).admin()
    if why:
        return why
    g = principal_grants(obj, env, "user")
    why = g.admin()
    if why or g.allows("sts:AssumeRole", broad=False) is None:
        return why  # may assume no role at all: the roles need not be read
    arn = str(obj.get("Arn") or "")
    account = arn.split(":")[4] if arn.count(":") >= 5 else ""
    for role in env.related("aws.iam.role"):
        rarn = str(role.data.get("Arn") or "")
        if not g.allows_on("sts:AssumeRole", rarn):
            continue
        if not arn:
            raise CannotJudge(f"the user's Arn is needed to read the trust policy of {rarn}")
        if not _trust_admits(role.data.get("AssumeRolePolicyDocument"), arn, account):
            continue
        if role.errors:
            raise CannotJudge(f"role {rarn}, which the user may assume, could not be read")
        rw = principal_grants(role.data, env, "role").admin()
        if rw:
            return [f"may assume role {role.data.get('RoleName')}, which holds: {rw[0]}"]
    return []


def _evidence(why: list[str], path: str) -> list[Evidence]:
    return [Evidence(path or "AttachedPolicies", w, "no administrator rights") for w in why]


PRINCIPAL_READS = (
    Read("Arn", "string", absent="unknown, when a role the user may assume is in the inventory"),
    Read("InlinePolicies", "mapping"),
    Read("InlinePolicies[*]", "mapping|string"),
    Read("AttachedPolicies", "list"),
    Read("AttachedPolicies[*]", "mapping"),
    Read("AttachedPolicies[*].PolicyArn", "string"),
    Read("Groups", "list", absent="no groups (roles and groups have none)"),
    Read("Groups[*]", "mapping"),
)
# each looked up only when needed: customer-managed policies attached, groups of a user, roles a
# user may assume
PRINCIPAL_RELATED = (
    Related("aws.iam.policy", on_use=True),
    Related("aws.iam.group", on_use=True),
    Related("aws.iam.role", on_use=True),
)


@function("iam_user_is_admin", kind="subject", reads=PRINCIPAL_READS, related=PRINCIPAL_RELATED)
def iam_user_is_admin(obj: Any, env: Any) -> Any:
    """True when an IAM user is admin-equivalent (``aws_admin``): every action on every
    resource, or a known privilege-escalation combination, through its inline or attached
    policies, its groups' policies, or a role it may assume. An attached policy, group or
    assumable role that the inventory does not hold makes the answer unknown (ERROR)."""
    why = user_admin(obj, env)
    if why:
        return True, _evidence(why, "")
    return False, [Evidence("AttachedPolicies", "no administrator rights", "administrator rights")]


@function(
    "iam_principal_not_admin",
    kind="subject",
    args=("kind",),
    reads=PRINCIPAL_READS,
    related=PRINCIPAL_RELATED,
)
def iam_principal_not_admin(obj: Any, env: Any, kind: str = "role") -> Any:
    """True when the role (``kind: role``), group or user is not admin-equivalent; a FAIL
    names the policy and statement, or the escalation combination and where it comes from."""
    why = user_admin(obj, env) if kind == "user" else principal_grants(obj, env, kind).admin()
    if why:
        return False, _evidence(why, "")
    return True, [
        Evidence("AttachedPolicies", "no administrator rights", "no administrator rights")
    ]


@function(
    "iam_policy_not_admin",
    kind="subject",
    args=("path",),
    reads=(Read("{path}", "mapping|string", absent="null: no statements; not recorded: unknown"),),
)
def iam_policy_not_admin(obj: Any, env: Any, path: str = "Document") -> Any:
    """True when the policy document at ``path`` is not admin-equivalent on its own."""
    g = Grants()
    if path not in obj:
        raise CannotJudge(f"{path} was not collected")
    g.add("", obj.get(path))
    why = g.admin()
    if why:
        return False, _evidence(why, path)
    return True, [Evidence(path, "no administrator rights", "no administrator rights")]


@function("policy_grants_admin", value="mapping|string")
def policy_grants_admin(value: Any) -> bool:
    """True when an IAM policy document is admin-equivalent on its own: every action on every
    resource, or a known privilege-escalation combination (``{path: Document, call:
    policy_grants_admin}``)."""
    g = Grants()
    g.add("", value)
    return bool(g.admin())


@function(
    "iam_admin_role_trust_named",
    kind="subject",
    reads=(*PRINCIPAL_READS, Read("AssumeRolePolicyDocument", "mapping|string")),
    related=PRINCIPAL_RELATED,
)
def iam_admin_role_trust_named(obj: Any, env: Any) -> Any:
    """For an admin-equivalent role: True when its trust policy names the principals that may
    assume it (user or role ARNs, a SAML provider, a service), not a whole account (``root`` or
    an account id, which lets every principal of that account with ``sts:AssumeRole`` rights in)
    unless a condition names them (``aws:PrincipalArn`` …). A role that is not admin passes."""
    why = principal_grants(obj, env, "role").admin()
    if not why:
        return True, [Evidence("AttachedPolicies", "not an administrator role", "named principals")]
    from .aws_exposure import require_principals

    bad: list[Evidence] = []
    trust = obj.get("AssumeRolePolicyDocument")
    require_principals(trust, "AssumeRolePolicyDocument")
    for i, s in enumerate(aws_policy.statements(trust)):
        if aws_policy.effect(s) != "allow":
            continue
        p = s.get("Principal")
        values = as_list(p.get("AWS") if isinstance(p, dict) else p)
        wide = [
            str(v) for v in values if str(v).endswith(":root") or str(v).isdigit() or str(v) == "*"
        ]
        if not wide and aws_policy.principal(s).kind != "everyone":
            continue
        v = aws_policy.judge_conditions(s.get("Condition"), 0.001)
        if v.restricted_by:
            continue
        bad.append(
            Evidence(
                f"AssumeRolePolicyDocument.Statement[{i}]",
                f"{aws_policy.label(i, s)}: {', '.join(wide) or 'everyone'}",
                f"named principals for an administrator role ({why[0]})",
            )
        )
    return (not bad), bad or [Evidence("AssumeRolePolicyDocument", "named", "named principals")]
