"""The ARM parity estate as Azure Resource Manager holds it after deployment, for the local ARM
server (``tests/stubs/arm.py``).

Written by hand from ``estate/parity.json`` with its parameters file, and from what ARM's GET
returns for each type (ARM reference): ids in full, names as their last segment, the children
the template declares at their own paths, what ARM adds itself (provisioning state, endpoints,
the ``master`` database, the server parameters a PostgreSQL server has by default), and the
platform defaults of children the template leaves out (a storage account's blob service, the
SQL server's encryption protector and a database's TDE). It does not use the collector under
test.
"""

from __future__ import annotations

from typing import Any

SUB = "11111111-aaaa-4aaa-8aaa-111111111111"
TENANT = "99999999-9999-4999-8999-999999999999"
RG = "rg-parity"
DENY_ALL = {
    "ipAddress": "Any",
    "action": "Deny",
    "priority": 2147483647,
    "name": "Deny all",
    "description": "Deny all access",
}
LOCATION = "westeurope"
TAGS = {"owner": "team-parity", "criticality": "high"}


def rid(provider_type: str, name: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/{provider_type}/{name}"


def _storage(name: str, tls: str, shared_key: bool) -> dict[str, Any]:
    return {
        "id": rid("Microsoft.Storage/storageAccounts", name),
        "name": name,
        "type": "Microsoft.Storage/storageAccounts",
        "location": LOCATION,
        "kind": "StorageV2",
        "sku": {"name": "Standard_ZRS", "tier": "Standard"},
        "tags": TAGS,
        "properties": {
            "provisioningState": "Succeeded",
            "minimumTlsVersion": tls,
            "allowBlobPublicAccess": False,
            "allowSharedKeyAccess": shared_key,
            "allowCrossTenantReplication": False,
            "publicNetworkAccess": "Disabled",
            "supportsHttpsTrafficOnly": True,
            "encryption": {
                "keySource": "Microsoft.Storage",
                "requireInfrastructureEncryption": True,
            },
            "networkAcls": {
                "bypass": "AzureServices",
                "defaultAction": "Deny",
                "ipRules": [{"value": "192.0.2.10", "action": "Allow"}],
            },
            "primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/"},
        },
    }


def _blob(account: str, days: int, versioning: bool | None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "deleteRetentionPolicy": {"enabled": days > 0, **({"days": days} if days else {})},
        "containerDeleteRetentionPolicy": {"enabled": days > 0, **({"days": 7} if days else {})},
        "cors": {"corsRules": []},
    }
    if versioning is not None:
        props["isVersioningEnabled"] = versioning
    return {
        "id": rid("Microsoft.Storage/storageAccounts", account) + "/blobServices/default",
        "name": "default",
        "type": "Microsoft.Storage/storageAccounts/blobServices",
        "properties": props,
    }


def estate() -> dict[str, Any]:
    legacy = {
        "id": rid("Microsoft.Storage/storageAccounts", "stparlegacy"),
        "name": "stparlegacy",
        "type": "Microsoft.Storage/storageAccounts",
        "location": LOCATION,
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS", "tier": "Standard"},
        "properties": {
            "provisioningState": "Succeeded",
            "supportsHttpsTrafficOnly": False,
            "minimumTlsVersion": "TLS1_0",
            "allowBlobPublicAccess": True,
            "encryption": {
                "keySource": "Microsoft.Storage",
                "requireInfrastructureEncryption": False,
            },
            "networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow", "ipRules": []},
        },
    }
    kv = rid("Microsoft.KeyVault/vaults", "kv-par-prod")
    vaults = [
        {
            "id": kv,
            "name": "kv-par-prod",
            "type": "Microsoft.KeyVault/vaults",
            "location": LOCATION,
            "tags": TAGS,
            "properties": {
                "tenantId": TENANT,
                "sku": {"family": "A", "name": "standard"},
                "enableSoftDelete": True,
                "softDeleteRetentionInDays": 90,
                "enablePurgeProtection": True,
                "enableRbacAuthorization": True,
                "publicNetworkAccess": "Disabled",
                "vaultUri": "https://kv-par-prod.vault.azure.net/",
            },
        },
        {
            "id": rid("Microsoft.KeyVault/vaults", "kv-par-open"),
            "name": "kv-par-open",
            "type": "Microsoft.KeyVault/vaults",
            "location": LOCATION,
            "properties": {
                "tenantId": TENANT,
                "sku": {"family": "A", "name": "standard"},
                "enableSoftDelete": True,
                "softDeleteRetentionInDays": 90,
                "enablePurgeProtection": False,
                "enableRbacAuthorization": False,
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"},
            },
        },
    ]
    nsg_web = rid("Microsoft.Network/networkSecurityGroups", "nsg-par-web")

    def rule(nsg: str, name: str, prio: int, src: str, port: str) -> dict[str, Any]:
        return {
            "id": f"{nsg}/securityRules/{name}",
            "name": name,
            "properties": {
                "priority": prio,
                "direction": "Inbound",
                "access": "Allow",
                "protocol": "Tcp",
                "sourceAddressPrefix": src,
                "sourcePortRange": "*",
                "destinationAddressPrefix": "*",
                "destinationPortRange": port,
                "provisioningState": "Succeeded",
            },
        }

    nsg_db = rid("Microsoft.Network/networkSecurityGroups", "nsg-par-db")
    nsgs = [
        {
            "id": nsg_web,
            "name": "nsg-par-web",
            "type": "Microsoft.Network/networkSecurityGroups",
            "location": LOCATION,
            "properties": {
                "securityRules": [
                    rule(nsg_web, "https", 100, "Internet", "443"),
                    rule(nsg_web, "rdp", 200, "*", "3389"),
                ]
            },
        },
        {
            "id": nsg_db,
            "name": "nsg-par-db",
            "type": "Microsoft.Network/networkSecurityGroups",
            "location": LOCATION,
            "properties": {"securityRules": [rule(nsg_db, "pg", 100, "192.0.2.10", "5432")]},
        },
    ]
    vnet = rid("Microsoft.Network/virtualNetworks", "vnet-par")
    network = [
        {
            "id": vnet,
            "name": "vnet-par",
            "type": "Microsoft.Network/virtualNetworks",
            "location": LOCATION,
            "tags": TAGS,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.40.0.0/16"]},
                "subnets": [
                    {
                        "id": f"{vnet}/subnets/app",
                        "name": "app",
                        "properties": {"addressPrefix": "10.40.1.0/24"},
                    }
                ],
                "enableDdosProtection": False,
            },
        },
        {
            "id": rid(
                "Microsoft.Network/networkWatchers",
                "NetworkWatcher_westeurope/flowLogs/vnet-par-flows",
            ),
            "name": "vnet-par-flows",
            "type": "Microsoft.Network/networkWatchers/flowLogs",
            "location": LOCATION,
            "properties": {
                "targetResourceId": vnet,
                "storageId": rid("Microsoft.Storage/storageAccounts", "stparprod0"),
                "enabled": True,
                "retentionPolicy": {"enabled": True, "days": 30},
            },
        },
    ]
    sql = rid("Microsoft.Sql/servers", "sql-par")
    databases = [
        {
            "id": f"{sql}/databases/{name}",
            "name": name,
            "type": "Microsoft.Sql/servers/databases",
            "location": LOCATION,
            "sku": {"name": sku},
            "properties": {"status": "Online"},
        }
        for name, sku in (("orders", "S0"), ("master", "System"))
    ]
    pg = rid("Microsoft.DBforPostgreSQL/flexibleServers", "pg-par")
    site = rid("Microsoft.Web/sites", "app-par")
    sb = rid("Microsoft.ServiceBus/namespaces", "sb-par")
    others = [
        {
            "id": sql,
            "name": "sql-par",
            "type": "Microsoft.Sql/servers",
            "location": LOCATION,
            "tags": TAGS,
            "properties": {
                "administratorLogin": "dbadmin",
                "minimalTlsVersion": "1.2",
                "publicNetworkAccess": "Enabled",
                "state": "Ready",
            },
        },
        *databases,
        {
            "id": pg,
            "name": "pg-par",
            "type": "Microsoft.DBforPostgreSQL/flexibleServers",
            "location": LOCATION,
            "sku": {"name": "Standard_B1ms", "tier": "Burstable"},
            "properties": {
                "version": "16",
                "administratorLogin": "dbadmin",
                "authConfig": {"activeDirectoryAuth": "Enabled", "passwordAuth": "Disabled"},
                "backup": {"backupRetentionDays": 14, "geoRedundantBackup": "Disabled"},
                "network": {"publicNetworkAccess": "Disabled"},
                "state": "Ready",
            },
        },
        {
            "id": site,
            "name": "app-par",
            "type": "Microsoft.Web/sites",
            "kind": "app",
            "location": LOCATION,
            "identity": {
                "type": "SystemAssigned",
                "principalId": "00000000-0000-0000-0000-000000000001",
            },
            "properties": {
                "httpsOnly": True,
                "state": "Running",
                "siteConfig": {"minTlsVersion": None},
            },
        },
        {
            "id": sb,
            "name": "sb-par",
            "type": "Microsoft.ServiceBus/namespaces",
            "location": LOCATION,
            "sku": {"name": "Premium", "tier": "Premium"},
            "properties": {
                "minimumTlsVersion": "1.2",
                "disableLocalAuth": True,
                "publicNetworkAccess": "Enabled",
            },
        },
        {
            "id": rid("Microsoft.Compute/disks", "disk-par"),
            "name": "disk-par",
            "type": "Microsoft.Compute/disks",
            "location": LOCATION,
            "sku": {"name": "Premium_LRS"},
            "properties": {
                "diskSizeGB": 64,
                "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
                "networkAccessPolicy": "AllowAll",
                "diskState": "Unattached",
            },
        },
    ]
    pg_params = {  # what ARM lists: every server parameter, the template's overrides among them
        "require_secure_transport": "on",
        "log_connections": "on",
        "log_disconnections": "off",
        "ssl_min_protocol_version": "TLSv1.2",
        "log_checkpoints": "on",
    }
    paths: dict[str, Any] = {
        f"{rid('Microsoft.Storage/storageAccounts', 'stparprod0')}/blobServices/default": _blob(
            "stparprod0", 7, True
        ),
        f"{rid('Microsoft.Storage/storageAccounts', 'stparprod1')}/blobServices/default": _blob(
            "stparprod1", 14, False
        ),
        f"{legacy['id']}/blobServices/default": _blob("stparlegacy", 0, False),
        f"{kv}/secrets": {
            "value": [
                {
                    "id": f"{kv}/secrets/db-password",
                    "name": "db-password",
                    "properties": {
                        "value": "a-secret-the-inventory-must-not-hold",
                        "attributes": {"enabled": True},
                    },
                }
            ]
        },
        f"{kv}/keys": {
            "value": [
                {
                    "id": f"{kv}/keys/cmk",
                    "name": "cmk",
                    "properties": {
                        "kty": "RSA",
                        "keySize": 3072,
                        "attributes": {"enabled": True, "exp": 1900000000},
                    },
                }
            ]
        },
        f"{kv}/providers/Microsoft.Insights/diagnosticSettings": {
            "value": [
                {
                    "id": f"{kv}/providers/Microsoft.Insights/diagnosticSettings/to-workspace",
                    "name": "to-workspace",
                    "type": "Microsoft.Insights/diagnosticSettings",
                    "properties": {
                        "workspaceId": rid(
                            "Microsoft.OperationalInsights/workspaces", "law-parity"
                        ),
                        "logs": [{"categoryGroup": "audit", "enabled": True}],
                    },
                }
            ]
        },
        f"{sql}/auditingSettings/default": {
            "id": f"{sql}/auditingSettings/default",
            "name": "default",
            "properties": {
                "state": "Enabled",
                "retentionDays": 120,
                "isAzureMonitorTargetEnabled": True,
            },
        },
        f"{sql}/encryptionProtector/current": {
            "id": f"{sql}/encryptionProtector/current",
            "name": "current",
            "properties": {"serverKeyType": "ServiceManaged", "serverKeyName": "ServiceManaged"},
        },
        f"{sql}/firewallRules": {
            "value": [
                {
                    "id": f"{sql}/firewallRules/AllowAllWindowsAzureIps",
                    "name": "AllowAllWindowsAzureIps",
                    "properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"},
                }
            ]
        },
        **{
            f"{sql}/databases/{name}/transparentDataEncryption/current": {
                "id": f"{sql}/databases/{name}/transparentDataEncryption/current",
                "name": "current",
                "properties": {"state": "Enabled"},
            }
            for name in ("orders", "master")
        },
        f"{pg}/configurations": {
            "value": [
                {"id": f"{pg}/configurations/{k}", "name": k, "properties": {"value": v}}
                for k, v in pg_params.items()
            ]
        },
        f"{site}/config/web": {
            "id": f"{site}/config/web",
            "name": "web",
            "properties": {
                "minTlsVersion": "1.2",
                "scmMinTlsVersion": "1.2",
                # ARM adds the "Deny all" rule once an Allow rule is set
                "ipSecurityRestrictions": [
                    {
                        "ipAddress": "198.51.100.0/24",
                        "action": "Allow",
                        "priority": 100,
                        "name": "office",
                    },
                    DENY_ALL,
                ],
                "scmIpSecurityRestrictions": [
                    {
                        "ipAddress": "203.0.113.0/24",
                        "action": "Allow",
                        "priority": 100,
                        "name": "build-agents",
                    },
                    DENY_ALL,
                ],
                "scmIpSecurityRestrictionsUseMain": False,
                "ftpsState": "Disabled",
                "remoteDebuggingEnabled": False,
                "cors": {"allowedOrigins": ["https://portal.example.nl"]},
            },
        },
        f"{sb}/networkRuleSets/default": {
            "id": f"{sb}/networkRuleSets/default",
            "name": "default",
            "properties": {
                "defaultAction": "Deny",
                "publicNetworkAccess": "Enabled",
                "ipRules": [],
            },
        },
    }
    sub = f"/subscriptions/{SUB}/providers"
    paths[f"{sub}/Microsoft.Security/pricings"] = {
        "value": [
            {
                "id": f"{sub}/Microsoft.Security/pricings/{plan}",
                "name": plan,
                "type": "Microsoft.Security/pricings",
                "properties": {"pricingTier": tier, "freeTrialRemainingTime": "PT0S"},
            }
            for plan, tier in (
                ("VirtualMachines", "Standard"),
                ("SqlServers", "Standard"),
                ("StorageAccounts", "Standard"),
                ("KeyVaults", "Free"),
                ("Containers", "Free"),  # a plan the template does not set
            )
        ]
    }
    paths[f"{sub}/Microsoft.Security/securityContacts"] = {
        "value": [
            {
                "id": f"{sub}/Microsoft.Security/securityContacts/default",
                "name": "default",
                "type": "Microsoft.Security/securityContacts",
                "properties": {
                    "emails": "soc@example.nl",
                    "alertNotifications": {"state": "On", "minimalSeverity": "Medium"},
                },
            }
        ]
    }
    paths[f"{sub}/Microsoft.Insights/diagnosticSettings"] = {
        "value": [
            {
                "id": f"{sub}/Microsoft.Insights/diagnosticSettings/activity-to-law",
                "name": "activity-to-law",
                "type": "Microsoft.Insights/diagnosticSettings",
                "properties": {
                    "workspaceId": rid("Microsoft.OperationalInsights/workspaces", "law"),
                    "logs": [
                        {"category": c, "enabled": True}
                        for c in ("Administrative", "Security", "Policy", "Alert")
                    ],
                },
            }
        ]
    }
    paths[f"{sub}/Microsoft.Authorization/roleDefinitions"] = {
        "value": [
            {
                "id": f"{sub}/Microsoft.Authorization/roleDefinitions/6b1f5a8c-0d3e-4a7b-9c2d-1e0f3a4b5c6d",
                "name": "6b1f5a8c-0d3e-4a7b-9c2d-1e0f3a4b5c6d",
                "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {
                    "roleName": "Operators",
                    "description": "everything, everywhere",
                    "type": "CustomRole",
                    "permissions": [{"actions": ["*"], "notActions": []}],
                    "assignableScopes": [f"/subscriptions/{SUB}"],
                },
            }
        ]
    }
    return {
        "subscriptions": [
            {
                "id": f"/subscriptions/{SUB}",
                "subscriptionId": SUB,
                "displayName": SUB,
                "state": "Enabled",
                "tenantId": TENANT,
            }
        ],
        "resources": [
            _storage("stparprod0", "TLS1_2", False),
            _storage("stparprod1", "TLS1_0", True),
            legacy,
            *vaults,
            *nsgs,
            *network,
            *others,
        ],
        "paths": paths,
    }
