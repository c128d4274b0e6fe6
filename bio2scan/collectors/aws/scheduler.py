"""One bounded pool for a whole AWS scan, fed while it runs.

Listing a service in one region yields one detail job per resource; those must run on the same
pool without waiting for every other listing to finish first (a barrier per wave would let the
slowest listing stall the scan). ``WorkQueue.run`` starts ``max_workers`` worker loops through
``run_parallel``; each takes jobs from the queue until no job is queued or running. A job may
``submit`` more jobs. A job's exception goes to ``on_error`` and never stops the scan.

``step()`` counts one API call of the running job. A job starts at the count of the job that
submitted it, so ``longest`` is the number of calls on the longest chain of dependent calls
(a listing's pages, then a resource's detail reads …): with latency L per call no schedule can
finish in less than L × ``longest`` (bench/aws.py reports that bound).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from ..base import run_parallel

Job = Callable[[], None]
_Entry = tuple[Job, int]


class WorkQueue:
    def __init__(self, on_error: Callable[[Job, Exception], None]) -> None:
        self._q: queue.SimpleQueue[_Entry | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._chain = threading.local()  # calls on the current job's chain so far
        self.longest = 0
        self._pending = 0
        self._workers = 0
        self._on_error = on_error

    def submit(self, job: Job) -> None:
        with self._lock:
            self._pending += 1
        self._q.put((job, getattr(self._chain, "calls", 0)))

    def step(self) -> None:
        """One API call made by the running job (or before ``run``, by the caller)."""
        calls = getattr(self._chain, "calls", 0) + 1
        self._chain.calls = calls
        if calls > self.longest:
            with self._lock:
                self.longest = max(self.longest, calls)

    def run(self, max_workers: int) -> None:
        """Run until every submitted job (and every job they submit) is done."""
        with self._lock:
            if self._pending == 0:
                return
            self._workers = max(1, max_workers)
        run_parallel([self._worker] * self._workers, self._workers)

    def _worker(self) -> None:
        while True:
            entry = self._q.get()
            if entry is None:
                return
            job, self._chain.calls = entry
            try:
                job()
            except Exception as exc:  # noqa: BLE001 — reported, the scan goes on
                self._on_error(job, exc)
            finally:
                with self._lock:
                    self._pending -= 1
                    finished = self._pending == 0
                if finished:
                    for _ in range(self._workers):
                        self._q.put(None)
