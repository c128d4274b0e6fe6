"""The Azure resource types bio2scan collects, as data: ARM type, api-version, and the extension
or child resources that rules read, with the key each lands under in the resource's data.

One table instead of one module per service: every tracked resource is listed by the generic
resource list and read with ``GET {id}?api-version=…``; what differs per type is only the
api-version and the children. Subscription-wide types (pricings, role assignments, activity log
settings …) have no ARM type here; ``subscription.py`` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Child:
    """An extension or child resource read per resource: ``GET {id}{suffix}?api-version=api``.

    ``many``: a collection (``value`` list, paged); ``absent_ok``: ARM answers 404 when the
    child was never configured (a management policy, a table), which means "none", not an error;
    ``flatten``: turn a configuration list into ``{name: properties.value}``; ``drop``: property
    names removed from every item (secret values the inventory must never hold)."""

    key: str
    suffix: str
    api: str
    many: bool = False
    absent_ok: bool = False
    flatten: bool = False
    drop: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    arm_type: str
    api: str
    children: tuple[Child, ...] = ()


DIAG_API = "2021-05-01-preview"
DIAGNOSTICS = Child(
    "diagnosticSettings", "/providers/Microsoft.Insights/diagnosticSettings", DIAG_API, many=True
)
_NET = "2023-11-01"

KINDS: tuple[Kind, ...] = (
    Kind(
        "azure.storage.account",
        "Microsoft.Storage/storageAccounts",
        "2023-05-01",
        (
            Child("blobService", "/blobServices/default", "2023-05-01"),
            Child("managementPolicy", "/managementPolicies/default", "2023-05-01", absent_ok=True),
        ),
    ),
    Kind(
        "azure.keyvault.vault",
        "Microsoft.KeyVault/vaults",
        "2023-07-01",
        (
            DIAGNOSTICS,
            Child("keys", "/keys", "2023-07-01", many=True),
            Child("secrets", "/secrets", "2023-07-01", many=True, drop=("value",)),
        ),
    ),
    Kind("azure.network.nsg", "Microsoft.Network/networkSecurityGroups", _NET),
    Kind("azure.network.virtual_network", "Microsoft.Network/virtualNetworks", _NET),
    Kind("azure.network.flow_log", "Microsoft.Network/networkWatchers/flowLogs", _NET),
    Kind("azure.network.network_interface", "Microsoft.Network/networkInterfaces", _NET),
    Kind(
        "azure.network.application_gateway",
        "Microsoft.Network/applicationGateways",
        _NET,
        (DIAGNOSTICS,),
    ),
    Kind("azure.network.front_door", "Microsoft.Network/frontDoors", "2021-06-01", (DIAGNOSTICS,)),
    Kind(
        "azure.cdn.profile",
        "Microsoft.Cdn/profiles",
        "2024-02-01",
        (
            DIAGNOSTICS,
            Child("customDomains", "/customDomains", "2024-02-01", many=True),
            Child("securityPolicies", "/securityPolicies", "2024-02-01", many=True),
        ),
    ),
    Kind("azure.compute.vm", "Microsoft.Compute/virtualMachines", "2024-03-01"),
    Kind("azure.compute.disk", "Microsoft.Compute/disks", "2023-10-02"),
    Kind(
        "azure.sql.server",
        "Microsoft.Sql/servers",
        "2021-11-01",
        (
            Child("auditingSettings", "/auditingSettings/default", "2021-11-01"),
            Child(
                "azureADOnlyAuthentication",
                "/azureADOnlyAuthentications/Default",
                "2021-11-01",
                absent_ok=True,
            ),
            Child("encryptionProtector", "/encryptionProtector/current", "2021-11-01"),
            Child("firewallRules", "/firewallRules", "2021-11-01", many=True),
        ),
    ),
    Kind(
        "azure.sql.database",
        "Microsoft.Sql/servers/databases",
        "2021-11-01",
        (Child("transparentDataEncryption", "/transparentDataEncryption/current", "2021-11-01"),),
    ),
    Kind(
        "azure.dbforpostgresql.flexible_server",
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "2022-12-01",
        (
            Child("configurations", "/configurations", "2022-12-01", many=True, flatten=True),
            Child("firewallRules", "/firewallRules", "2022-12-01", many=True),
        ),
    ),
    Kind(
        "azure.dbformysql.flexible_server",
        "Microsoft.DBforMySQL/flexibleServers",
        "2023-12-30",
        (
            Child("configurations", "/configurations", "2023-12-30", many=True, flatten=True),
            Child("firewallRules", "/firewallRules", "2023-12-30", many=True),
        ),
    ),
    Kind(
        "azure.web.site",
        "Microsoft.Web/sites",
        "2023-12-01",
        (Child("config", "/config/web", "2023-12-01"),),
    ),
    Kind(
        "azure.containerservice.managed_cluster",
        "Microsoft.ContainerService/managedClusters",
        "2024-05-01",
        (DIAGNOSTICS,),
    ),
    Kind(
        "azure.recoveryservices.vault",
        "Microsoft.RecoveryServices/vaults",
        "2024-04-01",
        (Child("backupConfig", "/backupconfig/vaultconfig", "2023-04-01"),),
    ),
    Kind(
        "azure.documentdb.account",
        "Microsoft.DocumentDB/databaseAccounts",
        "2024-05-15",
        (DIAGNOSTICS,),
    ),
    Kind(
        "azure.servicebus.namespace",
        "Microsoft.ServiceBus/namespaces",
        "2022-10-01-preview",
        (
            DIAGNOSTICS,
            Child("networkRuleSet", "/networkRuleSets/default", "2022-10-01-preview"),
        ),
    ),
    Kind(
        "azure.operationalinsights.workspace",
        "Microsoft.OperationalInsights/workspaces",
        "2022-10-01",
        (Child("activityTable", "/tables/AzureActivity", "2022-10-01", absent_ok=True),),
    ),
)

BY_NAME = {k.name: k for k in KINDS}
BY_ARM_TYPE = {k.arm_type.lower(): k for k in KINDS}

# Subscription-wide types (read by subscription.py): name → (what, Reader action)
SUBSCRIPTION_TYPES: dict[str, tuple[str, str]] = {
    "azure.resources.subscription": (
        "the subscription and its classic administrators",
        "Microsoft.Authorization/classicAdministrators/read",
    ),
    "azure.security.pricing": ("Defender for Cloud plans", "Microsoft.Security/pricings/read"),
    "azure.security.contacts": (
        "Defender for Cloud security contacts",
        "Microsoft.Security/securityContacts/read",
    ),
    "azure.insights.activity_log": (
        "activity log export (log profiles, diagnostic settings)",
        "Microsoft.Insights/DiagnosticSettings/Read",
    ),
    "azure.authorization.role_assignment": (
        "role assignments",
        "Microsoft.Authorization/roleAssignments/read",
    ),
    "azure.authorization.role_definition": (
        "custom role definitions",
        "Microsoft.Authorization/roleDefinitions/read",
    ),
    "azure.authorization.lock": ("management locks", "Microsoft.Authorization/locks/read"),
}

ALL_TYPES: tuple[str, ...] = tuple(sorted([k.name for k in KINDS] + list(SUBSCRIPTION_TYPES)))
