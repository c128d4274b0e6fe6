"""azurerm (and azapi) → ARM shapes, continued: databases, App Service, AKS, Recovery
Services, Cosmos DB, Service Bus, the subscription-wide settings, ``azapi_resource``; and the
tables of every azurerm mapper and joiner."""

from __future__ import annotations

from typing import Any

from ..azure.kinds import BY_ARM_TYPE, KINDS
from .azure_map import (
    AzCtx,
    Mapper,
    _data_disk,
    _join,
    _negate,
    _nsg_rule,
    _storage_cmk,
    _storage_rules,
    _vault_item,
    disk,
    enabled,
    flow_log,
    key_vault,
    nic,
    nsg,
    storage_account,
    vm,
    vnet,
)
from .config import Instance
from .mapping import SKIP, M, Out, apply, as_list, blocks, document, first
from .values import Unknown


# --- databases --------------------------------------------------------------------------------
def sql_server(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    admin = first(v, "azuread_administrator")
    p: dict[str, Any] = {
        "minimalTlsVersion": v.get("minimum_tls_version") or "1.2",
        "publicNetworkAccess": enabled(v.get("public_network_access_enabled", True)),
        "administrators": {
            "azureADOnlyAuthentication": (admin or {}).get("azuread_authentication_only", False)
        }
        if admin
        else None,
    }
    ctx.out(
        "azure.sql.server",
        inst,
        "Microsoft.Sql/servers",
        {
            "properties": p,
            "auditingSettings": {"properties": {"state": "Disabled", "retentionDays": 0}},
            "azureADOnlyAuthentication": None,
            "encryptionProtector": {"properties": {"serverKeyType": "ServiceManaged"}},
            "firewallRules": [],
        },
    )


def _sql_audit(inst: Instance, out: Out, ctx: AzCtx) -> None:
    v = inst.values
    out.data["auditingSettings"] = {
        "properties": {
            "state": enabled(v.get("enabled", True)),
            "retentionDays": v.get("retention_in_days", 0),
        }
    }


def _sql_tde(inst: Instance, out: Out, ctx: AzCtx) -> None:
    kind = "AzureKeyVault" if inst.values.get("key_vault_key_id") else "ServiceManaged"
    out.data["encryptionProtector"] = {"properties": {"serverKeyType": kind}}


def _firewall(inst: Instance, out: Out, ctx: AzCtx) -> None:
    v = inst.values
    out.data["firewallRules"].append(
        {
            "name": v.get("name"),
            "properties": {
                "startIpAddress": v.get("start_ip_address"),
                "endIpAddress": v.get("end_ip_address"),
            },
        }
    )


def sql_database(inst: Instance, ctx: AzCtx) -> None:
    tde = inst.values.get("transparent_data_encryption_enabled", True)
    ctx.out(
        "azure.sql.database",
        inst,
        "Microsoft.Sql/servers/databases",
        {"transparentDataEncryption": {"properties": {"state": enabled(tde)}}, "properties": {}},
    )


_FLEX_DEFAULTS = {
    "azure.dbforpostgresql.flexible_server": {
        "require_secure_transport": "on",
        "ssl_min_protocol_version": "TLSv1.2",
    },
    "azure.dbformysql.flexible_server": {
        "require_secure_transport": "ON",
        "tls_version": "TLSv1.2",
        "audit_log_enabled": "OFF",
    },
}


def flexible_server(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    pg = inst.type == "azurerm_postgresql_flexible_server"
    rtype = "azure.dbforpostgresql.flexible_server" if pg else "azure.dbformysql.flexible_server"
    pna = v.get("public_network_access_enabled")
    if pna is None:
        pna = v.get("delegated_subnet_id") is None
    p: dict[str, Any] = {
        "backup": {"geoRedundantBackup": enabled(v.get("geo_redundant_backup_enabled") or False)},
        "network": {"publicNetworkAccess": enabled(pna)},
    }
    auth = first(v, "authentication")
    if pg:
        p["authConfig"] = {
            "activeDirectoryAuth": enabled(
                (auth or {}).get("active_directory_auth_enabled", False)
            ),
            "passwordAuth": enabled((auth or {}).get("password_auth_enabled", True)),
        }
    arm = (
        "Microsoft.DBforPostgreSQL/flexibleServers"
        if pg
        else "Microsoft.DBforMySQL/flexibleServers"
    )
    ctx.out(
        rtype,
        inst,
        arm,
        {
            "properties": p,
            "configurations": dict(_FLEX_DEFAULTS[rtype]),
            "firewallRules": [],
        },
    )


def _flex_config(inst: Instance, out: Out, ctx: AzCtx) -> None:
    name = inst.values.get("name")
    if isinstance(name, str):
        out.data["configurations"][name] = inst.values.get("value")


# --- app service, AKS, backup, Cosmos DB, Service Bus -----------------------------------------
def web_app(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    sc = first(v, "site_config") or {}
    cors = first(sc, "cors")
    cfg: dict[str, Any] = {}
    apply(
        [
            M("minimum_tls_version", "minTlsVersion", "1.2"),
            M("ftps_state", "ftpsState", "Disabled"),
            M("remote_debugging_enabled", "remoteDebuggingEnabled", False),
        ],
        sc,
        cfg,
        inst.address,
    )
    if inst.type == "azurerm_app_service" and sc.get("remote_debugging_enabled") is None:
        cfg["remoteDebuggingEnabled"] = sc.get("remote_debugging", False)
    cfg["cors"] = {"allowedOrigins": cors.get("allowed_origins")} if cors else None
    ident = first(v, "identity")
    ctx.out(
        "azure.web.site",
        inst,
        "Microsoft.Web/sites",
        {
            "properties": {"httpsOnly": v.get("https_only") or False},
            "identity": {"type": ident.get("type")} if ident else None,
            "config": {"properties": cfg},
        },
    )


def aks(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    api = first(v, "api_server_access_profile") or {}
    ranges = api.get("authorized_ip_ranges", v.get("api_server_authorized_ip_ranges"))
    pool = first(v, "default_node_pool") or {}
    net = first(v, "network_profile") or {}
    rbac = v.get("role_based_access_control_enabled")
    p: dict[str, Any] = {
        "apiServerAccessProfile": {
            "authorizedIPRanges": ranges or [],
            "enablePrivateCluster": v.get("private_cluster_enabled") or False,
        },
        "securityProfile": {
            "defender": {
                "securityMonitoring": {"enabled": first(v, "microsoft_defender") is not None}
            }
        },
        "aadProfile": {"managed": True}
        if first(v, "azure_active_directory_role_based_access_control") is not None
        else None,
        "enableRBAC": True if rbac is None else rbac,
        "disableLocalAccounts": v.get("local_account_disabled") or False,
        "networkProfile": {"networkPolicy": net.get("network_policy")},
        "agentPoolProfiles": [_pool(pool)],
        "addonProfiles": {"azurepolicy": {"enabled": v.get("azure_policy_enabled") or False}},
    }
    ctx.out(
        "azure.containerservice.managed_cluster",
        inst,
        "Microsoft.ContainerService/managedClusters",
        {"properties": p, "diagnosticSettings": []},
    )


def _pool(b: dict[str, Any]) -> dict[str, Any]:
    host = b.get("host_encryption_enabled", b.get("enable_host_encryption"))
    return {"name": b.get("name"), "enableEncryptionAtHost": host or False}


def _node_pool(inst: Instance, out: Out, ctx: AzCtx) -> None:
    out.data["properties"]["agentPoolProfiles"].append(_pool(inst.values))


def recovery_vault(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    soft = enabled(v.get("soft_delete_enabled", True))
    p = {
        "securitySettings": {
            "immutabilitySettings": {"state": v.get("immutability") or "Disabled"},
            "softDeleteSettings": {"softDeleteState": soft},
        },
        "redundancySettings": {
            "standardTierStorageRedundancy": v.get("storage_mode_type") or "GeoRedundant"
        },
    }
    ctx.out(
        "azure.recoveryservices.vault",
        inst,
        "Microsoft.RecoveryServices/vaults",
        {"properties": p, "backupConfig": {"properties": {"softDeleteFeatureState": soft}}},
    )


def cosmos(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    p: dict[str, Any] = {}
    apply(
        [
            M("key_vault_key_id", "keyVaultKeyUri", SKIP),
            M("local_authentication_disabled", "disableLocalAuth", False),
            M("minimal_tls_version", "minimalTlsVersion", "Tls12"),
            M("public_network_access_enabled", "publicNetworkAccess", "Enabled", enabled),
            M("is_virtual_network_filter_enabled", "isVirtualNetworkFilterEnabled", False),
        ],
        v,
        p,
        inst.address,
    )
    p["ipRules"] = [{"ipAddressOrRange": r} for r in as_list(v.get("ip_range_filter"))]
    ctx.out(
        "azure.documentdb.account",
        inst,
        "Microsoft.DocumentDB/databaseAccounts",
        {"properties": p, "diagnosticSettings": []},
    )


def servicebus(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    p: dict[str, Any] = {
        "disableLocalAuth": _negate(v.get("local_auth_enabled", True)),
        "minimumTlsVersion": v.get("minimum_tls_version") or "1.2",
        "publicNetworkAccess": enabled(v.get("public_network_access_enabled", True)),
        "encryption": {"keySource": "Microsoft.KeyVault"}
        if first(v, "customer_managed_key")
        else None,
    }
    nrs = first(v, "network_rule_set")
    rules = {
        "defaultAction": (nrs or {}).get("default_action") or "Allow",
        "publicNetworkAccess": enabled((nrs or {}).get("public_network_access_enabled", True)),
    }
    ctx.out(
        "azure.servicebus.namespace",
        inst,
        "Microsoft.ServiceBus/namespaces",
        {"properties": p, "networkRuleSet": {"properties": rules}, "diagnosticSettings": []},
    )


# --- subscription-wide ------------------------------------------------------------------------
def pricing(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    rt = v.get("resource_type") or "VirtualMachines"
    out = ctx.out(
        "azure.security.pricing",
        inst,
        "Microsoft.Security/pricings",
        {"name": rt, "properties": {"pricingTier": v.get("tier")}},
    )
    out.name = rt


def role_definition(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    perms = [
        {"actions": p.get("actions") or [], "notActions": p.get("not_actions") or []}
        for p in blocks(v, "permissions")
    ]
    ctx.out(
        "azure.authorization.role_definition",
        inst,
        "Microsoft.Authorization/roleDefinitions",
        {"properties": {"roleName": v.get("name"), "type": "CustomRole", "permissions": perms}},
    )


def lock(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    scope = v.get("scope")
    out = ctx.out(
        "azure.authorization.lock",
        inst,
        "Microsoft.Authorization/locks",
        {"properties": {"level": v.get("lock_level"), "notes": v.get("notes")}},
    )
    if isinstance(scope, Unknown) and scope.ref and scope.origin == f"{scope.ref}.id":
        scope = scope.ref
    if isinstance(scope, str):
        out.rid = f"{scope}/providers/Microsoft.Authorization/locks/{v.get('name')}"


def _diagnostics(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    ref = v.get("target_resource_id")
    target = None
    for rtype in (k.name for k in KINDS):
        target = ctx.reg.find(rtype, ref, inst.module)
        if target is not None:
            break
    if target is None:
        ctx.reg.unjoined(inst, "target resource", ref)
        return
    logs = [
        {"category": b.get("category"), "categoryGroup": b.get("category_group"), "enabled": True}
        for b in blocks(v, "enabled_log")
    ] + [
        {"category": b.get("category"), "enabled": b.get("enabled", True)} for b in blocks(v, "log")
    ]
    target.data.setdefault("diagnosticSettings", [])
    if isinstance(target.data["diagnosticSettings"], list):
        target.data["diagnosticSettings"].append(
            {"name": v.get("name"), "properties": {"logs": logs}}
        )


# --- azapi ------------------------------------------------------------------------------------
def azapi(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    t = v.get("type")
    if not isinstance(t, str):
        ctx.reg.notices.append((inst.type, inst.file, inst.line, f"{inst.address}: type unknown"))
        return
    arm_type = t.split("@", 1)[0]
    body = document(v.get("body")) if not isinstance(v.get("body"), dict) else v.get("body")
    kind = BY_ARM_TYPE.get(arm_type.lower())
    if kind is None:
        if _azapi_child(inst, ctx, arm_type, body):
            return
        ctx.reg.notices.append(
            (f"azapi:{arm_type}", inst.file, inst.line, f"{inst.address}: {arm_type} not checked")
        )
        return
    data = dict(body) if isinstance(body, dict) else {"properties": body}
    data.setdefault("properties", {})
    for c in kind.children:
        data.setdefault(c.key, [] if c.many else None)
    ctx.out(kind.name, inst, arm_type, data)


def _azapi_child(inst: Instance, ctx: AzCtx, arm_type: str, body: Any) -> bool:
    for k in KINDS:
        for c in k.children:
            seg = c.suffix.strip("/").split("/")[0]
            if arm_type.lower() == f"{k.arm_type}/{seg}".lower():
                parent = ctx.reg.find(k.name, inst.values.get("parent_id"), inst.module)
                if parent is None:
                    ctx.reg.unjoined(inst, "parent", inst.values.get("parent_id"))
                    return True
                item = {"name": inst.values.get("name"), **(body if isinstance(body, dict) else {})}
                if c.many:
                    parent.data.setdefault(c.key, []).append(item)
                elif c.flatten:
                    parent.data.setdefault(c.key, {})[str(item.get("name"))] = (
                        item.get("properties") or {}
                    ).get("value")
                else:
                    parent.data[c.key] = item
                return True
    return False


_PG, _MY = "azure.dbforpostgresql.flexible_server", "azure.dbformysql.flexible_server"
MAPPERS: dict[str, Mapper] = {
    "azurerm_storage_account": storage_account,
    "azurerm_key_vault": key_vault,
    "azurerm_network_security_group": nsg,
    "azurerm_virtual_network": vnet,
    "azurerm_network_watcher_flow_log": flow_log,
    "azurerm_network_interface": nic,
    "azurerm_linux_virtual_machine": vm,
    "azurerm_windows_virtual_machine": vm,
    "azurerm_virtual_machine": vm,
    "azurerm_managed_disk": disk,
    "azurerm_mssql_server": sql_server,
    "azurerm_sql_server": sql_server,
    "azurerm_mssql_database": sql_database,
    "azurerm_postgresql_flexible_server": flexible_server,
    "azurerm_mysql_flexible_server": flexible_server,
    "azurerm_linux_web_app": web_app,
    "azurerm_windows_web_app": web_app,
    "azurerm_app_service": web_app,
    "azurerm_kubernetes_cluster": aks,
    "azurerm_recovery_services_vault": recovery_vault,
    "azurerm_cosmosdb_account": cosmos,
    "azurerm_servicebus_namespace": servicebus,
    "azurerm_security_center_subscription_pricing": pricing,
    "azurerm_role_definition": role_definition,
    "azurerm_management_lock": lock,
    "azapi_resource": azapi,
}
JOINS: dict[str, Mapper] = {
    "azurerm_storage_account_network_rules": _join(
        "azure.storage.account", "storage_account_id", "storage account", _storage_rules
    ),
    "azurerm_storage_account_customer_managed_key": _join(
        "azure.storage.account", "storage_account_id", "storage account", _storage_cmk
    ),
    "azurerm_key_vault_key": _join(
        "azure.keyvault.vault", "key_vault_id", "key vault", _vault_item("keys")
    ),
    "azurerm_key_vault_secret": _join(
        "azure.keyvault.vault", "key_vault_id", "key vault", _vault_item("secrets")
    ),
    "azurerm_network_security_rule": _nsg_rule,
    "azurerm_virtual_machine_data_disk_attachment": _join(
        "azure.compute.vm", "virtual_machine_id", "virtual machine", _data_disk
    ),
    "azurerm_mssql_server_extended_auditing_policy": _join(
        "azure.sql.server", "server_id", "SQL server", _sql_audit
    ),
    "azurerm_mssql_server_transparent_data_encryption": _join(
        "azure.sql.server", "server_id", "SQL server", _sql_tde
    ),
    "azurerm_mssql_firewall_rule": _join("azure.sql.server", "server_id", "SQL server", _firewall),
    "azurerm_postgresql_flexible_server_firewall_rule": _join(
        _PG, "server_id", "server", _firewall
    ),
    "azurerm_mysql_flexible_server_firewall_rule": _join(_MY, "server_id", "server", _firewall),
    "azurerm_postgresql_flexible_server_configuration": _join(
        _PG, "server_id", "server", _flex_config
    ),
    "azurerm_mysql_flexible_server_configuration": _join(_MY, "server_id", "server", _flex_config),
    "azurerm_kubernetes_cluster_node_pool": _join(
        "azure.containerservice.managed_cluster", "kubernetes_cluster_id", "cluster", _node_pool
    ),
    "azurerm_monitor_diagnostic_setting": _diagnostics,
}
