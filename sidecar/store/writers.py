"""One queue of writers per SQLite file on this host, so a waiting writer starts the moment the one
before it commits.

SQLite lets one writer in at a time; the others wait in its busy handler, which polls with sleeps
growing to 100 ms: under load, most of a write's latency was sleeping after the lock was free
(p99 over a second for a 5 ms transaction). Here threads of one process queue on a lock (woken at
once) and processes on an exclusive flock of a file beside the store, polled every millisecond or
two by the one thread per process at the head of its queue. SQLite's own locking still decides:
this only orders the sidecar's writers, and a writer that does not take part (a migration, a
tool) is waited for by the busy timeout as before.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from sidecar.errors import StoreBusy

FIRST_POLL, MAX_POLL = 0.0002, 0.002  # seconds between tries for another process's writer to finish
_queues: dict[str, "WriterQueue"] = {}
_queues_lock = threading.Lock()


class WriterQueue:
    """The writers of one SQLite file, across the threads and processes of this host."""

    def __init__(self, path: str):
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        if self._pid != os.getpid():  # a forked child must not share its parent's open file (nor its lock)
            self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._fd

    @contextmanager
    def turn(self, timeout: float) -> Iterator[None]:
        """Wait for this writer's turn (StoreBusy after `timeout` seconds) and hold it until the block ends."""
        deadline = time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=timeout):
            raise StoreBusy("the store is busy (a writer held it too long); retry shortly")
        try:
            self.lock_file(deadline)
            try:
                yield
            finally:
                self.unlock_file()
        finally:
            self._thread_lock.release()

    def lock_file(self, deadline: float) -> None:
        """Take the host-wide turn among processes (StoreBusy at `deadline`, a time.monotonic()); the
        caller keeps other threads of this process out, and any of its threads may unlock."""
        fd, delay = self._file(), FIRST_POLL
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy("the store is busy (a writer held it too long); retry shortly") from None
                time.sleep(delay)
                delay = min(delay * 2, MAX_POLL)

    def unlock_file(self) -> None:
        """Give the host-wide turn back."""
        fcntl.flock(self._file(), fcntl.LOCK_UN)


def queue_for(database_file: str) -> WriterQueue:
    """The queue of the writers of `database_file` (one per file in this process)."""
    path = os.path.abspath(database_file) + ".writers"
    with _queues_lock:
        return _queues.setdefault(path, WriterQueue(path))
