"""Parity, measured: one Azure subscription expressed twice — as Terraform (``estates/azure``)
and as the live estate the local ARM server serves (ARM JSON as Azure returns it for those
resources, defaults included) — gives the same (rule, resource name, status) for every rule
that applies before deployment. The live side is read by the real Azure collector through the
real azure clients."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfhelpers import ESTATES, collect, evaluate

SUB = "11111111-aaaa-4aaa-8aaa-111111111111"
LOC = "westeurope"


def _id(rtype: str, name: str, rg: str = "rg-data") -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/{rtype}/{name}"


def _res(rtype: str, name: str, props: dict, **extra) -> dict:
    return {
        "id": _id(rtype, name),
        "name": name,
        "type": rtype,
        "location": LOC,
        "properties": props,
        **extra,
    }


def _estate() -> dict:
    st_good = _res(
        "Microsoft.Storage/storageAccounts",
        "stgood",
        {
            "minimumTlsVersion": "TLS1_2",
            "supportsHttpsTrafficOnly": True,
            "allowBlobPublicAccess": False,
            "allowSharedKeyAccess": False,
            "allowCrossTenantReplication": False,
            "publicNetworkAccess": "Disabled",
            "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
            "encryption": {
                "keySource": "Microsoft.Storage",
                "requireInfrastructureEncryption": True,
            },
        },
        kind="StorageV2",
        tags={"owner": "team-data"},
    )
    st_legacy = _res(
        "Microsoft.Storage/storageAccounts",
        "stlegacy",
        {
            "minimumTlsVersion": "TLS1_0",
            "supportsHttpsTrafficOnly": False,
            "allowBlobPublicAccess": True,
            "allowSharedKeyAccess": True,
            "allowCrossTenantReplication": True,
            "publicNetworkAccess": "Enabled",
            "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"},
            "encryption": {
                "keySource": "Microsoft.Storage",
                "requireInfrastructureEncryption": False,
            },
        },
        kind="StorageV2",
    )
    kv = _res(
        "Microsoft.KeyVault/vaults",
        "kv-prod",
        {
            "enableSoftDelete": True,
            "softDeleteRetentionInDays": 90,
            "enablePurgeProtection": True,
            "enableRbacAuthorization": True,
            "publicNetworkAccess": "Disabled",
        },
    )
    kv_open = _res(
        "Microsoft.KeyVault/vaults",
        "kv-open",
        {
            "enableSoftDelete": True,
            "softDeleteRetentionInDays": 90,
            "enableRbacAuthorization": False,
            "publicNetworkAccess": "Enabled",
        },
    )
    rule = lambda name, prio, port, src: {  # noqa: E731
        "name": name,
        "properties": {
            "priority": prio,
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "sourcePortRange": "*",
            "destinationPortRange": port,
            "sourceAddressPrefix": src,
            "destinationAddressPrefix": "*",
        },
    }
    nsg = _res(
        "Microsoft.Network/networkSecurityGroups",
        "nsg-web",
        {"securityRules": [rule("https", 100, "443", "Internet"), rule("ssh", 110, "22", "*")]},
    )
    vnet = _res(
        "Microsoft.Network/virtualNetworks",
        "vnet-main",
        {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}, "enableDdosProtection": False},
    )
    spare = _res(
        "Microsoft.Network/virtualNetworks",
        "vnet-spare",
        {"addressSpace": {"addressPrefixes": ["10.2.0.0/16"]}, "enableDdosProtection": False},
    )
    flow = {
        "id": _id("Microsoft.Network/networkWatchers", "nw/flowLogs/fl-main", "NetworkWatcherRG"),
        "name": "fl-main",
        "type": "Microsoft.Network/networkWatchers/flowLogs",
        "location": LOC,
        "properties": {
            "targetResourceId": vnet["id"],
            "enabled": True,
            "retentionPolicy": {"enabled": True, "days": 90},
            "storageId": st_good["id"],
        },
    }
    sql = _res(
        "Microsoft.Sql/servers",
        "sql-main",
        {
            "minimalTlsVersion": "1.2",
            "publicNetworkAccess": "Enabled",
            "administrators": {"azureADOnlyAuthentication": True},
        },
    )
    db = {
        "id": f"{sql['id']}/databases/zaken",
        "name": "zaken",
        "type": "Microsoft.Sql/servers/databases",
        "location": LOC,
        "properties": {},
    }
    pg = _res(
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "pg-main",
        {
            "backup": {"geoRedundantBackup": "Enabled"},
            "network": {"publicNetworkAccess": "Disabled"},
            "authConfig": {"activeDirectoryAuth": "Enabled", "passwordAuth": "Disabled"},
        },
    )
    site = _res(
        "Microsoft.Web/sites",
        "app-portal",
        {"httpsOnly": True},
        identity={"type": "SystemAssigned"},
        kind="app,linux",
    )
    rsv = _res(
        "Microsoft.RecoveryServices/vaults",
        "rsv-backup",
        {
            "securitySettings": {
                "immutabilitySettings": {"state": "Locked"},
                "softDeleteSettings": {"softDeleteState": "Enabled"},
            },
            "redundancySettings": {"standardTierStorageRedundancy": "GeoRedundant"},
        },
    )
    sb = _res(
        "Microsoft.ServiceBus/namespaces",
        "sb-events",
        {"disableLocalAuth": True, "minimumTlsVersion": "1.2", "publicNetworkAccess": "Disabled"},
    )
    aks = _res(
        "Microsoft.ContainerService/managedClusters",
        "aks-main",
        {
            "apiServerAccessProfile": {"enablePrivateCluster": False},
            "securityProfile": {},
            "aadProfile": {"managed": True, "enableAzureRBAC": True},
            "enableRBAC": True,
            "disableLocalAccounts": True,
            "networkProfile": {"networkPlugin": "azure", "networkPolicy": "calico"},
            "agentPoolProfiles": [{"name": "system", "count": 1}],
            "addonProfiles": {"azurepolicy": {"enabled": True}},
        },
    )
    paths = {
        f"{st_good['id']}/blobServices/default": {
            "name": "default",
            "properties": {
                "isVersioningEnabled": True,
                "deleteRetentionPolicy": {"enabled": True, "days": 14},
                "containerDeleteRetentionPolicy": {"enabled": True, "days": 14},
            },
        },
        f"{st_legacy['id']}/blobServices/default": {
            "name": "default",
            "properties": {"deleteRetentionPolicy": {"enabled": False}},
        },
        f"{kv['id']}/keys": {
            "value": [
                {
                    "name": "signing",
                    "properties": {"attributes": {"enabled": True, "exp": 1893456000}},
                },
                {"name": "forever", "properties": {"attributes": {"enabled": True}}},
            ]
        },
        f"{kv['id']}/providers/Microsoft.Insights/diagnosticSettings": {
            "value": [
                {
                    "name": "to-workspace",
                    "properties": {"logs": [{"categoryGroup": "audit", "enabled": True}]},
                }
            ]
        },
        f"{sql['id']}/auditingSettings/default": {
            "properties": {"state": "Enabled", "retentionDays": 180}
        },
        f"{sql['id']}/encryptionProtector/current": {
            "properties": {"serverKeyType": "ServiceManaged"}
        },
        f"{sql['id']}/firewallRules": {
            "value": [
                {
                    "name": "everyone",
                    "properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "255.255.255.255"},
                }
            ]
        },
        f"{db['id']}/transparentDataEncryption/current": {"properties": {"state": "Enabled"}},
        f"{pg['id']}/configurations": {
            "value": [
                {"name": "log_connections", "properties": {"value": "on"}},
                {"name": "log_disconnections", "properties": {"value": "on"}},
                {"name": "require_secure_transport", "properties": {"value": "on"}},
                {"name": "ssl_min_protocol_version", "properties": {"value": "TLSv1.2"}},
            ]
        },
        f"{site['id']}/config/web": {
            "properties": {
                "minTlsVersion": "1.2",
                "ftpsState": "FtpsOnly",
                "remoteDebuggingEnabled": False,
                "cors": None,
            }
        },
        f"{rsv['id']}/backupconfig/vaultconfig": {
            "properties": {"softDeleteFeatureState": "Enabled"}
        },
        f"{sb['id']}/networkRuleSets/default": {
            "properties": {"defaultAction": "Allow", "publicNetworkAccess": "Enabled"}
        },
        f"/subscriptions/{SUB}/providers/Microsoft.Security/pricings": {
            "value": [
                {
                    "id": f"/subscriptions/{SUB}/providers/Microsoft.Security/pricings/VirtualMachines",
                    "name": "VirtualMachines",
                    "properties": {"pricingTier": "Standard"},
                }
            ]
        },
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions": {
            "value": [
                {
                    "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/1",
                    "name": "1",
                    "properties": {
                        "roleName": "alles-mag",
                        "type": "CustomRole",
                        "permissions": [{"actions": ["*"], "notActions": []}],
                    },
                }
            ]
        },
    }
    resources = [
        st_good,
        st_legacy,
        kv,
        kv_open,
        nsg,
        vnet,
        spare,
        flow,
        sql,
        db,
        pg,
        site,
        rsv,
        sb,
        aks,
    ]
    return {
        "subscriptions": [{"subscriptionId": SUB, "displayName": "parity", "state": "Enabled"}],
        "resources": resources,
        "paths": paths,
    }


@pytest.fixture(scope="module")
def both():
    import os

    from stubs.arm import DEFAULT_TOKEN, ArmServer

    from bio2scan.collectors.azure import AzureCollector
    from bio2scan.collectors.base import CollectRequest

    tf = collect(ESTATES / "azure", subscription=SUB)
    types = {r.type for r in tf.resources}
    saved = dict(os.environ)
    os.environ["AZURE_ACCESS_TOKEN"] = DEFAULT_TOKEN
    os.environ.pop("REQUESTS_CA_BUNDLE", None)
    try:
        with ArmServer(_estate()) as arm:
            live = AzureCollector().collect(
                CollectRequest(
                    options={
                        "arm_endpoint": arm.url,
                        "ca_bundle": arm.ca_file,
                        "retries": 1,
                        "subscriptions": [SUB],
                    },
                    resource_types=frozenset(types),
                    max_workers=4,
                )
            )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return tf, live


def test_the_terraform_estate_reads_without_errors(both):
    tf, live = both
    assert not tf.errors, tf.errors
    assert not live.errors, live.errors
    assert not [r for r in tf.resources if r.errors], [
        (r.id, r.errors) for r in tf.resources if r.errors
    ]


def test_parity_with_the_live_estate(both):
    tf, live = both
    names = {r.name for r in tf.resources}

    def triples(results):
        return {
            (r.rule_id, r.resource_type, r.resource_name): (r.status.value, r.message)
            for r in results
            if r.resource_name in names
        }

    mine = triples(evaluate(tf, "azure"))
    theirs = triples(evaluate(live, "azure"))
    compared = 0
    problems = []
    for key, (status, message) in sorted(mine.items()):
        if status == "NOT_APPLICABLE" and (
            message.startswith("known only after deployment") or "live data only" in message
        ):
            continue
        compared += 1
        other = theirs.get(key)
        if other is None or other[0] != status:
            problems.append(f"{key}: terraform {status} ({message[:100]}) / live {other}")
    print(
        f"azure parity: {compared} results compared, {len(mine) - compared} not applicable before deployment"
    )
    assert not problems, "\n".join(problems)
    assert compared >= 50, compared
