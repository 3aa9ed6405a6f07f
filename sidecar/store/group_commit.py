"""Group commit for a SQLite store: write transactions of this process that queue up while one runs
share its SQLite transaction and its one fsync.

A commit with synchronous=FULL syncs the log (2 to 4 ms on the development disk) while the write
lock is held, so one store committed at most a few hundred transactions a second whatever the CPU.
Here each unit of work runs in a savepoint of the open batch (its failure rolls back its own work
only); the batch commits when nobody is waiting to join it (or it is full), and every member
returns only once that commit is done: an answered decision is on disk, and nobody reads a
member's work before the batch is committed. Processes still take turns per batch (the writer
queue's file lock), and SQLite's own locking still decides.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.engine import Connection, Engine

from sidecar.errors import StoreBusy
from sidecar.store.writers import WriterQueue

MAX_BATCH = 32  # members per commit: bounds the wait of the first one
MEMBER_SAVEPOINT = "sidecar_member_savepoint"  # conn.info key: the savepoint that holds one member's work
ORPHAN_CHECK_SECONDS = 0.05  # a member waiting for its commit checks this often that someone will make it


class _Batch:
    """One SQLite transaction shared by several units of work."""

    def __init__(self, conn: Connection, durable: bool, writers: WriterQueue):
        self.conn, self.durable, self.writers = conn, durable, writers
        self.transaction = conn.begin()  # the engine's begin hook: synchronous level, BEGIN IMMEDIATE
        self.members = 0
        self.broken: BaseException | None = None  # a member's savepoint could not be rolled back
        self.error: BaseException | None = None  # why the batch did not commit
        self.done = threading.Event()

    def finish(self) -> None:
        """Commit (or, broken, roll back) and let every member go."""
        try:
            if self.broken is None:
                self.transaction.commit()
            else:
                self.error = self.broken
                self.transaction.rollback()
        except BaseException as err:  # noqa: BLE001 - every member is told, none is left waiting
            self.error = self.error or err
        finally:
            try:
                self.conn.close()
            finally:
                self.writers.unlock_file()
                self.done.set()


class GroupCommit:
    """The batches of one SQLite store in this process."""

    def __init__(self, durable: Engine, not_durable: Engine, writers: WriterQueue):
        self._engines = {True: durable, False: not_durable}  # their begin hook sets the sync level
        self.writers = writers
        self._turn = threading.Lock()  # held by the thread whose work runs on the batch's connection
        self._state = threading.Lock()  # guards _waiting and _batch
        self._waiting = 0
        self._batch: _Batch | None = None

    @contextmanager
    def member(self, durable: bool, timeout: float) -> Iterator[Connection]:
        """A unit of work in the open batch (or a new one); returns once the batch has committed.

        Raises the unit's own exception (its work rolled back), else the batch's if it did not commit.
        """
        deadline = time.monotonic() + timeout
        with self._state:
            self._waiting += 1
        try:
            got = self._turn.acquire(timeout=timeout)
        finally:
            with self._state:
                self._waiting -= 1
        if not got:
            raise StoreBusy("the store is busy (a writer held it too long); retry shortly")
        try:
            batch = self._open(durable, deadline)
        except BaseException:
            self._turn.release()
            raise
        batch.members += 1
        conn, failure = batch.conn, None
        savepoint = conn.begin_nested()
        conn.info[MEMBER_SAVEPOINT] = savepoint
        try:
            yield conn
            savepoint.commit()
        except BaseException as err:  # noqa: BLE001 - raised again below, once the batch is settled
            failure = err
            try:
                if savepoint.is_active:
                    savepoint.rollback()
            except BaseException as rollback_error:  # noqa: BLE001 - the connection is unusable: so is the batch
                batch.broken = rollback_error
        finally:
            conn.info.pop(MEMBER_SAVEPOINT, None)
        self._leave(batch)
        if failure is not None:
            raise failure
        if batch.error is not None:
            raise batch.error

    def _open(self, durable: bool, deadline: float) -> _Batch:
        """The open batch, or a new one (a batch that skips its fsync is committed before a durable unit runs)."""
        batch = self._batch
        if batch is not None and (batch.durable or not durable):
            return batch
        if batch is not None:  # SQLite fixes the sync level when the transaction begins
            with self._state:
                self._batch = None
            batch.finish()
        self.writers.lock_file(deadline)
        try:
            conn = self._engines[durable].connect()
            try:
                batch = _Batch(conn, durable, self.writers)
            except BaseException:
                conn.close()
                raise
        except BaseException:
            self.writers.unlock_file()
            raise
        with self._state:
            self._batch = batch
        return batch

    def _leave(self, batch: _Batch) -> None:
        """Hand the batch to a waiting thread, or commit it; then wait until it is committed."""
        with self._state:
            hand_over = self._waiting > 0 and batch.members < MAX_BATCH and batch.broken is None
            if not hand_over:
                self._batch = None
        if not hand_over:
            try:
                batch.finish()
            finally:
                self._turn.release()
            return
        self._turn.release()
        while not batch.done.wait(ORPHAN_CHECK_SECONDS):
            # The thread it was handed to may have given up waiting: then nobody would commit it.
            if self._turn.acquire(blocking=False):
                try:
                    with self._state:
                        mine = self._batch is batch
                        if mine:
                            self._batch = None
                    if mine:
                        batch.finish()
                finally:
                    self._turn.release()
