"""The BIO2 catalogue: complete, consistent, in both languages."""

import json

from clirun import run_cli

from bio2scan.catalog import THEMES, load_catalog, normalise_control_id


def test_93_controls_in_four_themes():
    cat = load_catalog()
    assert len(cat.controls) == 93
    counts = {t: len(cat.in_theme(t)) for t in THEMES}
    assert counts == {"organisational": 37, "people": 8, "physical": 14, "technological": 34}
    for c in cat.controls.values():
        assert c.title["en"] and c.title["nl"], c.id
        assert c.automatable in ("yes", "partly", "no")


def test_measures_v13_numbering_and_texts():
    cat = load_catalog()
    active = cat.active_measures()
    assert len(active) == 117  # BIO2 v1.3: 117 measures over 54 controls
    assert len({m.control for m in active}) == 54
    for m in cat.measures.values():
        assert m.summary["en"] and m.summary["nl"] and m.summary["en"] != m.summary["nl"], m.id
        head = m.id.rsplit(".", 1)[0]
        assert normalise_control_id(head) == m.control, m.id
        assert m.control in cat.controls
    assert cat.measures["5.04.02"].replaced_by == "5.10.02"
    assert "5.04.02" in cat.measures["5.10.02"].replaces
    assert cat.check_measure("5.04.02") == "'5.04.02' is a v1.2 number; in BIO2 v1.3 it is 5.10.02"
    assert "removed" in cat.check_measure("8.24.03")
    assert cat.check_measure("8.24.04") is None
    assert cat.check_control("8.24") is None and cat.check_control("8.35")


def test_controls_command_json_lists_93():
    p = run_cli("controls", "--format", "json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert len(data) == 93
    assert {"id", "theme", "title", "measures", "rules"} <= set(data[0])


def test_controls_command_one_control_shows_measures_and_rules():
    p = run_cli("controls", "8.18")
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    assert "8.18.01" in out and "k8s.pod.privileged_container" in out
    p = run_cli("controls", "8.18", "--lang", "nl", "--format", "json")
    d = json.loads(p.stdout)
    assert d["title"]["nl"] == "Gebruik van speciale systeemhulpmiddelen"
    assert any(m["id"] == "8.18.02" for m in d["measures"])


def test_controls_theme_filter_and_unknown_control():
    p = run_cli("controls", "--theme", "people", "--format", "json")
    assert len(json.loads(p.stdout)) == 8
    p = run_cli("controls", "9.9")
    assert p.returncode == 2
    assert p.stderr.decode().count("\n") == 1 and "9.9" in p.stderr.decode()
