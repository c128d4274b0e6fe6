"""The config file (``--config``) through ``api.load_config``: every problem is one InputError
naming the file, the line and the key, in words a user understands."""

from __future__ import annotations

import pytest

from bio2scan import api
from bio2scan.errors import InputError


def _load(tmp_path, text: str):
    p = tmp_path / "bio2scan.yaml"
    p.write_text(text)
    return p, api.load_config(str(p))


def test_empty_and_absent(tmp_path):
    assert api.load_config(None) == {}
    p, cfg = _load(tmp_path, "# nothing set\n")
    assert cfg == {} and cfg.file == str(p)


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("- a\n- b\n", ":1", "a config file holds a mapping of settings"),
        ("lang: en\nfail_on: high: x\n", ":2", "YAML syntax error"),
        ("fail_on: null\n", ":1 (fail_on)", "got nothing (null)"),
        (
            "min_compliance: true\n",
            ":1 (min_compliance)",
            "expected a number; got true (a boolean)",
        ),
        ("lang: [en]\n", ":1 (lang)", "expected one of en, nl; got a list"),
        ("params:\n  k8s.x: 5\n", ":2 (params.k8s.x)", "expected a mapping; got the number 5"),
        ("rules: {a: b}\n", ":1 (rules)", "expected a name, a comma-separated list or a list"),
        ("rules: [a, 2]\n", ":1 (rules.1)", "expected a text; got the number 2"),
        ("history_keep: 2.5\n", ":1 (history_keep)", "expected a whole number; got the number 2.5"),
        ("fail_on: high\nlanguage: nl\n", ":2 (language)", "unknown setting 'language'; known:"),
    ],
)
def test_each_problem_is_one_line_with_file_line_and_key(tmp_path, text, where, message):
    with pytest.raises(InputError) as caught:
        _load(tmp_path, text)
    line = str(caught.value)
    assert line.startswith(str(tmp_path / "bio2scan.yaml") + where), line
    assert message in line and "\n" not in line


def test_unreadable_file(tmp_path):
    with pytest.raises(InputError, match="cannot read config"):
        api.load_config(str(tmp_path / "missing.yaml"))
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="cannot read config"):
        api.load_config(str(tmp_path / "bin.yaml"))


def test_lines_of_keys_are_kept(tmp_path):
    _, cfg = _load(tmp_path, "# a\nfail_on: high\nparams:\n  k8s.a:\n    n: 1\n")
    assert cfg.line("fail_on") == 2 and cfg.line("params", "k8s.a") == 4
    assert "bio2scan.yaml:2" in str(cfg.error("bad", "fail_on"))
