"""Secrets in container arguments and annotations never reach the inventory (both collectors
share ``objects.sanitize``)."""

import json

from bio2scan.collectors.kubernetes.objects import REDACTED, sanitize


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
