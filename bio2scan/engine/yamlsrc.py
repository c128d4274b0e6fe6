"""Moved to ``bio2scan.yamlsrc`` (waivers and the config file read YAML with lines too, and a
stage must not import another). Kept so existing imports keep working."""

from ..yamlsrc import Lines, YamlSyntaxError, dotted, line_for, load_with_lines

__all__ = ["Lines", "YamlSyntaxError", "dotted", "line_for", "load_with_lines"]
