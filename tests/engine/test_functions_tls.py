"""The NCSC TLS ratings: protocols, cipher suites (IANA and OpenSSL names), keys, provider policies."""

from __future__ import annotations

import pytest

from bio2scan.engine.functions import load_builtin_functions, tls


@pytest.mark.parametrize(
    "name,r2025,r2021",
    [
        ("TLSv1.3", "goed", "goed"),
        ("TLS1_3", "goed", "goed"),
        ("Tls12", "voldoende", "voldoende"),
        ("1.2", "voldoende", "voldoende"),
        ("TLSv1.2", "voldoende", "voldoende"),
        ("TLSv1.1", "onvoldoende", "uitfaseren"),
        ("TLSv1", "onvoldoende", "uitfaseren"),
        ("TLS1_0", "onvoldoende", "uitfaseren"),
        ("Protocol-TLSv1.1", "onvoldoende", "uitfaseren"),
        ("SSLv3", "onvoldoende", "onvoldoende"),
    ],
)
def test_rate_protocol(name, r2025, r2021):
    assert tls.rate_protocol(name) == r2025
    assert tls.rate_protocol(name, "2021") == r2021


@pytest.mark.parametrize("bad", ["", "QUIC", "TLSv9.x", "tls-one"])
def test_rate_protocol_rejects_non_protocols(bad):
    with pytest.raises(ValueError):
        tls.rate_protocol(bad)


def test_unknown_guideline_and_level_are_errors():
    with pytest.raises(ValueError):
        tls.rate_protocol("TLSv1.2", "2019")
    with pytest.raises(ValueError):
        tls.at_least("goed", "excellent")


@pytest.mark.parametrize(
    "openssl,iana",
    [
        ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        ("ECDHE-ECDSA-AES256-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
        ("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        ("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
        ("DHE-RSA-CHACHA20-POLY1305", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
        ("DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
        ("ECDHE-ECDSA-AES128-CCM8", "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"),
    ],
)
def test_openssl_and_iana_names_rate_alike(openssl, iana):
    for g in tls.GUIDELINES:
        assert tls.rate_cipher(openssl, g) == tls.rate_cipher(iana, g)


@pytest.mark.parametrize(
    "suite,r2025,r2021",
    [
        ("TLS_AES_256_GCM_SHA384", "goed", "goed"),
        ("TLS_CHACHA20_POLY1305_SHA256", "goed", "goed"),
        ("TLS_AES_128_GCM_SHA256", "voldoende", "goed"),
        ("TLS_AES_128_CCM_8_SHA256", "onvoldoende", "onvoldoende"),
        ("ECDHE-RSA-AES256-GCM-SHA384", "voldoende", "goed"),
        ("ECDHE-ECDSA-CHACHA20-POLY1305", "voldoende", "goed"),
        ("ECDHE-ECDSA-AES256-CCM", "voldoende", "voldoende"),
        ("ECDHE-RSA-AES128-SHA256", "uitfaseren", "voldoende"),
        ("ECDHE-RSA-CAMELLIA128-SHA256", "uitfaseren", "voldoende"),
        ("ECDHE-RSA-AES128-SHA", "onvoldoende", "voldoende"),
        ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "uitfaseren", "voldoende"),
        ("DHE-RSA-AES128-SHA", "onvoldoende", "voldoende"),
        ("AES128-GCM-SHA256", "onvoldoende", "uitfaseren"),
        ("DES-CBC3-SHA", "onvoldoende", "uitfaseren"),
        ("RC4-MD5", "onvoldoende", "onvoldoende"),
        ("TLS_NULL_WITH_NULL_NULL", "onvoldoende", "onvoldoende"),
    ],
)
def test_rate_cipher(suite, r2025, r2021):
    assert tls.rate_cipher(suite) == r2025
    assert tls.rate_cipher(suite, "2021") == r2021


@pytest.mark.parametrize(
    "key,r2025,r2021",
    [
        ("RSA_4096", "goed", "goed"),
        ("RSA_3072", "goed", "goed"),
        ("RSA_2048", "uitfaseren", "voldoende"),
        ("RSA-1024", "onvoldoende", "onvoldoende"),
        ("EC_prime256v1", "goed", "goed"),
        ("EC_secp384r1", "goed", "goed"),
        ("ECC_NIST_P521", "goed", "goed"),
        ("ECC_SECG_P256K1", "onvoldoende", "onvoldoende"),
        ("Ed25519", "goed", "goed"),
    ],
)
def test_rate_key(key, r2025, r2021):
    assert tls.rate_key(key) == r2025
    assert tls.rate_key(key, "2021") == r2021


def test_every_known_policy_can_be_rated():
    for table in (tls.ELB_POLICIES, tls.CLOUDFRONT_POLICIES):
        for name in table:
            for g in tls.GUIDELINES:
                assert tls.rate_policy(name, g) in tls.LEVELS


@pytest.mark.parametrize(
    "policy,r2025",
    [
        ("ELBSecurityPolicy-TLS13-1-3-2021-06", "voldoende"),  # TLS_AES_128_GCM is voldoende
        ("ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "voldoende"),
        ("ELBSecurityPolicy-FS-1-2-Res-2020-10", "voldoende"),
        ("ELBSecurityPolicy-TLS13-1-2-2021-06", "uitfaseren"),  # ECDHE CBC-SHA256/384
        ("ELBSecurityPolicy-FS-1-2-Res-2019-08", "uitfaseren"),
        ("ELBSecurityPolicy-TLS-1-2-2017-01", "onvoldoende"),  # static RSA
        ("ELBSecurityPolicy-2016-08", "onvoldoende"),  # TLS 1.0
        ("TLSv1.2_2021", "voldoende"),
        ("TLSv1.2_2019", "uitfaseren"),
        ("TLSv1.2_2018", "onvoldoende"),
        ("TLSv1", "onvoldoende"),
    ],
)
def test_policy_ratings(policy, r2025):
    assert tls.rate_policy(policy) == r2025


def test_worst_item_decides_and_no_protocol_is_an_error():
    assert tls.rate_settings(["TLSv1.3"], ["TLS_AES_256_GCM_SHA384"]) == "goed"
    assert (
        tls.rate_settings(["TLSv1.3", "TLSv1.2"], ["TLS_AES_256_GCM_SHA384", "AES128-SHA"])
        == "onvoldoende"
    )
    with pytest.raises(ValueError):
        tls.rate_settings([], ["TLS_AES_256_GCM_SHA384"])


def test_registered_value_functions():
    reg = load_builtin_functions()
    at_least = reg["tls_policy_at_least"].fn
    assert at_least("ELBSecurityPolicy-TLS13-1-2-Res-2021-06") is True
    assert at_least("ELBSecurityPolicy-2016-08") is False
    assert at_least("ELBSecurityPolicy-TLS13-1-2-2021-06", level="uitfaseren") is True
    assert at_least("ELBSecurityPolicy-2016-08", guideline="2021", level="uitfaseren") is True
    assert at_least("TLS1_2") is True  # an Azure minimum TLS version
    assert at_least(None) is False
    with pytest.raises(ValueError):
        at_least("ELBSecurityPolicy-Future-2030-01")
    assert reg["tls_protocol_at_least"].fn("TLS1_0") is False
    assert reg["tls_cipher_at_least"].fn("ECDHE-RSA-AES128-GCM-SHA256") is True
    assert reg["tls_key_at_least"].fn("RSA_2048") is False
    assert reg["tls_key_at_least"].fn("RSA_2048", level="uitfaseren") is True
