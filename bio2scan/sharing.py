"""Work shared between this process and forked workers (POSIX): a list of jobs that this process
takes from the front and the workers from the back, a few at a time, until they meet
(``Claims``), and what a worker sends back, one frame per job, over a pipe (``Sender``,
``Inbox``); ``shared`` runs the whole of it.

Taking jobs from both ends makes the split follow what each job really costs and how busy each
core is: both sides stop within a job or two of each other, where a fixed split left one core
idle for a third of the time on a shared machine. A worker's frames go into its pipe as they
are made, never waiting for the reader; this process looks at the pipe between its own jobs and
unpacks what came, so that once both have met little is left to do on one core. Used by the
manifest reader (``collectors.manifest_files``) and the split evaluation (``engine.split``).
"""

from __future__ import annotations

import collections
import gc
import mmap
import os
import struct
import tempfile
from collections.abc import Callable

from .parallel import die_with, end_child, load_prctl

FRAME = struct.Struct("<qq")  # (job, length of what follows)


def shared(
    n: int,
    workers: int,
    mine: Callable[[int], object],
    theirs: Callable[[int], bytes],
    take: Callable[[int, memoryview], None],
    meanwhile: Callable[[], object] | None = None,
) -> int | None:
    """Jobs ``0 … n-1`` done by this process, ``mine(i)`` from the front in order, and by up to
    ``workers`` forked workers, ``theirs(i)`` (what to send back) from the back; what a worker
    sends is given to ``take(i, payload)`` here, between this process's own jobs and once they
    have met. Returns the first job this process did not do: from there on, a job ``take`` was
    not given (its worker failed) is the caller's to do. None when no worker could be started
    (nothing was done). A worker, a process of our own, pauses the cyclic garbage collector,
    dies with this process (``PR_SET_PDEATHSIG``) and holds no read end of a pipe (its own and
    earlier workers' are closed in it): a process killed meanwhile leaves no worker behind,
    none blocked for ever on a pipe that nobody reads. Interrupted, the workers are ended.
    ``meanwhile``: called once by this process when the workers have started, before its own
    first job (work of its own the workers then take jobs for: the split follows)."""
    try:
        claims = Claims(n)
    except OSError:  # no temporary file to be had
        return None
    started: list[tuple[int, int]] = []  # (process, read end of its pipe)
    load_prctl()  # loaded before forking: a worker only calls it
    parent = os.getpid()
    try:
        for _ in range(workers):
            try:
                rfd, wfd = os.pipe()
            except OSError:
                break
            widen(wfd)
            try:
                pid = os.fork()
            except OSError:  # no process to be had: fewer workers (or none)
                os.close(rfd)
                os.close(wfd)
                break
            if pid == 0:  # pragma: no cover - a worker (coverage does not follow a fork)
                _worker(claims, theirs, wfd, parent, [rfd, *(r for _, r in started)])
            os.close(wfd)
            started.append((pid, rfd))
        if not started:
            return None
        inboxes = [Inbox(rfd, take) for _, rfd in started]
        if meanwhile is not None:
            meanwhile()
        while got := claims.claim(True):
            for i in got:
                mine(i)
            for inbox in inboxes:  # what the workers sent meanwhile
                inbox.receive(wait=False)
        first = claims.met()
        while started:
            pid, rfd = started[0]
            inboxes.pop(0).receive(wait=True)
            os.waitpid(pid, 0)  # (it has closed its end: it is exiting)
            started.pop(0)
            os.close(rfd)
        return first
    finally:
        claims.close()
        for pid, rfd in started:  # interrupted: the workers' work is not wanted
            os.close(rfd)
            end_child(pid)


def _worker(
    claims: Claims,
    theirs: Callable[[int], bytes],
    wfd: int,
    parent: int,
    inherited: list[int],
) -> None:  # pragma: no cover - runs in a worker (coverage does not follow a fork)
    """A worker's life: jobs from the back, each one's payload sent as soon as it is made; exit
    (never returns, never runs the host's exit handlers)."""
    code = 1
    try:
        for fd in inherited:
            os.close(fd)
        die_with(parent)
        gc.disable()
        send = Sender(wfd)
        while got := claims.claim(False):
            for i in got:
                send(i, theirs(i))
        send.close()
        code = 0
    except BaseException:  # noqa: BLE001 - the caller does what was not sent
        code = 1
    finally:
        os._exit(code)


_BOUNDS = struct.Struct("qq")


class Claims:
    """Jobs ``0 … n-1``: the next ones from the front (this process) or from the back (a forked
    worker), in an anonymous shared ``mmap``; a POSIX record lock on a temporary file guards it
    (the kernel releases it if its holder dies). Made before forking; ``OSError`` when no
    temporary file can be had (then do every job here)."""

    def __init__(self, n: int) -> None:
        self.bounds = mmap.mmap(-1, _BOUNDS.size)
        self.bounds[:] = _BOUNDS.pack(0, n)
        self.guard = tempfile.TemporaryFile()  # noqa: SIM115 - closed by ``close``

    def claim(self, front: bool) -> range:
        """The next jobs from the front or (a worker) from the back, nearest first: an eighth
        of what is left, at most 16, so that both stop within a job or two of each other."""
        import fcntl

        fcntl.lockf(self.guard, fcntl.LOCK_EX)
        try:
            lo, hi = _BOUNDS.unpack(self.bounds)
            k = max(1, min(16, (hi - lo) // 8))
            if lo >= hi:
                return range(0)
            if front:
                self.bounds[:] = _BOUNDS.pack(lo + k, hi)
                return range(lo, lo + k)
            self.bounds[:] = _BOUNDS.pack(lo, hi - k)
            return range(hi - 1, hi - k - 1, -1)
        finally:
            fcntl.lockf(self.guard, fcntl.LOCK_UN)

    def met(self) -> int:
        """The first job the front did not take (once nothing is left to claim)."""
        return int(_BOUNDS.unpack(self.bounds)[0])

    def close(self) -> None:
        self.guard.close()


def widen(wfd: int) -> None:
    """Let a worker's pipe hold 1 MiB (Linux), so that the worker seldom finds it full between
    two looks of its reader; where it cannot, the worker keeps what does not fit (``Sender``)."""
    try:
        import fcntl

        fcntl.fcntl(wfd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except OSError:  # pragma: no cover - over the user's pipe quota, or not Linux
        pass


class Sender:
    """A worker's frames, written into its pipe as they are made, as far as the pipe takes them
    without waiting (its reader looks between its own jobs); what does not fit waits here and
    goes with the next frame, the rest at ``close``."""

    def __init__(self, wfd: int) -> None:
        self.wfd = wfd
        self.pending: collections.deque[bytes] = collections.deque()
        os.set_blocking(wfd, False)

    def __call__(self, job: int, payload: bytes) -> None:
        pending = self.pending
        pending.append(FRAME.pack(job, len(payload)) + payload)
        while pending:
            try:
                n = os.write(self.wfd, pending[0])
            except BlockingIOError:
                return
            if n < len(pending[0]):
                pending[0] = pending[0][n:]
                return
            pending.popleft()

    def close(self) -> None:
        os.set_blocking(self.wfd, True)
        for frame in self.pending:
            view = memoryview(frame)
            while view:
                view = view[os.write(self.wfd, view) :]
        self.pending.clear()
        os.close(self.wfd)


class Inbox:
    """The frames a worker sends over its pipe, each given to ``take(job, payload)`` as soon as
    it is whole; a cut-off last frame (a worker that died while writing) is left out, and its
    job is done again by the caller. ``take`` must not keep ``payload`` (a view of a buffer
    that is reused)."""

    def __init__(self, rfd: int, take: Callable[[int, memoryview], None]) -> None:
        self.rfd, self.take = rfd, take
        self.buf = bytearray()
        self.done = False
        os.set_blocking(rfd, False)

    def receive(self, wait: bool) -> None:
        """What the worker has sent (``wait``: all it will send, until it closes the pipe)."""
        if self.done:
            return
        if wait:
            os.set_blocking(self.rfd, True)
        while True:
            try:
                data = os.read(self.rfd, 1 << 20)
            except BlockingIOError:
                return
            if not data:
                self.done = True
                return
            self._frames(data)

    def _frames(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        at = 0
        with memoryview(buf) as view:
            while at + FRAME.size <= len(buf):
                job, n = FRAME.unpack_from(buf, at)
                start = at + FRAME.size
                if start + n > len(buf):
                    break
                self.take(job, view[start : start + n])
                at = start + n
        del buf[:at]
