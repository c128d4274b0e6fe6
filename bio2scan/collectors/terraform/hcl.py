"""Terraform files (HCL native syntax) → a small, picklable syntax tree.

Parsing is python-hcl2's: its grammar (``hcl2.lark``) and post-lexer, run by Lark's LALR parser.
We build our own Lark instance from that grammar for two reasons: without position propagation
it parses about twice as fast (tokens still carry their line), and with an inline transformer the
parse produces our tree directly instead of a Lark tree that would be walked again (and that is
costly to send between processes). python-hcl2's own ``load`` turns expressions back into
``"${…}"`` strings, which would have to be parsed a second time to be evaluated.

The tree (plain tuples, cheap to pickle) — a ``Body`` is ``(attrs, blocks)``:

* ``attrs``: ``{name: (expr, line)}``; ``blocks``: ``[(type, labels, Body, line)]``
* expressions: ``("L", value)`` literal · ``("T", parts, line)`` template (parts: ``str`` or
  expression) · ``("A", items)`` tuple · ``("O", ((key, value), …))`` object · ``("R", name,
  line)`` a name · ``("G", expr, attr)`` · ``("I", expr, index)`` · ``("S", expr, ops)`` splat
  (ops: ``("g", name)``/``("i", expr)``) · ``("C", name, args, expand_last, line)`` call ·
  ``("B", op, a, b)`` · ``("U", op, a)`` · ``("Q", cond, a, b)`` · ``("FT", key, value, coll,
  body, cond)`` · ``("FO", key, value, coll, k, v, group, cond)`` · ``("P", expr)`` parentheses ·
  ``("X", what, line)`` a construct this evaluator does not support (template directives).
"""

from __future__ import annotations

import functools
import re
from typing import Any

Expr = tuple[Any, ...]
Body = tuple[dict[str, tuple[Expr, int]], list[tuple[str, tuple[str, ...], Any, int]]]

MAX_FILE_BYTES = 4 * 1024 * 1024


class HclError(Exception):
    """A file that is not valid HCL: ``line`` is 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_OPS = {
    "DOUBLE_EQ": "==",
    "NEQ": "!=",
    "LT": "<",
    "GT": ">",
    "LEQ": "<=",
    "GEQ": ">=",
    "MINUS": "-",
    "ASTERISK": "*",
    "SLASH": "/",
    "PERCENT": "%",
    "DOUBLE_AMP": "&&",
    "DOUBLE_PIPE": "||",
    "PLUS": "+",
}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_HEREDOC_RE = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)^[ \t]*\1\r?\n?\Z", re.S | re.M)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        s = m.group(1)
        if s[0] in "uU" and len(s) > 1:
            return chr(int(s[1:], 16))
        return _ESCAPES.get(s, "\\" + s)

    return _ESCAPE_RE.sub(one, text)


def _line(tok: Any) -> int:
    return int(getattr(tok, "line", 0) or 0)


def _transformer() -> Any:
    from lark import Token, Transformer

    def clean(children: list[Any]) -> list[Any]:
        return [c for c in children if c is not None and not isinstance(c, Token)]

    class ToTree(Transformer):  # type: ignore[type-arg]
        def new_line_or_comment(self, c: list[Any]) -> None:
            return None

        def start(self, c: list[Any]) -> Any:
            return c[0]

        def body(self, c: list[Any]) -> Body:
            attrs: dict[str, tuple[Expr, int]] = {}
            blocks: list[tuple[str, tuple[str, ...], Any, int]] = []
            for item in c:
                if item is None:
                    continue
                if item[0] == "attr":
                    _, name, expr, line = item
                    if name in attrs:
                        raise HclError(
                            f"attribute {name!r} is defined twice (first on line {attrs[name][1]})",
                            line,
                        )
                    attrs[name] = (expr, line)
                else:
                    blocks.append(item[1:])
            return attrs, blocks

        def attribute(self, c: list[Any]) -> tuple[Any, ...]:
            name = c[0]
            return ("attr", _name(name), c[-1], _line(name) or _line(c[1]))

        def block(self, c: list[Any]) -> tuple[Any, ...]:
            head = c[0]
            labels: list[str] = []
            body: Any = None
            for x in c[1:]:
                if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], dict):
                    body = x
                elif isinstance(x, Token) and x.type in ("LBRACE", "RBRACE"):
                    continue
                elif x is not None:
                    labels.append(_label(x))
            return ("block", _name(head), tuple(labels), body, _line(head))

        def identifier(self, c: list[Any]) -> Any:
            return c[0]

        def keyword(self, c: list[Any]) -> Any:
            return c[0]

        def literal_value(self, c: list[Any]) -> Expr:
            return ("L", {"true": True, "false": False, "null": None}[str(c[0])])

        def int_lit(self, c: list[Any]) -> Expr:
            return ("L", int(str(c[0])))

        def float_lit(self, c: list[Any]) -> Expr:
            return ("L", float(str(c[0])))

        def expr_term(self, c: list[Any]) -> Any:
            parts = [x for x in c if x is not None]
            if len(parts) == 3 and isinstance(parts[0], Token) and parts[0].type == "LPAR":
                return ("P", parts[1])
            x = parts[0]
            if isinstance(x, Token):
                return ("R", str(x), _line(x))
            return x

        def string(self, c: list[Any]) -> Expr:
            parts = [x for x in c if not (isinstance(x, Token) and x.type == "DBLQUOTE")]
            line = next((_line(x) for x in c if isinstance(x, Token)), 0)
            return _template(parts, line)

        def string_part(self, c: list[Any]) -> Any:
            x = c[0]
            if isinstance(x, Token):
                if x.type == "STRING_CHARS":
                    return _unescape(str(x))
                if x.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    return str(x)[1:]
            return x

        def interpolation(self, c: list[Any]) -> Any:
            return clean(c)[0]

        def _directive(self, c: list[Any]) -> Expr:
            return ("X", "template directive %{…}", _line(c[0]))

        template_if_start = template_else = template_endif = _directive
        template_for_start = template_endfor = _directive

        def template_string(self, c: list[Any]) -> Expr:
            return ("X", "template directive %{…}", _line(c[0]))

        def tuple(self, c: list[Any]) -> Expr:
            return ("A", tuple(clean(c)))

        def object(self, c: list[Any]) -> Expr:
            return ("O", tuple(x for x in c if isinstance(x, tuple) and x and x[0] == "elem"))

        def object_elem(self, c: list[Any]) -> Any:
            parts = clean(c)
            return ("elem", parts[0], parts[1])

        def object_elem_key(self, c: list[Any]) -> Expr:
            k = c[0]
            if isinstance(k, Token):
                return ("L", str(k))
            if k[0] == "R":
                return ("L", k[1])
            return k  # type: ignore[no-any-return]

        def heredoc_template(self, c: list[Any]) -> Expr:
            return _heredoc(str(c[0]), _line(c[0]), trim=False)

        def heredoc_template_trim(self, c: list[Any]) -> Expr:
            return _heredoc(str(c[0]), _line(c[0]), trim=True)

        def function_call(self, c: list[Any]) -> Expr:
            names = [str(x) for x in c if isinstance(x, Token) and x.type == "NAME"]
            args: Any = next((x for x in c if isinstance(x, tuple) and x[0] == "args"), None)
            return (
                "C",
                "::".join(names),
                args[1] if args else (),
                bool(args and args[2]),
                _line(c[0]),
            )

        def arguments(self, c: list[Any]) -> Any:
            expand = any(isinstance(x, Token) and x.type == "ELLIPSIS" for x in c)
            return ("args", tuple(clean(c)), expand)

        def index_expr_term(self, c: list[Any]) -> Expr:
            return ("I", c[0], c[1][1])

        def get_attr_expr_term(self, c: list[Any]) -> Expr:
            return ("G", c[0], c[1][1])

        def braces_index(self, c: list[Any]) -> Any:
            return ("i", clean(c)[0])

        def short_index(self, c: list[Any]) -> Any:
            return ("i", ("L", int(str(c[-1]))))

        def get_attr(self, c: list[Any]) -> Any:
            x = c[-1]
            return ("g", _name(x))

        def _splat(self, c: list[Any]) -> Any:
            return ("ops", tuple(x for x in c if isinstance(x, tuple)))

        attr_splat = full_splat = _splat

        def attr_splat_expr_term(self, c: list[Any]) -> Expr:
            return ("S", c[0], c[1][1])

        full_splat_expr_term = attr_splat_expr_term

        def for_intro(self, c: list[Any]) -> Any:
            names = [str(x) for x in c if isinstance(x, Token) and x.type == "NAME"]
            coll = next(x for x in c if isinstance(x, tuple))
            if len(names) == 2:
                return ("intro", names[0], names[1], coll)
            return ("intro", None, names[0], coll)

        def for_cond(self, c: list[Any]) -> Any:
            return ("cond", clean(c)[0])

        def for_tuple_expr(self, c: list[Any]) -> Expr:
            parts = clean(c)
            intro = parts[0]
            cond = next((p[1] for p in parts[1:] if p[0] == "cond"), None)
            return ("FT", intro[1], intro[2], intro[3], parts[1], cond)

        def for_object_expr(self, c: list[Any]) -> Expr:
            group = any(isinstance(x, Token) and x.type == "ELLIPSIS" for x in c)
            parts = clean(c)
            intro = parts[0]
            cond = next((p[1] for p in parts[1:] if p[0] == "cond"), None)
            return ("FO", intro[1], intro[2], intro[3], parts[1], parts[2], group, cond)

        def conditional(self, c: list[Any]) -> Expr:
            parts = clean(c)
            return ("Q", parts[0], parts[1], parts[2])

        def binary_op(self, c: list[Any]) -> Expr:
            left, (op, right) = c[0], c[1]
            return ("B", op, left, right)

        def binary_term(self, c: list[Any]) -> Any:
            parts = [x for x in c if x is not None]
            return (parts[0], parts[-1])

        def binary_operator(self, c: list[Any]) -> str:
            return _OPS[c[0].type]

        def unary_op(self, c: list[Any]) -> Expr:
            return ("U", "-" if c[0].type == "MINUS" else "!", c[1])

    return ToTree()


def _name(x: Any) -> str:
    if isinstance(x, tuple) and x and x[0] == "L":
        return "null" if x[1] is None else str(x[1]).lower()
    return str(x)


def _label(x: Any) -> str:
    if isinstance(x, tuple) and x[0] == "L":
        return str(x[1])
    if isinstance(x, tuple) and x[0] == "T":
        raise HclError("a block label cannot contain an interpolation", x[2])
    return _name(x)


def _template(parts: list[Any], line: int) -> Expr:
    merged: list[Any] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    if not merged:
        return ("L", "")
    if len(merged) == 1 and isinstance(merged[0], str):
        return ("L", merged[0])
    return ("T", tuple(merged), line)


def _heredoc(token: str, line: int, trim: bool) -> Expr:
    m = _HEREDOC_RE.match(token)
    if not m:
        raise HclError("malformed heredoc", line)
    text = m.group(2)
    if trim:
        lines = text.split("\n")
        indents = [len(s) - len(s.lstrip(" \t")) for s in lines if s.strip()]
        cut = min(indents) if indents else 0
        text = "\n".join(s[cut:] for s in lines)
    return _template(_interpolations(text, line + 1), line)


def _interpolations(text: str, line: int) -> list[Any]:
    """Split heredoc text into literal text and parsed ``${…}`` expressions."""
    out: list[Any] = []
    i = 0
    n = len(text)
    while i < n:
        j = text.find("${", i)
        d = text.find("%{", i)
        if d != -1 and (j == -1 or d < j) and not (d > 0 and text[d - 1] == "%"):
            return [*out, text[i:d], ("X", "template directive %{…}", line)]
        if j == -1:
            out.append(text[i:])
            break
        if j > 0 and text[j - 1] == "$":  # $${ is a literal ${
            out.append(text[i : j - 1] + "${")
            i = j + 2
            continue
        out.append(text[i:j])
        end = _closing(text, j + 2)
        if end < 0:
            raise HclError("unterminated ${ in heredoc", line + text.count("\n", 0, j))
        inner = text[j + 2 : end].strip().strip("~").strip()
        where = line + text.count("\n", 0, j)
        attrs, _ = parse_text(f"x = {inner}\n", where)
        out.append(attrs["x"][0])
        i = end + 1
    return out


def _closing(text: str, i: int) -> int:
    depth = 0
    quoted = False
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    import hcl2.parser
    from hcl2.postlexer import PostLexer
    from lark import Lark

    return Lark.open(
        "hcl2.lark",
        rel_to=hcl2.parser.__file__,
        parser="lalr",
        propagate_positions=False,
        postlex=PostLexer(),
        transformer=_transformer(),
        cache=_cache_file(),  # the LALR tables take seconds to build
    )


def _cache_file() -> str | bool:
    """Where Lark keeps the parser tables: the user's bio2scan cache directory
    (``usercache``: ``$BIO2SCAN_CACHE``, ``off`` turns it off), used only when it is this
    user's own and writable by nobody else — Lark's cache is a pickle, so whoever can write it
    could run code in the scanner (Lark's own default, a fixed name in the shared temp
    directory, would unpickle whatever another user put there). No cache when none can be
    made: the tables are then built in memory, which takes seconds but is safe."""
    import hcl2
    import lark

    from ...usercache import usable_dir

    directory = usable_dir(create=True)
    if directory is None:
        return False
    version = getattr(hcl2, "__version__", "0")
    return str(directory / f"hcl2-{version}-lark-{lark.__version__}.cache")


def parse_text(text: str, first_line: int = 1) -> Body:
    """Parse HCL text; raise ``HclError`` with the line of the problem."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

    try:
        body: Body = _parser().parse(text + "\n")
    except UnexpectedToken as exc:
        if exc.token.type == "STRING_CHARS":  # after `=` the lexer takes the rest as text
            raise HclError(
                "syntax error: expected an expression", exc.token.line + first_line - 1
            ) from None
        text = str(exc.token).strip()
        found = (
            "end of file" if exc.token.type == "$END" else (repr(text) if text else "end of line")
        )
        line = getattr(exc.token, "line", None) or exc.line
        raise HclError(f"syntax error: unexpected {found}", line + first_line - 1) from None
    except UnexpectedCharacters as exc:
        raise HclError(
            f"syntax error: unexpected character {exc.char!r}", exc.line + first_line - 1
        ) from None
    except UnexpectedInput as exc:
        raise HclError("syntax error", max(0, exc.line) + first_line - 1) from None
    except VisitError as exc:
        inner = exc.orig_exc
        if isinstance(inner, HclError):
            raise HclError(inner.message, inner.line + first_line - 1) from None
        raise HclError(f"cannot read: {type(inner).__name__}: {inner}") from None
    except RecursionError:
        raise HclError("nested too deeply") from None
    _check_depth(body)
    return body


MAX_DEPTH = 256


def _check_depth(tree: Any) -> None:
    """Refuse trees nested deeper than ``MAX_DEPTH``: evaluating and pickling them recurses."""
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise HclError(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, (tuple, list)):
            stack.extend((x, depth + 1) for x in node if isinstance(x, (tuple, list, dict)))
        elif isinstance(node, dict):
            stack.extend(
                (x, depth + 1) for x in node.values() if isinstance(x, (tuple, list, dict))
            )


def parse_file(path: str) -> Body:
    """Read and parse one ``.tf`` file (UTF-8, at most ``MAX_FILE_BYTES``)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise HclError(f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise HclError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if b"\x00" in raw[:8192]:
        raise HclError("binary file, expected Terraform (HCL)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HclError(f"not UTF-8 text (byte {exc.start})") from None
    return parse_text(text)


def parse_many(paths: list[str]) -> list[Body | HclError]:
    """``parse_file`` for each path; an error is returned in its place, not raised (the
    worker function of the process pool)."""
    out: list[Body | HclError] = []
    for p in paths:
        try:
            out.append(parse_file(p))
        except HclError as exc:
            out.append(exc)
    return out
