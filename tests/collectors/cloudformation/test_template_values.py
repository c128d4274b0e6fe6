"""Literal secrets in template values (``template_values.redact_secrets``): redacted as
``bio2scan.credentials`` defines a credential — only the secret part of a text, the whole value
where the key names a secret — with no hash of it; symbols that stand for a secret stay."""

from __future__ import annotations

import json

import pytest

from bio2scan.collectors.template_values import (
    DEFERRED,
    NOVALUE,
    UNRESOLVED,
    Sym,
    Unknown,
    first_unknown,
    materialize,
    redact_secrets,
    step,
    unresolved,
)
from bio2scan.credentials import REDACTED


@pytest.mark.parametrize(
    "data, expected",
    [
        # the key names a secret: the whole value goes
        ({"administratorLoginPassword": "Welkom01!"}, {"administratorLoginPassword": REDACTED}),
        ({"clientSecret": "abc123xyz"}, {"clientSecret": REDACTED}),
        ({"primaryKey": "c2VjcmV0LWtleQ=="}, {"primaryKey": REDACTED}),
        # only the secret part of a text
        (
            {"connectionString": "x", "url": "Server=db;Database=app;Password=hunter2;"},
            {"connectionString": REDACTED, "url": "Server=db;Database=app;Password=<redacted>;"},
        ),
        (
            {"endpoint": "postgres://app:hunter2@db.internal:5432/orders"},
            {"endpoint": "postgres://app:<redacted>@db.internal:5432/orders"},
        ),
        # {name, value} pairs (app settings, environment variables)
        (
            {
                "appSettings": [
                    {"name": "DB_PASSWORD", "value": "hunter2"},
                    {"name": "MODE", "value": "x"},
                ]
            },
            {
                "appSettings": [
                    {"name": "DB_PASSWORD", "value": REDACTED},
                    {"name": "MODE", "value": "x"},
                ]
            },
        ),
        (
            {
                "env": [
                    {
                        "name": "STORAGE",
                        "value": "DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0;",
                    }
                ]
            },
            {
                "env": [
                    {
                        "name": "STORAGE",
                        "value": "DefaultEndpointsProtocol=https;AccountKey=<redacted>;",
                    }
                ]
            },
        ),
        # not secrets: references, paths, flags, other types, names of where a secret is
        ({"password": "$(DB_PASSWORD)", "passwordFile": "/run/secrets/db"}, None),
        ({"enableRbacAuthorization": True, "token": 5, "secretName": "db-password"}, None),
        ({"tags": {"purpose": "logs"}, "list": ["a", ""]}, None),
    ],
)
def test_literal_secrets_are_redacted(data, expected):
    got = redact_secrets(data)
    assert got == (data if expected is None else expected)
    assert "sha256" not in json.dumps(got)


def test_symbols_refer_to_secrets_without_holding_them():
    noecho = Sym("${DbPassword}")
    got = redact_secrets({"password": noecho, "arn": Sym("${Key.Arn}", ref="Key")})
    assert got["password"] is noecho  # a reference to the parameter stays a symbol
    assert got["arn"].ref == "Key"
    # a symbol that carries a literal secret: the secret goes, the symbol stays one
    url = Sym("postgres://app:hunter2@${Db.Endpoint.Address}/orders")
    got = redact_secrets({"dsn": url, "password": Sym("${Prefix}hunter2")})
    assert isinstance(got["dsn"], Sym) and got["dsn"] == (
        "postgres://app:<redacted>@${Db.Endpoint.Address}/orders"
    )
    assert got["password"] == REDACTED


def test_materialize_takes_unknowns_out_by_their_path():
    later, broken = Unknown(DEFERRED, "after deployment"), unresolved("Ref Nope")
    data = {
        "a": {"b": later, "c": [1, broken, NOVALUE, Sym("${X}")]},
        "gone": NOVALUE,
        "odd.key": {"x": later},
    }
    plain, errors, deferred = materialize(data)
    assert plain == {"a": {"c": [1, "${X}"]}, "odd.key": {}}
    assert type(plain["a"]["c"][1]) is str  # a symbol becomes its text
    assert errors == {"a.c[1]": "unresolved: Ref Nope"}
    assert deferred == {"a.b": "after deployment", "['odd.key'].x": "after deployment"}
    assert materialize(broken) == (None, {"*": "unresolved: Ref Nope"}, {})
    assert first_unknown(later, broken).kind == UNRESOLVED and first_unknown(1, later) is later
    assert step("", "k") == "k" and step("", "a.b") == "['a.b']" and step("p", 2) == "p[2]"
