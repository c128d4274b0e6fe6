"""The converter the lead runs on rule files written with '# mapping:' comment lines."""

from __future__ import annotations

import pytest
from clirun import run_cli
from convert_links import ConvertError, convert, main
from test_loader import GOOD, _legacy, write

from bio2scan.engine import load_rules_dir


def test_converted_file_loads_like_the_hand_written_one(tmp_path):
    path = write(tmp_path)
    path.write_text(_legacy())
    assert main([str(path)]) == 0
    assert path.read_text() == GOOD  # everything else byte for byte
    (rule,) = load_rules_dir(tmp_path)
    assert rule.links["8.24"].direct and not rule.links["8.9"].direct
    assert rule.links["8.24.04"].reason == "Covers: rotation per NCSC advice"


@pytest.mark.parametrize(
    "edit, words",
    [
        (("# mapping: 8.9 supporting — Part of a secure configuration\n", ""), "no '# mapping"),
        (("8.9 supporting", "8.9 strong"), "strength 'strong' of 8.9"),
        (("mapping: 8.9 supporting", "mapping: 8.10 supporting"), "mapping for 8.10"),
        (("mapping: 8.9 supporting", "mapping: 8.10 supporting"), "lists lack"),
    ],
)
def test_conversion_problems_name_file_and_line(edit, words):
    text = _legacy().replace(*edit)
    with pytest.raises(ConvertError, match=words) as info:
        convert(text, "x.yaml")
    assert str(info.value).startswith("x.yaml:")


def test_a_bad_file_is_reported_and_left_alone(tmp_path, capsys):
    path = write(tmp_path)
    bad = _legacy().replace("8.9 supporting", "8.9 strong")
    path.write_text(bad)
    assert main([str(path)]) == 1
    assert path.read_text() == bad and "strength 'strong'" in capsys.readouterr().err


def test_loader_names_the_converter(tmp_path):
    path = write(tmp_path)
    path.write_text(_legacy())
    p = run_cli("rules", "validate", str(tmp_path))
    assert p.returncode == 2 and "make convert-links" in p.stderr.decode()
