"""A fixed results document for the renderer tests: every status, both source kinds, a
collection error, a waiver, a baseline, a scan history, and hostile estate data (script tags,
attribute breakers, spreadsheet formulas, a data-island breaker). Timestamps are fixed so the
golden files are stable; rules are defined here, not taken from the installed rule packs, so
other people's rule edits do not change the goldens."""

from __future__ import annotations

from typing import Any

from bio2scan.assess import Assessment, build, rollup
from bio2scan.model import (
    CollectionError,
    Evidence,
    Link,
    Result,
    Rule,
    ScanMeta,
    Severity,
    Source,
    Status,
    Target,
)

XSS_NAME = "<script>window.__pwned=1;document.title='pwned'</script>"
XSS_TAG = '"><img src=x onerror="window.__pwned=2;document.title=\'pwned\'">'
ISLAND_BREAKER = "</script><script>window.__pwned=3</script><!--"
FORMULA = '=HYPERLINK("http://evil.example","click")'
T0 = "2026-11-20T09:00:00+00:00"
T1 = "2026-11-20T09:04:12+00:00"


def _t(en: str, nl: str) -> dict[str, str]:
    return {"en": en, "nl": nl}


def _d(reason: str) -> Link:
    return Link("direct", reason)


def _s(reason: str) -> Link:
    return Link("supporting", reason)


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
            links={
                "8.2": _d("A privileged container has full control of its node"),
                "8.18": _s("Node tools become usable <from> the container"),
                "8.18.01": _s("Covers: containers cannot use node-level tools"),
            },
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
            measures=("8.24.04",),
            links={
                "8.24": _d("Data at rest is encrypted"),
                "8.24.04": _d("Covers: the encryption algorithm per NCSC advice"),
            },
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
            links={
                "8.20": _s("Plain HTTP is refused at the network service"),
                "8.24": _d("Data in transit is encrypted"),
            },
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
            links={
                "8.5": _d("A second factor protects the sign-in"),
                "8.05.01": _s("Covers: a precondition for controlled supplier access"),
            },
        ),
        Rule(
            id="aws.elb.multi_az",
            title=_t("Load balancers span two zones", "Loadbalancers beslaan twee zones"),
            rationale=_t("One zone can fail.", "Eén zone kan uitvallen."),
            remediation=_t("Add a second subnet.", "Voeg een tweede subnet toe."),
            severity=Severity.LOW,
            resource_types=("aws.elb.load_balancer",),
            controls=("8.14",),
            links={"8.14": _d("The load balancer survives the loss of one zone")},
        ),
        Rule(
            id="k8s.pod.seccomp_profile",
            title=_t("Containers run with seccomp", "Containers draaien met seccomp"),
            rationale=_t("System calls are filtered.", "Systeemaanroepen worden gefilterd."),
            remediation=_t("Set RuntimeDefault.", "Zet RuntimeDefault."),
            severity=Severity.MEDIUM,
            resource_types=("k8s.apps.deployment",),
            controls=("8.9",),
            links={"8.9": _d("System calls are filtered by a profile")},
        ),
        Rule(
            id="gcp.storage.bucket_private",
            title=_t("Buckets are private", "Buckets zijn privé"),
            rationale=_t("Public buckets leak data.", "Publieke buckets lekken data."),
            remediation=_t("Remove allUsers.", "Verwijder allUsers."),
            severity=Severity.HIGH,
            resource_types=("gcp.storage.bucket",),
            controls=("8.12",),
            links={"8.12": _d("Public access is the most direct channel for data to leak")},
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


DECLARED = dict(
    WAIVER,
    id="VVT-7",
    reason="No mobile devices handle data of these systems",
    kind="not-applicable",
    measures=["8.01.01"],
)
EVERYTHING = dict(
    WAIVER, id="W-ALL", reason="Acceptance environment", kind="not-applicable", all_rules=True
)
RISK = dict(
    WAIVER,
    id="W-0002",
    reason="Vendor agent needs unconfined syscalls until release 4",
    kind="risk-acceptance",
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
    out += [
        _res(
            "aws.elb.multi_az",
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/1",
            "web",
            "123456789012",
            Status.PASS,
            "2 availability zones",
            (Evidence("AvailabilityZones", ["eu-west-1a", "eu-west-1b"], "at least 2"),),
            _api("elasticloadbalancing:DescribeLoadBalancers"),
            region="eu-west-1",
        ),
        _res(
            "k8s.pod.seccomp_profile",
            "shop/Deployment/web",
            "web",
            "prod-cluster",
            Status.PASS,
            "RuntimeDefault",
            (
                Evidence(
                    "spec.template.spec.securityContext.seccompProfile.type", "RuntimeDefault", "in"
                ),
            ),
            Source(file="deploy/shop.yaml", line=1),
            namespace="shop",
        ),
        _res(
            "k8s.pod.seccomp_profile",
            "monitoring/DaemonSet/agent",
            "agent",
            "prod-cluster",
            Status.WAIVED,
            "Unconfined",
            (
                Evidence(
                    "spec.template.spec.securityContext.seccompProfile.type", "Unconfined", "in"
                ),
            ),
            Source(file="deploy/agent.yaml", line=4),
            namespace="monitoring",
            waiver=RISK,
        ),
    ]
    out.sort(key=lambda r: (r.rule_id, r.scope, r.resource_id))
    return out


def history() -> dict[str, Any]:
    scans = []
    seq = [
        ("compliant", "non-compliant"),  # a scan of schema version 1 in the history store
        ("non-compliant", "non-compliant"),
        ("non-compliant", "evidence-complete"),
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
                    "8.5": "partially-evidenced",
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
            "measures": ["8.24.04"],
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
                "all_rules": [dict(EVERYTHING, rules=["*"], scopes=["acc-*"])],
                "declarations": [DECLARED],
            },
            "history": history(),
        }
    providers = ("aws", "azure", "k8s")
    controls, measures = rollup(res, RULES, providers, {"8.01.01": DECLARED})
    assessment = Assessment(
        results=tuple(res),
        controls=controls,
        rules=RULES,
        meta=meta,
        errors=errors,
        extras=ext,
        measures=measures,
        providers=providers,
    )
    return build(
        assessment,
        tool_version="0.1.0",
        ruleset_digest="sha256:" + "ab" * 32,
        evaluated_at=T1,
        inventory_sha256="cd" * 32,
    )
