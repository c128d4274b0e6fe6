resource "azurerm_network_security_group" "web" {
  name                = "nsg-web"
  location            = var.location
  resource_group_name = azurerm_resource_group.data.name

  security_rule {
    name                       = "https"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_rule" "ssh" {
  name                        = "ssh"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "22"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.data.name
  network_security_group_name = azurerm_network_security_group.web.name
}

resource "azurerm_virtual_network" "main" {
  name                = "vnet-main"
  location            = var.location
  resource_group_name = azurerm_resource_group.data.name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_network_watcher_flow_log" "main" {
  name                 = "fl-main"
  network_watcher_name = "nw"
  resource_group_name  = "NetworkWatcherRG"
  target_resource_id   = azurerm_virtual_network.main.id
  storage_account_id   = azurerm_storage_account.good.id
  enabled              = true
  retention_policy {
    enabled = true
    days    = 90
  }
}

resource "azurerm_virtual_network" "spare" {
  name                = "vnet-spare"
  location            = var.location
  resource_group_name = azurerm_resource_group.data.name
  address_space       = ["10.2.0.0/16"]
}
