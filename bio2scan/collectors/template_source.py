"""Infrastructure templates as files: which files, read within bounds, and parsed into data with
the line of every key — for JSON too — so each resource can point at its place in the file.

Used by the ``cloudformation`` and ``arm`` collectors. Bounds: a file is at most ``MAX_BYTES``,
nested at most ``MAX_DEPTH`` deep and holds at most ``MAX_NODES`` values; YAML aliases and
merge keys are refused (CloudFormation does not support them, and they are how a small YAML file
expands into billions of values). A limit that is hit is a ``TemplateError`` naming the line.

JSON is parsed by the standard library's C parser; its line index comes from one pass of a
regular-expression tokenizer over the same text (strings, brackets, colons and commas only), so
both stay linear. YAML is built from the parser's event stream without recursion.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 100
MAX_NODES = 2_000_000
LINE_DEPTH = 12  # key paths deeper than this get the line of their nearest ancestor

Lines = dict[tuple[Any, ...], int]
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".terraform", "__pycache__"})

try:  # the C parser is several times faster; fall back to pure Python where absent
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class TemplateError(Exception):
    """A file that cannot be read as a template. ``line`` is 1-based (or None)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# --- files -----------------------------------------------------------------------------------


def iter_files(
    paths: Sequence[str], extensions: tuple[str, ...]
) -> Iterator[tuple[str, Path, bool]]:
    """``(display name, path, named explicitly)`` for every file under ``paths`` whose name ends
    with one of ``extensions`` (directories are walked in sorted order). A path that does not
    exist raises FileNotFoundError with the path."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
                for name in sorted(filenames):
                    if name.lower().endswith(extensions):
                        f = Path(dirpath) / name
                        yield str(f), f, False
        elif path.exists():
            yield str(path), path, True
        else:
            raise FileNotFoundError(p)


def read_text(path: Path) -> str:
    """The file's text: at most ``MAX_BYTES``, UTF-8 (a BOM is dropped), not binary."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise TemplateError(f"file is {size} bytes, more than the limit of {MAX_BYTES}")
        raw = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"cannot read: {exc.strerror or exc}") from None
    if b"\x00" in raw[:8192]:
        raise TemplateError("binary file, expected JSON or YAML")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"not UTF-8 text (byte {exc.start})") from None


def looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


# --- JSON ------------------------------------------------------------------------------------

_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/', re.S)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


def strip_comments(text: str) -> str:
    """``text`` without ``//`` and ``/* */`` comments (ARM templates allow them), newlines kept."""
    if "/" not in text:
        return text

    def keep(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1)
        return "\n" * m.group(0).count("\n")

    return _COMMENT.sub(keep, text)


def load_json(text: str, comments: bool = False) -> tuple[Any, Lines]:
    """Parse a JSON document; return the data and the line of every container and key."""
    if comments:
        text = strip_comments(text)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise _Duplicate(k)
            out[k] = v
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"JSON syntax error: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise TemplateError(f"nested more than {MAX_DEPTH} levels deep") from None
    except _Duplicate as exc:
        lines = json_lines(text)
        where = [line for path, line in lines.items() if path and path[-1] == exc.key]
        raise TemplateError(f"duplicate key {exc.key!r}", max(where) if where else None) from None
    return data, json_lines(text)


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def json_lines(text: str) -> Lines:
    """The 1-based line of every container and key of a valid JSON text, by key path
    (``("Resources", "Bucket")``, ``("resources", 0)``), up to ``LINE_DEPTH`` deep."""
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line(pos: int) -> int:
        return bisect.bisect_left(newlines, pos) + 1

    lines: Lines = {}
    # frames: [path, is_object, current key or index, expecting a key]
    stack: list[list[Any]] = []
    path: tuple[Any, ...] = ()
    depth = 0
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        c = tok[0]
        if c == '"':
            if stack and stack[-1][1] and stack[-1][3]:
                key = tok[1:-1] if "\\" not in tok else json.loads(tok)
                stack[-1][2] = key
                stack[-1][3] = False
                if depth <= LINE_DEPTH:
                    lines[(*stack[-1][0], key)] = line(m.start())
            elif stack and not stack[-1][1] and depth <= LINE_DEPTH:
                lines.setdefault((*stack[-1][0], stack[-1][2]), line(m.start()))
        elif c in "{[":
            if stack:
                path = (*stack[-1][0], stack[-1][2])
            else:
                path = ()
            depth += 1
            if depth > MAX_DEPTH:
                raise TemplateError(f"nested more than {MAX_DEPTH} levels deep", line(m.start()))
            if len(path) <= LINE_DEPTH:
                lines.setdefault(path, line(m.start()))
            stack.append([path, c == "{", 0 if c == "[" else None, c == "{"])
        elif c in "}]":
            stack.pop()
            depth -= 1
        elif c == "," and stack:
            if stack[-1][1]:
                stack[-1][3] = True
            else:
                stack[-1][2] += 1
    return lines


# --- YAML ------------------------------------------------------------------------------------

TagHandler = Callable[[str, Any, int], Any]
_REFUSED_TAGS = {
    "tag:yaml.org,2002:binary": "binary",
    "tag:yaml.org,2002:omap": "omap",
    "tag:yaml.org,2002:pairs": "pairs",
    "tag:yaml.org,2002:set": "set",
    "tag:yaml.org,2002:timestamp": "timestamp",
}
_STR = "tag:yaml.org,2002:str"


def load_yaml(text: str, tags: TagHandler | None = None) -> tuple[Any, Lines]:
    """Parse one YAML document (YAML 1.1 as CloudFormation reads it: no aliases, no merge keys,
    no binary/omap/pairs/set/timestamp; an unquoted date stays a string). A value with a local
    tag (``!Ref x``) is passed to ``tags(tag, value, line)``; without a handler it is an error."""
    loader = _Loader(text)
    try:
        return _build(loader, tags)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
        last = max(1, len(text.rstrip("\n").splitlines()))
        line = min(mark.line + 1, last) if mark is not None else None
        raise TemplateError(f"YAML syntax error: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"YAML error: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()


def _build(loader: Any, tags: TagHandler | None) -> tuple[Any, Lines]:
    lines: Lines = {}
    # frame: [container, path, tag, line, pending key (maps), key line]
    stack: list[list[Any]] = []
    result: Any = None
    have_doc = False
    nodes = 0

    def attach(value: Any, line: int) -> None:
        nonlocal result
        if not stack:
            result = value
            return
        top = stack[-1]
        if isinstance(top[0], dict):
            if top[4] is _NO_KEY:
                if isinstance(value, (dict, list)):
                    raise TemplateError("a mapping key must be a scalar", line)
                if value in top[0]:
                    raise TemplateError(f"duplicate key {value!r}", line)
                top[4], top[5] = value, line
                return
            key = top[4]
            top[0][key] = value
            if len(top[1]) < LINE_DEPTH:
                lines[(*top[1], key)] = top[5]
            top[4] = _NO_KEY
        else:
            top[0].append(value)

    def child_path() -> tuple[Any, ...]:
        if not stack:
            return ()
        top = stack[-1]
        step = top[4] if isinstance(top[0], dict) else len(top[0])
        return (*top[1], step)

    while True:
        event = loader.get_event()
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.StreamEndEvent):
            break
        if isinstance(event, yaml.DocumentStartEvent):
            if have_doc:
                raise TemplateError("more than one YAML document in the file", line)
            have_doc = True
            continue
        if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
            continue
        if isinstance(event, yaml.AliasEvent):
            raise TemplateError(f"YAML alias *{event.anchor} (aliases are not supported)", line)
        nodes += 1
        if nodes > MAX_NODES:
            raise TemplateError(f"more than {MAX_NODES} values", line)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise TemplateError(f"nested more than {MAX_DEPTH} levels deep", line)
            path = child_path()
            if len(path) <= LINE_DEPTH:
                lines.setdefault(path, line)
            tag = event.tag if event.tag not in (None, "!") else None
            if tag in _REFUSED_TAGS or tag == "tag:yaml.org,2002:merge":
                raise TemplateError(
                    f"the YAML tag !!{tag.rsplit(':', 1)[-1]} is not supported", line
                )
            box: dict[Any, Any] | list[Any] = (
                {} if isinstance(event, yaml.MappingStartEvent) else []
            )
            stack.append([box, path, tag, line, _NO_KEY, 0])
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            box_, _, tag, start, _, _ = stack.pop()
            value: Any = box_
            if tag is not None and not tag.startswith("tag:yaml.org,2002:"):
                value = _local(tags, tag, box_, start)
            attach(value, start)
            continue
        if isinstance(event, yaml.ScalarEvent):
            value = _scalar(loader, event, line)
            if isinstance(value, _Local):
                value = _local(tags, value.tag, value.text, line)
            elif (
                stack
                and isinstance(stack[-1][0], dict)
                and stack[-1][4] is _NO_KEY
                and value == "<<"
                and event.implicit[0]
                and event.tag is None
            ):
                raise TemplateError("YAML merge keys (<<) are not supported", line)
            attach(value, line)
    return result, lines


_NO_KEY: Any = object()


class _Local:
    __slots__ = ("tag", "text")

    def __init__(self, tag: str, text: str) -> None:
        self.tag, self.text = tag, text


def _local(tags: TagHandler | None, tag: str, value: Any, line: int) -> Any:
    if tags is None:
        raise TemplateError(f"unknown YAML tag {tag}", line)
    return tags(tag, value, line)


def _scalar(loader: Any, event: Any, line: int) -> Any:
    tag = event.tag
    if tag is not None and tag != "!" and not tag.startswith("tag:yaml.org,2002:"):
        return _Local(tag, event.value)
    if tag == "!" or (tag is None and not event.implicit[0]):
        return event.value  # quoted (or explicitly non-specific): a string
    if tag is None:
        tag = loader.resolve(yaml.ScalarNode, event.value, (True, False))
    if tag in _REFUSED_TAGS:
        if tag.endswith("timestamp") and event.tag is None:
            return event.value  # an unquoted date (AWSTemplateFormatVersion: 2010-09-09)
        raise TemplateError(f"the YAML tag !!{_REFUSED_TAGS[tag]} is not supported", line)
    if tag == _STR or tag == "tag:yaml.org,2002:merge":
        return event.value
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise TemplateError(f"cannot read the value: {exc.problem}", line) from None


def line_for(lines: Lines, path: tuple[Any, ...]) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return lines.get(())
