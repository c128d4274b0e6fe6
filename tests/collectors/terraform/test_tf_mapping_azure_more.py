"""The azurerm/azapi mapping tables, per resource type and argument, for the types and arguments
``test_tf_mapping_azure.py`` leaves out: a minimal resource → the ARM shape the live Azure
collector stores (the resource's ARM JSON plus its child resources under their keys), with the
provider's documented default where an argument is left out. Each configuration is read once.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tfhelpers import ERROR, collect, evaluate, write
from tfhelpers import check_paths as _check

AZ = """
variable "secret_name" {}
resource "azurerm_storage_account" "s" {
  name                     = "st1"
  location                 = "westeurope"
  account_kind             = "BlobStorage"
  min_tls_version          = "TLS1_0"
  shared_access_key_enabled = false
  public_network_access_enabled = false
  https_traffic_only_enabled = false
  cross_tenant_replication_enabled = false
  blob_properties {
    versioning_enabled = true
    delete_retention_policy {
      days = 30
    }
  }
  tags = { env = "prod" }
}
resource "azurerm_storage_account_network_rules" "r" {
  storage_account_id         = azurerm_storage_account.s.id
  default_action             = "Deny"
  ip_rules                   = ["1.2.3.4"]
  virtual_network_subnet_ids = ["/subnets/a"]
  bypass                     = ["Logging", "Metrics"]
}
resource "azurerm_storage_account_customer_managed_key" "k" {
  storage_account_id = azurerm_storage_account.s.id
  key_vault_key_id   = azurerm_key_vault_key.k.id
}
resource "azurerm_key_vault" "kv" {
  name                       = "kv1"
  location                   = "westeurope"
  purge_protection_enabled   = true
  soft_delete_retention_days = 7
  enable_rbac_authorization  = true
  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }
}
resource "azurerm_key_vault_key" "k" {
  name            = "cmk"
  key_vault_id    = azurerm_key_vault.kv.id
  not_before_date = "2024-01-01T00:00:00Z"
}
resource "azurerm_key_vault_secret" "s" {
  name         = var.secret_name
  value        = "not-a-real-secret"
  key_vault_id = azurerm_key_vault.kv.id
}
resource "azurerm_network_security_group" "n" {
  name     = "nsg1"
  location = "westeurope"
  security_rule {
    name                       = "ssh"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["22", "3389"]
    source_address_prefixes    = ["0.0.0.0/0"]
    destination_address_prefix = "*"
    source_address_prefix      = null
  }
}
resource "azurerm_network_security_rule" "stray" {
  name                        = "x"
  network_security_group_name = "not-declared"
}
resource "azurerm_virtual_network" "v" {
  name          = "vnet1"
  location      = "westeurope"
  address_space = ["10.0.0.0/16"]
  ddos_protection_plan {
    id     = "/ddos/p"
    enable = true
  }
}
resource "azurerm_network_watcher_flow_log" "f" {
  name                      = "fl"
  network_security_group_id = azurerm_network_security_group.n.id
  storage_account_id        = azurerm_storage_account.s.id
  enabled                   = true
  retention_policy {
    enabled = true
    days    = 90
  }
}
resource "azurerm_network_interface" "nic" {
  name     = "nic1"
  location = "westeurope"
  ip_configuration {
    name                 = "ip"
    subnet_id            = "/subnets/a"
    public_ip_address_id = "/publicIPAddresses/p"
  }
}
resource "azurerm_windows_virtual_machine" "w" {
  name                       = "win1"
  location                   = "westeurope"
  network_interface_ids      = [azurerm_network_interface.nic.id]
  encryption_at_host_enabled = true
  secure_boot_enabled        = true
  vtpm_enabled               = true
  os_disk {
    storage_account_type = "Premium_LRS"
  }
}
resource "azurerm_virtual_machine" "legacy" {
  name     = "old1"
  location = "westeurope"
  storage_os_disk {
    name    = "os"
    vhd_uri = "https://st1.blob.core.windows.net/vhds/os.vhd"
  }
  storage_data_disk {
    name              = "data"
    managed_disk_type = "Standard_LRS"
  }
  os_profile_linux_config {
    disable_password_authentication = false
  }
}
resource "azurerm_managed_disk" "d" {
  name                   = "disk1"
  location               = "westeurope"
  disk_encryption_set_id = "/diskEncryptionSets/des"
  network_access_policy  = "DenyAll"
}
resource "azurerm_virtual_machine_data_disk_attachment" "a" {
  virtual_machine_id = azurerm_windows_virtual_machine.w.id
  managed_disk_id    = azurerm_managed_disk.d.id
  lun                = 1
}
"""
AZ_CHECKS = [
    ("azure.storage.account", "st1", "kind", "BlobStorage"),
    ("azure.storage.account", "st1", "properties.minimumTlsVersion", "TLS1_0"),
    ("azure.storage.account", "st1", "properties.allowSharedKeyAccess", False),
    ("azure.storage.account", "st1", "properties.publicNetworkAccess", "Disabled"),
    ("azure.storage.account", "st1", "properties.supportsHttpsTrafficOnly", False),
    ("azure.storage.account", "st1", "properties.allowCrossTenantReplication", False),
    ("azure.storage.account", "st1", "properties.encryption.keySource", "Microsoft.Keyvault"),
    (
        "azure.storage.account",
        "st1",
        "properties.networkAcls",
        {
            "defaultAction": "Deny",
            "ipRules": [{"value": "1.2.3.4", "action": "Allow"}],
            "virtualNetworkRules": [{"id": "/subnets/a"}],
            "bypass": "Logging, Metrics",
        },
    ),
    (
        "azure.storage.account",
        "st1",
        "blobService.properties",
        {
            "isVersioningEnabled": True,
            "deleteRetentionPolicy": {"enabled": True, "days": 30},
            "containerDeleteRetentionPolicy": {"enabled": False, "days": 7},
        },
    ),
    ("azure.storage.account", "st1", "tags", {"env": "prod"}),
    ("azure.keyvault.vault", "kv1", "properties.enablePurgeProtection", True),
    ("azure.keyvault.vault", "kv1", "properties.softDeleteRetentionInDays", 7),
    ("azure.keyvault.vault", "kv1", "properties.enableRbacAuthorization", True),
    ("azure.keyvault.vault", "kv1", "properties.enableSoftDelete", True),
    ("azure.keyvault.vault", "kv1", "properties.networkAcls.defaultAction", "Deny"),
    ("azure.keyvault.vault", "kv1", "properties.publicNetworkAccess", "Enabled"),
    (
        "azure.keyvault.vault",
        "kv1",
        "keys",
        [{"name": "cmk", "properties": {"attributes": {"enabled": True, "nbf": 1704067200}}}],
    ),
    ("azure.keyvault.vault", "kv1", "secrets[0].name", ERROR),
    (
        "azure.network.nsg",
        "nsg1",
        "properties.securityRules",
        [
            {
                "name": "ssh",
                "properties": {
                    "priority": 100,
                    "direction": "Inbound",
                    "access": "Allow",
                    "protocol": "Tcp",
                    "sourcePortRange": "*",
                    "destinationPortRanges": ["22", "3389"],
                    "sourceAddressPrefixes": ["0.0.0.0/0"],
                    "destinationAddressPrefix": "*",
                },
            }
        ],
    ),
    ("azure.network.virtual_network", "vnet1", "properties.enableDdosProtection", True),
    (
        "azure.network.virtual_network",
        "vnet1",
        "properties.addressSpace.addressPrefixes",
        ["10.0.0.0/16"],
    ),
    (
        "azure.network.flow_log",
        "fl",
        "properties",
        {
            "targetResourceId": "azurerm_network_security_group.n",
            "enabled": True,
            "retentionPolicy": {"enabled": True, "days": 90},
            "storageId": "azurerm_storage_account.s",
        },
    ),
    (
        "azure.network.network_interface",
        "nic1",
        "properties.ipConfigurations",
        [
            {
                "name": "ip",
                "properties": {
                    "subnet": {"id": "/subnets/a"},
                    "publicIPAddress": {"id": "/publicIPAddresses/p"},
                },
            }
        ],
    ),
    (
        "azure.compute.vm",
        "win1",
        "properties.securityProfile",
        {
            "encryptionAtHost": True,
            "securityType": "TrustedLaunch",
            "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
        },
    ),
    (
        "azure.compute.vm",
        "win1",
        "properties.storageProfile.osDisk.managedDisk.storageAccountType",
        "Premium_LRS",
    ),
    (
        "azure.compute.vm",
        "win1",
        "properties.storageProfile.dataDisks",
        [{"lun": 1, "managedDisk": {"id": "azurerm_managed_disk.d"}}],
    ),
    ("azure.compute.vm", "win1", "properties.osProfile", {}),  # no Linux configuration
    (
        "azure.compute.vm",
        "old1",
        "properties.storageProfile.osDisk",
        {"vhd": {"uri": "https://st1.blob.core.windows.net/vhds/os.vhd"}},
    ),
    (
        "azure.compute.vm",
        "old1",
        "properties.storageProfile.dataDisks",
        [{"name": "data", "managedDisk": {"storageAccountType": "Standard_LRS"}}],
    ),
    (
        "azure.compute.vm",
        "old1",
        "properties.osProfile.linuxConfiguration.disablePasswordAuthentication",
        False,
    ),
    (
        "azure.compute.disk",
        "disk1",
        "properties.encryption.type",
        "EncryptionAtRestWithCustomerKey",
    ),
    ("azure.compute.disk", "disk1", "properties.networkAccessPolicy", "DenyAll"),
]


def test_storage_vault_network_and_compute(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": AZ}))
    _check(inv, AZ_CHECKS)
    assert "not-a-real-secret" not in str([r.to_dict() for r in inv.resources])
    (stray,) = [n for n in inv.notices if n.kind == "azurerm_network_security_rule"]
    assert stray.provider == "azure" and "network security group ('not-declared')" in stray.reason


PAAS = """
resource "azurerm_mssql_server" "s" {
  name                          = "sql1"
  location                      = "westeurope"
  minimum_tls_version           = "1.0"
  public_network_access_enabled = false
  azuread_administrator {
    login_username              = "admins"
    object_id                   = "00000000-0000-0000-0000-000000000001"
    azuread_authentication_only = true
  }
}
resource "azurerm_mssql_server_extended_auditing_policy" "a" {
  server_id         = azurerm_mssql_server.s.id
  retention_in_days = 90
}
resource "azurerm_mssql_server_transparent_data_encryption" "t" {
  server_id        = azurerm_mssql_server.s.id
  key_vault_key_id = "https://kv1.vault.azure.net/keys/k/1"
}
resource "azurerm_mssql_database" "db" {
  name                                = "db1"
  server_id                           = azurerm_mssql_server.s.id
  transparent_data_encryption_enabled = false
}
resource "azurerm_postgresql_flexible_server" "pg" {
  name                         = "pg1"
  location                     = "westeurope"
  geo_redundant_backup_enabled = true
  delegated_subnet_id          = "/subnets/db"
  authentication {
    active_directory_auth_enabled = true
    password_auth_enabled         = false
  }
}
resource "azurerm_postgresql_flexible_server_configuration" "tls" {
  name      = "require_secure_transport"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "off"
}
resource "azurerm_postgresql_flexible_server_firewall_rule" "all" {
  name             = "all"
  server_id        = azurerm_postgresql_flexible_server.pg.id
  start_ip_address = "0.0.0.0"
  end_ip_address   = "255.255.255.255"
}
resource "azurerm_mysql_flexible_server" "my" {
  name     = "my1"
  location = "westeurope"
}
resource "azurerm_mysql_flexible_server_configuration" "audit" {
  name      = "audit_log_enabled"
  server_id = azurerm_mysql_flexible_server.my.id
  value     = "ON"
}
resource "azurerm_mysql_flexible_server_firewall_rule" "office" {
  name             = "office"
  server_id        = azurerm_mysql_flexible_server.my.id
  start_ip_address = "1.2.3.4"
  end_ip_address   = "1.2.3.4"
}
resource "azurerm_linux_web_app" "w" {
  name       = "web1"
  location   = "westeurope"
  https_only = true
  site_config {
    minimum_tls_version = "1.0"
    ftps_state          = "AllAllowed"
    cors {
      allowed_origins = ["*"]
    }
  }
  identity {
    type = "SystemAssigned"
  }
}
resource "azurerm_app_service" "old" {
  name     = "old1"
  location = "westeurope"
  site_config {
    min_tls_version  = "1.0"
    remote_debugging = true
  }
}
resource "azurerm_kubernetes_cluster" "k" {
  name                    = "aks1"
  location                = "westeurope"
  private_cluster_enabled = true
  local_account_disabled  = true
  azure_policy_enabled    = true
  role_based_access_control_enabled = false
  api_server_access_profile {
    authorized_ip_ranges = ["10.0.0.0/8"]
  }
  microsoft_defender {
    log_analytics_workspace_id = "/workspaces/w"
  }
  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
  }
  network_profile {
    network_plugin = "azure"
    network_policy = "calico"
  }
  default_node_pool {
    name                    = "system"
    host_encryption_enabled = true
  }
}
resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                  = "user"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.k.id
}
resource "azurerm_recovery_services_vault" "r" {
  name                = "rsv1"
  location            = "westeurope"
  soft_delete_enabled = false
  immutability        = "Locked"
  storage_mode_type   = "LocallyRedundant"
}
resource "azurerm_cosmosdb_account" "c" {
  name                          = "cos1"
  location                      = "westeurope"
  local_authentication_disabled = true
  public_network_access_enabled = false
  ip_range_filter               = ["1.2.3.4"]
  key_vault_key_id              = "https://kv1.vault.azure.net/keys/k"
}
resource "azurerm_servicebus_namespace" "sb" {
  name                          = "sb1"
  location                      = "westeurope"
  local_auth_enabled            = false
  minimum_tls_version           = "1.1"
  public_network_access_enabled = false
  customer_managed_key {
    key_vault_key_id = "https://kv1.vault.azure.net/keys/k"
  }
  network_rule_set {
    default_action = "Deny"
  }
}
resource "azurerm_role_definition" "rd" {
  name  = "everything"
  scope = "/subscriptions/x"
  permissions {
    actions     = ["*"]
    not_actions = ["Microsoft.Authorization/*/Delete"]
  }
}
resource "azurerm_management_lock" "l" {
  name       = "nodelete"
  scope      = azurerm_kubernetes_cluster.k.id
  lock_level = "CanNotDelete"
  notes      = "keep"
}
resource "azurerm_monitor_diagnostic_setting" "d" {
  name               = "to-la"
  target_resource_id = azurerm_key_vault.kv.id
  enabled_log {
    category_group = "audit"
  }
  log {
    category = "AuditEvent"
    enabled  = false
  }
}
resource "azurerm_key_vault" "kv" {
  name     = "kv2"
  location = "westeurope"
}
resource "azurerm_monitor_diagnostic_setting" "nowhere" {
  name               = "x"
  target_resource_id = "/subscriptions/x/elsewhere"
}
"""
PAAS_CHECKS = [
    ("azure.sql.server", "sql1", "properties.minimalTlsVersion", "1.0"),
    ("azure.sql.server", "sql1", "properties.publicNetworkAccess", "Disabled"),
    ("azure.sql.server", "sql1", "properties.administrators", {"azureADOnlyAuthentication": True}),
    (
        "azure.sql.server",
        "sql1",
        "auditingSettings",
        {"properties": {"state": "Enabled", "retentionDays": 90}},
    ),
    ("azure.sql.server", "sql1", "encryptionProtector.properties.serverKeyType", "AzureKeyVault"),
    ("azure.sql.database", "db1", "transparentDataEncryption.properties.state", "Disabled"),
    (
        "azure.dbforpostgresql.flexible_server",
        "pg1",
        "properties.backup.geoRedundantBackup",
        "Enabled",
    ),
    # inside a delegated subnet there is no public access
    (
        "azure.dbforpostgresql.flexible_server",
        "pg1",
        "properties.network.publicNetworkAccess",
        "Disabled",
    ),
    (
        "azure.dbforpostgresql.flexible_server",
        "pg1",
        "properties.authConfig",
        {"activeDirectoryAuth": "Enabled", "passwordAuth": "Disabled"},
    ),
    (
        "azure.dbforpostgresql.flexible_server",
        "pg1",
        "configurations",
        {"require_secure_transport": "off", "ssl_min_protocol_version": "TLSv1.2"},
    ),
    (
        "azure.dbforpostgresql.flexible_server",
        "pg1",
        "firewallRules",
        [
            {
                "name": "all",
                "properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "255.255.255.255"},
            }
        ],
    ),
    (
        "azure.dbformysql.flexible_server",
        "my1",
        "properties.network.publicNetworkAccess",
        "Enabled",
    ),
    (
        "azure.dbformysql.flexible_server",
        "my1",
        "configurations",
        {"require_secure_transport": "ON", "tls_version": "TLSv1.2", "audit_log_enabled": "ON"},
    ),
    ("azure.dbformysql.flexible_server", "my1", "firewallRules[0].name", "office"),
    ("azure.web.site", "web1", "properties.httpsOnly", True),
    (
        "azure.web.site",
        "web1",
        "config.properties",
        {
            "minTlsVersion": "1.0",
            "scmMinTlsVersion": "1.2",
            "ftpsState": "AllAllowed",
            "remoteDebuggingEnabled": False,
            "cors": {"allowedOrigins": ["*"]},
        },
    ),
    ("azure.web.site", "web1", "identity", {"type": "SystemAssigned"}),
    # the legacy azurerm_app_service: min_tls_version (it was read under the new resources'
    # name, so a TLS 1.0 app showed the default 1.2), remote_debugging, and FTP left to Azure
    ("azure.web.site", "old1", "config.properties.minTlsVersion", "1.0"),
    ("azure.web.site", "old1", "config.properties.remoteDebuggingEnabled", True),
    ("azure.web.site", "old1", "config.properties.ftpsState", "AllAllowed"),
    ("azure.web.site", "old1", "properties.httpsOnly", False),
    (
        "azure.containerservice.managed_cluster",
        "aks1",
        "properties",
        {
            "apiServerAccessProfile": {
                "authorizedIPRanges": ["10.0.0.0/8"],
                "enablePrivateCluster": True,
            },
            "securityProfile": {"defender": {"securityMonitoring": {"enabled": True}}},
            "aadProfile": {"managed": True},
            "enableRBAC": False,
            "disableLocalAccounts": True,
            "networkProfile": {"networkPolicy": "calico"},
            "agentPoolProfiles": [
                {"name": "system", "enableEncryptionAtHost": True},
                {"name": "user", "enableEncryptionAtHost": False},
            ],
            "addonProfiles": {"azurepolicy": {"enabled": True}},
        },
    ),
    (
        "azure.recoveryservices.vault",
        "rsv1",
        "properties",
        {
            "securitySettings": {
                "immutabilitySettings": {"state": "Locked"},
                "softDeleteSettings": {"softDeleteState": "Disabled"},
            },
            "redundancySettings": {"standardTierStorageRedundancy": "LocallyRedundant"},
        },
    ),
    (
        "azure.recoveryservices.vault",
        "rsv1",
        "backupConfig.properties.softDeleteFeatureState",
        "Disabled",
    ),
    (
        "azure.documentdb.account",
        "cos1",
        "properties",
        {
            "keyVaultKeyUri": "https://kv1.vault.azure.net/keys/k",
            "disableLocalAuth": True,
            "minimalTlsVersion": "Tls12",
            "publicNetworkAccess": "Disabled",
            "isVirtualNetworkFilterEnabled": False,
            "ipRules": [{"ipAddressOrRange": "1.2.3.4"}],
        },
    ),
    (
        "azure.servicebus.namespace",
        "sb1",
        "properties",
        {
            "disableLocalAuth": True,
            "minimumTlsVersion": "1.1",
            "publicNetworkAccess": "Disabled",
            "encryption": {"keySource": "Microsoft.KeyVault"},
        },
    ),
    (
        "azure.servicebus.namespace",
        "sb1",
        "networkRuleSet.properties",
        {"defaultAction": "Deny", "publicNetworkAccess": "Enabled"},
    ),
    (
        "azure.authorization.role_definition",
        "everything",
        "properties",
        {
            "roleName": "everything",
            "type": "CustomRole",
            "permissions": [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Delete"]}],
        },
    ),
    (
        "azure.authorization.lock",
        "nodelete",
        "properties",
        {"level": "CanNotDelete", "notes": "keep"},
    ),
    (
        "azure.keyvault.vault",
        "kv2",
        "diagnosticSettings",
        [
            {
                "name": "to-la",
                "properties": {
                    "logs": [
                        {"category": None, "categoryGroup": "audit", "enabled": True},
                        {"category": "AuditEvent", "enabled": False},
                    ]
                },
            }
        ],
    ),
]


def test_databases_apps_clusters_and_subscription_settings(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": PAAS}))
    _check(inv, PAAS_CHECKS)
    lock = next(r for r in inv.resources if r.name == "nodelete")
    assert (
        lock.id == "azurerm_kubernetes_cluster.k/providers/Microsoft.Authorization/locks/nodelete"
    )
    (nowhere,) = [n for n in inv.notices if n.kind == "azurerm_monitor_diagnostic_setting"]
    assert "target resource ('/subscriptions/x/elsewhere')" in nowhere.reason
    res = {
        r.rule_id: r.status.value
        for r in evaluate(inv, "azure")
        if r.resource_name == "old1" and r.rule_id.startswith("azure.appservice.")
    }
    assert res["azure.appservice.minimum_tls"] == "FAIL"  # 1.0 was read as the default 1.2
    assert res["azure.appservice.remote_debugging"] == "FAIL"
    assert res["azure.appservice.ftp_disabled"] == "FAIL"
    web1 = {
        r.rule_id: r.status.value
        for r in evaluate(inv, "azure")
        if r.resource_name == "web1" and r.rule_id.startswith("azure.appservice.")
    }
    assert web1["azure.appservice.minimum_tls"] == "FAIL"  # it said ERROR: no SCM version


AZAPI = """
resource "azapi_resource" "kv" {
  type      = "Microsoft.KeyVault/vaults@2023-07-01"
  name      = "kv3"
  location  = "westeurope"
  parent_id = "/subscriptions/x/resourceGroups/rg"
  body = {
    properties = {
      enablePurgeProtection = false
      publicNetworkAccess   = "Enabled"
    }
  }
}
resource "azapi_resource" "secret" {
  type      = "Microsoft.KeyVault/vaults/secrets@2023-07-01"
  name      = "s1"
  parent_id = azapi_resource.kv.id
  body = jsonencode({ properties = { attributes = { enabled = true } } })
}
resource "azapi_resource" "pg" {
  type     = "Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01"
  name     = "pg3"
  location = "westeurope"
  body     = { properties = {} }
}
resource "azapi_resource" "pgconf" {
  type      = "Microsoft.DBforPostgreSQL/flexibleServers/configurations@2022-12-01"
  name      = "require_secure_transport"
  parent_id = azapi_resource.pg.id
  body      = { properties = { value = "off" } }
}
resource "azapi_resource" "sql" {
  type     = "Microsoft.Sql/servers@2021-11-01"
  name     = "sql3"
  location = "westeurope"
  body     = { properties = { minimalTlsVersion = "1.2" } }
}
resource "azapi_resource" "audit" {
  type      = "Microsoft.Sql/servers/auditingSettings@2021-11-01"
  name      = "default"
  parent_id = azapi_resource.sql.id
  body      = { properties = { state = "Enabled" } }
}
resource "azapi_resource" "orphan" {
  type      = "Microsoft.KeyVault/vaults/keys@2023-07-01"
  name      = "k"
  parent_id = "/not/here"
  body      = {}
}
resource "azapi_resource" "other" {
  type = "Microsoft.Cdn/profiles@2024-02-01"
  name = "cdn"
  body = {}
}
variable "t" {}
resource "azapi_resource" "untyped" {
  type = var.t
  name = "u"
}
"""


def test_azapi_bodies_are_arm_already(tmp_path):
    inv = collect(write(tmp_path, {"main.tf": AZAPI}))
    _check(
        inv,
        [
            ("azure.keyvault.vault", "kv3", "properties.enablePurgeProtection", False),
            ("azure.keyvault.vault", "kv3", "keys", []),
            (
                "azure.keyvault.vault",
                "kv3",
                "secrets",
                [{"name": "s1", "properties": {"attributes": {"enabled": True}}}],
            ),
            # a server parameter set by a child resource; Azure's defaults for the others
            (
                "azure.dbforpostgresql.flexible_server",
                "pg3",
                "configurations",
                {"require_secure_transport": "off", "ssl_min_protocol_version": "TLSv1.2"},
            ),
            (
                "azure.sql.server",
                "sql3",
                "auditingSettings",
                {"name": "default", "properties": {"state": "Enabled"}},
            ),
            ("azure.sql.server", "sql3", "firewallRules", []),
        ],
    )
    kinds = sorted((n.kind, n.reason) for n in inv.notices)
    assert kinds == [
        (
            "azapi_resource",
            "azapi_resource.orphan: its parent ('/not/here') is not defined in this configuration; not checked",
        ),
        ("azapi_resource", "azapi_resource.untyped: type unknown"),
    ]
