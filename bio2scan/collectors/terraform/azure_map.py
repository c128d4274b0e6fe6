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

from .config import Instance
from .mapping import M, Out, Registry, apply, as_list, blocks, first
from .values import Unknown

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
        raw = v.get("tags")
        tags: dict[str, Any] = raw if isinstance(raw, dict) else {}
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


def _join(rtype: str, arg: str, what: str, fn: Callable[[Instance, Out, AzCtx], None]) -> Mapper:
    def join(inst: Instance, ctx: AzCtx) -> None:
        ref = inst.values.get(arg)
        out = ctx.reg.find(rtype, ref, inst.module)
        if out is None:
            ctx.reg.unjoined(inst, what, ref)
            return
        fn(inst, out, ctx)

    return join
