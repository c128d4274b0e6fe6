"""A small recorded-style Azure estate of three subscriptions for the collector tests."""

from __future__ import annotations

SUB_A = "11111111-aaaa-4aaa-8aaa-111111111111"
SUB_B = "22222222-bbbb-4bbb-8bbb-222222222222"
SUB_C = "33333333-cccc-4ccc-8ccc-333333333333"
TENANT = "99999999-9999-4999-8999-999999999999"


def _rid(sub: str, rg: str, provider_type: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider_type}/{name}"


def storage(sub: str, name: str, https: bool = True) -> dict:
    return {
        "id": _rid(sub, "rg-data", "Microsoft.Storage/storageAccounts", name),
        "name": name,
        "type": "Microsoft.Storage/storageAccounts",
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": "Standard_ZRS", "tier": "Standard"},
        "tags": {"owner": "team-data"},
        "properties": {
            "supportsHttpsTrafficOnly": https,
            "minimumTlsVersion": "TLS1_2",
            "allowBlobPublicAccess": False,
            "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
            "encryption": {
                "keySource": "Microsoft.Storage",
                "requireInfrastructureEncryption": True,
            },
        },
    }


def estate() -> dict:
    accounts = [storage(SUB_A, f"stdata{i}", https=i != 2) for i in range(5)]
    vault = {
        "id": _rid(SUB_A, "rg-sec", "Microsoft.KeyVault/vaults", "kv-prod"),
        "name": "kv-prod",
        "type": "Microsoft.KeyVault/vaults",
        "location": "westeurope",
        "properties": {
            "tenantId": TENANT,
            "enableSoftDelete": True,
            "enablePurgeProtection": True,
            "enableRbacAuthorization": True,
            "publicNetworkAccess": "Disabled",
        },
    }
    site = {
        "id": _rid(SUB_B, "rg-web", "Microsoft.Web/sites", "app-portal"),
        "name": "app-portal",
        "type": "Microsoft.Web/sites",
        "kind": "app",
        "location": "northeurope",
        "properties": {"httpsOnly": True},
    }
    paths = {
        f"{accounts[0]['id']}/blobServices/default": {
            "id": f"{accounts[0]['id']}/blobServices/default",
            "name": "default",
            "properties": {
                "deleteRetentionPolicy": {"enabled": True, "days": 14},
                "isVersioningEnabled": True,
            },
        },
        f"{vault['id']}/secrets": {
            "value": [
                {
                    "id": f"{vault['id']}/secrets/db-password",
                    "name": "db-password",
                    "properties": {
                        "value": "hunter2-should-never-be-stored",
                        "attributes": {"enabled": True, "exp": 1900000000},
                    },
                }
            ]
        },
        f"{site['id']}/config/web": {
            "id": f"{site['id']}/config/web",
            "name": "web",
            "properties": {"minTlsVersion": "1.2", "ftpsState": "Disabled"},
        },
        f"/subscriptions/{SUB_A}/providers/Microsoft.Security/pricings": {
            "value": [
                {
                    "id": f"/subscriptions/{SUB_A}/providers/Microsoft.Security/pricings/{n}",
                    "name": n,
                    "type": "Microsoft.Security/pricings",
                    "properties": {"pricingTier": tier},
                }
                for n, tier in (
                    ("VirtualMachines", "Standard"),
                    ("SqlServers", "Free"),
                    ("StorageAccounts", "Standard"),
                )
            ]
        },
    }
    return {
        "subscriptions": [
            {
                "id": f"/subscriptions/{s}",
                "subscriptionId": s,
                "displayName": n,
                "state": "Enabled",
                "tenantId": TENANT,
            }
            for s, n in ((SUB_A, "prod"), (SUB_B, "web"), (SUB_C, "sandbox"))
        ],
        "resources": [*accounts, vault, site],
        "paths": paths,
    }
