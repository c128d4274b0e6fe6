"""Kubernetes manifests from files, directories or standard input: the pre-deployment view.

Reads multi-document YAML and JSON, unwraps ``List`` kinds, and gives every object the same shape
a live cluster gives (``kubernetes/objects.py``) with its file and line. Bad input is an error
that names the file and line; what merely is not a manifest in a directory walk (a Helm
``values.yaml``, a README) is skipped with a notice.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ..errors import ManifestError
from ..model import Inventory, Source
from .base import CollectRequest, Option, Recorder
from .kubernetes.objects import to_resource

log = logging.getLogger("bio2scan.collectors.manifests")

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_EXTENSIONS = (".yaml", ".yml", ".json")
_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".terraform", "__pycache__"}


class ManifestCollector:
    name = "manifests"
    provider = "k8s"
    description = (
        "Kubernetes manifests from files, directories or - (stdin): helm template, kustomize build"
    )
    resource_types: tuple[str, ...] = ()  # any kind it finds
    options = (
        Option(
            "paths",
            "Files or directories (- for standard input).",
            type="path",
            multiple=True,
            argument=True,
            required=True,
        ),
        Option(
            "cluster",
            "Name to record as the scope (the cluster these are meant for).",
            default="manifests",
        ),
        Option("namespace", "Namespace for namespaced objects that name none.", default="default"),
    )

    def collect(self, request: CollectRequest) -> Inventory:
        opts = request.options
        paths = list(opts.get("paths") or ())
        if not paths:
            raise ManifestError("no paths given (use - for standard input)")
        cluster = opts.get("cluster") or "manifests"
        namespace = opts.get("namespace") or "default"
        rec = Recorder(self.name, request)
        rec.scope(cluster)
        for p in paths:
            for display, text, explicit in _inputs(p):
                if not request.owns(display):  # --shard: each file belongs to one shard
                    continue
                for line, obj in _documents(text, display, explicit):
                    if request.resource_types is not None and not _wanted(obj, request):
                        continue
                    rec.add(
                        to_resource(
                            obj,
                            cluster=cluster,
                            default_namespace=namespace,
                            source=Source(file=display, line=line),
                        )
                    )
        return rec.inventory({"paths": paths, "cluster": cluster, "namespace": namespace})


def _wanted(obj: dict[str, Any], request: CollectRequest) -> bool:
    from .kubernetes.objects import resource_type

    return request.wants(resource_type(str(obj.get("apiVersion", "v1")), obj["kind"]))


def _inputs(p: str) -> Iterator[tuple[str, str, bool]]:
    """``(display name, text, named explicitly)`` for a path argument."""
    if p == "-":
        text = _decode(sys.stdin.buffer.read(), "<stdin>")
        if not text.strip():
            # in `helm template … | bio2scan scan manifests -` an empty pipe means the command
            # before it failed; passing would hide that
            raise ManifestError("no input (did the command before the pipe fail?)", file="<stdin>")
        yield "<stdin>", text, True
        return
    path = Path(p)
    if path.is_dir():
        for f in _walk(path):
            if f.suffix.lower() not in _EXTENSIONS:
                log.info("notice: %s: skipped (not a YAML or JSON file)", f)
                continue
            yield str(f), _read(f), False
        return
    if not path.exists():
        raise ManifestError("no such file or directory", file=p)
    yield str(path), _read(path), True


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        if "Chart.yaml" in filenames and "templates" in dirnames:
            # a Helm chart's templates are Go templates, not manifests: render them first
            dirnames.remove("templates")
            log.info(
                "notice: %s: skipped (Helm chart templates; scan the output of "
                "`helm template` instead)",
                Path(dirpath) / "templates",
            )
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    return _decode(raw, str(path))


def _decode(raw: bytes, name: str) -> str:
    if b"\x00" in raw[:8192]:
        raise ManifestError("binary file, expected YAML or JSON", file=name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"not UTF-8 text (byte {exc.start})", file=name) from None


def _documents(text: str, name: str, explicit: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every Kubernetes object in ``text`` with its 1-based line (JSON is read as YAML)."""
    if not text.strip():
        log.info("notice: %s: skipped (empty file)", name)
        return
    found = any_doc = False
    for node, doc in _parse(text, name):
        if doc is None:
            continue
        any_doc = True  # from here on, _unwrap gives a notice for what it skips
        for lineno, obj in _unwrap(doc, node, name, explicit):
            found = True
            yield lineno, obj
    if not found and not any_doc:
        log.info("notice: %s: skipped (no Kubernetes objects, only comments)", name)


def _parse(text: str, name: str) -> Iterator[tuple[yaml.Node, Any]]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            _no_duplicate_keys(node, name)
            yield node, loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        problem = " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
        raise ManifestError(
            f"YAML syntax error: {problem}", file=name, line=_error_line(exc, text)
        ) from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"YAML error: {str(exc).splitlines()[0]}", file=name) from None
    finally:
        loader.dispose()


def _no_duplicate_keys(root: yaml.Node, name: str) -> None:
    """Refuse a mapping that names a key twice. YAML loaders keep the last value silently, but
    the API server's strict decoding (and ``kubectl``) reject the object, so a scan of it would
    judge something that never runs — possibly a harmless second ``securityContext``."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    line = key.start_mark.line + 1
                    if key.value in seen:
                        raise ManifestError(
                            f"duplicate key {key.value!r} (first on line {seen[key.value]})",
                            file=name,
                            line=line,
                        )
                    seen[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _error_line(exc: yaml.MarkedYAMLError, text: str) -> int | None:
    """The 1-based line of a YAML error. PyYAML marks an unclosed bracket or quote at the end
    of the input, past the last line; the line where the construct began says more then."""
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return None
    last = max(1, len(text.rstrip("\n").splitlines()))
    if mark.line + 1 > last:
        if exc.context_mark is not None and exc.context_mark.line + 1 <= last:
            return exc.context_mark.line + 1
        return last
    return mark.line + 1


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                child: yaml.Node = v
                return child
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        item: yaml.Node = node.value[key]
        return item
    return None


def _line(node: yaml.Node | None, fallback: int = 1) -> int:
    return node.start_mark.line + 1 if node is not None else fallback


def _unwrap(
    doc: Any, node: yaml.Node | None, name: str, explicit: bool
) -> Iterator[tuple[int, dict[str, Any]]]:
    line = _line(node)
    if isinstance(doc, list):  # a JSON array of objects
        for i, item in enumerate(doc):
            yield from _unwrap(item, _child(node, i), name, explicit)
        return
    if not isinstance(doc, dict) or "kind" not in doc:
        if explicit:
            raise ManifestError("not a Kubernetes object (no 'kind')", file=name, line=line)
        log.info("notice: %s:%d: skipped (YAML that is not a Kubernetes object)", name, line)
        return
    kind = doc["kind"]
    if not isinstance(kind, str) or not kind:
        raise ManifestError("'kind' must be a non-empty string", file=name, line=line, field="kind")
    if kind.endswith("List") and isinstance(doc.get("items"), list):
        items = _child(node, "items")
        for i, item in enumerate(doc["items"]):
            yield from _unwrap(item, _child(items, i), name, True)
        return
    if "apiVersion" not in doc:
        raise ManifestError(f"{kind} has no 'apiVersion'", file=name, line=line, field="apiVersion")
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not (meta.get("name") or meta.get("generateName")):
        raise ManifestError(
            f"{kind} has no metadata.name", file=name, line=line, field="metadata.name"
        )
    yield line, doc
