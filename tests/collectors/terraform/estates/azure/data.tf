resource "azurerm_mssql_server" "main" {
  name                          = "sql-main"
  resource_group_name           = azurerm_resource_group.data.name
  location                      = var.location
  version                       = "12.0"
  minimum_tls_version           = "1.2"
  public_network_access_enabled = true
  azuread_administrator {
    login_username              = "dba"
    object_id                   = "00000000-0000-0000-0000-000000000001"
    azuread_authentication_only = true
  }
}

resource "azurerm_mssql_firewall_rule" "everyone" {
  name             = "everyone"
  server_id        = azurerm_mssql_server.main.id
  start_ip_address = "0.0.0.0"
  end_ip_address   = "255.255.255.255"
}

resource "azurerm_mssql_server_extended_auditing_policy" "main" {
  server_id         = azurerm_mssql_server.main.id
  retention_in_days = 180
}

resource "azurerm_mssql_database" "cases" {
  name      = "zaken"
  server_id = azurerm_mssql_server.main.id
}

resource "azurerm_postgresql_flexible_server" "pg" {
  name                          = "pg-main"
  resource_group_name           = azurerm_resource_group.data.name
  location                      = var.location
  version                       = "16"
  sku_name                      = "B_Standard_B1ms"
  geo_redundant_backup_enabled  = true
  public_network_access_enabled = false
  authentication {
    active_directory_auth_enabled = true
    password_auth_enabled         = false
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "connections" {
  name      = "log_connections"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "on"
}

resource "azurerm_postgresql_flexible_server_configuration" "disconnections" {
  name      = "log_disconnections"
  server_id = azurerm_postgresql_flexible_server.pg.id
  value     = "on"
}

resource "azurerm_linux_web_app" "portal" {
  name                = "app-portal"
  resource_group_name = azurerm_resource_group.data.name
  location            = var.location
  service_plan_id     = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/serverFarms/plan"
  https_only          = true
  identity {
    type = "SystemAssigned"
  }
  site_config {
    minimum_tls_version = "1.2"
    ftps_state          = "FtpsOnly"
  }
}

resource "azurerm_recovery_services_vault" "backup" {
  name                = "rsv-backup"
  location            = var.location
  resource_group_name = azurerm_resource_group.data.name
  sku                 = "Standard"
  storage_mode_type   = "GeoRedundant"
  immutability        = "Locked"
}

resource "azurerm_servicebus_namespace" "events" {
  name                          = "sb-events"
  location                      = var.location
  resource_group_name           = azurerm_resource_group.data.name
  sku                           = "Premium"
  capacity                      = 1
  premium_messaging_partitions  = 1
  local_auth_enabled            = false
  public_network_access_enabled = false
  minimum_tls_version           = "1.2"
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks-main"
  location            = var.location
  resource_group_name = azurerm_resource_group.data.name
  dns_prefix          = "aks"
  local_account_disabled = true
  azure_policy_enabled   = true
  default_node_pool {
    name       = "system"
    node_count = 1
    vm_size    = "Standard_D2s_v3"
  }
  network_profile {
    network_plugin = "azure"
    network_policy = "calico"
  }
  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
  }
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_security_center_subscription_pricing" "servers" {
  tier          = "Standard"
  resource_type = "VirtualMachines"
}

resource "azurerm_role_definition" "everything" {
  name  = "alles-mag"
  scope = "/subscriptions/11111111-aaaa-4aaa-8aaa-111111111111"
  permissions {
    actions = ["*"]
  }
}
