"""The named functions behind the cluster-wide rules, on their own."""

from __future__ import annotations

import pytest

from bio2scan.engine.functions.k8s_cluster import (
    _denies,
    _host_covered,
    key_algorithm,
    selector_matches,
)
from bio2scan.engine.functions.tls import rate_key


@pytest.mark.parametrize(
    "selector,labels,expected",
    [
        ({}, {"app": "x"}, True),
        (None, {"app": "x"}, False),
        ({"matchLabels": {"app": "x"}}, {"app": "x", "tier": "web"}, True),
        ({"matchLabels": {"app": "x"}}, {"app": "y"}, False),
        (
            {"matchExpressions": [{"key": "app", "operator": "In", "values": ["x", "y"]}]},
            {"app": "y"},
            True,
        ),
        (
            {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["x"]}]},
            {"app": "x"},
            False,
        ),
        ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {}, False),
        ({"matchExpressions": [{"key": "debug", "operator": "DoesNotExist"}]}, {"app": "x"}, True),
    ],
)
def test_selector_matches(selector, labels, expected):
    assert selector_matches(selector, labels) is expected


@pytest.mark.parametrize(
    "key,size,curve,rating",
    [
        ("RSA", 4096, None, "goed"),
        ("RSA", 3072, None, "goed"),
        ("RSA", 2048, None, "uitfaseren"),
        ("RSA", 1024, None, "onvoldoende"),
        ("EC", 256, "secp256r1", "goed"),
        ("EC", 224, "secp224r1", "uitfaseren"),
        ("EC", 256, "secp256k1", "onvoldoende"),
        ("Ed25519", 256, "ed25519", "goed"),
        ("DSA", 2048, None, "onvoldoende"),
    ],
)
def test_ncsc_key_rating_of_certificate_facts(key, size, curve, rating):
    info = {"keyType": key, "keySize": size, "curve": curve}
    assert rate_key(key_algorithm(info)) == rating


def test_default_deny_directions():
    deny_in = {"spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
    implied = {"spec": {"podSelector": {}}}
    allow = {"spec": {"podSelector": {}, "ingress": [{}]}}
    egress_only = {"spec": {"podSelector": {}, "policyTypes": ["Egress"]}}
    assert _denies(deny_in, "Ingress") and not _denies(deny_in, "Egress")
    assert _denies(implied, "Ingress")
    assert not _denies(allow, "Ingress")
    assert _denies(egress_only, "Egress") and not _denies(egress_only, "Ingress")
    assert not _denies({"spec": {"podSelector": {"matchLabels": {"a": "b"}}}}, "Ingress")


def test_wildcard_certificate_covers_one_label():
    assert _host_covered("a.example.nl", ["*.example.nl"])
    assert not _host_covered("a.b.example.nl", ["*.example.nl"])
    assert not _host_covered("example.nl", ["*.example.nl"])
