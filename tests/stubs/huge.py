"""A JSON answer too large to hold, for the stubs' hostile modes (ARM and Graph)."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler


class Huge(int):
    """A JSON answer of this many bytes, written in chunks (a string that never seems to end)."""

    def chunks(self) -> Iterator[bytes]:
        yield b'{"value": ["'
        left = int(self) - 12
        block = b"x" * 65536
        while left > 0:
            yield block[: min(left, len(block))]
            left -= len(block)


def send_huge(handler: BaseHTTPRequestHandler, status: int, body: Huge) -> None:
    """Stream ``body`` as the answer; a client that stops reading (as it should) ends it."""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(int(body)))
    handler.end_headers()
    try:
        for chunk in body.chunks():
            handler.wfile.write(chunk)
    except OSError:
        handler.close_connection = True
