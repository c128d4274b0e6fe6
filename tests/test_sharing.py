"""Work shared with forked workers (``bio2scan.sharing``): jobs claimed from both ends, each
once; frames sent without waiting and received as they come, a cut-off one left out."""

from __future__ import annotations

import os
import threading
import time

import pytest

from bio2scan.sharing import FRAME, Claims, Inbox, Sender, shared

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_jobs_claimed_from_both_ends_are_each_taken_once_and_meet():
    claims = Claims(100)
    front: list[int] = []
    back: list[int] = []
    while True:
        a, b = claims.claim(True), claims.claim(False)
        if not a and not b:
            break
        front += a
        back += b
    claims.close()
    assert sorted(front + back) == list(range(100))
    assert front == sorted(front) and back == sorted(back, reverse=True)
    assert max(front) < min(back) and claims.met() == max(front) + 1


def test_a_forked_worker_and_this_process_share_the_jobs():
    """``shared``: this process does the front in order, a worker the back; what the worker
    sends is taken here, and the meeting point says which is which."""
    mine: list[int] = []
    theirs: dict[int, bytes] = {}

    def front(i: int) -> None:
        time.sleep(0.002)  # (jobs that take time: the worker gets its share)
        mine.append(i)

    def back(i: int) -> bytes:  # (in the worker)
        time.sleep(0.002)
        return str(i * i).encode()

    first = shared(500, 1, front, back, lambda i, p: theirs.__setitem__(i, bytes(p)))
    assert first is not None and 0 < first < 500
    assert mine == list(range(first))
    assert theirs == {i: str(i * i).encode() for i in range(first, 500)}


def test_work_of_this_process_meanwhile_leaves_the_worker_more_of_the_jobs():
    """``meanwhile`` runs once here, after the worker started and before this process's first
    job: the worker goes on taking jobs meanwhile, so this process's share shrinks."""
    calls: list[int] = []
    mine: list[int] = []
    got: dict[int, bytes] = {}

    def meanwhile() -> None:
        calls.append(len(mine))
        time.sleep(0.3)  # (~150 of the worker's jobs)

    def back(i: int) -> bytes:
        time.sleep(0.002)
        return b"x"

    def front(i: int) -> None:
        time.sleep(0.002)
        mine.append(i)

    first = shared(400, 1, front, back, lambda i, p: got.__setitem__(i, bytes(p)), meanwhile)
    assert calls == [0]  # once, before this process's first job
    assert first is not None and mine == list(range(first)) and set(got) == set(range(first, 400))
    assert first < 150  # (an even split without it: ~200)


def test_a_worker_that_fails_leaves_its_jobs_to_the_caller():
    """A worker that raises exits (never running this process's code after the fork): the jobs
    it did not send are not taken, and ``shared`` still returns where the front stopped."""
    me = os.getpid()

    def theirs(i: int) -> bytes:
        if os.getpid() != me and i < 900:
            raise RuntimeError("boom")
        return b"x"

    got: dict[int, bytes] = {}
    mine: list[int] = []
    first = shared(1000, 1, mine.append, theirs, lambda i, p: got.__setitem__(i, bytes(p)))
    assert first is not None and mine == list(range(first))
    assert set(got) <= set(range(max(first, 900), 1000))
    assert os.getpid() == me


def test_a_cut_off_frame_from_the_worker_is_left_out():
    """A frame may arrive in pieces, over several looks; a frame cut off (the worker died while
    writing) is left out, and the frames before it are kept."""
    rfd, wfd = os.pipe()
    got: dict[int, bytes] = {}
    inbox = Inbox(rfd, lambda i, payload: got.__setitem__(i, bytes(payload)))

    def frame(i: int, payload: bytes) -> bytes:
        return FRAME.pack(i, len(payload)) + payload

    seven, three, five = frame(7, b"seven"), frame(3, b"three" * 100), frame(5, b"five")
    inbox.receive(wait=False)  # nothing sent yet: no wait
    os.write(wfd, seven[:5])
    inbox.receive(wait=False)
    assert got == {}
    os.write(wfd, seven[5:] + three[:-1])
    inbox.receive(wait=False)
    assert got == {7: b"seven"}
    os.write(wfd, three[-1:] + five[: FRAME.size + 3])  # five: cut off
    os.close(wfd)
    inbox.receive(wait=True)
    assert got == {7: b"seven", 3: b"three" * 100}
    inbox.receive(wait=True)  # (after the end: nothing more)
    os.close(rfd)


def test_a_worker_that_finds_its_pipe_full_keeps_the_frames_and_sends_them_all():
    rfd, wfd = os.pipe()
    send = Sender(wfd)
    payloads = [bytes([n]) * 50_000 for n in range(40)]  # 2 MB: more than the pipe holds
    for n, p in enumerate(payloads):
        send(n, p)  # never waits
    assert send.pending
    got: dict[int, bytes] = {}
    inbox = Inbox(rfd, lambda i, payload: got.__setitem__(i, bytes(payload)))
    reader = threading.Thread(target=inbox.receive, kwargs={"wait": True})
    reader.start()
    send.close()
    reader.join(10)
    os.close(rfd)
    assert got == dict(enumerate(payloads))
