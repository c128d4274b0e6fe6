"""The values a Terraform expression can have besides plain JSON-like data.

* ``Unknown``: known only after apply — an attribute the provider computes (an ARN, an id), a
  data source, ``timestamp()``. ``ref`` names the resource instance it comes from (for joins:
  ``aws_s3_bucket_policy.bucket = aws_s3_bucket.b.id``), ``text`` is a rendering with the
  unknown parts marked (so a JSON policy written as a heredoc can still be read).
* ``Unresolved``: could not be worked out statically — a variable without a value, a module
  that is not here, a reference to something undeclared, an unsupported function. Rules that
  read it give ERROR, never PASS.
* ``JsonDoc``: the result of ``jsonencode`` (or ``aws_iam_policy_document``) on a value with
  unknown parts: the structure is kept, the unknown leaves stay ``Unknown``.

A value is "fully known" when no ``Unknown``/``Unresolved`` occurs anywhere inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PLACEHOLDER = "(known after apply)"


def placeholder(origin: str) -> str:
    """How an identifier known only after apply is written into data: ``${aws_kms_key.k.arn}``
    — the same text wherever the same attribute is referred to, so joins by id still work."""
    return "${" + origin + "}"


class Unknown:
    __slots__ = ("origin", "present", "ref", "text")

    def __init__(
        self, origin: str, ref: str | None = None, text: str | None = None, present: bool = False
    ) -> None:
        self.origin = origin  # what it is: "aws_kms_key.k.arn", "data.aws_vpc.x.id", "timestamp()"
        self.ref = ref  # the managed resource instance address it belongs to, if any
        self.text = text
        self.present = present  # there will be a value (a public IP); only its content is unknown

    def __repr__(self) -> str:
        return f"Unknown({self.origin})"


class Unresolved:
    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unresolved({self.reason})"


class JsonDoc:
    """``jsonencode(value)`` where ``value`` is not fully known."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"JsonDoc({self.value!r})"


def is_special(v: Any) -> bool:
    return isinstance(v, (Unknown, Unresolved))


def first_special(v: Any, depth: int = 0) -> Unknown | Unresolved | None:
    """The first ``Unresolved`` inside ``v`` (preferred), else the first ``Unknown``."""
    found: Unknown | None = None
    for x in _walk(v):
        if isinstance(x, Unresolved):
            return x
        if found is None and isinstance(x, Unknown):
            found = x
    return found


def _walk(v: Any) -> Iterator[Any]:
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, JsonDoc):
            stack.append(x.value)
        else:
            yield x


def known(v: Any) -> bool:
    return first_special(v) is None


def render(v: Any) -> str:
    """``v`` as text for a template, with unknown parts as ``(known after apply)``."""
    if isinstance(v, Unknown):
        return v.text if v.text is not None else placeholder(v.origin)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
