# The Azure parity estate: the same resources as test_tf_parity_azure.py serves from the local ARM
# server. Written from the azurerm provider's documentation.
variable "location" {
  default = "westeurope"
}

resource "azurerm_resource_group" "data" {
  name     = "rg-data"
  location = var.location
}

resource "azurerm_storage_account" "good" {
  name                            = "stgood"
  resource_group_name             = azurerm_resource_group.data.name
  location                        = var.location
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  shared_access_key_enabled       = false
  cross_tenant_replication_enabled = false
  infrastructure_encryption_enabled = true
  public_network_access_enabled   = false
  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }
  blob_properties {
    versioning_enabled = true
    delete_retention_policy {
      days = 14
    }
    container_delete_retention_policy {
      days = 14
    }
  }
  tags = { owner = "team-data" }
}

resource "azurerm_storage_account" "legacy" {
  name                             = "stlegacy"
  resource_group_name              = azurerm_resource_group.data.name
  location                         = var.location
  account_tier                     = "Standard"
  account_replication_type         = "LRS"
  min_tls_version                  = "TLS1_0"
  https_traffic_only_enabled       = false
  cross_tenant_replication_enabled = true
}

resource "azurerm_key_vault" "prod" {
  name                       = "kv-prod"
  location                   = var.location
  resource_group_name        = azurerm_resource_group.data.name
  tenant_id                  = "99999999-9999-4999-8999-999999999999"
  sku_name                   = "standard"
  purge_protection_enabled   = true
  enable_rbac_authorization  = true
  public_network_access_enabled = false
}

resource "azurerm_key_vault_key" "signing" {
  name            = "signing"
  key_vault_id    = azurerm_key_vault.prod.id
  key_type        = "RSA"
  key_size        = 3072
  key_opts        = ["sign", "verify"]
  expiration_date = "2030-01-01T00:00:00Z"
}

resource "azurerm_key_vault_key" "forever" {
  name         = "forever"
  key_vault_id = azurerm_key_vault.prod.id
  key_type     = "RSA"
  key_size     = 3072
  key_opts     = ["encrypt", "decrypt"]
}

resource "azurerm_monitor_diagnostic_setting" "kv" {
  name                       = "to-workspace"
  target_resource_id         = azurerm_key_vault.prod.id
  log_analytics_workspace_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws"
  enabled_log {
    category_group = "audit"
  }
}

resource "azurerm_key_vault" "open" {
  name                = "kv-open"
  location            = var.location
  resource_group_name = azurerm_resource_group.data.name
  tenant_id           = "99999999-9999-4999-8999-999999999999"
  sku_name            = "standard"
}
