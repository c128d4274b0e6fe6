"""Text from the scanned estate, made safe for a terminal or a log.

Resource names, file names, messages and values come from files and APIs that someone else
wrote. Printed raw, a name holding ``ESC [2J`` clears the screen, an OSC 8 sequence plants a
hyperlink in a CI log, a carriage return or newline prints a fake line, and a right-to-left
override makes ``txt.exe`` look like ``exe.txt``. ``safe`` turns every such character into a
visible escape (``\\x1b``, ``\\n``, ``\\u202e``) — escaped, not dropped, so that the reader sees that
the name is odd; ordinary text, accents and other scripts pass unchanged.

Escaped: the C0 controls (``\\x00``–``\\x1f``, tab and newline too in ``safe``), DEL, the C1
controls (``\\x80``–``\\x9f``, among them the 8-bit CSI and OSC introducers), the bidirectional
overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators
(U+2028, U+2029). With the escape character itself escaped, no escape sequence (CSI, OSC, DCS
…) can start, so none needs to be parsed.
"""

from __future__ import annotations

import re
from typing import Any

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_BLOCK = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(value: Any) -> str:
    """One line of text: every control and direction-changing character escaped."""
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE.sub(_escape, text)


def safe_block(value: Any) -> str:
    """Several lines (newlines and tabs kept), everything else as in ``safe``."""
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE_IN_BLOCK.sub(_escape, text)
