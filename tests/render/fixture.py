"""A fixed results document for the renderer tests: every status, both source kinds, a
collection error, a waiver, a baseline, a scan history, and hostile estate data (script tags,
attribute breakers, spreadsheet formulas, a data-island breaker). Timestamps are fixed so the
golden files are stable; rules are defined here, not taken from the installed rule packs, so
other people's rule edits do not change the goldens."""

from __future__ import annotations

from typing import Any

from bio2scan.assess import rollup
from bio2scan.coverage import Coverage, ScopeCount
from bio2scan.model import (
    Assessment,
    CollectionError,
    Evidence,
    Notice,
    Result,
    Rule,
    ScanMeta,
    Severity,
    Source,
    Status,
    Target,
)
from bio2scan.render.document import build

XSS_NAME = "<script>window.__pwned=1;document.title='pwned'</script>"
XSS_TAG = '"><img src=x onerror="window.__pwned=2;document.title=\'pwned\'">'
ISLAND_BREAKER = "</script><script>window.__pwned=3</script><!--"
FORMULA = '=HYPERLINK("http://evil.example","click")'
# a terminal hyperlink (OSC 8) and a clear-screen (CSI 2J) in names from the estate
OSC_LINK = "\x1b]8;;http://evil.example\x07click me\x1b]8;;\x07"
CLEAR = "web\x1b[2J\x1b[Hall fine"
T0 = "2026-11-20T09:00:00+00:00"
T1 = "2026-11-20T09:04:12+00:00"


def _t(en: str, nl: str) -> dict[str, str]:
    return {"en": en, "nl": nl}


RULES = {
    r.id: r
    for r in [
        Rule(
            id="k8s.pod.privileged_container",
            title=_t("Containers do not run privileged", "Containers draaien niet geprivilegieerd"),
            rationale=_t(
                "A privileged container can take over its node.",
                "Een geprivilegieerde container kan zijn node overnemen.",
            ),
            remediation=_t(
                "Remove `securityContext.privileged: true`.",
                "Verwijder `securityContext.privileged: true`.",
            ),
            severity=Severity.CRITICAL,
            resource_types=("k8s.apps.deployment",),
            controls=("8.2", "8.18"),
            measures=("8.18.01",),
        ),
        Rule(
            id="aws.s3.bucket_default_encryption",
            title=_t("S3 buckets encrypt data at rest", "S3-buckets versleutelen opgeslagen data"),
            rationale=_t(
                "Unencrypted storage exposes data when media leak.",
                "Onversleutelde opslag legt data bloot als media uitlekken.",
            ),
            remediation=_t(
                "Enable default encryption with SSE-KMS.",
                "Zet standaardversleuteling met SSE-KMS aan.",
            ),
            severity=Severity.HIGH,
            resource_types=("aws.s3.bucket",),
            controls=("8.24",),
            measures=("8.24.01",),
        ),
        Rule(
            id="azure.storage.https_only",
            title=_t(
                "Storage accounts accept HTTPS only", "Opslagaccounts accepteren alleen HTTPS"
            ),
            rationale=_t(
                "Plain HTTP exposes data in transit.",
                "Onversleuteld HTTP legt data onderweg bloot.",
            ),
            remediation=_t(
                "Set supportsHttpsTrafficOnly to true.", "Zet supportsHttpsTrafficOnly op true."
            ),
            severity=Severity.MEDIUM,
            resource_types=("azure.storage.account",),
            controls=("8.20", "8.24"),
        ),
        Rule(
            id="aws.iam.root_mfa",
            title=_t("The root user has MFA", "De rootgebruiker heeft MFA"),
            rationale=_t("The root user can do anything.", "De rootgebruiker mag alles."),
            remediation=_t(
                "Enable a hardware MFA device for root.",
                "Activeer een hardware-MFA-token voor root.",
            ),
            severity=Severity.HIGH,
            resource_types=("aws.iam.account",),
            controls=("8.5",),
            measures=("8.05.01",),
        ),
    ]
}

WAIVER = {
    "id": "W-0001",
    "owner": "team-platform@example.nl",
    "approver": "ciso@example.nl",
    "reason": "Legacy bucket, migration planned <b>Q1</b>",
    "reference": "JIRA-123",
    "expires": "2027-03-31",
    "kind": "risk-acceptance",
}


_NO_SOURCE = Source()


def _res(
    rule: str,
    rid: str,
    name: str,
    scope: str,
    status: Status,
    message: str,
    evidence: tuple = (),
    source: Source = _NO_SOURCE,
    region: str | None = None,
    namespace: str | None = None,
    rtype: str | None = None,
    **kw: Any,
) -> Result:
    r = RULES[rule]
    return Result(
        rule,
        rid,
        rtype or r.resource_types[0],
        name,
        scope,
        region,
        namespace,
        status,
        r.severity,
        r.controls,
        r.measures,
        message,
        evidence,
        source,
        **kw,
    )


def _api(api: str, region: str | None = "eu-west-1") -> Source:
    return Source(api=api, region=region, time=T0)


def results() -> list[Result]:
    out = [
        _res(
            "k8s.pod.privileged_container",
            "shop/Deployment/legacy-admin",
            "legacy-admin",
            "prod-cluster",
            Status.FAIL,
            "spec.template.spec.containers[0].securityContext.privileged = True",
            (
                Evidence(
                    "spec.template.spec.containers[0].securityContext.privileged",
                    True,
                    "not_equals True",
                ),
            ),
            Source(file="deploy/shop.yaml", line=33),
            namespace="shop",
            change="new",
        ),
        _res(
            "k8s.pod.privileged_container",
            "shop/Deployment/web",
            "web",
            "prod-cluster",
            Status.PASS,
            "no privileged container",
            (
                Evidence(
                    "spec.template.spec.containers[0].securityContext.privileged",
                    None,
                    "not_equals True",
                ),
            ),
            Source(file="deploy/shop.yaml", line=1),
            namespace="shop",
            change="unchanged",
        ),
        _res(
            "k8s.pod.privileged_container",
            f"default/Deployment/{XSS_NAME}",
            XSS_NAME,
            "prod-cluster",
            Status.FAIL,
            f"privileged container in {XSS_NAME}",
            (
                Evidence("metadata.labels.team", XSS_TAG, "not_equals True"),
                Evidence("metadata.annotations.note", ISLAND_BREAKER, "exists"),
            ),
            Source(file="deploy/<evil>.yaml", line=7),
            namespace="default",
            change="new",
        ),
        _res(
            "aws.s3.bucket_default_encryption",
            "arn:aws:s3:::logs-archive",
            "logs-archive",
            "123456789012",
            Status.WAIVED,
            "no default encryption",
            (Evidence("ServerSideEncryptionConfiguration", None, "exists"),),
            _api("s3:GetBucketEncryption"),
            region="eu-west-1",
            waiver=WAIVER,
            change="unchanged",
        ),
        _res(
            "aws.s3.bucket_default_encryption",
            f"arn:aws:s3:::{FORMULA}",
            FORMULA,
            "123456789012",
            Status.FAIL,
            "no default encryption",
            (Evidence("ServerSideEncryptionConfiguration", None, "exists"),),
            _api("s3:GetBucketEncryption"),
            region="eu-west-1",
            change="new",
        ),
        _res(
            "aws.s3.bucket_default_encryption",
            "arn:aws:s3:::public-site",
            "public-site",
            "123456789012",
            Status.PASS,
            "AES256",
            (
                Evidence(
                    "ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryption"
                    "ByDefault.SSEAlgorithm",
                    "aws:kms",
                    "in ['aws:kms', 'AES256']",
                ),
            ),
            _api("s3:GetBucketEncryption"),
            region="eu-west-1",
            change="unchanged",
        ),
        _res(
            "azure.storage.https_only",
            "/subscriptions/0000-1111/resourceGroups/rg/providers/Microsoft.Storage/"
            "storageAccounts/stprod",
            "stprod",
            "0000-1111",
            Status.ERROR,
            "could not read: AuthorizationFailed (Microsoft.Storage/storageAccounts/read)",
            (),
            _api("StorageManagementClient.storage_accounts.list", "westeurope"),
            region="westeurope",
        ),
        _res(
            "aws.iam.root_mfa",
            "arn:aws:iam::123456789012:root",
            "root",
            "123456789012",
            Status.PASS,
            "AccountMFAEnabled = 1",
            (Evidence("SummaryMap.AccountMFAEnabled", 1, "equals 1"),),
            _api("iam:GetAccountSummary", None),
            change="unchanged",
        ),
        _res(
            "aws.iam.root_mfa",
            "arn:aws:iam::210987654321:root",
            "root",
            "210987654321",
            Status.NOT_APPLICABLE,
            "account is an AWS Organizations member without root access",
            (),
            _api("iam:GetAccountSummary", None),
        ),
    ]
    out.sort(key=lambda r: (r.rule_id, r.scope, r.resource_id))
    return out


def history() -> dict[str, Any]:
    scans = []
    seq = [
        ("compliant", "non-compliant"),
        ("non-compliant", "non-compliant"),
        ("non-compliant", "compliant"),
    ]
    for i, (a, b) in enumerate(seq):
        scans.append(
            {
                "id": f"scan-{i + 1}",
                "finished_at": f"2026-11-{17 + i}T09:04:12+00:00",
                "controls": {"compliant": 2, "non-compliant": 2, "not-assessed": 1, "manual": 88},
                "per_control": {
                    "8.2": a,
                    "8.18": a,
                    "8.24": b,
                    "8.5": "compliant",
                    "8.20": "not-assessed",
                },
                "per_theme": {
                    "organisational": {"manual": 37},
                    "people": {"manual": 8},
                    "physical": {"manual": 14},
                    "technological": {
                        "compliant": 2 + i % 2,
                        "non-compliant": 2 - i % 2,
                        "not-assessed": 1,
                        "manual": 29,
                    },
                },
            }
        )
    return {"scans": scans}


def document(extras: bool = True) -> dict[str, Any]:
    res = results()
    meta = ScanMeta(
        tool_version="0.1.0",
        started_at=T0,
        finished_at=T1,
        targets=(
            Target("aws", ("123456789012", "210987654321"), ("eu-west-1",)),
            Target("azure", ("0000-1111",), ("westeurope",)),
            Target("manifests", ("prod-cluster",)),
        ),
        api_calls={"s3:ListBuckets": 1, "iam:GetAccountSummary": 2},
    )
    errors = (
        CollectionError(
            "azure",
            "azure.storage.account",
            "0000-1111",
            "AuthorizationFailed: <no read permission>",
            "AccessDenied",
            api="storage_accounts.list",
            region="westeurope",
        ),
    )
    ext: dict[str, Any] = {}
    if extras:
        resolved = {
            "finding_id": "0" * 24,
            "rule_id": "aws.s3.bucket_default_encryption",
            "resource_id": "arn:aws:s3:::old-bucket",
            "resource_type": "aws.s3.bucket",
            "resource_name": "old-bucket",
            "scope": "123456789012",
            "status": "FAIL",
            "severity": "high",
            "controls": ["8.24"],
            "measures": ["8.24.01"],
            "message": "no default encryption",
            "evidence": [],
            "source": {},
            "change": "resolved",
        }
        ext = {
            "baseline": {
                "file": "baseline.json",
                "generated_at": "2026-11-13T09:00:00+00:00",
                "counts": {"new": 3, "unchanged": 4, "resolved": 1},
                "resolved": [resolved],
            },
            "waivers": {
                "file": "waivers.yaml",
                "applied": 1,
                "expired": [dict(WAIVER, id="W-0000", expires="2026-10-01")],
                "stale": [dict(WAIVER, id="W-0009", reason=XSS_NAME)],
                "expiring_soon": [],
            },
            "history": history(),
        }
    coverage = None
    if extras:
        errors += (
            CollectionError(
                "k8s", "*", "dead-cluster", "connection refused (10.0.0.9:6443)", "Refused"
            ),
        )
        coverage = Coverage(
            resources=len({(r.scope, r.resource_id) for r in res}),
            errors=len(errors),
            scopes=(
                ScopeCount("0000-1111", 3, 1, 0),
                ScopeCount("123456789012", 4, 0, 0),
                ScopeCount("dead-cluster", 0, 1, 1),
                ScopeCount("prod-cluster", 3, 0, 0),
            ),
            notices=(
                Notice(
                    "not-checked",
                    "unknown kind argoproj.io/v1alpha1 Rollout: not checked",
                    "k8s",
                    "apps/rollout.yaml",
                    3,
                    "Rollout",
                    XSS_NAME,
                ),
                Notice(
                    "not-checked",
                    f"spec is not a mapping; {OSC_LINK}",
                    "k8s",
                    "apps/odd.yaml",
                    7,
                    "Deployment",
                    CLEAR,
                ),
                Notice(
                    "skipped",
                    "a Helm chart: its templates are not manifests",
                    "k8s",
                    "charts/web/Chart.yaml",
                    hint="helm template web charts/web | bio2scan scan manifests -",
                ),
                Notice(
                    "duplicate",
                    "also in base/web.yaml:1",
                    "k8s",
                    "overlays/prod/web.yaml",
                    1,
                    "Deployment",
                    f"shop;{FORMULA}",
                ),
            ),
        )
    assessment = Assessment(
        results=tuple(res),
        controls=rollup(res, RULES),
        rules=RULES,
        meta=meta,
        errors=errors,
        extras=ext,
        coverage=coverage,
    )
    return build(
        assessment,
        tool_version="0.1.0",
        ruleset_digest="sha256:" + "ab" * 32,
        evaluated_at=T1,
        inventory_sha256="cd" * 32,
    )
