"""Secrets in container arguments and annotations never reach the inventory (both collectors
share ``objects.sanitize``)."""

import json

from bio2scan.collectors.kubernetes.objects import REDACTED, sanitize, to_resource


def _pod(args, command=None, annotations=None):
    c = {"name": "app", "image": "app:1", "args": args}
    if command is not None:
        c["command"] = command
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "annotations": annotations or {}},
        "spec": {"containers": [c]},
    }


def test_flag_with_value_and_flag_followed_by_value_are_redacted():
    obj = _pod(
        ["--db-password=Welkom01!", "--api-token", "s3cr3t-t0k3n", "--port=8080", "-v"],
        command=["/app", "--client-secret", "abc123"],
    )
    out = sanitize(obj)
    text = json.dumps(out)
    for secret in ("Welkom01!", "s3cr3t-t0k3n", "abc123"):
        assert secret not in text
    args = out["spec"]["containers"][0]["args"]
    assert args[0].startswith("--db-password=" + REDACTED)
    assert args[1] == "--api-token" and args[2].startswith(REDACTED)
    assert args[3:] == ["--port=8080", "-v"]  # harmless arguments stay readable
    assert obj["spec"]["containers"][0]["args"][0] == "--db-password=Welkom01!"  # input untouched


def test_values_that_look_like_keys_and_urls_with_passwords_are_redacted():
    out = sanitize(
        _pod(
            ["--upstream", "postgres://app:hunter2@db:5432/app", "AKIAABCDEFGHIJKLMNOP"],
            annotations={"backup/target": "https://u:pw@example.nl/x", "team": "payments"},
        )
    )
    text = json.dumps(out)
    assert "hunter2" not in text and "AKIAABCDEFGHIJKLMNOP" not in text and "u:pw@" not in text
    assert out["metadata"]["annotations"]["team"] == "payments"


def test_sanitize_is_idempotent_and_leaves_clean_objects_alone():
    obj = _pod(["--token=x1y2z3"])
    once = sanitize(obj)
    assert sanitize(once) == once
    clean = _pod(["--port=8080"])
    assert sanitize(clean) is clean


def test_an_object_found_clean_by_its_watched_mappings_is_what_sanitize_gives():
    """``needs_cleaning`` over the mappings ``load`` lists is False only where ``sanitize``
    would change nothing: a secret anywhere (env, header, args, command, annotations,
    managedFields, a template's metadata, deeper than ``_clean`` looks) makes it True."""
    from bio2scan.collectors.kubernetes.objects import CLEANED_KEYS, needs_cleaning
    from bio2scan.collectors.yaml_objects import load
    from bio2scan.model import Source

    head = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: b}}\n"
    deep = "".join("  " * (i + 1) + f"k{i}:\n" for i in range(70))
    cases = {
        "spec: {containers: [{name: c, image: i, env: [{name: A, value: b}]}]}\n": False,
        "spec: {containers: [{name: c, args: [--port=80], command: [run]}]}\n": False,
        "spec: {template: {metadata: {labels: {x: y}}}}\n": False,
        "spec: {containers: [{name: c, env: [{name: DB_PASSWORD, value: hunter22}]}]}\n": True,
        "spec: {containers: [{name: c, args: [--password=hunter22]}]}\n": True,
        "spec: {containers: [{name: c, command: [mysql, -phunter22]}]}\n": True,
        "spec: {x: {httpHeaders: [{name: Authorization, value: Bearer abcdefghijkl}]}}\n": True,
        "spec: {template: {metadata: {annotations: {api-token: abcdefgh1234}}}}\n": True,
        "spec: {template: {metadata: {managedFields: []}}}\n": True,
        "spec:\n" + deep + "  " * 71 + "env: [{name: PASSWORD, value: hunter22}]\n": True,
    }
    for body, dirty in cases.items():
        (doc,) = list(load(head + body, watch=CLEANED_KEYS))
        assert doc.watched is not None
        assert needs_cleaning(doc.watched) is dirty, body
        if not dirty:
            assert sanitize(doc.value) is doc.value
        fast = to_resource(doc.value, cluster="c", source=Source(), clean=not dirty)
        slow = to_resource(doc.value, cluster="c", source=Source())
        assert fast == slow
    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {p: eA==}\n"
    (doc,) = list(load(secret, watch=CLEANED_KEYS))
    assert not needs_cleaning(doc.watched)  # a Secret's data is not a watched key …
    r = to_resource(doc.value, cluster="c", source=Source(), clean=True)
    assert r.data["data"] == {"p": REDACTED}  # … and sanitize still runs for a Secret


def test_settings_remembered_as_clean_never_hold_a_credential():
    """``needs_cleaning`` remembers (name, value) pairs the redaction leaves as they are, so a
    pair met again costs no second look — and never a pair that holds a credential."""
    from bio2scan.collectors.kubernetes import objects

    clean = {"name": "LOG_LEVEL", "value": "debug-7f3a"}
    secret = {"name": "DB_PASSWORD", "value": "hunter22-7f3a"}
    inline = {"name": "URL", "value": "postgres://u:pw7f3a123@db/x"}
    for _ in range(2):
        assert not objects.needs_cleaning([clean])
        assert objects.needs_cleaning([clean, secret])
        assert objects.needs_cleaning([inline])
    assert ("LOG_LEVEL", "debug-7f3a") in objects._PLAIN_SETTINGS
    assert not any("7f3a" in v for n, v in objects._PLAIN_SETTINGS if n != "LOG_LEVEL")
    long = {"name": "NOTE", "value": "7f3b" * 100}
    assert not objects.needs_cleaning([long])
    assert ("NOTE", "7f3b" * 100) not in objects._PLAIN_SETTINGS  # only short settings kept
