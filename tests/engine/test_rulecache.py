"""The rule cache and the plugin index (issue 15): validated rules kept between runs, keyed by the content of the rule
files, in a directory of the user's only; a corrupt, truncated, foreign or other-version entry is
rebuilt, never trusted; an unusable cache directory only costs time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import run_cli
from engine_support import NOW, inventory, resource
from test_loader import GOOD, write

from bio2scan import api, plugins, usercache
from bio2scan.engine import compile_rule, evaluate, load_rules_dir, rulecache
from bio2scan.engine.evaluate import relevant_rules
from bio2scan.errors import RuleError
from bio2scan.model import CollectionError


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(rulecache.ENV, str(where))
    return where


def entries(where: Path) -> list[Path]:
    return sorted(where.glob("rules-*.json")) if where.is_dir() else []


def test_the_second_load_comes_from_the_cache_and_equals_the_first(tmp_path, cache):
    rules = tmp_path / "rules"
    write(rules)
    first = load_rules_dir(rules)
    (entry,) = entries(cache)
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    head = json.loads(entry.read_bytes().partition(b"\n")[0])
    assert head["format"] == usercache.FORMAT and head["kind"] == "rules"
    assert entry.name == f"rules-{head['key']}.json"
    second = load_rules_dir(rules)
    assert second == first and len(entries(cache)) == 1


def _rewrite(entry: Path, change) -> None:
    """Rewrite an entry's body with ``change`` and a header that matches it."""
    import hashlib

    head, _, body = entry.read_bytes().partition(b"\n")
    data = json.loads(body)
    change(data)
    body = json.dumps(data).encode()
    h = json.loads(head)
    h["sha256"] = hashlib.sha256(body).hexdigest()
    entry.write_bytes(json.dumps(h).encode() + b"\n" + body)


def test_the_entry_is_what_is_used_and_a_changed_file_is_a_new_key(tmp_path, cache):
    """An entry that matches its key is used as it is (this is the user's own directory); a
    rule file changed without changing its size or modification time is still seen."""
    rules = tmp_path / "rules"
    path = write(rules)
    load_rules_dir(rules)
    (entry,) = entries(cache)

    def retitle(data):
        data["rules"][0]["title"]["en"] = "From the cache"

    _rewrite(entry, retitle)
    assert load_rules_dir(rules)[0].title["en"] == "From the cache"

    st = path.stat()
    path.write_text(GOOD.replace("Things are fine", "Things are good"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    assert load_rules_dir(rules)[0].title["en"] == "Things are good"
    assert len(entries(cache)) == 2


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda raw: raw[: len(raw) // 2], id="truncated"),
        pytest.param(lambda raw: b"", id="empty"),
        pytest.param(lambda raw: b"\x80\x03not json at all\n\x00\x01", id="foreign-bytes"),
        pytest.param(lambda raw: raw.replace(b'"title"', b'"titel"', 1), id="body-changed"),
        pytest.param(
            lambda raw: raw.replace(usercache.FORMAT.encode(), b"bio2scan-cache/0", 1),
            id="other-format",
        ),
        pytest.param(lambda raw: raw.partition(b"\n")[2], id="no-header"),
    ],
)
def test_a_spoiled_entry_is_rebuilt_never_trusted(tmp_path, cache, spoil):
    rules = tmp_path / "rules"
    write(rules)
    good = load_rules_dir(rules)
    (entry,) = entries(cache)
    entry.write_bytes(spoil(entry.read_bytes()))
    assert load_rules_dir(rules) == good
    assert rulecache.read(entry.name[len("rules-") : -len(".json")]) is not None  # rewritten


def test_an_entry_of_the_right_digest_but_the_wrong_shape_is_rebuilt(tmp_path, cache):
    rules = tmp_path / "rules"
    write(rules)
    good = load_rules_dir(rules)
    (entry,) = entries(cache)

    def break_it(data):
        data["rules"][0]["severity"] = "catastrophic"
        data["rules"][0]["links"] = "nope"

    _rewrite(entry, break_it)
    assert load_rules_dir(rules) == good


def test_an_entry_that_misses_a_file_is_not_used(tmp_path, cache):
    rules = tmp_path / "rules"
    write(rules)
    load_rules_dir(rules)
    (entry,) = entries(cache)
    _rewrite(entry, lambda data: data["rules"].clear())
    assert [r.id for r in load_rules_dir(rules)] == ["test.svc.thing_ok"]


def test_foreign_files_and_a_symlinked_entry_are_ignored(tmp_path, cache):
    rules = tmp_path / "rules"
    write(rules)
    good = load_rules_dir(rules)
    (entry,) = entries(cache)
    key = entry.name[len("rules-") : -len(".json")]
    (cache / "notes.txt").write_text("someone else's file")
    (cache / ".tmp-foreign").write_bytes(b"\x00" * 10)
    planted = tmp_path / "planted.json"
    planted.write_bytes(entry.read_bytes().replace(b"Things are fine", b"Planted"))
    entry.unlink()
    entry.symlink_to(planted)
    assert rulecache.read(key) is None  # a symlink is not followed
    assert load_rules_dir(rules) == good
    assert not entry.is_symlink()  # replaced by a real entry


def test_a_directory_others_may_write_is_not_used(tmp_path, cache):
    cache.mkdir(mode=0o700)
    cache.chmod(0o777)
    rules = tmp_path / "rules"
    write(rules)
    assert load_rules_dir(rules)[0].id == "test.svc.thing_ok"
    assert entries(cache) == []


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv(rulecache.ENV, "off")
    assert rulecache.cache_dir() is None
    rules = tmp_path / "rules"
    write(rules)
    assert load_rules_dir(rules)[0].id == "test.svc.thing_ok"


def test_default_location_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv(rulecache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert rulecache.cache_dir() == tmp_path / "xdg" / "bio2scan" == usercache.cache_dir()
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert rulecache.cache_dir() == Path.home() / ".cache" / "bio2scan"


def test_an_invalid_rule_is_never_cached(tmp_path, cache):
    rules = tmp_path / "rules"
    write(rules, GOOD.replace("severity: high", "severity: huge"))
    for _ in range(2):
        with pytest.raises(RuleError, match="severity"):
            load_rules_dir(rules)
    assert entries(cache) == []


def test_a_rule_json_cannot_carry_is_loaded_from_its_file(tmp_path, cache):
    """A YAML timestamp (a datetime) or an integer key would come back changed from JSON: such
    a rule is listed as not cached and read from its file each time."""
    rules = tmp_path / "rules"
    write(rules)
    odd = GOOD.replace("id: test.svc.thing_ok", "id: test.svc.thing_dated").replace(
        "resource: {data: {spec: {days: 40, name: abc}}}",
        "resource: {data: {spec: {days: 40, name: abc, when: 2024-01-02, 7: seven}}}",
    )
    write(rules, odd, "test/svc/thing_dated.yaml")
    first = load_rules_dir(rules)
    (entry,) = entries(cache)
    body = json.loads(entry.read_bytes().partition(b"\n")[2])
    assert body["uncached"] == ["test/svc/thing_dated.yaml"]
    assert [r["id"] for r in body["rules"]] == ["test.svc.thing_ok"]
    second = load_rules_dir(rules)
    assert second == first
    dated = next(r for r in second if r.id == "test.svc.thing_dated")
    assert type(dated.tests[0]["resource"]["data"]["spec"]["when"]).__name__ == "date"


def test_the_same_files_in_another_directory_are_named_by_that_directory(tmp_path, cache):
    for d in ("a", "b"):
        write(tmp_path / d)
    a = load_rules_dir(tmp_path / "a", pack="A")
    b = load_rules_dir(tmp_path / "b", pack="B")
    assert (a[0].pack, b[0].pack) == ("A", "B")
    assert "/a/" in a[0].file and "/b/" in b[0].file
    assert len(entries(cache)) == 2


def test_an_unusable_cache_directory_costs_time_only(tmp_path, monkeypatch):
    """The cache directory cannot be made (its parent is a file; root may write anywhere, so
    permissions alone would not show it): the scan works as without a cache."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    (tmp_path / "one.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\n"
        "spec: {containers: [{name: c, image: nginx}]}\n"
    )
    args = ("scan", "manifests", "one.yaml", "--rules", "k8s.*", "-q")
    p = run_cli(*args, "-o", "out", cwd=tmp_path, env={rulecache.ENV: str(blocker / "cache")})
    off = run_cli(*args, "-o", "off", cwd=tmp_path, env={rulecache.ENV: "off"})
    err = p.stderr.decode()
    assert "Traceback" not in err and err.strip() == "", err
    assert p.returncode == off.returncode and p.returncode in (1, 3), err  # as without a cache

    def results(d):
        return api.load_results(tmp_path / d / "results.json")["results"]

    assert results("out") and results("out") == results("off")


_WRITER = """
import sys
from pathlib import Path
from bio2scan.engine import load_rules_dir
rules = load_rules_dir(Path(sys.argv[1]))
print(len(rules))
"""


def test_concurrent_writers_leave_one_whole_entry(tmp_path, cache):
    rules = tmp_path / "rules"
    for n in range(12):
        text = GOOD.replace("thing_ok", f"thing_{n}")
        write(rules, text, f"test/svc/thing_{n}.yaml")
    env = dict(os.environ, **{rulecache.ENV: str(cache)})
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(rules)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(6)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, [e for _, e in outs]
    assert {o.strip() for o, _ in outs} == {b"12"}
    (entry,) = entries(cache)
    assert not list(cache.glob(".tmp-*"))
    assert rulecache.read(entry.name[len("rules-") : -len(".json")]) is not None


def test_old_entries_are_pruned(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(usercache, "MAX_ENTRIES", 2)
    for n in range(4):
        write(tmp_path / f"r{n}")
        load_rules_dir(tmp_path / f"r{n}")
    assert len(entries(cache)) == 2


def test_the_builtin_rules_round_trip_through_the_cache(all_rules, cache):
    """Every built-in rule comes back from the cache exactly as loaded from its file."""
    fresh = api.load_rules()
    cached = api.load_rules()
    assert entries(cache) and cached == fresh == all_rules


def test_a_scan_compiles_only_the_rules_that_can_give_a_result(all_rules):
    """A manifest scan does not compile the AWS rules: the relevant rules give exactly the
    results all rules give; a collection error of a provider makes its rules relevant."""
    k8s = resource(
        {"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{}]}}}},
        rtype="k8s.apps.deployment",
    )
    inv = inventory(k8s)
    rules = list(all_rules.values())
    relevant = relevant_rules(rules, inv, None)
    assert relevant and all(r.provider == "k8s" for r in relevant)
    assert evaluate(inv, [compile_rule(r) for r in relevant], now=NOW) == evaluate(
        inv, [compile_rule(r) for r in rules], now=NOW
    )
    err = CollectionError(provider="aws", resource_type="*", scope="a", reason="denied")
    broken = inventory(k8s, errors=(err,))
    assert any(r.provider == "aws" for r in relevant_rules(rules, broken, None))
    aws_rule = next(r for r in rules if r.provider == "aws")
    assert aws_rule in relevant_rules(rules, inv, {aws_rule.id: {}})


# --- the list of installed plugins -----------------------------------------------------------


_NO_METADATA = """
import sys
from bio2scan import plugins
print(sorted(plugins.names("bio2scan.collectors")))
print("importlib.metadata" in sys.modules)
"""


def test_a_warm_run_does_not_import_importlib_metadata(tmp_path):
    env = dict(os.environ, **{usercache.ENV: str(tmp_path / "cache")})
    runs = [
        subprocess.run(
            [sys.executable, "-c", _NO_METADATA], env=env, capture_output=True, text=True
        ).stdout.split("\n")
        for _ in range(2)
    ]
    assert "'manifests'" in runs[0][0] and runs[0][0] == runs[1][0]
    assert runs[0][1] == "True" and runs[1][1] == "False", runs
    (entry,) = (tmp_path / "cache").glob("plugins-*.json")
    entry.write_bytes(entry.read_bytes()[:-7])  # truncated: rebuilt through importlib.metadata
    again = subprocess.run(
        [sys.executable, "-c", _NO_METADATA], env=env, capture_output=True, text=True
    ).stdout.split("\n")
    assert again[:2] == [runs[0][0], "True"]


def test_the_plugin_index_follows_the_entry_points_files(tmp_path, cache, monkeypatch):
    """A changed ``entry_points.txt`` (even of the same size) is a new key; a file changed
    within the last seconds gives no key at all (its times could hide a second change)."""
    import time

    dist = tmp_path / "site" / "widgets-1.0.dist-info"
    dist.mkdir(parents=True)
    eps = dist / "entry_points.txt"
    eps.write_text("[bio2scan.collectors]\nwidgets = bio2scan_widgets:One\n")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: widgets\nVersion: 1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert plugins._environment_key() is None  # just written
    monkeypatch.setattr(plugins, "_RACY_S", 0.0)
    first = plugins._environment_key()
    assert first is not None
    found = plugins._all_entry_points.__wrapped__()
    assert ("widgets", "bio2scan_widgets:One") in {(e.name, e.value) for e in found}
    assert plugins._all_entry_points.__wrapped__() == found  # from the cache
    time.sleep(0.05)
    eps.write_text("[bio2scan.collectors]\nwidgets = bio2scan_widgets:Two\n")
    assert plugins._environment_key() not in (None, first)
    found = plugins._all_entry_points.__wrapped__()
    assert ("widgets", "bio2scan_widgets:Two") in {(e.name, e.value) for e in found}


def test_a_zip_on_sys_path_turns_the_plugin_index_off(tmp_path, monkeypatch):
    z = tmp_path / "lib.zip"
    z.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    monkeypatch.syspath_prepend(str(z))
    assert plugins._environment_key() is None
