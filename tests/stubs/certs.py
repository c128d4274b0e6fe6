"""Self-signed certificates for the stubs: HTTPS on localhost, and TLS Secrets for tests.

Made on the fly with ``cryptography`` (never stored in the repository), so no key material is
ever committed and every run has fresh, short-lived certificates.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
from typing import Any


def self_signed(
    host: str,
    *,
    key: str = "ec",
    days: float = 1,
    ca: bool = False,
    ip: str | None = None,
    now: _dt.datetime | None = None,
) -> tuple[bytes, bytes]:
    """``(certificate PEM, private key PEM)`` for ``host`` (and ``ip``), valid from a day before
    ``now`` until ``days`` after it. ``key``: ``ec`` (P-256), ``rsa2048``, ``rsa3072`` …;
    ``ca``: mark it a CA, so that a client can trust it directly."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    now = now or _dt.datetime.now(_dt.UTC)
    pkey: Any = (
        ec.generate_private_key(ec.SECP256R1())
        if key == "ec"
        else rsa.generate_private_key(public_exponent=65537, key_size=int(key.removeprefix("rsa")))
    )
    names: list[Any] = [x509.DNSName(host)]
    if ip:
        names.append(x509.IPAddress(ipaddress.ip_address(ip)))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(pkey.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(days=1))
        .not_valid_after(now + _dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=None), critical=True
        )
    cert = builder.sign(pkey, hashes.SHA256())
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        pkey.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
