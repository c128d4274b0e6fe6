"""Credentials that Kubernetes objects carry outside Secrets and pod specs: ConfigMap values and
annotations (``kubectl.kubernetes.io/last-applied-configuration`` copies a whole object —
a Secret's values included — into one).

The test is ``bio2scan.credentials``, the one the collectors redact by; a value a collector
already replaced by ``<redacted>`` counts as a credential found (the collector removed it
because it was one), so what is redacted is reported. Evidence names the key and where, never
the value, and holds no hash of it.
"""

from __future__ import annotations

from typing import Any

from ...credentials import REDACTED, credential_like, secret_name
from ...model import Evidence
from . import Read, function

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# key material by file name: binaryData keeps no value to look at, only its name
_KEY_FILES = (".key", ".p12", ".pfx", ".jks", ".keystore", ".pem", ".kdbx", ".gpg", ".asc")
_KEY_NAMES = frozenset(["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".netrc", ".pgpass"])


def key_material_name(name: Any) -> bool:
    """True for a key name that says it holds a secret (``DB_PASSWORD``) or key material
    (``tls.key``, ``keystore.p12``, ``id_rsa``, ``.pgpass``)."""
    if not isinstance(name, str) or not name:
        return False
    base = name.rsplit("/", 1)[-1].lower()
    return secret_name(name) or base in _KEY_NAMES or base.endswith(_KEY_FILES)


def _where(key: str, k: Any) -> str:
    return f"{key}[{str(k)!r}]"


@function(
    "k8s_configmap_without_credentials",
    kind="subject",
    reads=(
        Read("data", "mapping", absent="no data"),
        Read("data[*]", "string"),
        Read("binaryData", "mapping", absent="no binary data"),
        Read("binaryData[*]", "any", absent="only the key is judged"),
    ),
)
def configmap_without_credentials(obj: Any, env: Any) -> tuple[bool, list[Evidence]]:
    """No ConfigMap value holds a credential: not by its key (``DB_PASSWORD: …``), not in its
    text (``password=…`` in a properties file, ``password: …`` in YAML, a URL or JDBC URL with
    a password, ``-D…password=…``, ``mysql -p…``, a PEM private key, a known token format), and
    no ``binaryData`` key names key material (``keystore.p12``, ``tls.key``, ``id_rsa``: its
    value is not kept, so its name decides). References (``$(VAR)``, ``${VAR}``) and file paths
    (``/etc/…``) pass."""
    expected = "credentials in a Secret, not in a ConfigMap"
    bad: list[Evidence] = []
    data = obj.get("data") or {}
    for k, v in data.items():
        if credential_like(k, v):
            bad.append(Evidence(_where("data", k), f"{k}: {REDACTED}", expected))
    binary = obj.get("binaryData") or {}
    for k in binary:
        if key_material_name(k):
            bad.append(Evidence(_where("binaryData", k), f"{k}: key material", expected))
    if bad:
        return False, bad
    shown = f"{len(data)} data and {len(binary)} binaryData keys, none credential-like"
    return True, [Evidence("data", shown, expected)]


@function(
    "k8s_annotations_without_credentials",
    kind="subject",
    reads=(
        Read("metadata", "mapping"),
        Read("metadata.annotations", "mapping", absent="no annotations"),
        Read("metadata.annotations[*]", "string"),
    ),
)
def annotations_without_credentials(obj: Any, env: Any) -> tuple[bool, list[Evidence]]:
    """No annotation of the object holds a credential (``bio2scan.credentials``: by its name or
    its text). ``last-applied-configuration`` is the object as ``kubectl apply`` last sent it:
    when that copy held a credential (a Secret's values, a ConfigMap password, a literal env
    value) the collector replaced it by ``<redacted>`` and this fails; a copy without one is
    dropped by the collector."""
    expected = "no credential in an annotation (kubectl apply copies the object into one)"
    ann = (obj.get("metadata") or {}).get("annotations") or {}
    bad = [
        Evidence(f"metadata.annotations[{str(k)!r}]", f"{k}: {REDACTED}", expected)
        for k, v in ann.items()
        if credential_like(k, v)
    ]
    if bad:
        return False, bad
    return True, [Evidence("metadata.annotations", f"{len(ann)} annotations", expected)]
