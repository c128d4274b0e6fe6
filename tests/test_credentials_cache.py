"""The per-name cache of ``credentials.secret_name``: the same answers as the computation, bounded
in size whatever the input, and never fed with words taken out of values."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bio2scan import credentials
from bio2scan.credentials import redact_argv, redact_text, redact_value, secret_name

_NAMEISH = st.text(
    alphabet=st.sampled_from("abcdekpstwyAKPSTW_-./0129 "), min_size=0, max_size=24
) | st.sampled_from(
    ["DB_PASSWORD", "apiKey", "PASSWORD_FILE", "ACCESS_KEY_ID", "x-api-token", "sig", "conn_str"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAMEISH | st.text(max_size=12), min_size=1, max_size=30))
@example(["a" * 300 + "_PASSWORD", "a" * 300 + "_PASSWORD"])  # too long to keep: computed
@example(["", "TOKEN", "TOKEN", "token_url"])
def test_the_cached_answer_is_the_computed_one(names):
    for name in names + names:  # the second round answers from the cache
        assert secret_name(name) is credentials._secret_name(name)


def test_non_strings_are_no_secret_names_and_are_not_kept():
    credentials._cached_secret_name.cache_clear()
    assert not secret_name(None) and not secret_name(3) and not secret_name(["TOKEN"])
    assert credentials._cached_secret_name.cache_info().currsize == 0


def test_the_cache_is_bounded_whatever_the_input():
    credentials._cached_secret_name.cache_clear()
    kept = credentials._NAMES_KEPT
    for n in range(kept + 500):
        assert secret_name(f"SETTING_{n}") is False
    assert secret_name("LAST_PASSWORD") is True
    assert credentials._cached_secret_name.cache_info().currsize == kept
    long = "X" * (credentials._NAME_KEPT_LEN + 1)
    credentials._cached_secret_name.cache_clear()
    assert secret_name(long + "_TOKEN") is True
    assert credentials._cached_secret_name.cache_info().currsize == 0


def test_words_inside_values_are_never_kept():
    """A "name" found inside a text or a command line may be part of a secret (``Zm9v=`` in a
    base64 value, ``-pS3cret``): judging it must not leave it in a cache that outlives the
    value the collector redacted."""
    credentials._cached_secret_name.cache_clear()
    assert redact_text("Zm9vYmFyc2VjcmV0==") == "Zm9vYmFyc2VjcmV0=="
    assert redact_text("db_password=hunter22 --api-token abcdef") == (
        "db_password=<redacted> --api-token <redacted>"
    )
    assert redact_argv(["--token", "abc123", "-pS3cret"]) == ["--token", "<redacted>", "-pS3cret"]
    assert credentials._cached_secret_name.cache_info().currsize == 0
    # a name given as a name is kept; its value is not
    assert redact_value("DB_PASSWORD", "hunter22") == "<redacted>"
    assert credentials._cached_secret_name.cache_info().currsize == 1


_WORDS = sorted(credentials._SECRET_LAST | credentials._KEY_QUALIFIERS) + [
    "key",
    "auth",
    "sig",
    "string",
    "str",
    "connection",
    "conn",
    "basic",
    "adminsecret",
    "DBPASSWORD",
]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(_WORDS).map(str.upper) | st.sampled_from(_WORDS) | _NAMEISH,
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["_", "-", ".", "", "/", " "]),
)
def test_the_quick_refusal_refuses_no_secret_name(parts, sep):
    """``_NAME_HINT`` only lets ``secret_name`` say no sooner: every name that the word rule
    accepts holds one of its fragments."""
    name = sep.join(parts)
    if credentials._by_words(name):
        assert credentials._NAME_HINT.search(name)
        assert secret_name(name) is True


_VALUE_BITS = st.sampled_from(
    [
        "postgres://u:pw@db",
        "password=hunter22",
        "--token abcdef",
        "Bearer abcdefgh123",
        "AKIAABCDEFGHIJKLMNOP",
        "$(DB_PASSWORD)",
        "/etc/secret",
        "<redacted>",
        "mysql -pS3cret",
        "jdbc:oracle:thin:scott/tiger@db",
        " ",
        "=",
        ":",
        "x",
        "",
    ]
)


@settings(max_examples=500, deadline=None)
@given(
    _NAMEISH | st.none() | st.sampled_from(["nginx.ingress.kubernetes.io/auth-secret"]),
    st.lists(_VALUE_BITS | st.text(max_size=8), max_size=4).map("".join) | st.integers(),
)
@example("nginx.ingress.kubernetes.io/auth-secret", "shop/basic-auth")
@example("DB_PASSWORD", "$(X)")
def test_credential_like_is_what_redaction_changes(name, value):
    """``credential_like`` answers without building the redacted text: the same answer as
    comparing the value with what ``redact_value`` makes of it."""
    expected = (
        isinstance(value, str)
        and bool(value)
        and (credentials.REDACTED in value or redact_value(name, value) != value)
    )
    assert credentials.credential_like(name, value) is expected


_TEXT_BITS = _VALUE_BITS | st.sampled_from(
    [
        "--listen=:8000",
        "--log-level=info",
        "-Ddb.password=",
        "DB_PASS=",
        "apiKey: ",
        "--api-token ",
        "--password",
        " -p",
        "mysqldump ",
        "mariadb ",
        "Basic ",
        "://",
        "@",
        "'",
        '"',
        ";",
        "&",
        "\u00a0",
        "\t",
        "STR=",
        "sig=",
        "\u212a",  # KELVIN SIGN: case-folds to k
    ]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_TEXT_BITS | _NAMEISH | st.text(max_size=6), max_size=8).map("".join))
@example("--listen=:8000 --db-password hunter22")
@example("mysql -uroot -pS3cret")
@example("--password\thunter22")  # a tab apart
@example("--token\u00a0abcdef")  # a no-break space apart
@example("jdbc:oracle:thin:scott/tiger@db")
@example("curl -H 'Authorization: Bearer abcdefgh123'")
def test_the_quick_scan_finds_what_the_full_scan_finds(text):
    """``secret_spans`` skips a pattern when the text lacks what it needs (a secret-name
    fragment for ``NAME=value``, a space for ``--flag value``, ``://`` …): the same spans as
    running every pattern."""
    assert credentials._spans(text, True) == credentials._spans(text, False)
