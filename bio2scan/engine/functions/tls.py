"""TLS settings rated by the NCSC "ICT-beveiligingsrichtlijnen voor TLS" (BIO2 8.24.04, 5.14.01).

The guideline sorts every protocol version, cipher suite and key into four levels, from worst to
best: ``onvoldoende`` (insufficient), ``uitfaseren`` (phase out), ``voldoende`` (sufficient) and
``goed`` (good). Rules ask whether a setting rates *at least* some level; the default level is
``voldoende`` because the Dutch obligations that cite the guideline (the 2023 decree on secure
government websites, Digikoppeling, the API Design Rules) accept ``voldoende`` and ``goed`` and
reject ``uitfaseren``.

Two editions are encoded:

* ``"2025"`` (default) — the NCSC guideline of 2025 as implemented by internet.nl (commit
  397777a2, "TLS updates for NCSC 2025 guidelines"): TLS 1.0/1.1 are ``onvoldoende`` (no longer
  "phase out"), every DHE suite and every ECDHE suite with CBC, CAMELLIA or ARIA is ``uitfaseren``,
  RSA certificate keys of 2048 bits are ``uitfaseren`` and 3072 bits or more ``goed``. The newest
  edition is the default because BIO2 8.24.04 asks for the *current* NCSC advice and Logius already
  cites "[NCSC 2025]".
* ``"2021"`` — version 2.1 (January 2021), which the 2023 decree names; available for
  organisations that must show compliance with exactly that text (``guideline: "2021"``).

Cloud providers publish their TLS choices as named policies; the tables below list, per policy, the
protocols and cipher suites the provider documents for it (ELB: "Security policies for your
Application Load Balancer"; CloudFront: "Supported protocols and ciphers between viewers and
CloudFront"). A policy rates as its worst protocol or cipher. An unknown policy name raises
``ValueError``, which the engine reports as ERROR: a name we cannot rate is never a PASS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import function

LEVELS = ("onvoldoende", "uitfaseren", "voldoende", "goed")
GUIDELINES = ("2025", "2021")
DEFAULT_GUIDELINE = "2025"
_RANK = {name: i for i, name in enumerate(LEVELS)}


def level_rank(level: str) -> int:
    """The position of a level (0 = onvoldoende … 3 = goed); unknown levels raise ValueError."""
    try:
        return _RANK[level]
    except KeyError:
        raise ValueError(f"unknown NCSC level {level!r}; one of {', '.join(LEVELS)}") from None


def worst(ratings: Iterable[str]) -> str:
    """The lowest of several ratings (``goed`` for none)."""
    return min(ratings, key=level_rank, default="goed")


def _guideline(g: str | None) -> str:
    g = str(g or DEFAULT_GUIDELINE)
    if g not in GUIDELINES:
        raise ValueError(f"unknown NCSC TLS guideline {g!r}; one of {', '.join(GUIDELINES)}")
    return g


# ---- protocols -------------------------------------------------------------------------------

_PROTO = re.compile(r"^(?:protocol)?(ssl|tls)?v?(\d)(?:[._]?(\d))?$")


def parse_protocol(name: str) -> tuple[str, int, int]:
    """``"TLSv1.2"``, ``"TLS1_2"``, ``"Tls12"``, ``"1.2"``, ``"Protocol-TLSv1"``, ``"SSLv3"`` →
    ``("tls", 1, 2)``. Raises ValueError for anything else."""
    s = re.sub(r"[\s\-]", "", str(name)).lower()
    m = _PROTO.match(s)
    if not m:
        raise ValueError(f"not a TLS/SSL protocol version: {name!r}")
    family = m.group(1) or "tls"
    return family, int(m.group(2)), int(m.group(3) or 0)


def rate_protocol(name: str, guideline: str = DEFAULT_GUIDELINE) -> str:
    """The NCSC level of a protocol version (names as AWS, Azure, OpenSSL or IANA write them)."""
    g = _guideline(guideline)
    family, major, minor = parse_protocol(name)
    if family == "ssl" or major != 1:
        return "onvoldoende"
    if minor >= 3:
        return "goed"
    if minor == 2:
        return "voldoende"
    return "uitfaseren" if g == "2021" else "onvoldoende"


# ---- cipher suites ---------------------------------------------------------------------------


def _openssl_to_iana(name: str) -> str:
    """Translate an OpenSSL cipher name to its IANA form (``ECDHE-RSA-AES128-GCM-SHA256`` →
    ``TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256``); IANA names are returned unchanged."""
    n = name.strip().upper()
    if n.startswith(("TLS_", "SSL_")):
        return "TLS_" + n[4:]
    parts = n.split("-")
    kex = "RSA"
    if parts[0] in ("ECDHE", "EECDH"):
        kex, parts = f"ECDHE_{parts[1]}", parts[2:]
    elif parts[0] in ("DHE", "EDH"):
        kex, parts = f"DHE_{parts[1]}", parts[2:]
    elif parts[0] == "ADH":
        kex, parts = "DH_anon", parts[1:]
    rest = "-".join(parts)
    m = re.match(r"^(AES|CAMELLIA|ARIA)(128|256)(?:-(GCM|CCM8|CCM))?(?:-(SHA\d*))?$", rest)
    if m:
        algo, bits, mode, mac = m.groups()
        if mode == "CCM8":
            return f"TLS_{kex}_WITH_{algo}_{bits}_CCM_8"
        if mode == "CCM":
            return f"TLS_{kex}_WITH_{algo}_{bits}_CCM"
        return f"TLS_{kex}_WITH_{algo}_{bits}_{mode or 'CBC'}_{mac or 'SHA'}"
    if rest == "CHACHA20-POLY1305":
        return f"TLS_{kex}_WITH_CHACHA20_POLY1305_SHA256"
    if rest in ("DES-CBC3-SHA", "3DES-EDE-CBC-SHA"):
        return f"TLS_{kex}_WITH_3DES_EDE_CBC_SHA"
    if rest.startswith("RC4"):
        return f"TLS_{kex}_WITH_RC4_128_{rest.split('-')[-1]}"
    return f"TLS_{kex}_WITH_{rest.replace('-', '_')}"


_TLS13 = re.compile(
    r"^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256|"
    r"AES_128_CCM_SHA256|AES_128_CCM_8_SHA256)$"
)
_AEAD = re.compile(r"^(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$")
_CCM = re.compile(r"^AES_(128|256)_CCM$")
_CBC_SHA2 = re.compile(r"^AES_(128|256)_CBC_SHA(256|384)$")
_CBC_ANY = re.compile(r"^AES_(128|256)_CBC_SHA(256|384)?$")
_CAMELLIA_ARIA = re.compile(r"^(CAMELLIA|ARIA)_(128|256)_(CBC|GCM)_SHA(256|384)$")


def rate_cipher(name: str, guideline: str = DEFAULT_GUIDELINE) -> str:
    """The NCSC level of a cipher suite, given by its IANA (``TLS_ECDHE_RSA_WITH_…``) or OpenSSL
    (``ECDHE-RSA-AES128-GCM-SHA256``) name. Unknown suites rate ``onvoldoende``."""
    g = _guideline(guideline)
    iana = _openssl_to_iana(name)
    m13 = _TLS13.match(iana)
    if m13:
        suite = m13.group(1)
        if suite == "AES_128_CCM_8_SHA256":
            return "onvoldoende"
        if g == "2021" or suite in ("AES_256_GCM_SHA384", "CHACHA20_POLY1305_SHA256"):
            return "goed"
        return "voldoende"
    body = iana[4:]
    if "_WITH_" not in body:
        return "onvoldoende"
    kexauth, bulk = body.split("_WITH_", 1)
    if kexauth in ("ECDHE_RSA", "ECDHE_ECDSA"):
        aead = _AEAD.match(bulk) or (kexauth == "ECDHE_ECDSA" and _CCM.match(bulk))
        if g == "2025":
            if aead:
                return "voldoende"
            if _CBC_SHA2.match(bulk) or _CAMELLIA_ARIA.match(bulk):
                return "uitfaseren"
            return "onvoldoende"
        if _AEAD.match(bulk):
            return "goed"
        if (
            aead
            or _CBC_ANY.match(bulk)
            or _CAMELLIA_ARIA.match(bulk)
            or re.match(r"^CAMELLIA_(128|256)_CBC_SHA$", bulk)
        ):
            return "voldoende"
        if bulk == "3DES_EDE_CBC_SHA":
            return "uitfaseren"
        return "onvoldoende"
    if kexauth == "DHE_RSA":
        ok = (
            _AEAD.match(bulk)
            or _CCM.match(bulk)
            or _CBC_SHA2.match(bulk)
            or _CAMELLIA_ARIA.match(bulk)
        )
        if g == "2025":
            return "uitfaseren" if ok else "onvoldoende"
        if ok or _CBC_ANY.match(bulk) or re.match(r"^CAMELLIA_(128|256)_CBC_SHA$", bulk):
            return "voldoende"
        return "uitfaseren" if bulk == "3DES_EDE_CBC_SHA" else "onvoldoende"
    # v2.1: static RSA key exchange and 3DES are "phase out"; RC4, NULL, export: insufficient
    if (
        kexauth == "RSA"
        and g == "2021"
        and (_CBC_ANY.match(bulk) or _AEAD.match(bulk) or bulk == "3DES_EDE_CBC_SHA")
    ):
        return "uitfaseren"
    return "onvoldoende"


# ---- certificate keys ------------------------------------------------------------------------

_GOOD_CURVES = {
    "prime256v1",
    "secp256r1",
    "p256",
    "secp384r1",
    "p384",
    "secp521r1",
    "p521",
    "brainpoolp256r1",
    "brainpoolp384r1",
    "brainpoolp512r1",
    "ed25519",
    "ed448",
}


def rate_key(algorithm: str, guideline: str = DEFAULT_GUIDELINE) -> str:
    """The NCSC level of a certificate key: ``RSA_2048``, ``RSA-4096``, ``EC_prime256v1``,
    ``EC_secp384r1``, ``ECC_NIST_P256``, ``ED25519`` (ACM's, KMS's and Key Vault's spellings). 2025: RSA ≥ 3072 goed,
    2048 uitfaseren, less onvoldoende; 2021: RSA 2048 voldoende."""
    g = _guideline(guideline)
    s = str(algorithm).strip().lower().replace("-", "_")
    m = re.match(r"^rsa_?(\d+)$", s)
    if m:
        bits = int(m.group(1))
        if bits >= 3072:
            return "goed"
        if bits >= 2048:
            return "uitfaseren" if g == "2025" else "voldoende"
        return "onvoldoende"
    curve = s.split("_", 1)[1] if s.startswith(("ec_", "ecc_", "ecdsa_")) else s
    curve = curve.replace("_", "").replace("nist", "")  # KMS: ECC_NIST_P256 -> p256
    if curve in _GOOD_CURVES:
        return "goed"
    if curve in ("secp224r1", "p224"):
        return "uitfaseren"
    return "onvoldoende"


# ---- provider policies -----------------------------------------------------------------------

_T13 = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
_T13_FIPS = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")
_ECDHE_GCM = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
)
_ECDHE_CHACHA = ("ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305")
_ECDHE_CBC2 = (
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
)
_ECDHE_CBC1 = (
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "ECDHE-RSA-AES256-SHA",
)
_RSA_GCM = ("AES128-GCM-SHA256", "AES256-GCM-SHA384")
_RSA_CBC2 = ("AES128-SHA256", "AES256-SHA256")
_RSA_CBC1 = ("AES128-SHA", "AES256-SHA")
_ALL12 = _ECDHE_GCM + _ECDHE_CBC2 + _ECDHE_CBC1 + _RSA_GCM + _RSA_CBC2 + _RSA_CBC1
_P12 = ("TLSv1.2",)
_P13_12 = ("TLSv1.3", "TLSv1.2")

# ELB (ALB, NLB and Classic) predefined security policies: name -> (protocols, ciphers)
ELB_POLICIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ELBSecurityPolicy-TLS13-1-3-2021-06": (("TLSv1.3",), _T13),
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09": (("TLSv1.3",), _T13),
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04": (("TLSv1.3",), _T13_FIPS),
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09": (("TLSv1.3",), _T13_FIPS),
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06": (_P13_12, _T13 + _ECDHE_GCM),
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09": (_P13_12, _T13 + _ECDHE_GCM),
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04": (_P13_12, _T13_FIPS + _ECDHE_GCM),
    "ELBSecurityPolicy-TLS13-1-2-2021-06": (_P13_12, _T13 + _ECDHE_GCM + _ECDHE_CBC2),
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09": (_P13_12, _T13 + _ECDHE_GCM + _ECDHE_CBC2),
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06": (
        _P13_12,
        _T13 + _ECDHE_GCM + _ECDHE_CBC2 + _RSA_GCM + _RSA_CBC2,
    ),
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09": (_P13_12, _T13 + _ALL12),
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06": (_P13_12, _T13 + _ALL12),
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09": (_P13_12, _T13 + _ALL12),
    "ELBSecurityPolicy-TLS13-1-1-2021-06": (("TLSv1.3", "TLSv1.2", "TLSv1.1"), _T13 + _ALL12),
    "ELBSecurityPolicy-TLS13-1-0-2021-06": (
        ("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"),
        _T13 + _ALL12,
    ),
    "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09": (
        ("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"),
        _T13 + _ALL12,
    ),
    "ELBSecurityPolicy-FS-1-2-Res-2020-10": (_P12, _ECDHE_GCM),
    "ELBSecurityPolicy-FS-1-2-Res-2019-08": (_P12, _ECDHE_GCM + _ECDHE_CBC2),
    "ELBSecurityPolicy-FS-1-2-2019-08": (_P12, _ECDHE_GCM + _ECDHE_CBC2 + _ECDHE_CBC1),
    "ELBSecurityPolicy-FS-1-1-2019-08": (
        ("TLSv1.2", "TLSv1.1"),
        _ECDHE_GCM + _ECDHE_CBC2 + _ECDHE_CBC1,
    ),
    "ELBSecurityPolicy-FS-2018-06": (
        ("TLSv1.2", "TLSv1.1", "TLSv1"),
        _ECDHE_GCM + _ECDHE_CBC2 + _ECDHE_CBC1,
    ),
    "ELBSecurityPolicy-TLS-1-2-2017-01": (_P12, _ECDHE_GCM + _ECDHE_CBC2 + _RSA_GCM + _RSA_CBC2),
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06": (_P12, _ALL12),
    "ELBSecurityPolicy-TLS-1-1-2017-01": (("TLSv1.2", "TLSv1.1"), _ALL12),
    "ELBSecurityPolicy-2016-08": (("TLSv1.2", "TLSv1.1", "TLSv1"), _ALL12),
    "ELBSecurityPolicy-2015-05": (("TLSv1.2", "TLSv1.1", "TLSv1"), _ALL12),
    "ELBSecurityPolicy-TLS-1-0-2015-04": (
        ("TLSv1.2", "TLSv1.1", "TLSv1"),
        _ALL12 + ("DES-CBC3-SHA",),
    ),
}

# CloudFront viewer security policies (ViewerCertificate.MinimumProtocolVersion)
_CF_2021 = _T13 + _ECDHE_GCM + _ECDHE_CHACHA
CLOUDFRONT_POLICIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "TLSv1.3_2025": (("TLSv1.3",), _T13_FIPS),
    "TLSv1.2_2025": (_P13_12, _T13 + _ECDHE_GCM),
    "TLSv1.2_2021": (_P13_12, _CF_2021),
    "TLSv1.2_2019": (_P13_12, _CF_2021 + _ECDHE_CBC2),
    "TLSv1.2_2018": (_P13_12, _CF_2021 + _ECDHE_CBC2 + _RSA_GCM),
    "TLSv1.1_2016": (("TLSv1.3", "TLSv1.2", "TLSv1.1"), _T13 + _ECDHE_CHACHA + _ALL12),
    "TLSv1_2016": (("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"), _T13 + _ECDHE_CHACHA + _ALL12),
    "TLSv1": (
        ("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"),
        _T13 + _ECDHE_CHACHA + _ALL12 + ("DES-CBC3-SHA",),
    ),
    "SSLv3": (
        ("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3"),
        _T13 + _ECDHE_CHACHA + _ALL12 + ("DES-CBC3-SHA", "RC4-MD5"),
    ),
}


def rate_settings(
    protocols: Iterable[str], ciphers: Iterable[str], guideline: str = DEFAULT_GUIDELINE
) -> str:
    """The worst level among the enabled protocols and ciphers. A cipher that only an enabled
    protocol below TLS 1.3 can use is still offered, so every cipher counts."""
    protos = list(protocols)
    if not protos:
        raise ValueError("no protocol enabled")
    return worst(
        [rate_protocol(p, guideline) for p in protos] + [rate_cipher(c, guideline) for c in ciphers]
    )


def rate_policy(name: str, guideline: str = DEFAULT_GUIDELINE) -> str:
    """The level of a named ELB security policy or CloudFront security policy; a bare protocol
    version (``TLS1_2``, ``TLSv1.2``) rates as that protocol. Unknown names raise ValueError."""
    for table in (ELB_POLICIES, CLOUDFRONT_POLICIES):
        if name in table:
            protocols, ciphers = table[name]
            return rate_settings(protocols, ciphers, guideline)
    try:
        return rate_protocol(name, guideline)
    except ValueError:
        raise ValueError(
            f"unknown TLS policy {name!r}: rate it by hand or add it to "
            "bio2scan/engine/functions/tls.py"
        ) from None


def at_least(rating: str, level: str) -> bool:
    return level_rank(rating) >= level_rank(level)


def _rated(value: Any, rate: Any, level: str, guideline: str) -> bool:
    """``rate(value)`` reaches ``level``; a missing or non-text value does not."""
    if not isinstance(value, str) or not value:
        return False
    return at_least(rate(value, guideline), level)


@function("tls_policy_at_least", args=("level", "guideline"), value="string")
def tls_policy_at_least(
    value: Any, level: str = "voldoende", guideline: str = DEFAULT_GUIDELINE
) -> bool:
    """True when the named TLS policy (ELB ``SslPolicy``, CloudFront ``MinimumProtocolVersion``,
    or a minimum protocol version such as Azure's ``TLS1_2``) rates at least ``level`` under the
    NCSC guideline ``guideline`` (``"2025"`` default, or ``"2021"``); an unknown name is an ERROR
    (``{path: SslPolicy, call: tls_policy_at_least, args: {level: voldoende}}``)."""
    return _rated(value, rate_policy, level, guideline)


@function("tls_protocol_at_least", args=("level", "guideline"), value="string")
def tls_protocol_at_least(
    value: Any, level: str = "voldoende", guideline: str = DEFAULT_GUIDELINE
) -> bool:
    """True when a protocol version (``TLS1_2``, ``1.2``, ``TLSv1.3``) rates at least ``level``."""
    return _rated(value, rate_protocol, level, guideline)


@function("tls_cipher_at_least", args=("level", "guideline"), value="string")
def tls_cipher_at_least(
    value: Any, level: str = "voldoende", guideline: str = DEFAULT_GUIDELINE
) -> bool:
    """True when a cipher suite (IANA or OpenSSL name) rates at least ``level``."""
    return _rated(value, rate_cipher, level, guideline)


@function("tls_key_at_least", args=("level", "guideline"), value="string")
def tls_key_at_least(
    value: Any, level: str = "voldoende", guideline: str = DEFAULT_GUIDELINE
) -> bool:
    """True when a certificate key algorithm (``RSA_2048``, ``EC_prime256v1``) rates at least
    ``level`` (``{path: KeyAlgorithm, call: tls_key_at_least}``)."""
    return _rated(value, rate_key, level, guideline)
