"""collectors.bounded and the Azure fallback reader, on answers whose pace the test controls."""

from __future__ import annotations

import time

import pytest

from bio2scan.collectors import bounded
from bio2scan.collectors.azure import pipeline


class Slow:
    """An answer of ``parts``, each after ``pause`` seconds; with or without ``read1``."""

    def __init__(self, parts, pause=0.0):
        self.parts, self.pause, self.closed, self.released = list(parts), pause, False, False
        self.status_code = 200

    def read(self, amt=None, decode_content=None):
        time.sleep(self.pause)
        return self.parts.pop(0) if self.parts else b""

    def iter_bytes(self):
        while self.parts:
            yield self.read()

    def release_conn(self):
        self.released = True

    def close(self):
        self.closed = True


class Slow1(Slow):
    def read1(self, amt=None, decode_content=None):
        return self.read(amt, decode_content)


@pytest.mark.parametrize("cls", [Slow, Slow1])
def test_a_whole_answer_is_returned_and_the_connection_given_back(cls):
    raw = cls([b'{"a":', b"1}"])
    assert bounded.read_bounded(raw, 100, 5) == b'{"a":1}'
    assert raw.closed and raw.released


@pytest.mark.parametrize("cls", [Slow, Slow1])
def test_too_large_is_cut_and_the_connection_closed_not_reused(cls):
    raw = cls([b"x" * 60, b"x" * 60, b"x" * 60])
    with pytest.raises(bounded.TooMuch, match="exceeds"):
        bounded.read_bounded(raw, 100, 5)
    assert raw.closed and not raw.released and len(raw.parts) == 1


@pytest.mark.parametrize("cls", [Slow, Slow1])
def test_too_slow_is_cut(cls):
    raw = cls([b"x"] * 1000, pause=0.01)
    t0 = time.monotonic()
    with pytest.raises(bounded.TooMuch, match=r"still arriving after 0\.2 s"):
        bounded.read_bounded(raw, 10**6, 0.2)
    assert time.monotonic() - t0 < 1 and raw.closed


def test_azure_reads_other_transports_block_by_block_with_the_same_bounds():
    assert pipeline.read_json(Slow([b'{"value":', b"[]}"]), 100, 5) == {"value": []}
    with pytest.raises(pipeline.Limit, match="HTTP 200: the answer exceeds"):
        pipeline.read_json(Slow([b"x" * 2**20, b"x"]), 2**20, 5)
    with pytest.raises(pipeline.Limit, match=r"still arriving after 0\.1 s"):
        pipeline.read_json(Slow([b"x"] * 1000, pause=0.01), 10**6, 0.1)
