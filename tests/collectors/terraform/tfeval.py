"""Evaluating one HCL expression through the real parser and evaluator (the Terraform function
and expression tests). Names are given by the test through ``Scope``'s resolver, which is how
``config.py`` supplies a module's names."""

from __future__ import annotations

from typing import Any

from bio2scan.collectors.terraform import hcl
from bio2scan.collectors.terraform.expr import Scope, evaluate
from bio2scan.collectors.terraform.values import Unknown, Unresolved

# an attribute the provider computes at apply (a KMS key's ARN)
ARN = Unknown("aws_kms_key.k.arn", ref="aws_kms_key.k")


def ev(text: str, base_dir: str = ".", roots: tuple[str, ...] = (), **names: Any) -> Any:
    """The value of the HCL expression ``text``; ``names`` are the top-level names it may use."""
    attrs, _ = hcl.parse_text(f"x = {text}\n")

    def resolve(name: str, line: int) -> Any:
        if name in names:
            return names[name]
        return Unresolved(f"unresolved: {name} (not declared in this module)")

    return evaluate(attrs["x"][0], Scope(resolve, "t.tf", base_dir=base_dir, roots=roots))


def error_of(text: str, **names: Any) -> Unresolved:
    """The ``Unresolved`` an expression gives (the test fails on any other value)."""
    v = ev(text, **names)
    assert isinstance(v, Unresolved), f"{text} gave {v!r}, expected an error"
    return v
