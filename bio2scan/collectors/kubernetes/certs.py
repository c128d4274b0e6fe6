"""What a ``kubernetes.io/tls`` Secret's certificate says, without keeping the Secret's data.

The certificate in ``tls.crt`` is public, but it sits in a Secret whose other key (``tls.key``)
is not, and the inventory never keeps a Secret's values. So the collectors read the leaf
certificate in memory, once, and keep only facts a rule needs — expiry, key type and size,
names — under ``x-bio2scan.certificate`` (a field the scanner adds, never one Kubernetes has).
The private key is never parsed or looked at.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

FIELD = "x-bio2scan"


def _pem_bytes(obj: dict[str, Any]) -> bytes | None:
    """The ``tls.crt`` value as PEM bytes (``data`` is base64, ``stringData`` plain text)."""
    for key in ("stringData", "data"):  # values already redacted: nothing left to read
        values = obj.get(key)
        if isinstance(values, dict) and str(values.get("tls.crt", "")).startswith("<redacted>"):
            return None
    string_data = obj.get("stringData")
    if isinstance(string_data, dict) and isinstance(string_data.get("tls.crt"), str):
        return str(string_data["tls.crt"]).encode()
    data = obj.get("data")
    if isinstance(data, dict) and isinstance(data.get("tls.crt"), str):
        try:
            return base64.b64decode(data["tls.crt"], validate=True)
        except (binascii.Error, ValueError):
            return b""
    return None


def certificate_info(obj: dict[str, Any]) -> dict[str, Any] | None:
    """Facts about the leaf certificate of a TLS Secret; ``None`` when it carries no readable
    ``tls.crt`` value at all (already redacted, or not a TLS Secret); ``{"error": …}`` when the
    value is there but is not a certificate (rules that need it then report ERROR)."""
    if obj.get("kind") != "Secret" or obj.get("type") != "kubernetes.io/tls":
        return None
    pem = _pem_bytes(obj)
    if pem is None:
        return None
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
    except ImportError:  # pragma: no cover - cryptography comes with the Azure/K8s clients
        return {"error": "the 'cryptography' package is not installed"}
    try:
        cert = x509.load_pem_x509_certificates(pem)[0]
    except (ValueError, IndexError) as exc:
        return {"error": f"tls.crt is not a PEM certificate ({type(exc).__name__})"}
    key = cert.public_key()
    info: dict[str, Any] = {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "notBefore": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "notAfter": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "serialNumber": format(cert.serial_number, "x"),
        "signatureHash": cert.signature_hash_algorithm.name
        if cert.signature_hash_algorithm
        else None,
    }
    if isinstance(key, rsa.RSAPublicKey):
        info.update(keyType="RSA", keySize=key.key_size)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        info.update(keyType="EC", keySize=key.key_size, curve=key.curve.name)
    elif isinstance(key, ed25519.Ed25519PublicKey):
        info.update(keyType="Ed25519", keySize=256, curve="ed25519")
    elif isinstance(key, ed448.Ed448PublicKey):
        info.update(keyType="Ed448", keySize=456, curve="ed448")
    elif isinstance(key, dsa.DSAPublicKey):
        info.update(keyType="DSA", keySize=key.key_size)
    else:
        info.update(keyType=type(key).__name__, keySize=None)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        info["dnsNames"] = san.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        info["dnsNames"] = []
    return info
