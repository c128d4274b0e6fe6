"""What the Entra collector reads, as data: per resource type, the Graph (or ARM) calls, the
least-privileged read-only permission each needs and the licence it needs, if any.

``bio2scan permissions entra`` and the reasons of collection errors are generated from this one
table, so a refused call always names the permission or licence that was missing.
"""

from __future__ import annotations

from dataclasses import dataclass

P1 = "Microsoft Entra ID P1"
P2 = "Microsoft Entra ID P2"


@dataclass(frozen=True, slots=True)
class Call:
    """One read: ``api`` as shown in evidence (``GET /identity/conditionalAccess/policies``),
    ``permission`` (a Graph application permission, or an ARM action for ``arm`` calls),
    ``licence`` the tenant needs for it (None: any tenant)."""

    api: str
    permission: str
    licence: str | None = None
    arm: bool = False


ORG = Call("GET /organization", "Organization.Read.All")
SKUS = Call("GET /subscribedSkus", "Organization.Read.All")
SECURITY_DEFAULTS = Call(
    "GET /policies/identitySecurityDefaultsEnforcementPolicy", "Policy.Read.All"
)
AUTHORIZATION = Call("GET /policies/authorizationPolicy", "Policy.Read.All")
CROSS_TENANT = Call("GET /policies/crossTenantAccessPolicy/default", "Policy.Read.All")
AUTH_METHODS = Call("GET /policies/authenticationMethodsPolicy", "Policy.Read.All")
CA_POLICIES = Call("GET /identity/conditionalAccess/policies", "Policy.Read.All", P1)
NAMED_LOCATIONS = Call("GET /identity/conditionalAccess/namedLocations", "Policy.Read.All", P1)
STRENGTHS = Call("GET /policies/authenticationStrengthPolicies", "Policy.Read.AuthenticationMethod")
ROLE_DEFINITIONS = Call(
    "GET /roleManagement/directory/roleDefinitions", "RoleManagement.Read.Directory"
)
ROLE_ASSIGNMENTS = Call(
    "GET /roleManagement/directory/roleAssignments", "RoleManagement.Read.Directory"
)
ACTIVE_SCHEDULES = Call(
    "GET /roleManagement/directory/roleAssignmentScheduleInstances",
    "RoleAssignmentSchedule.Read.Directory",
    P2,
)
ELIGIBLE_SCHEDULES = Call(
    "GET /roleManagement/directory/roleEligibilityScheduleInstances",
    "RoleEligibilitySchedule.Read.Directory",
    P2,
)
GROUP_MEMBERS = Call("GET /groups/{id}/transitiveMembers", "GroupMember.Read.All")
USERS = Call("GET /users/{id}", "User.Read.All")
SIGN_IN_ACTIVITY = Call("GET /users/{id}?$select=signInActivity", "AuditLog.Read.All", P1)
REGISTRATION = Call(
    "GET /reports/authenticationMethods/userRegistrationDetails/{id}", "AuditLog.Read.All", P1
)
APPLICATIONS = Call("GET /applications", "Application.Read.All")
GRAPH_SP = Call(
    "GET /servicePrincipals?$filter=appId eq '<Microsoft Graph>'", "Application.Read.All"
)
GRAPH_APP_ROLES = Call("GET /servicePrincipals/{graph}/appRoleAssignedTo", "Application.Read.All")
SERVICE_PRINCIPALS = Call("GET /servicePrincipals/{id}", "Application.Read.All")
AADIAM_DIAGNOSTICS = Call(
    "GET /providers/microsoft.aadiam/diagnosticSettings",
    "microsoft.aadiam/diagnosticSettings/read",
    arm=True,
)
WORKSPACES = Call(
    "GET {workspace}/tables/{SigninLogs,AuditLogs}",
    "Microsoft.OperationalInsights/workspaces/tables/read",
    arm=True,
)
STORAGE_LIFECYCLE = Call(
    "GET {storageAccount}/managementPolicies/default",
    "Microsoft.Storage/storageAccounts/managementPolicies/read",
    arm=True,
)
SUBSCRIPTIONS = Call("GET /subscriptions", "Microsoft.Resources/subscriptions/read", arm=True)
ACTIVITY_ALERTS = Call(
    "GET /subscriptions/{id}/providers/Microsoft.Insights/activityLogAlerts",
    "Microsoft.Insights/ActivityLogAlerts/Read",
    arm=True,
)
QUERY_ALERTS = Call(
    "GET /subscriptions/{id}/providers/Microsoft.Insights/scheduledQueryRules",
    "Microsoft.Insights/ScheduledQueryRules/Read",
    arm=True,
)
SENTINEL_RULES = Call(
    "GET {workspace}/providers/Microsoft.SecurityInsights/alertRules",
    "Microsoft.SecurityInsights/alertRules/read",
    arm=True,
)

# resource type → (what it holds, the calls that build it)
TYPES: dict[str, tuple[str, tuple[Call, ...]]] = {
    "azure.entra.tenant": ("the tenant and its Entra ID licences (P1, P2)", (ORG, SKUS)),
    "azure.entra.security_defaults": ("security defaults", (SECURITY_DEFAULTS,)),
    "azure.entra.authorization_policy": (
        "guest, invitation, consent and app-registration settings",
        (AUTHORIZATION,),
    ),
    "azure.entra.cross_tenant_access_default": (
        "the default cross-tenant access settings",
        (CROSS_TENANT,),
    ),
    "azure.entra.authentication_methods_policy": (
        "which authentication methods are enabled",
        (AUTH_METHODS,),
    ),
    "azure.entra.conditional_access_policy": ("Conditional Access policies", (CA_POLICIES,)),
    "azure.entra.named_location": ("Conditional Access named locations", (NAMED_LOCATIONS,)),
    "azure.entra.authentication_strength_policy": (
        "authentication strengths (built-in and custom)",
        (STRENGTHS,),
    ),
    "azure.entra.directory_role": (
        "directory roles with their active and eligible members",
        (ROLE_DEFINITIONS, ROLE_ASSIGNMENTS, ACTIVE_SCHEDULES, ELIGIBLE_SCHEDULES, GROUP_MEMBERS),
    ),
    "azure.entra.privileged_user": (
        "users holding a directory role: account, MFA registration, last sign-in, roles",
        (
            ROLE_DEFINITIONS,
            ROLE_ASSIGNMENTS,
            ACTIVE_SCHEDULES,
            ELIGIBLE_SCHEDULES,
            GROUP_MEMBERS,
            USERS,
            SIGN_IN_ACTIVITY,
            REGISTRATION,
        ),
    ),
    "azure.entra.application": (
        "app registrations: credential metadata (never values) and owners",
        (APPLICATIONS,),
    ),
    "azure.entra.service_principal": (
        "service principals holding Microsoft Graph application permissions, with owners",
        (GRAPH_SP, GRAPH_APP_ROLES, SERVICE_PRINCIPALS, APPLICATIONS),
    ),
    "azure.entra.diagnostic_settings": (
        "where sign-in and audit logs are exported, and how long the destination keeps them",
        (AADIAM_DIAGNOSTICS, WORKSPACES, STORAGE_LIFECYCLE),
    ),
    "azure.entra.role_change_alerts": (
        "alert rules on role-assignment changes (activity log, Log Analytics, Sentinel)",
        (SUBSCRIPTIONS, ACTIVITY_ALERTS, QUERY_ALERTS, AADIAM_DIAGNOSTICS, SENTINEL_RULES),
    ),
}

ALL_TYPES: tuple[str, ...] = tuple(sorted(TYPES))

# A permission that includes another: the narrower one is not listed when both are needed.
SUBSUMES = {"Policy.Read.All": ("Policy.Read.AuthenticationMethod",)}


def permissions(resource_types: set[str]) -> dict[str, object]:
    """The Graph application permissions, licences and ARM read actions for ``resource_types``."""
    wanted = [t for t in ALL_TYPES if t in resource_types]
    graph: set[str] = set()
    arm: set[str] = set()
    licences: dict[str, set[str]] = {}
    for t in wanted:
        for c in TYPES[t][1]:
            (arm if c.arm else graph).add(c.permission)
            if c.licence:
                licences.setdefault(c.licence, set()).add(t)
    for wide, narrow in SUBSUMES.items():
        if wide in graph:
            graph -= set(narrow)
    return {
        "graph_application_permissions": sorted(graph),
        "graph_permission_type": "Application (admin consent); all read-only",
        "arm_actions": sorted(arm),
        "arm_role": "Reader on the subscriptions; Entra role Security Reader for "
        "microsoft.aadiam/diagnosticSettings"
        if arm
        else None,
        "licences": {k: sorted(v) for k, v in sorted(licences.items())},
        "resource_types": wanted,
    }


def denied(call: Call, kind: str | None, reason: str) -> str:
    """The reason of a refused call, naming what was missing."""
    if kind == "licence":
        need = f"the tenant lacks the licence {call.licence or 'Microsoft Entra ID P1/P2'}"
    elif kind == "permission":
        what = "ARM action" if call.arm else "Graph application permission"
        need = f"the identity lacks the {what} {call.permission}"
    else:
        need = ""
    return f"{call.api}: {need} ({reason})" if need else f"{call.api}: {reason}"
