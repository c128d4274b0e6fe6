"""azurerm (and azapi) → the ARM shapes the live Azure collector produces (``kinds.py``): the
resource's ARM JSON (``properties.…``) plus the child resources under their keys
(``blobService``, ``firewallRules``, ``diagnosticSettings`` …).

The tables map provider arguments to ARM properties, with the provider's documented default
when the argument is left out. A default that depends on the provider's major version (v3 or
v4) is *known only after deployment*: the scan does not know which provider will apply it.
Related resources (a firewall rule, a diagnostic setting, a key of a vault) join their parent
through ``…_id`` references or names. ``azapi_resource`` bodies are ARM already.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from ..azure.kinds import BY_ARM_TYPE, KINDS
from .config import Instance
from .mapping import DEFER, SKIP, M, Out, Registry, apply, as_list, blocks, document, first, put
from .values import Unknown, Unresolved

Mapper = Callable[[Instance, "AzCtx"], None]


class AzCtx:
    def __init__(self, registry: Registry, subscription: str) -> None:
        self.reg = registry
        self.subscription = subscription

    def out(self, rtype: str, inst: Instance, arm_type: str, data: dict[str, Any]) -> Out:
        v = inst.values
        name = v.get("name") if isinstance(v.get("name"), str) else Unknown(f"{inst.address}.name")
        base: dict[str, Any] = {
            "id": inst.address,
            "name": name,
            "type": arm_type,
            "location": v.get("location"),
            "tags": v.get("tags") or {},
        }
        base.update(data)
        tags = v.get("tags") if isinstance(v.get("tags"), dict) else {}
        out = Out(
            rtype,
            inst,
            name,
            base,
            region=v.get("location") if isinstance(v.get("location"), str) else None,
            scope=self.subscription,
            tags={str(k): str(x) for k, x in tags.items() if isinstance(x, str)},
        )
        return self.reg.add(out)


def enabled(v: Any) -> Any:
    if isinstance(v, bool):
        return "Enabled" if v else "Disabled"
    return v


def _negate(v: Any) -> Any:
    return (not v) if isinstance(v, bool) else v


def _epoch(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    return int(_dt.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp())


def _by_version(inst: Instance, arg: str) -> Unknown:
    return Unknown(f"{inst.address}.{arg}: the default differs between azurerm v3 and v4")


# --- storage ----------------------------------------------------------------------------------
def storage_account(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    p: dict[str, Any] = {}
    apply(
        [
            M("min_tls_version", "minimumTlsVersion", "TLS1_2"),
            M("allow_nested_items_to_be_public", "allowBlobPublicAccess", True),
            M("shared_access_key_enabled", "allowSharedKeyAccess", True),
            M(
                "infrastructure_encryption_enabled",
                "encryption.requireInfrastructureEncryption",
                False,
            ),
            M("public_network_access_enabled", "publicNetworkAccess", "Enabled", enabled),
        ],
        v,
        p,
        inst.address,
    )
    https = v.get("https_traffic_only_enabled", v.get("enable_https_traffic_only"))
    p["supportsHttpsTrafficOnly"] = True if https is None else https
    xt = v.get("cross_tenant_replication_enabled")
    p["allowCrossTenantReplication"] = (
        _by_version(inst, "cross_tenant_replication_enabled") if xt is None else xt
    )
    p["encryption"]["keySource"] = (
        "Microsoft.Keyvault" if first(v, "customer_managed_key") else "Microsoft.Storage"
    )
    rules = first(v, "network_rules")
    p["networkAcls"] = _acls(rules) if rules else {"defaultAction": "Allow", "ipRules": []}
    bp = first(v, "blob_properties") or {}
    dr = first(bp, "delete_retention_policy")
    cr = first(bp, "container_delete_retention_policy")
    blob = {
        "isVersioningEnabled": bp.get("versioning_enabled") or False,
        "deleteRetentionPolicy": {"enabled": dr is not None, "days": (dr or {}).get("days", 7)},
        "containerDeleteRetentionPolicy": {
            "enabled": cr is not None,
            "days": (cr or {}).get("days", 7),
        },
    }
    ctx.out(
        "azure.storage.account",
        inst,
        "Microsoft.Storage/storageAccounts",
        {
            "kind": v.get("account_kind") or "StorageV2",
            "properties": p,
            "blobService": {"name": "default", "properties": blob},
            "managementPolicy": None,
        },
    )


def _acls(rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "defaultAction": rules.get("default_action"),
        "ipRules": [{"value": ip, "action": "Allow"} for ip in as_list(rules.get("ip_rules"))],
        "virtualNetworkRules": [
            {"id": s} for s in as_list(rules.get("virtual_network_subnet_ids"))
        ],
        "bypass": ", ".join(str(b) for b in as_list(rules.get("bypass"))) or "AzureServices",
    }


def _storage_rules(inst: Instance, out: Out, ctx: AzCtx) -> None:
    out.data["properties"]["networkAcls"] = _acls(inst.values)


def _storage_cmk(inst: Instance, out: Out, ctx: AzCtx) -> None:
    out.data["properties"]["encryption"]["keySource"] = "Microsoft.Keyvault"


# --- key vault --------------------------------------------------------------------------------
def key_vault(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    p: dict[str, Any] = {"enableSoftDelete": True}
    apply(
        [
            M("purge_protection_enabled", "enablePurgeProtection", False),
            M("soft_delete_retention_days", "softDeleteRetentionInDays", 90),
            M("public_network_access_enabled", "publicNetworkAccess", "Enabled", enabled),
            M("network_acls[0].default_action", "networkAcls.defaultAction", "Allow"),
        ],
        v,
        p,
        inst.address,
    )
    rbac = v.get("enable_rbac_authorization", v.get("rbac_authorization_enabled"))
    p["enableRbacAuthorization"] = False if rbac is None else rbac
    ctx.out(
        "azure.keyvault.vault",
        inst,
        "Microsoft.KeyVault/vaults",
        {"properties": p, "keys": [], "secrets": [], "diagnosticSettings": []},
    )


def _vault_item(key: str) -> Callable[[Instance, Out, AzCtx], None]:
    def fn(inst: Instance, out: Out, ctx: AzCtx) -> None:
        v = inst.values
        attrs: dict[str, Any] = {"enabled": True}
        if v.get("expiration_date") is not None:
            attrs["exp"] = _epoch(v["expiration_date"])
        if v.get("not_before_date") is not None:
            attrs["nbf"] = _epoch(v["not_before_date"])
        out.data[key].append({"name": v.get("name"), "properties": {"attributes": attrs}})

    return fn


# --- network ----------------------------------------------------------------------------------
def _rule(b: dict[str, Any]) -> dict[str, Any]:
    p: dict[str, Any] = {}
    for tf, arm in (
        ("priority", "priority"),
        ("direction", "direction"),
        ("access", "access"),
        ("protocol", "protocol"),
        ("source_port_range", "sourcePortRange"),
        ("source_port_ranges", "sourcePortRanges"),
        ("destination_port_range", "destinationPortRange"),
        ("destination_port_ranges", "destinationPortRanges"),
        ("source_address_prefix", "sourceAddressPrefix"),
        ("source_address_prefixes", "sourceAddressPrefixes"),
        ("destination_address_prefix", "destinationAddressPrefix"),
        ("destination_address_prefixes", "destinationAddressPrefixes"),
    ):
        val = b.get(tf)
        if val is not None and val != []:
            p[arm] = val
    return {"name": b.get("name"), "properties": p}


def nsg(inst: Instance, ctx: AzCtx) -> None:
    rules = [_rule(b) for b in blocks(inst.values, "security_rule")]
    ctx.out(
        "azure.network.nsg",
        inst,
        "Microsoft.Network/networkSecurityGroups",
        {"properties": {"securityRules": rules}},
    )


def _nsg_rule(inst: Instance, ctx: AzCtx) -> None:
    ref = inst.values.get("network_security_group_name")
    out = ctx.reg.find("azure.network.nsg", ref, inst.module)
    if out is None:
        ctx.reg.unjoined(inst, "network security group", ref)
        return
    out.data["properties"]["securityRules"].append(_rule(inst.values))


def vnet(inst: Instance, ctx: AzCtx) -> None:
    ddos = first(inst.values, "ddos_protection_plan")
    p = {
        "addressSpace": {"addressPrefixes": inst.values.get("address_space")},
        "enableDdosProtection": bool(ddos and ddos.get("enable", True)),
    }
    ctx.out(
        "azure.network.virtual_network",
        inst,
        "Microsoft.Network/virtualNetworks",
        {"properties": p},
    )


def flow_log(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    rp = first(v, "retention_policy") or {}
    p = {
        "targetResourceId": v.get("target_resource_id", v.get("network_security_group_id")),
        "enabled": v.get("enabled"),
        "retentionPolicy": {"enabled": rp.get("enabled", False), "days": rp.get("days", 0)},
        "storageId": v.get("storage_account_id"),
    }
    ctx.out(
        "azure.network.flow_log",
        inst,
        "Microsoft.Network/networkWatchers/flowLogs",
        {"properties": p},
    )


def nic(inst: Instance, ctx: AzCtx) -> None:
    cfgs = []
    for c in blocks(inst.values, "ip_configuration"):
        p: dict[str, Any] = {"subnet": {"id": c.get("subnet_id")}}
        if c.get("public_ip_address_id") is not None:
            p["publicIPAddress"] = {"id": c["public_ip_address_id"]}
        cfgs.append({"name": c.get("name"), "properties": p})
    ctx.out(
        "azure.network.network_interface",
        inst,
        "Microsoft.Network/networkInterfaces",
        {"properties": {"ipConfigurations": cfgs}},
    )


# --- compute ----------------------------------------------------------------------------------
def vm(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    linux = inst.type == "azurerm_linux_virtual_machine"
    legacy = inst.type == "azurerm_virtual_machine"
    sec: dict[str, Any] = {"encryptionAtHost": v.get("encryption_at_host_enabled") or False}
    if v.get("secure_boot_enabled") or v.get("vtpm_enabled"):
        sec["securityType"] = "TrustedLaunch"
        sec["uefiSettings"] = {
            "secureBootEnabled": bool(v.get("secure_boot_enabled")),
            "vTpmEnabled": bool(v.get("vtpm_enabled")),
        }
    os_disk: dict[str, Any] = {"managedDisk": {"storageAccountType": None}}
    data_disks: list[Any] = []
    if legacy:
        sod = first(v, "storage_os_disk") or {}
        os_disk = (
            {"managedDisk": {"storageAccountType": sod.get("managed_disk_type")}}
            if (sod.get("managed_disk_type") or sod.get("managed_disk_id"))
            else {"vhd": {"uri": sod.get("vhd_uri")}}
        )
        for d in blocks(v, "storage_data_disk"):
            data_disks.append(
                {
                    "name": d.get("name"),
                    "managedDisk": {"storageAccountType": d.get("managed_disk_type")},
                }
                if d.get("managed_disk_type") or d.get("managed_disk_id")
                else {"name": d.get("name"), "vhd": {"uri": d.get("vhd_uri")}}
            )
    else:
        od = first(v, "os_disk") or {}
        os_disk = {"managedDisk": {"storageAccountType": od.get("storage_account_type")}}
    props: dict[str, Any] = {
        "securityProfile": sec,
        "storageProfile": {"osDisk": os_disk, "dataDisks": data_disks},
        "networkProfile": {
            "networkInterfaces": [{"id": n} for n in as_list(v.get("network_interface_ids"))]
        },
        "osProfile": {},
    }
    if linux:
        dpa = v.get("disable_password_authentication")
        props["osProfile"]["linuxConfiguration"] = {
            "disablePasswordAuthentication": True if dpa is None else dpa
        }
    elif legacy and first(v, "os_profile_linux_config") is not None:
        props["osProfile"]["linuxConfiguration"] = {
            "disablePasswordAuthentication": (first(v, "os_profile_linux_config") or {}).get(
                "disable_password_authentication"
            )
        }
    ctx.out("azure.compute.vm", inst, "Microsoft.Compute/virtualMachines", {"properties": props})


def _data_disk(inst: Instance, out: Out, ctx: AzCtx) -> None:
    out.data["properties"]["storageProfile"]["dataDisks"].append(
        {"lun": inst.values.get("lun"), "managedDisk": {"id": inst.values.get("managed_disk_id")}}
    )


def disk(inst: Instance, ctx: AzCtx) -> None:
    v = inst.values
    p = {
        "encryption": {
            "type": "EncryptionAtRestWithCustomerKey"
            if v.get("disk_encryption_set_id")
            else "EncryptionAtRestWithPlatformKey"
        },
        "networkAccessPolicy": v.get("network_access_policy") or "AllowAll",
    }
    ctx.out("azure.compute.disk", inst, "Microsoft.Compute/disks", {"properties": p})


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


def _join(rtype: str, arg: str, what: str, fn: Callable[[Instance, Out, AzCtx], None]) -> Mapper:
    def join(inst: Instance, ctx: AzCtx) -> None:
        ref = inst.values.get(arg)
        out = ctx.reg.find(rtype, ref, inst.module)
        if out is None:
            ctx.reg.unjoined(inst, what, ref)
            return
        fn(inst, out, ctx)

    return join


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
__all__ = ["DEFER", "JOINS", "MAPPERS", "Unresolved", "put"]
