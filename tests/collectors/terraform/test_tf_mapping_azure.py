"""The azurerm/azapi mapping, attribute by attribute: a snippet → the ARM shape the rules read
(``DEFERRED``: known only after deployment)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_tf_mapping_aws import DEFERRED, _get
from tfhelpers import collect, write

SA = (
    'resource "azurerm_storage_account" "s" {\n  name = "st1"\n  location = "westeurope"\n'
    '  resource_group_name = "rg"\n  account_tier = "Standard"\n'
    '  account_replication_type = "LRS"\n%s}\n'
)
NSG = (
    'resource "azurerm_network_security_group" "n" {\n  name = "nsg1"\n  location = "x"\n'
    '  resource_group_name = "rg"\n}\n'
)
SQL = (
    'resource "azurerm_mssql_server" "s" {\n  name = "sql1"\n  location = "x"\n'
    '  resource_group_name = "rg"\n  version = "12.0"\n}\n'
)

CASES = [
    (SA % "", "azure.storage.account", "st1", "properties.minimumTlsVersion", "TLS1_2"),
    (SA % "", "azure.storage.account", "st1", "properties.allowBlobPublicAccess", True),
    (SA % "", "azure.storage.account", "st1", "properties.supportsHttpsTrafficOnly", True),
    (SA % "", "azure.storage.account", "st1", "properties.allowCrossTenantReplication", DEFERRED),
    (SA % "", "azure.storage.account", "st1", "properties.networkAcls.defaultAction", "Allow"),
    (
        SA % '  network_rules {\n    default_action = "Deny"\n  }\n',
        "azure.storage.account",
        "st1",
        "properties.networkAcls.defaultAction",
        "Deny",
    ),
    (
        SA % "  blob_properties {\n    versioning_enabled = true\n"
        "    delete_retention_policy {\n      days = 30\n    }\n  }\n",
        "azure.storage.account",
        "st1",
        "blobService.properties.deleteRetentionPolicy",
        {"enabled": True, "days": 30},
    ),
    (
        SA % "  public_network_access_enabled = false\n",
        "azure.storage.account",
        "st1",
        "properties.publicNetworkAccess",
        "Disabled",
    ),
    (
        NSG + 'resource "azurerm_network_security_rule" "r" {\n  name = "rdp"\n  priority = 100\n'
        '  direction = "Inbound"\n  access = "Allow"\n  protocol = "Tcp"\n'
        '  source_port_range = "*"\n  destination_port_range = "3389"\n'
        '  source_address_prefix = "*"\n  destination_address_prefix = "*"\n'
        '  resource_group_name = "rg"\n'
        "  network_security_group_name = azurerm_network_security_group.n.name\n}\n",
        "azure.network.nsg",
        "nsg1",
        "properties.securityRules[0].properties.destinationPortRange",
        "3389",
    ),
    (
        SQL + 'resource "azurerm_mssql_firewall_rule" "f" {\n  name = "all"\n'
        '  server_id = azurerm_mssql_server.s.id\n  start_ip_address = "0.0.0.0"\n'
        '  end_ip_address = "255.255.255.255"\n}\n',
        "azure.sql.server",
        "sql1",
        "firewallRules[0].properties.endIpAddress",
        "255.255.255.255",
    ),
    (SQL, "azure.sql.server", "sql1", "auditingSettings.properties.state", "Disabled"),
    (SQL, "azure.sql.server", "sql1", "properties.minimalTlsVersion", "1.2"),
    (
        'resource "azurerm_key_vault" "k" {\n  name = "kv1"\n  location = "x"\n'
        '  resource_group_name = "rg"\n  tenant_id = "t"\n  sku_name = "standard"\n}\n'
        'resource "azurerm_key_vault_secret" "s" {\n  name = "pw"\n  value = "hunter2-not-real"\n'
        '  key_vault_id = azurerm_key_vault.k.id\n  expiration_date = "2030-01-01T00:00:00Z"\n}\n',
        "azure.keyvault.vault",
        "kv1",
        "secrets[0].properties.attributes.exp",
        1893456000,
    ),
    (
        'resource "azurerm_linux_virtual_machine" "v" {\n  name = "vm1"\n  location = "x"\n'
        '  resource_group_name = "rg"\n  size = "B1"\n  admin_username = "a"\n'
        "  network_interface_ids = [azurerm_network_interface.n.id]\n"
        '  os_disk {\n    caching = "None"\n    storage_account_type = "Premium_LRS"\n  }\n}\n'
        'resource "azurerm_network_interface" "n" {\n  name = "nic1"\n  location = "x"\n'
        '  resource_group_name = "rg"\n  ip_configuration {\n    name = "c"\n'
        '    public_ip_address_id = "pip"\n  }\n}\n',
        "azure.compute.vm",
        "vm1",
        "properties.networkProfile.networkInterfaces[0].id",
        "azurerm_network_interface.n",
    ),
    (
        'resource "azurerm_kubernetes_cluster" "a" {\n  name = "aks1"\n  location = "x"\n'
        '  resource_group_name = "rg"\n  dns_prefix = "a"\n'
        '  default_node_pool {\n    name = "p"\n    vm_size = "B2"\n  }\n}\n',
        "azure.containerservice.managed_cluster",
        "aks1",
        "properties.disableLocalAccounts",
        False,
    ),
    (
        'resource "azapi_resource" "s" {\n  type = "Microsoft.Storage/storageAccounts@2023-01-01"\n'
        '  name = "stapi"\n  location = "westeurope"\n  parent_id = "rg"\n'
        '  body = {\n    kind = "StorageV2"\n'
        '    properties = { minimumTlsVersion = "TLS1_0", allowBlobPublicAccess = false }\n'
        "  }\n}\n",
        "azure.storage.account",
        "stapi",
        "properties.minimumTlsVersion",
        "TLS1_0",
    ),
    (
        'resource "azurerm_security_center_subscription_pricing" "p" {\n  tier = "Free"\n'
        '  resource_type = "StorageAccounts"\n}\n',
        "azure.security.pricing",
        "StorageAccounts",
        "properties.pricingTier",
        "Free",
    ),
]


@pytest.mark.parametrize("tf,rtype,name,path,expected", CASES)
def test_attribute(tmp_path, tf, rtype, name, path, expected):
    inv = collect(write(tmp_path, {"main.tf": tf}))
    found = {r.name: r for r in inv.resources if r.type == rtype}
    assert name in found, (rtype, sorted(found))
    res = found[name]
    if expected is DEFERRED:
        assert any(p.startswith(path.split("[")[0]) for p in res.deferred), res.deferred
        return
    assert not res.errors, res.errors
    assert _get(res.data, path) == expected


def test_secret_values_never_reach_the_inventory(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": CASES[12][0]}))
    assert "hunter2" not in str([r.to_dict() for r in inv.resources])
