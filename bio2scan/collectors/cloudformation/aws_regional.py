"""CloudFormation → live shapes for logging and detection: CloudTrail trails, and the region-wide
records the live collector keeps per account and region (GuardDuty, Security Hub, AWS Config,
IAM Access Analyzer).

A template shows what *it* turns on. A region record is produced only when the template defines
the service (a detector, a hub, a recorder, an analyzer): a template without one says nothing
about the region — another stack may well enable it — so no record, and no verdict, is made.
GuardDuty features a template does not name count as not enabled.
"""

from __future__ import annotations

from typing import Any

from ..template_values import Sym, Unknown, deferred
from .shapes import (
    ANY,
    BOOL,
    ENUM,
    LIST,
    MISSING,
    STR,
    Build,
    F,
    Item,
    Out,
    fill,
    name_of,
)

TRAIL_FIELDS = (
    F("S3BucketName", "S3BucketName", STR),
    F("S3KeyPrefix", "S3KeyPrefix", STR),
    F("SnsTopicName", "SnsTopicName", STR),
    F("IncludeGlobalServiceEvents", "IncludeGlobalServiceEvents", BOOL, True),
    F("IsMultiRegionTrail", "IsMultiRegionTrail", BOOL, False),
    F("LogFileValidationEnabled", "EnableLogFileValidation", BOOL, False),
    F("CloudWatchLogsLogGroupArn", "CloudWatchLogsLogGroupArn", STR),
    F("CloudWatchLogsRoleArn", "CloudWatchLogsRoleArn", STR),
    F("KmsKeyId", "KMSKeyId", STR),
    F("IsOrganizationTrail", "IsOrganizationTrail", BOOL, False),
    F("Status.IsLogging", "IsLogging", BOOL),
)


def trail(item: Item, b: Build) -> None:
    p = item.props
    out = b.add(Out("aws.cloudtrail.trail", item, item.physical, {}, tags=p.get("Tags")))
    d = out.data
    d["Name"] = name_of(out, "Name", item.physical)
    d["TrailARN"] = Sym(f"${{{item.logical}.Arn}}", ref=item.logical)
    d["HomeRegion"] = b.region
    fill(d, item, TRAIL_FIELDS)
    out.defer("Status.LatestDeliveryError", "delivery happens after deployment")
    advanced = p.get("AdvancedEventSelectors", MISSING)
    selectors = p.get("EventSelectors", MISSING)
    if advanced is not MISSING:
        d["AdvancedEventSelectors"] = LIST(_advanced)(advanced)
        d["EventSelectors"] = []
    elif selectors is not MISSING:
        d["EventSelectors"] = LIST(_selector)(selectors)
        d["AdvancedEventSelectors"] = []
    else:  # what CloudTrail records for a trail created without selectors
        d["EventSelectors"] = [_selector({})]
        d["AdvancedEventSelectors"] = []
    d["HasCustomEventSelectors"] = selectors is not MISSING or advanced is not MISSING


def _selector(s: Any) -> Any:
    if not isinstance(s, dict):
        return s
    out: dict[str, Any] = {}
    fill(
        out,
        Item("", "", s, 0, None),
        [
            F("ReadWriteType", "ReadWriteType", ENUM, "All"),
            F("IncludeManagementEvents", "IncludeManagementEvents", BOOL, True),
            F("DataResources", "DataResources", ANY, []),
            F("ExcludeManagementEventSources", "ExcludeManagementEventSources", ANY, []),
        ],
    )
    return out


def _advanced(s: Any) -> Any:
    if not isinstance(s, dict):
        return s
    return {"Name": s.get("Name"), "FieldSelectors": s.get("FieldSelectors", [])}


# --- region-wide records ---------------------------------------------------------------------


def guardduty_detector(item: Item, b: Build) -> None:
    out = b.regional("aws.guardduty.region", item, {"Detectors": []})
    p = item.props
    det: dict[str, Any] = {"DetectorId": item.physical}
    enable = BOOL(p.get("Enable"))
    det["Status"] = enable if isinstance(enable, Unknown) else "ENABLED" if enable else "DISABLED"
    fill(
        det,
        item,
        [F("FindingPublishingFrequency", "FindingPublishingFrequency", ENUM, "SIX_HOURS")],
    )
    features = p.get("Features", [])
    det["Features"] = (
        features
        if isinstance(features, Unknown)
        else [
            {
                "Name": ENUM(f.get("Name")),
                "Status": ENUM(f.get("Status")),
                **(
                    {"AdditionalConfiguration": f["AdditionalConfiguration"]}
                    if "AdditionalConfiguration" in f
                    else {}
                ),
            }
            for f in features
            if isinstance(f, dict)
        ]
    )
    sources = p.get("DataSources")
    if isinstance(sources, dict):
        ds: dict[str, Any] = {}
        s3 = BOOL((sources.get("S3Logs") or {}).get("Enable", False))
        ds["S3Logs"] = {"Status": _on(s3)}
        audit = BOOL(
            ((sources.get("Kubernetes") or {}).get("AuditLogs") or {}).get("Enable", False)
        )
        ds["Kubernetes"] = {"AuditLogs": {"Status": _on(audit)}}
        ebs = BOOL(
            ((sources.get("MalwareProtection") or {}).get("ScanEc2InstanceWithFindings") or {}).get(
                "EbsVolumes", False
            )
        )
        ds["MalwareProtection"] = {
            "ScanEc2InstanceWithFindings": {"EbsVolumes": {"Status": _on(ebs)}}
        }
        det["DataSources"] = ds
    elif isinstance(sources, Unknown):
        det["DataSources"] = sources
    out.data["Detectors"].append(det)


def _on(v: Any) -> Any:
    return v if isinstance(v, Unknown) else "ENABLED" if v else "DISABLED"


def securityhub_hub(item: Item, b: Build) -> None:
    out = b.regional("aws.securityhub.region", item, {"Hub": None, "Standards": []})
    hub: dict[str, Any] = {"HubArn": item.physical}
    fill(
        hub,
        item,
        [
            F("AutoEnableControls", "AutoEnableControls", BOOL, True),
            F("ControlFindingGenerator", "ControlFindingGenerator", ENUM, "SECURITY_CONTROL"),
        ],
    )
    out.data["Hub"] = hub
    default = BOOL(item.props.get("EnableDefaultStandards", True))
    if isinstance(default, Unknown):
        out.data["Standards"].append(default)
    elif default:  # the standards Security Hub turns on for a new hub
        out.data["Standards"].append(
            {"StandardsArn": Sym("${default standards}"), "StandardsStatus": "READY"}
        )


def securityhub_standard(item: Item, b: Build) -> None:
    hubs = b.of_type("AWS::SecurityHub::Hub")
    if not hubs:
        b.skip(item, "the hub it belongs to is not defined in this template")
        return
    out = b.regional("aws.securityhub.region", hubs[0], {"Hub": None, "Standards": []})
    out.data["Standards"].append(
        {
            "StandardsSubscriptionArn": item.physical,
            "StandardsArn": STR(item.props.get("StandardsArn")),
            "StandardsStatus": "READY",
        }
    )


def config_recorder(item: Item, b: Build) -> None:
    out = b.regional(
        "aws.config.region", item, {"Recorders": [], "RecorderStatus": [], "DeliveryChannels": []}
    )
    p = item.props
    rec: dict[str, Any] = {"name": item.physical}
    fill(rec, item, [F("roleARN", "RoleARN", STR)])
    group = p.get("RecordingGroup", MISSING)
    if group is MISSING:  # a recorder without a recording group records every supported type
        rec["recordingGroup"] = {
            "allSupported": True,
            "includeGlobalResourceTypes": False,
            "resourceTypes": [],
        }
    elif isinstance(group, Unknown):
        rec["recordingGroup"] = group
    else:
        rec["recordingGroup"] = {}
        fill(
            rec["recordingGroup"],
            Item("", "", group, 0, None),
            [
                F("allSupported", "AllSupported", BOOL, False),
                F("includeGlobalResourceTypes", "IncludeGlobalResourceTypes", BOOL, False),
                F("resourceTypes", "ResourceTypes", LIST(STR), []),
            ],
        )
    out.data["Recorders"].append(rec)
    out.data["RecorderStatus"].append(
        {
            "name": item.physical,
            "recording": True,
            "lastStatus": deferred("the recorder's first delivery happens after deployment"),
        }
    )


def config_channel(item: Item, b: Build) -> None:
    recorders = b.of_type("AWS::Config::ConfigurationRecorder")
    if not recorders:
        b.skip(item, "no configuration recorder in this template to deliver for")
        return
    out = b.regional(
        "aws.config.region",
        recorders[0],
        {"Recorders": [], "RecorderStatus": [], "DeliveryChannels": []},
    )
    ch: dict[str, Any] = {"name": item.physical}
    fill(
        ch,
        item,
        [
            F("s3BucketName", "S3BucketName", STR),
            F("s3KeyPrefix", "S3KeyPrefix", STR),
            F("snsTopicARN", "SnsTopicARN", STR),
            F(
                "configSnapshotDeliveryProperties.deliveryFrequency",
                "ConfigSnapshotDeliveryProperties.DeliveryFrequency",
                ENUM,
            ),
        ],
    )
    out.data["DeliveryChannels"].append(ch)


def analyzer(item: Item, b: Build) -> None:
    out = b.regional("aws.accessanalyzer.region", item, {"Analyzers": []})
    name = item.props.get("AnalyzerName", Sym(f"${{{item.logical}}}", ref=item.logical))
    a: dict[str, Any] = {"arn": item.physical, "name": name, "status": "ACTIVE"}
    fill(a, item, [F("type", "Type", ENUM)])
    out.data["Analyzers"].append(a)


HANDLERS = {
    "AWS::CloudTrail::Trail": trail,
    "AWS::GuardDuty::Detector": guardduty_detector,
    "AWS::SecurityHub::Hub": securityhub_hub,
    "AWS::Config::ConfigurationRecorder": config_recorder,
    "AWS::AccessAnalyzer::Analyzer": analyzer,
}
JOINS = {
    "AWS::SecurityHub::Standard": securityhub_standard,
    "AWS::Config::DeliveryChannel": config_channel,
}
