"""ACM (regional): certificates with their key algorithm, expiry and renewal state."""

from __future__ import annotations

from .service import Ctx, Kind, Service


def _certificates(ctx: Ctx) -> None:
    for c in ctx.pages("ListCertificates", "CertificateSummaryList"):
        ctx.spawn(lambda c=c: _certificate(ctx, c["CertificateArn"]))


def _certificate(ctx: Ctx, arn: str) -> None:
    cert = ctx.call("DescribeCertificate", CertificateArn=arn).get("Certificate") or {}
    ctx.add(arn, cert.get("DomainName") or arn, cert, api="DescribeCertificate")


SERVICES = (Service("acm", "acm", kinds=(
    Kind("aws.acm.certificate", _certificates, ("ListCertificates", "DescribeCertificate")),
)),)
