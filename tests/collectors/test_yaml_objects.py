"""go-yaml v2's YAML 1.1 scalars (what kubectl and Helm decide), explicit tags, merge keys,
duplicate keys and JSON — the reader under the manifests collector."""

from __future__ import annotations

import math

import pytest

from bio2scan.collectors.yaml_objects import Limits, LoadError, load, resolve_plain
from bio2scan.credentials import redact_argv, redact_text, redact_value, secret_name


@pytest.mark.parametrize(
    "text, value",
    [
        ("y", True),
        ("Yes", True),
        ("ON", True),
        ("true", True),
        ("n", False),
        ("Off", False),
        ("", None),
        ("~", None),
        ("NULL", None),
        ("0x1F", 31),
        ("017", 15),
        ("0o17", 15),
        ("0b101", 5),
        ("-0b101", -5),
        ("+12", 12),
        ("1_000", 1000),
        ("1e3", 1000.0),
        ("3.5", 3.5),
        (".5", 0.5),
        ("089", 89.0),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("2024-01-01", "2024-01-01"),
        ("1:20", "1:20"),
        ("0x", "0x"),
        ("-", "-"),
        ("99999999999999999999999", 1e23),
        ("nginx", "nginx"),
        ("0xZZ", "0xZZ"),
    ],
)
def test_plain_scalars_as_go_yaml_v2_reads_them(text, value):
    assert resolve_plain(text) == value


def test_nan():
    assert math.isnan(resolve_plain(".nan"))


def _one(text):
    (doc,) = list(load(text))
    return doc.value


def test_tags_quotes_keys_and_merges():
    v = _one(
        "a: !!str 12\nb: !!int '7'\nc: !!float 2\nd: !!bool yes\ne: !!null ~\n"
        "f: !!binary aGk=\ng: !custom x\nh: !!timestamp 2024-01-01\ni: 'yes'\nj: |\n  on\n"
        "0x10: k\non: l\n~: m\nbase: &b {x: 1}\nmerged: {<<: [*b, {x: 2, w: 3}], z: 4}\n"
    )
    assert v["a"] == "12" and v["b"] == 7 and v["c"] == 2.0 and v["d"] is True
    assert v["e"] is None and v["f"] == "hi" and v["g"] == "x" and v["h"] == "2024-01-01"
    assert v["i"] == "yes" and v["j"] == "on\n"
    assert v["16"] == "k" and v["true"] == "l" and v["null"] == "m"
    assert v["merged"] == {"x": 1, "w": 3, "z": 4}


@pytest.mark.parametrize(
    "text, message",
    [
        ("a: !!int abc", "as !!int"),
        ("a: !!bool maybe", "as !!bool"),
        ('a: !!binary "@@@"', "base64"),
        ("a: !!set x", "!!set"),
        ("a: 1\na: 2", "duplicate key 'a'"),
        ("? [a]\n: 1", "must be a scalar"),
        ("<<: 3", "needs mappings"),
        ("a: [", "YAML syntax error"),
        ('{"a": 1, "a": 2}', "duplicate key"),
    ],
)
def test_refused(text, message):
    with pytest.raises(LoadError, match=message.replace("[", r"\[")):
        list(load(text))


def test_json_lines_and_depth():
    docs = list(load('[\n {"kind": "A"},\n {"kind": "B"}\n]'))
    assert docs[0].items == (2, 3)
    with pytest.raises(LoadError, match="too deeply"):
        list(load("[" * 100000 + "]" * 100000))
    with pytest.raises(LoadError, match="deeper than 5"):
        list(load("a: " + "[" * 10 + "]" * 10, Limits(max_depth=5)))
    assert _one("{kind: Pod}") == {"kind": "Pod"}  # a YAML flow mapping, not JSON


def test_credential_names_and_texts():
    assert secret_name("DB_PASSWORD") and secret_name("apiKey") and secret_name("sig")
    assert not secret_name("PASSWORD_FILE") and not secret_name("") and not secret_name(None)
    assert secret_name("BASIC_AUTH") and secret_name("CONNECTION_STRING")
    assert redact_value("TOKEN", 3) == 3
    assert redact_text("key: AKIAABCDEFGHIJKLMNOP") == "key: <redacted>"
    assert redact_text("-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----") == (
        "<redacted>"
    )
    assert redact_argv([1, "--token", "$(T)", "x"]) == [1, "--token", "$(T)", "x"]


# --- the fast path for documents without aliases ----------------------------------------------

# mostly keys of the common case (the fast path), sometimes one that makes it fall back
_KEYS = [*"abcdefghijklmnopqrst", "name", "image", "on", "y", "~", "1", "0x1F", "<<", "!!str 5"]
_SCALARS = [
    "x", "y", "no", "On", "~", "", "null", "12", "0o17", "017", "0x1F", "1_000", "1e3", ".5",
    "-.inf", ".NaN", "2024-01-01", "1:20", "'yes'", '"7"', "!!int 3", "!!str 4", "!custom v",
    "!!binary aGk=", "|\n  on\n", "[1, y]", "{k: off}",
]  # fmt: skip


def _doc(draw, depth: int) -> str:
    from hypothesis import strategies as st

    if depth > 3 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(_SCALARS)).replace("\n", "\n" + "  " * depth)
    if draw(st.booleans()):
        items = draw(st.lists(st.sampled_from(_SCALARS[:-3]), max_size=4))
        return "[" + ", ".join(items) + "]"
    keys = draw(st.lists(st.sampled_from(_KEYS), min_size=1, max_size=4, unique=True))
    pad = "  " * (depth + 1)
    lines = [f"{k}: {_doc(draw, depth + 1)}" for k in keys]
    return "\n" + "\n".join(pad + line for line in lines)


def _composed(text: str):
    from bio2scan.collectors import yaml_objects

    loader = yaml_objects._Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _outcome(build, node):
    try:
        return ("ok", repr(build(node)))
    except LoadError as exc:
        return ("error", str(exc), exc.line)


def test_the_fast_path_builds_what_the_general_path_builds():
    """``_Builder.tree`` (no aliases in the text) gives the same values and the same errors as
    ``_Builder.build`` for YAML 1.1 scalars, tags, odd keys, merge keys and duplicates."""
    import yaml
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from bio2scan.collectors.yaml_objects import _Builder

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data):
        text = "root:" + _doc(data.draw, 0) + "\n"
        try:
            node = _composed(text)
        except yaml.YAMLError:
            return
        assert node is not None
        limits = Limits(max_depth=data.draw(st.integers(1, 6)))
        assert _outcome(_Builder(limits).tree, node) == _outcome(_Builder(limits).build, node)

    check()


def test_a_document_with_an_alias_takes_the_general_path():
    (doc,) = list(load("a: &x [1, 2]\nb: *x\n"))
    assert doc.value == {"a": [1, 2], "b": [1, 2]}
    with pytest.raises(LoadError, match="alias"):
        list(load("a: &x [*x]\n"))
    with pytest.raises(LoadError, match="deeper than 2"):
        list(load("a: {b: {c: 1}}\n", Limits(max_depth=2)))


def test_an_alias_without_its_anchor_is_an_error_and_a_star_in_text_no_alias():
    """A text with ``*`` but no ``&`` is read on the fast path: a star in a value is data, and
    an alias whose anchor is missing is a YAML error with its line."""
    (doc,) = list(load('verbs: ["*"]\nhost: "*.example.nl"\nglob: a*b\n'))
    assert doc.value == {"verbs": ["*"], "host": "*.example.nl", "glob": "a*b"}
    with pytest.raises(LoadError, match="alias") as err:
        list(load("a: 1\nb: *nowhere\n"))
    assert err.value.line == 2


def _resolve_reference(value: str):
    """``resolve_plain`` as it was before its shortcuts (no ending check, no decimal fast
    path): the oracle for them."""
    from bio2scan.collectors import yaml_objects as yo

    b = yo._BOOLS.get(value)
    if b is not None:
        return b
    if value in yo._NULLS:
        return None
    if value[:1] in yo._NUMBER_START:
        f = yo._SPECIAL_FLOATS.get(value)
        if f is not None:
            return f
        plain = value.replace("_", "")
        n = yo._go_int(plain)
        if n is not yo._MISSING:
            return n
        if yo._FLOAT.match(plain):
            return float(plain)
    return value


def test_the_shortcuts_of_resolve_plain_change_no_value():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    chars = "0123456789+-._eExXoObBaAfFmMiIgGkKyn~ \t\n"

    @settings(max_examples=3000, deadline=None)
    @given(st.text(alphabet=chars, min_size=1, max_size=24))
    def check(value):
        got, want = resolve_plain(value), _resolve_reference(value)
        assert type(got) is type(want) and repr(got) == repr(want)

    check()
    for value in ("0", "7", "10", "007", "0x1F", "1_000", "1.", "1e3", "512Mi", "9" * 18, "9" * 25):
        assert repr(resolve_plain(value)) == repr(_resolve_reference(value))


@pytest.mark.parametrize("anchors", [False, True])
def test_mapping_keys_are_one_string_each_across_objects(anchors):
    """Keys recur in every object (``metadata``, ``name``, ``image`` …): the reader keeps one
    string per distinct key, not one per object — 100,000 objects held ~10 % less."""
    extra = "x: &a 1\ny: *a\n" if anchors else ""  # an alias takes the general builder
    text = "".join(
        f"---\nkind: Pod\nmetadata:\n  name: p{i}\n{extra}spec:\n  containers:\n  - {{name: c, "
        f"image: i{i}}}\n"
        for i in range(3)
    )
    docs = [d.value for d in load(text)]
    assert [d["metadata"]["name"] for d in docs] == ["p0", "p1", "p2"]
    for key in ("kind", "metadata", "spec"):
        first, *rest = [next(k for k in d if k == key) for d in docs]
        assert all(k is first for k in rest)
    names = [next(iter(d["spec"]["containers"][0])) for d in docs]
    assert all(k is names[0] for k in names)


def test_a_key_met_quoted_first_is_still_resolved_when_plain():
    """The reader remembers keys that stay the strings they are; a quoted ``'yes'`` or
    ``"12"`` (a string) must not make a later plain ``yes`` (true) or ``12`` one."""
    (doc,) = load("'yes': 1\n\"12\": 2\n'<<': 3\n'~': 4\n")
    assert doc.value == {"yes": 1, "12": 2, "<<": 3, "~": 4}
    (doc,) = load("yes: 1\n12: 2\n~: 4\nq: {'yes': 5}\n")
    assert doc.value == {"true": 1, "12": 2, "null": 4, "q": {"yes": 5}}
    (doc,) = load("- {yes: 1, <<: {b: 2}}\n")
    assert doc.value == [{"true": 1, "b": 2}]


def test_the_mappings_with_a_watched_key_are_listed():
    """``load(…, watch)`` lists every mapping of a document that has a watched key — on the
    fast path, the general path (aliases, merge keys) and never for JSON (not known)."""
    watch = frozenset({"value", "args"})

    def walk(v, out):
        if isinstance(v, dict):
            if watch & v.keys():
                out.append(v)
            for x in v.values():
                walk(x, out)
        elif isinstance(v, list):
            for x in v:
                walk(x, out)
        return out

    texts = [
        "a: {value: 1, b: [{args: [x]}, {c: 1}]}\nd: [[{value: 2}]]\n",
        "a: &x {value: 1}\nb: {<<: *x, args: []}\nc: [*x]\n",
        "q: {'value': 1, 12: {args: 2}}\n",
        "nothing: [1, {here: 2}]\n",
    ]
    for text in texts:
        (doc,) = list(load(text, watch=watch))
        assert doc.watched is not None
        want = walk(doc.value, [])
        assert all(any(m is w for m in doc.watched) for w in want)
        assert all(watch & m.keys() for m in doc.watched)
    (doc,) = list(load(texts[0]))
    assert doc.watched is None
    (doc,) = list(load('{"value": 1}', watch=watch))
    assert doc.watched is None


def test_the_keys_remembered_stay_bounded():
    """Keys are input: a file with more distinct (or longer) keys than the reader remembers
    is read all the same, and what it remembers stays within its bound."""
    from bio2scan.collectors import yaml_objects as yo

    text = "".join(f"k{i}: {i}\n" for i in range(yo._KEYS_MAX + 500)) + "x" * 300 + ": 1\n"
    (doc,) = load(text)
    assert len(doc.value) == yo._KEYS_MAX + 501 and doc.value["k7"] == 7
    assert len(yo._KEYS) <= yo._KEYS_MAX
    assert "x" * 300 not in yo._KEYS
