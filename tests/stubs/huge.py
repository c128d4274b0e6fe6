"""A JSON answer too large to hold, for the stubs' hostile modes (ARM and Graph)."""

from __future__ import annotations

import time
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


class Drip(Huge):
    """A JSON answer that trickles: ``CHUNK`` bytes every ``pause`` seconds — each well within
    any read timeout — until ``int(self)`` bytes are sent (which, at this pace, is never)."""

    CHUNK = 16

    def __new__(cls, pause: float, size: int = 2**30) -> Drip:
        self = super().__new__(cls, size)
        self.pause = pause
        return self

    def chunks(self) -> Iterator[bytes]:
        yield b'{"value": ["'
        left = int(self) - 12
        while left > 0:
            time.sleep(self.pause)
            yield b"x" * min(left, self.CHUNK)
            left -= self.CHUNK


def send_huge(handler: BaseHTTPRequestHandler, status: int, body: Huge) -> None:
    """Stream ``body`` as the answer; a client that stops reading (as it should) ends it."""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(int(body)))
    handler.end_headers()
    try:
        for chunk in body.chunks():
            handler.wfile.write(chunk)
            handler.wfile.flush()
    except OSError:
        handler.close_connection = True
