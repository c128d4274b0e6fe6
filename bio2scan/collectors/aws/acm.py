"""ACM (regional): certificates with their key algorithm, expiry and renewal state."""

from __future__ import annotations

from functools import partial

from .service import Ctx, Kind, Service

# ListCertificates returns only RSA-2048 certificates unless asked for the other key types —
# exactly the weak (RSA-1024) and the strong ones the key-size rules must see.
KEY_TYPES = [
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
]


def _certificates(ctx: Ctx) -> None:
    for c in ctx.pages(
        "ListCertificates", "CertificateSummaryList", Includes={"keyTypes": KEY_TYPES}
    ):
        ctx.spawn(partial(_certificate, ctx, c["CertificateArn"]))


def _certificate(ctx: Ctx, arn: str) -> None:
    cert = ctx.call("DescribeCertificate", CertificateArn=arn).get("Certificate") or {}
    ctx.add(arn, cert.get("DomainName") or arn, cert, api="DescribeCertificate")


SERVICES = (
    Service(
        "acm",
        "acm",
        kinds=(
            Kind("aws.acm.certificate", _certificates, ("ListCertificates", "DescribeCertificate")),
        ),
    ),
)
