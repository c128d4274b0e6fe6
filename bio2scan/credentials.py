"""What looks like a credential: one definition for the collectors that redact and the rules that
report, so that what is redacted and what is reported cannot drift apart.

A value is a credential when its *name* says so (``DB_PASSWORD``, ``apiKey``, ``x-api-token``,
``--access-key``, ``secret-token``) and the value is not a reference or a path (``$(VAR)``,
``${VAR}``, ``/etc/secrets/db``, a Helm ``{{ … }}``), or when the *text* carries one wherever it
sits: URL and JDBC userinfo (``postgres://u:pw@db``), ``Password=`` in connection strings,
``password=`` in query strings, ``-D…password=…`` Java properties, ``--api-key=…`` and
``--password …`` flags inside a command line, ``mysql -p…``, ``Authorization: Bearer …``,
``NAME=value`` shell assignments, PEM private keys, and the token formats of AWS, GitHub, GitLab,
Slack, Google, Stripe, npm and JWTs.

Redaction replaces only the secret part by ``REDACTED`` (``--password=<redacted>``,
``postgres://u:<redacted>@db``), so the evidence still shows where it was. No hash of the value
is kept: even a short hash lets a weak password be recovered by guessing.
"""

from __future__ import annotations

import functools
import re
from typing import Any

REDACTED = "<redacted>"

_SECRET_LAST = frozenset(
    [
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "token",
        "credential",
        "credentials",
        "apikey",
        "apitoken",
        "authtoken",
        "privatekey",
        "secretkey",
        "accesskey",
        "connectionstring",
        "connstr",
        "sas",
        "authorization",
        "cookie",
    ]
)
_KEY_QUALIFIERS = frozenset(
    [
        "api",
        "access",
        "secret",
        "private",
        "signing",
        "encryption",
        "master",
        "client",
        "account",
        "shared",
        "auth",
        "ssh",
        "session",
        "hmac",
        "license",
        "storage",
        "subscription",
        "app",
        "service",
        "sas",
    ]
)
_SUFFIXES = ("password", "passwd", "passphrase", "secret", "token")
# every name that ``secret_name`` accepts holds one of these (its last word does): a name
# without any is no secret name, decided by one search instead of splitting it into words
_NAME_HINT = re.compile("pass|pwd|secret|token|credential|key|str|sas|auth|cookie|sig", re.I)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


def secret_name(name: Any) -> bool:
    """True when ``name`` (a variable, flag, header, key or annotation) names a secret: its
    last word is ``password``, ``token``, ``secret``, ``apikey``… or ``key`` after ``api``,
    ``access``, ``private``…; ``PASSWORD_FILE``, ``TOKEN_URL``, ``SECRET_NAME`` and
    ``ACCESS_KEY_ID`` name where a secret is, not a secret.

    The answer depends on the name alone, and an estate repeats its names (``SETTING_1`` in
    every Deployment), so it is kept per name: at most ``_NAMES_KEPT`` names of at most
    ``_NAME_KEPT_LEN`` characters, least recently used dropped first. Only names given as
    names are kept (an env variable's, a key's): a "name" found inside a text or command line
    (``XYZ=`` in a value, ``-pSECRET``) may be part of a secret, and is judged uncached by
    ``_secret_name`` so that no cache outlives a secret the collectors redacted."""
    if type(name) is str:
        if len(name) <= _NAME_KEPT_LEN:
            return _cached_secret_name(name)
        return _secret_name(name)
    if not isinstance(name, str):
        return False
    return _secret_name(name)


def _secret_name(name: str) -> bool:
    """``secret_name`` of a string, computed (the cache's source of truth)."""
    return bool(name) and _NAME_HINT.search(name) is not None and _by_words(name)


def _by_words(name: str) -> bool:
    """The rule of ``secret_name`` on the words of ``name`` (without the quick refusal)."""
    words = _words(name.rsplit("/", 1)[-1])
    if not words:
        return False
    last = words[-1]
    prev = words[-2] if len(words) > 1 else ""
    if last in _SECRET_LAST or (last == "sig" and len(words) == 1):
        return True
    if last.endswith(_SUFFIXES) and len(last) > 6:  # DBPASSWORD, adminsecret
        return True
    if last == "key" and prev in _KEY_QUALIFIERS:
        return True
    if last == "auth" and prev in ("basic", "http", "proxy"):
        return True
    return (last, prev) in (("string", "connection"), ("str", "conn"))


_NAMES_KEPT = 4096  # bounded: whatever the estate, at most this many names (~1 MiB) are kept
_NAME_KEPT_LEN = 256  # a longer name is judged afresh each time, not kept
_cached_secret_name = functools.lru_cache(maxsize=_NAMES_KEPT)(_secret_name)


_REFERENCE = re.compile(
    r"^\s*(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\}"
    r"|%[A-Za-z_][A-Za-z0-9_]*%|<redacted>.*)\s*$",
    re.DOTALL,
)
_PATH = re.compile(r"^(?:/|\./|~/|file:)[^\s]*$")
_TRIVIAL = frozenset(["true", "false", "yes", "no", "on", "off", "null", "none", "nil"])
_MASK = frozenset("*xX#•")


def reference(value: str) -> bool:
    """True for a value that refers to a secret instead of holding it: ``$(VAR)``, ``${VAR}``,
    ``$VAR``, a template ``{{ … }}``, a file path, an empty or boolean value, a mask (``****``)."""
    v = value.strip()
    if not v or v.lower() in _TRIVIAL or (len(v) >= 3 and set(v) <= _MASK):
        return True
    return bool(_REFERENCE.match(v) or _PATH.match(v))


# --- secrets inside text ---------------------------------------------------------------------

_TOKEN_FORMATS = re.compile(
    r"(?:AKIA|ASIA)[A-Z0-9]{16}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
    r"|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*"
    r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|[sr]k_live_[0-9A-Za-z]{16,}"
    r"|npm_[A-Za-z0-9]{36}"
)
# Oracle's thin driver writes user/password before the host: jdbc:oracle:thin:scott/tiger@db
_ORACLE = re.compile(r"jdbc:oracle:[A-Za-z0-9]+:[^/@\s:;'\"]+/([^@\s'\"]+)@")
_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@'\"]*:([^/\s@'\"]+)@")
_AUTH_SCHEME = re.compile(r"\b(?:Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{8,})")
# NAME=value, NAME: value, --name=value, -Dname=value, ;Password=value; ?password=value&
_ASSIGN = re.compile(
    r"(?<![A-Za-z0-9_.-])-{0,2}(?:D)?([A-Za-z_][A-Za-z0-9_.-]*)[\"']?[ \t]*(?:=|:(?!//))[ \t]*"
    r"(\"[^\"]*\"|'[^']*'|[^\s;&,'\"]+)"
)
_FLAG_SPACE = re.compile(
    r"(?<![A-Za-z0-9_-])--?([A-Za-z][A-Za-z0-9_.-]*)\s+([^\s\-;&|'\"][^\s;&|'\"]*)"
)
_SPACE = re.compile(r"\s")
_MYSQL = re.compile(r"\b(?:mysql|mysqldump|mysqladmin|mariadb|mysqlsh|mysqlimport|mysqlcheck)\b")
_MYSQL_P = re.compile(r"(?<![A-Za-z0-9_-])-p([^\s'\"]+)")


# every pattern below needs one of these; most values have none and cost one search
_TRIGGER = re.compile(
    r"[=:]|--|\s-|BEGIN|AKIA|ASIA|eyJ|gh[pousr]_|github_pat_|glpat-|xox|AIza|_live_|npm_"
    r"|Bearer|Basic|mysql|mariadb"
)


def secret_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every secret inside ``text`` (merged, in order)."""
    return _spans(text, True)


def _spans(text: str, quick: bool) -> list[tuple[int, int]]:
    """``secret_spans``; with ``quick``, a pattern that cannot match is not run: the URL,
    Bearer and Oracle patterns need their fixed text, a secret ``NAME=`` or ``--name value``
    needs a fragment of a secret name (``_NAME_HINT``: what ``secret_name`` needs), a flag and
    its value need a space between them, ``mysql -p…`` needs ``mysql``. The same answer either
    way (tests/test_credentials_cache.py checks it); quick is the one used."""
    if not isinstance(text, str) or len(text) < 4 or not _TRIGGER.search(text):
        return []
    spans: list[tuple[int, int]] = []
    for m in _TOKEN_FORMATS.finditer(text):
        spans.append(m.span())
    for rx, needed in (
        (_USERINFO, not quick or "://" in text),
        (_AUTH_SCHEME, not quick or "Bearer" in text or "Basic" in text),
        (_ORACLE, not quick or "jdbc:oracle:" in text),
    ):
        if needed:
            for m in rx.finditer(text):
                if not reference(m.group(1)):
                    spans.append(m.span(1))
    if not quick or _NAME_HINT.search(text):
        for m in _ASSIGN.finditer(text):
            name, value = m.group(1), m.group(2)
            if _secret_name(name.replace(".", "_")) and value not in ("Bearer", "Basic"):
                inner = value[1:-1] if value[:1] in "\"'" and len(value) > 1 else value
                if not reference(inner):
                    spans.append(m.span(2))
        if not quick or _SPACE.search(text):
            for m in _FLAG_SPACE.finditer(text):
                if _secret_name(m.group(1)) and not reference(m.group(2)):
                    spans.append(m.span(2))
    if (not quick or "mysql" in text or "mariadb" in text) and _MYSQL.search(text):
        for m in _MYSQL_P.finditer(text):
            spans.append(m.span(1))
    return _merge(spans) if spans else spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def redact_text(text: str) -> str:
    """``text`` with every secret in it replaced by ``REDACTED``."""
    spans = secret_spans(text)
    if not spans:
        return text
    out, last = [], 0
    for s, e in spans:
        if text[s:e].startswith(REDACTED):
            continue
        out.append(text[last:s])
        out.append(REDACTED)
        last = e
    out.append(text[last:])
    return "".join(out)


_OBJECT_REF = re.compile(r"^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z0-9]([-.a-z0-9]*[a-z0-9])?$")


def names_secret_object(name: Any, value: str) -> bool:
    """True for an annotation that names a Kubernetes Secret instead of holding one:
    ``nginx.ingress.kubernetes.io/auth-secret: shop/basic-auth`` (a prefixed annotation key
    whose last word is ``secret``, and a value of the form of an object name or
    ``namespace/name`` with a ``-``, ``.`` or ``/`` in it). An env variable ``CLIENT_SECRET``
    is never such a reference."""
    if not isinstance(name, str) or "/" not in name or _words(name)[-1:] != ["secret"]:
        return False
    v = value.strip()
    return len(v) <= 253 and bool(_OBJECT_REF.match(v)) and any(c in v for c in "-./")


def redact_value(name: Any, value: Any) -> Any:
    """The value of a named setting (env variable, header, annotation, ConfigMap key) with its
    secret removed: wholly when the name says it is a secret, else the secrets inside it."""
    if not isinstance(value, str):
        return value
    if secret_name(name) and not reference(value) and not names_secret_object(name, value):
        return REDACTED
    return redact_text(value)


def credential_like(name: Any, value: Any) -> bool:
    """True when a named value holds a credential (by its name or by its text), or was already
    redacted by a collector."""
    if not isinstance(value, str) or not value:
        return False
    if REDACTED in value:
        return True
    # redact_value(name, value) != value, without building the redacted text: with no REDACTED
    # in the value, redacting changes it exactly when the name or a span inside says secret
    if secret_name(name) and not reference(value) and not names_secret_object(name, value):
        return True
    return bool(secret_spans(value))


_SECRET_FLAG = re.compile(r"^--?([A-Za-z][A-Za-z0-9_.-]*)$")


def redact_argv(argv: list[Any]) -> list[Any]:
    """A container's ``command`` or ``args`` with its secrets removed: ``--password=x``,
    ``--token x`` (the word after a secret flag), ``mysql … -px``, and secrets inside a word
    (``sh -c "curl -H 'Authorization: Bearer …'"``)."""
    mysql = any(
        isinstance(a, str) and ("mysql" in a or "mariadb" in a) and _MYSQL.search(a) for a in argv
    )
    out: list[Any] = []
    wants_value = False
    for a in argv:
        if not isinstance(a, str):
            out.append(a)
            wants_value = False
            continue
        if wants_value and not a.startswith("-") and not reference(a):
            out.append(REDACTED)
        elif mysql and a.startswith("-p") and len(a) > 2 and not a.startswith("--"):
            out.append("-p" + REDACTED)
        else:
            out.append(redact_text(a))
        m = _SECRET_FLAG.match(a)
        wants_value = bool(m and out[-1] == a and _secret_name(m.group(1)))
    return out
