"""Reading an HTTP answer with bounds on its size and on its whole time, whatever the server does.

A read timeout bounds each wait for the next bytes, not the answer: a server that sends a byte
every few seconds (each within the timeout) could hold a scan for weeks, and one that sends
without end could fill the memory. ``read_bounded`` reads a streamed urllib3 answer with
``read1`` — whatever has arrived, at most ``CHUNK`` bytes — so the clock is looked at after every
receive: the answer is cut when it grows beyond ``limit`` bytes or is still arriving after
``seconds``. At worst one read timeout passes after the deadline. The connection of a cut answer
is closed, never given back to the pool half read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

CHUNK = 65536


class TooMuch(Exception):
    """An answer cut for its size or its time; ``reason`` says which, for the error record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_bounded(raw: Any, limit: int, seconds: float) -> bytes:
    """The (decoded) body of ``raw``, a streamed ``urllib3.HTTPResponse``; ``TooMuch`` beyond
    ``limit`` bytes or ``seconds`` seconds. ``raw`` is closed either way; a connection read to
    the end is given back to its pool first."""
    if hasattr(raw, "read1"):  # urllib3 ≥ 2.3: whatever has arrived
        read: Callable[[], bytes] = lambda: raw.read1(CHUNK, decode_content=True)  # noqa: E731
    else:  # older urllib3: fixed-size reads; the deadline is still looked at between them
        read = lambda: raw.read(4096, decode_content=True)  # noqa: E731
    try:
        body = read_chunks(iter(read, b""), limit, seconds)
    except BaseException:
        raw.close()
        raise
    if hasattr(raw, "release_conn"):
        raw.release_conn()
    raw.close()
    return body


def read_chunks(chunks: Iterable[bytes], limit: int, seconds: float) -> bytes:
    """The bytes of ``chunks`` joined; ``TooMuch`` as soon as they exceed ``limit`` bytes or
    are still coming after ``seconds`` seconds (the clock is looked at after every chunk)."""
    deadline = time.monotonic() + seconds
    got: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooMuch(f"the answer exceeds {limit // 2**20} MiB; not read on")
        if time.monotonic() > deadline:
            raise TooMuch(
                f"the answer was still arriving after {seconds:g} s ({size} bytes); not read on"
            )
        got.append(chunk)
    return b"".join(got)
