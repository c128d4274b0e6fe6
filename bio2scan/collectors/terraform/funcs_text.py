"""Terraform's string, number-conversion, format, CIDR and JSON functions (``funcs.py`` holds
the table and the collection functions). Each takes evaluated, fully known arguments and raises
``FuncError`` where Terraform reports an error."""

from __future__ import annotations

import ipaddress
import json
import re
from decimal import Decimal
from typing import Any

from .values import JsonDoc, known, render

MAX_STRING = 1_000_000


class FuncError(Exception):
    pass


# --- helpers -----------------------------------------------------------------------------------
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")


def number_text(v: str) -> int | float | None:
    """A string as Terraform converts it to a number (decimal notation only: no ``0x``, no
    ``1_000``, no ``inf``, no surrounding spaces), or None."""
    if not _NUMBER_TEXT.match(v):
        return None
    f = float(v)
    return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f


def as_str(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, int, float)):
        return render(v)
    if v is None:
        raise FuncError("a null value where a string is required")
    raise FuncError(f"expected a string, got {kind(v)}")


def kind(v: Any) -> str:
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a map or object"
    return type(v).__name__


def as_num(v: Any) -> float | int:
    if isinstance(v, bool):
        raise FuncError("expected a number, got a bool")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        n = number_text(v)
        if n is None:
            raise FuncError(f"cannot convert {v!r} to a number")
        return n
    raise FuncError(f"expected a number, got {'null' if v is None else kind(v)}")


def as_int(v: Any) -> int:
    n = as_num(v)
    if n != int(n):
        raise FuncError(f"{n} is not a whole number")
    return int(n)


def as_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v in ("true", "false"):
        return bool(v == "true")
    raise FuncError(f"expected a bool, got {v!r}")


_VERB = re.compile(r"%(?:(%)|([-+# 0]*)(\d*)(?:\.(\d*))?(?:\[(\d+)\])?([a-zA-Z]))")


def fn_format(fmt: Any, *args: Any) -> str:
    """Terraform's ``format``: Go's verbs as the documentation lists them."""
    fmt = as_str(fmt)
    out: list[str] = []
    pos = n = 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        if m.group(1):
            out.append("%")
            continue
        flags, width, prec, index, verb = m.group(2, 3, 4, 5, 6)
        if len(width) > 3 or len(prec or "") > 3:
            raise FuncError("format width too large")
        if index is not None:
            n = int(index) - 1
        if not 0 <= n < len(args):
            raise FuncError("not enough arguments for format")
        out.append(_verb(verb, flags, width, prec, args[n]))
        n += 1
    rest = fmt[pos:]
    if "%" in rest:
        raise FuncError("bad format verb at the end of the string")
    out.append(rest)
    return "".join(out)


def _verb(verb: str, flags: str, width: str, prec: str | None, a: Any) -> str:
    spec = "%" + flags.replace("#", "") + width + ("." + prec if prec is not None else "")
    if verb == "v":
        if "#" in flags or a is None or isinstance(a, (list, dict, JsonDoc)):
            return _pad("null" if a is None else _json(a), flags, width)
        verb = "t" if isinstance(a, bool) else "s" if isinstance(a, str) else "g"
    if a is None:
        raise FuncError(f"null value cannot be formatted with %{verb}")
    if verb == "s":
        if isinstance(a, (list, dict)):
            raise FuncError(f"cannot format {kind(a)} with %s")
        return (spec + "s") % as_str(a)
    if verb == "q":
        return _pad(json.dumps(as_str(a), ensure_ascii=False), flags, width)
    if verb == "t":
        return _pad("true" if as_bool(a) else "false", flags, width)
    if verb == "d":
        return (spec + "d") % as_int(a)
    if verb in "bxXo":
        return _base(verb, a, flags, width)
    if verb in "gG" and prec is None:
        return _pad(_shortest_g(float(as_num(a)), verb == "G"), flags, width)
    if verb in "eEfgG":
        return (spec + verb) % float(as_num(a))
    raise FuncError(f"unsupported format verb %{verb}")


def _json(a: Any) -> str:
    out = fn_jsonencode(a)
    if not isinstance(out, str):
        raise FuncError("the value is not known before apply")
    return out


def _shortest_g(x: float, upper: bool) -> str:
    """Go's ``%g`` without a precision: the fewest digits that read back as ``x``, in
    exponent form from an exponent of 6 (or below -4) on."""
    if x == 0 or x != x or x in (float("inf"), float("-inf")):
        return {"inf": "+Inf", "-inf": "-Inf", "nan": "NaN"}.get(repr(x), "0")
    sign, digits, exp = Decimal(repr(x)).normalize().as_tuple()
    assert isinstance(exp, int)
    ds = "".join(map(str, digits))
    e10 = len(ds) + exp - 1
    if e10 < -4 or e10 >= 6:
        text = ds[0] + ("." + ds[1:] if len(ds) > 1 else "") + f"e{e10:+03d}"
        text = text.upper() if upper else text
    else:
        text = format(Decimal(repr(abs(x))).normalize(), "f")
    return ("-" if sign else "") + text


def _base(verb: str, a: Any, flags: str, width: str) -> str:
    digits = format(as_int(a), verb if verb != "X" else "X")
    if "#" in flags and verb in "xX":
        digits = ("-" if digits.startswith("-") else "") + "0" + verb + digits.lstrip("-")
    return _pad(digits, flags, width, zero_ok=True)


def _pad(text: str, flags: str, width: str, zero_ok: bool = False) -> str:
    w = int(width or 0)
    if len(text) >= w:
        return text
    if "-" in flags:
        return text + " " * (w - len(text))
    fill = "0" if zero_ok and "0" in flags else " "
    return fill * (w - len(text)) + text


def fn_formatlist(fmt: Any, *args: Any) -> list[str]:
    lengths = {len(x) for x in args if isinstance(x, list)}
    if len(lengths) > 1:
        raise FuncError("all list arguments must have the same length")
    n = lengths.pop() if lengths else 1
    return [fn_format(fmt, *(x[i] if isinstance(x, list) else x for x in args)) for i in range(n)]


def fn_replace(s: Any, sub: Any, rep: Any) -> str:
    text, old, new = as_str(s), as_str(sub), as_str(rep)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        try:
            return re.sub(old[1:-1], re.sub(r"\$\{?(\d+)\}?", r"\\\1", new), text)
        except re.error as exc:  # not a ValueError: it would escape the evaluator
            raise FuncError(f"invalid regular expression: {exc}") from None
    return text.replace(old, new)


def fn_split(sep: Any, s: Any) -> list[str]:
    text, by = as_str(s), as_str(sep)
    return list(text) if by == "" else text.split(by)


def fn_title(s: Any) -> str:
    """Go's ``strings.Title``: the first letter of each word upper case, the rest untouched."""
    out = []
    prev = " "
    for ch in as_str(s):
        out.append(ch.upper() if not (prev.isalnum() or prev == "_") else ch)
        prev = ch
    return "".join(out)


def fn_indent(n: Any, s: Any) -> str:
    spaces, text = as_int(n), as_str(s)
    if spaces < 0:
        raise FuncError("the number of spaces must not be negative")
    if spaces * (text.count("\n") + 1) + len(text) > MAX_STRING:
        raise FuncError("result too large")
    return text.replace("\n", "\n" + " " * spaces)


def fn_substr(s: Any, offset: Any, length: Any) -> str:
    text, o, n = as_str(s), as_int(offset), as_int(length)
    if o < 0:
        o = max(0, len(text) + o)
    if o > len(text):
        raise FuncError("offset is greater than the length of the string")
    return text[o:] if n < 0 else text[o : o + n]


def fn_parseint(s: Any, base: Any) -> int:
    text, b = as_str(s), as_int(base)
    if not 2 <= b <= 62:
        raise FuncError("base must be between 2 and 62")
    digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    body = text[1:] if text[:1] in "+-" else text
    if not body:
        raise FuncError(f"cannot parse {text!r} as a base {b} integer")
    value = 0
    for ch in body:
        d = digits.find(ch.lower() if b <= 36 else ch)
        if not 0 <= d < b:
            raise FuncError(f"cannot parse {text!r} as a base {b} integer")
        value = value * b + d
    return -value if text.startswith("-") else value


def fn_cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    net = ipaddress.ip_network(as_str(prefix), strict=False)
    bits = as_int(newbits)
    if bits < 0 or net.prefixlen + bits > net.max_prefixlen:
        raise FuncError("insufficient address space")
    num = as_int(netnum)
    if not 0 <= num < 2**bits:
        raise FuncError("netnum out of range")
    size = 2 ** (net.max_prefixlen - net.prefixlen - bits)
    base = int(net.network_address) + num * size
    return f"{ipaddress.ip_address(base) if net.version == 4 else ipaddress.IPv6Address(base)}/{net.prefixlen + bits}"


def fn_cidrhost(prefix: Any, hostnum: Any) -> str:
    net = ipaddress.ip_network(as_str(prefix), strict=False)
    n = as_int(hostnum)
    if n < 0:
        n += net.num_addresses
    if not 0 <= n < net.num_addresses:
        raise FuncError("host number out of range")
    return str(net.network_address + n)


def fn_cidrnetmask(prefix: Any) -> str:
    net = ipaddress.ip_network(as_str(prefix), strict=False)
    if net.version != 4:
        raise FuncError("only IPv4 prefixes have a netmask")
    return str(net.netmask)


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, dict):
        return {k: _json_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_value(x) for x in v]
    return v


_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028"}
_JSON_ESCAPES["\u2029"] = "\\u2029"


def fn_jsonencode(v: Any) -> Any:
    """Minified, object keys in lexical order, and ``<``, ``>``, ``&``, U+2028/9 escaped, as
    Terraform writes JSON."""
    if not known(v):
        return JsonDoc(v)
    text = json.dumps(_json_value(v), separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    for ch, esc in _JSON_ESCAPES.items():
        text = text.replace(ch, esc)
    return text


def fn_jsondecode(v: Any) -> Any:
    return json.loads(as_str(v))
