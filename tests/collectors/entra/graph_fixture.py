"""A small tenant for the Entra collector tests, in the shapes Graph and ARM document (written for
these tests). ``graph_estate()`` is served by tests/stubs/graph.py, ``arm_estate()`` by
tests/stubs/arm.py."""

from __future__ import annotations

TENANT = "7d3c1f2e-5a4b-4c6d-8e9f-0a1b2c3d4e5f"
SUB = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
GA = "62e90394-69f5-4237-9190-012177145e10"
PRA = "e8611ab8-c189-46e8-94e1-60213ab1f814"
READER = "5d6b6bb7-de71-4623-b4af-96380a352509"
ALICE = "a1a1a1a1-0000-4000-8000-000000000001"
BOB = "b2b2b2b2-0000-4000-8000-000000000002"
GUEST = "c3c3c3c3-0000-4000-8000-000000000003"
GLASS = "d4d4d4d4-0000-4000-8000-000000000004"
GROUP = "e5e5e5e5-0000-4000-8000-000000000005"
APP = "f6f6f6f6-0000-4000-8000-000000000006"
APP_ID = "f6f6f6f6-1111-4000-8000-000000000006"
SP = "f7f7f7f7-0000-4000-8000-000000000007"
GRAPH_SP = "99999999-0000-4000-8000-000000000099"
DIR_RW = "19dbc75e-c2e2-444c-a770-ec69d8559fc7"
SECRET_HINT = "Xq7"
WS = f"/subscriptions/{SUB}/resourceGroups/rg-log/providers/Microsoft.OperationalInsights/workspaces/law-sec"


def _user(uid: str, upn: str, name: str, **extra: object) -> dict:
    return {
        "@odata.type": "#microsoft.graph.user",
        "id": uid,
        "displayName": name,
        "userPrincipalName": upn,
        "userType": "Member",
        "accountEnabled": True,
        "onPremisesSyncEnabled": None,
        "creationType": None,
        "signInActivity": {"lastSignInDateTime": "2025-12-20T08:00:00Z"},
        **extra,
    }


USERS = {
    ALICE: _user(ALICE, "alice@teststad.nl", "Alice Admin"),
    BOB: _user(BOB, "bob@teststad.nl", "Bob Beheer", onPremisesSyncEnabled=True),
    GUEST: _user(
        GUEST, "lev_extern.nl#EXT#@teststad.onmicrosoft.com", "Leverancier", userType="Guest"
    ),
    GLASS: _user(GLASS, "breakglass1@teststad.onmicrosoft.com", "Break glass 1"),
}


def _principal(uid: str) -> dict:
    u = USERS[uid]
    return {k: u[k] for k in ("@odata.type", "id", "displayName", "userPrincipalName")}


def _ca(pid: str, name: str, state: str, users: dict, grant: dict, **cond: object) -> dict:
    return {
        "id": pid,
        "displayName": name,
        "state": state,
        "createdDateTime": "2025-01-10T10:00:00Z",
        "conditions": {
            "users": {
                "includeUsers": [],
                "excludeUsers": [],
                "includeGroups": [],
                "excludeGroups": [],
                "includeRoles": [],
                "excludeRoles": [],
                **users,
            },
            "applications": {"includeApplications": ["All"], "excludeApplications": []},
            "clientAppTypes": ["all"],
            "platforms": None,
            "locations": None,
            "userRiskLevels": [],
            "signInRiskLevels": [],
            **cond,
        },
        "grantControls": {"operator": "OR", "builtInControls": [], **grant},
        "sessionControls": None,
    }


def graph_estate() -> dict:
    active = [
        {
            "id": "as1",
            "principalId": ALICE,
            "roleDefinitionId": GA,
            "directoryScopeId": "/",
            "assignmentType": "Assigned",
            "memberType": "Direct",
            "startDateTime": "2024-01-01T00:00:00Z",
            "endDateTime": None,
            "principal": _principal(ALICE),
        },
        {
            "id": "as2",
            "principalId": GLASS,
            "roleDefinitionId": GA,
            "directoryScopeId": "/",
            "assignmentType": "Assigned",
            "memberType": "Direct",
            "startDateTime": "2024-01-01T00:00:00Z",
            "endDateTime": None,
            "principal": _principal(GLASS),
        },
        {
            "id": "as3",
            "principalId": GROUP,
            "roleDefinitionId": PRA,
            "directoryScopeId": "/",
            "assignmentType": "Assigned",
            "memberType": "Direct",
            "startDateTime": "2025-06-01T00:00:00Z",
            "endDateTime": "2026-06-01T00:00:00Z",
            "principal": {
                "@odata.type": "#microsoft.graph.group",
                "id": GROUP,
                "displayName": "role-pra",
            },
        },
    ]
    eligible = [
        {
            "id": "el1",
            "principalId": BOB,
            "roleDefinitionId": GA,
            "directoryScopeId": "/",
            "memberType": "Direct",
            "startDateTime": "2025-01-01T00:00:00Z",
            "endDateTime": None,
            "principal": _principal(BOB),
        },
        {
            "id": "el2",
            "principalId": GUEST,
            "roleDefinitionId": PRA,
            "directoryScopeId": "/",
            "memberType": "Direct",
            "startDateTime": "2025-01-01T00:00:00Z",
            "endDateTime": None,
            "principal": _principal(GUEST),
        },
    ]
    estate: dict = {
        "/organization": [
            {
                "id": TENANT,
                "displayName": "Gemeente Teststad",
                "tenantType": "AAD",
                "verifiedDomains": [{"name": "teststad.nl", "isDefault": True}],
            }
        ],
        "/subscribedSkus": [
            {
                "skuPartNumber": "AAD_PREMIUM_P2",
                "capabilityStatus": "Enabled",
                "servicePlans": [
                    {"servicePlanName": "AAD_PREMIUM", "provisioningStatus": "Success"},
                    {"servicePlanName": "AAD_PREMIUM_P2", "provisioningStatus": "Success"},
                ],
            }
        ],
        "/policies/identitySecurityDefaultsEnforcementPolicy": {
            "id": "00000000-0000-0000-0000-000000000005",
            "displayName": "Security Defaults",
            "isEnabled": False,
        },
        "/policies/authorizationPolicy": {
            "id": "authorizationPolicy",
            "allowInvitesFrom": "adminsAndGuestInviters",
            "guestUserRoleId": "2af84b1e-32c8-42b7-82bc-daa82404023b",
            "defaultUserRolePermissions": {
                "allowedToCreateApps": False,
                "permissionGrantPoliciesAssigned": [
                    "ManagePermissionGrantsForSelf.microsoft-user-default-low"
                ],
            },
        },
        "/policies/crossTenantAccessPolicy/default": {
            "isServiceDefault": True,
            "b2bDirectConnectInbound": {
                "usersAndGroups": {"accessType": "blocked", "targets": [{"target": "AllUsers"}]},
                "applications": {
                    "accessType": "blocked",
                    "targets": [{"target": "AllApplications"}],
                },
            },
        },
        "/policies/authenticationMethodsPolicy": {
            "id": "authenticationMethodsPolicy",
            "authenticationMethodConfigurations": [
                {"id": "Fido2", "state": "enabled"},
                {"id": "Sms", "state": "disabled"},
                {"id": "Voice", "state": "disabled"},
            ],
        },
        "/identity/conditionalAccess/policies": [
            _ca(
                "ca-1",
                "Require MFA for all users",
                "enabled",
                {"includeUsers": ["All"], "excludeUsers": [GLASS]},
                {"builtInControls": ["mfa"]},
            ),
            _ca(
                "ca-2",
                "Block legacy authentication",
                "enabled",
                {"includeUsers": ["All"], "excludeUsers": [GLASS]},
                {"builtInControls": ["block"]},
                clientAppTypes=["exchangeActiveSync", "other"],
            ),
            _ca(
                "ca-3",
                "Phishing-resistant MFA for admins",
                "enabledForReportingButNotEnforced",
                {"includeRoles": [GA, PRA]},
                {
                    "authenticationStrength": {
                        "id": "00000000-0000-0000-0000-000000000004",
                        "allowedCombinations": [
                            "windowsHelloForBusiness",
                            "fido2",
                            "x509CertificateMultiFactor",
                        ],
                    }
                },
            ),
            _ca(
                "ca-4",
                "Old policy",
                "disabled",
                {"includeUsers": ["All"]},
                {"builtInControls": ["mfa"]},
            ),
            _ca(
                "ca-5",
                "Sign-in risk",
                "enabled",
                {"includeUsers": ["All"], "excludeGroups": [GROUP]},
                {"builtInControls": ["mfa"]},
                signInRiskLevels=["high", "medium"],
            ),
        ],
        "/identity/conditionalAccess/namedLocations": [
            {
                "@odata.type": "#microsoft.graph.ipNamedLocation",
                "id": "nl-1",
                "displayName": "Kantoor",
                "isTrusted": True,
                "ipRanges": [
                    {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "192.0.2.0/24"}
                ],
            }
        ],
        "/policies/authenticationStrengthPolicies": [
            {
                "id": "00000000-0000-0000-0000-000000000004",
                "displayName": "Phishing-resistant MFA",
                "policyType": "builtIn",
                "allowedCombinations": [
                    "windowsHelloForBusiness",
                    "fido2",
                    "x509CertificateMultiFactor",
                ],
            }
        ],
        "/roleManagement/directory/roleDefinitions": [
            {"id": GA, "displayName": "Global Administrator", "templateId": GA, "isBuiltIn": True},
            {
                "id": PRA,
                "displayName": "Privileged Role Administrator",
                "templateId": PRA,
                "isBuiltIn": True,
            },
            {
                "id": READER,
                "displayName": "Security Reader",
                "templateId": READER,
                "isBuiltIn": True,
            },
        ],
        "/roleManagement/directory/roleAssignmentScheduleInstances": active,
        "/roleManagement/directory/roleEligibilityScheduleInstances": eligible,
        "/roleManagement/directory/roleAssignments": [
            {
                k: v
                for k, v in a.items()
                if k not in ("assignmentType", "memberType", "startDateTime", "endDateTime")
            }
            for a in active
        ],
        f"/groups/{GROUP}/transitiveMembers": [_principal(BOB)],
        "/applications": [
            {
                "id": APP,
                "appId": APP_ID,
                "displayName": "zaaksysteem-koppeling",
                "createdDateTime": "2024-03-01T00:00:00Z",
                "signInAudience": "AzureADMyOrg",
                "passwordCredentials": [
                    {
                        "keyId": "k-1",
                        "displayName": "prod",
                        "hint": SECRET_HINT,
                        "secretText": None,
                        "customKeyIdentifier": None,
                        "startDateTime": "2024-03-01T00:00:00Z",
                        "endDateTime": "2026-03-01T00:00:00Z",
                    }
                ],
                "keyCredentials": [],
                "owners": [],
            }
        ],
        "/servicePrincipals": [
            {
                "id": GRAPH_SP,
                "appId": "00000003-0000-0000-c000-000000000000",
                "displayName": "Microsoft Graph",
                "appRoles": [{"id": DIR_RW, "value": "Directory.ReadWrite.All"}],
            }
        ],
        f"/servicePrincipals/{GRAPH_SP}/appRoleAssignedTo": [
            {
                "id": "ara-1",
                "principalId": SP,
                "principalType": "ServicePrincipal",
                "principalDisplayName": "zaaksysteem-koppeling",
                "appRoleId": DIR_RW,
                "resourceId": GRAPH_SP,
                "createdDateTime": "2024-03-02T00:00:00Z",
            }
        ],
        f"/servicePrincipals/{SP}": {
            "id": SP,
            "appId": APP_ID,
            "displayName": "zaaksysteem-koppeling",
            "servicePrincipalType": "Application",
            "accountEnabled": True,
            "appOwnerOrganizationId": TENANT,
            "owners": [],
        },
    }
    for uid, u in USERS.items():
        estate[f"/users/{uid}"] = u
        estate[f"/reports/authenticationMethods/userRegistrationDetails/{uid}"] = {
            "id": uid,
            "userPrincipalName": u["userPrincipalName"],
            "isAdmin": True,
            "isMfaRegistered": uid != BOB,
            "isMfaCapable": uid != BOB,
            "methodsRegistered": ["fido2", "microsoftAuthenticatorPush"]
            if uid == ALICE
            else ["mobilePhone"],
        }
    return estate


def arm_estate() -> dict:
    return {
        "subscriptions": [
            {
                "id": f"/subscriptions/{SUB}",
                "subscriptionId": SUB,
                "displayName": "teststad-prod",
                "state": "Enabled",
                "tenantId": TENANT,
            }
        ],
        "resources": [
            {
                "id": WS,
                "name": "law-sec",
                "type": "Microsoft.OperationalInsights/workspaces",
                "location": "westeurope",
                "properties": {"retentionInDays": 90},
            }
        ],
        "paths": {
            "/providers/microsoft.aadiam/diagnosticSettings": {
                "value": [
                    {
                        "id": "/providers/microsoft.aadiam/diagnosticSettings/to-law",
                        "name": "to-law",
                        "properties": {
                            "workspaceId": WS,
                            "logs": [
                                {"category": "SignInLogs", "enabled": True},
                                {"category": "AuditLogs", "enabled": True},
                            ],
                        },
                    }
                ]
            },
            f"{WS}/tables/SigninLogs": {
                "properties": {"retentionInDays": 90, "totalRetentionInDays": 1100}
            },
            f"{WS}/tables/AuditLogs": {
                "properties": {"retentionInDays": 90, "totalRetentionInDays": 400}
            },
            f"/subscriptions/{SUB}/providers/Microsoft.Insights/activityLogAlerts": {
                "value": [
                    {
                        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Insights/activityLogAlerts/rbac",
                        "name": "rbac",
                        "properties": {
                            "enabled": True,
                            "scopes": [f"/subscriptions/{SUB}"],
                            "condition": {
                                "allOf": [
                                    {"field": "category", "equals": "Administrative"},
                                    {
                                        "field": "operationName",
                                        "equals": "Microsoft.Authorization/roleAssignments/write",
                                    },
                                ]
                            },
                            "actions": {
                                "actionGroups": [{"actionGroupId": "/subscriptions/x/ag/soc"}]
                            },
                        },
                    }
                ]
            },
            f"/subscriptions/{SUB}/providers/Microsoft.Insights/scheduledQueryRules": {"value": []},
        },
    }
