"""The configuration file (``--config``): a YAML mapping of defaults for the command-line
options, validated against ``bio2scan/schemas/config.schema.json`` (``bio2scan schema config``)
with the same types and ranges as the command line. Every error is one line naming the file,
the line and the key: ``config.yaml:3 (fail_on): expected one of critical, high, medium, low,
info, none; got the text 'hgih'``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .documents import schema
from .errors import InputError
from .yamlsrc import YamlSyntaxError, line_for, load_with_lines


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if value is None:
        return "nothing (null)"
    return f"a {'list' if isinstance(value, list) else 'mapping'}"


_TYPES = {
    "boolean": "true or false",
    "number": "a number",
    "integer": "a whole number",
    "string": "a text",
    "object": "a mapping",
}


def _schema_message(err: Any) -> tuple[str, tuple[Any, ...]]:
    """One line for a JSON Schema error in a config file, and the key path it is about."""
    path = tuple(err.absolute_path)
    v, inst, sch = err.validator, err.instance, err.schema
    if v == "additionalProperties" and isinstance(inst, dict):
        known = set(sch.get("properties", {}))
        extra = sorted((str(k) for k in inst if k not in known), key=str)
        if extra and known:
            return f"unknown setting {extra[0]!r}; known: {', '.join(sorted(known))}", (
                *path,
                extra[0],
            )
        return f"expected a mapping of name: value, got {_describe(inst)}", path
    if v == "enum":
        choices = ", ".join(str(c) for c in err.validator_value)
        return f"expected one of {choices}; got {_describe(inst)}", path
    if v in ("minimum", "maximum"):
        lo, hi = sch.get("minimum"), sch.get("maximum")
        span = f"from {lo} to {hi}" if lo is not None and hi is not None else f"of at least {lo}"
        return f"expected a number {span}; got {_describe(inst)}", path
    if v == "type":
        want = err.validator_value
        return f"expected {_TYPES.get(want, want)}; got {_describe(inst)}", path
    if v == "oneOf":
        return f"expected a name, a comma-separated list or a list; got {_describe(inst)}", path
    if v == "minLength":
        return "expected a non-empty text", path
    return err.message, path


class Config(dict[str, Any]):
    """A loaded config file: its settings, and the line of each key for messages."""

    file: str | None = None
    lines: dict[tuple[Any, ...], int]

    def line(self, *path: Any) -> int | None:
        return line_for(self.lines, path) if self.file else None

    def error(self, message: str, key: str) -> InputError:
        return InputError(message, file=self.file, line=self.line(key), field=key)


def load_config(path: str | None) -> Config:
    """Read and validate a config file (``None``: no file, an empty config)."""
    config = Config()
    config.lines = {}
    if not path:
        return config
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read config: {getattr(exc, 'strerror', None) or exc}", file=path
        ) from None
    try:
        data, lines = load_with_lines(text)
    except YamlSyntaxError as exc:
        raise InputError(f"YAML syntax error: {exc}", file=path, line=exc.line) from None
    except ValueError as exc:  # a date-like value that is no date
        raise InputError(f"invalid value: {exc}", file=path) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError("a config file holds a mapping of settings", file=path, line=1)
    import jsonschema  # only when a config file is read

    validator = jsonschema.validators.validator_for(schema("config"))(schema("config"))
    err = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if err is not None:
        message, where = _schema_message(err)
        field = ".".join(str(p) for p in where) or None
        raise InputError(message, file=path, line=line_for(lines, where), field=field)
    config.update(data)
    config.file, config.lines = path, lines
    return config
