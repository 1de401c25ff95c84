"""Group commit: one writer thread per process turns the records of concurrent requests into few transactions.

A request that must record something before it answers (an online check, issue 18) hands its record to
:meth:`GroupCommitter.submit` and waits on the returned future; from an ``async`` route it awaits
:meth:`GroupCommitter.commit`, so the event loop never blocks. The writer thread takes everything queued, writes it
in ONE transaction with the ``write`` function it was given, commits, and only then resolves the futures: an answer
sent after the future resolved is backed by a committed row, so a crash (even ``kill -9``) after the answer cannot
lose the record. While one batch commits, the next accumulates, so the batch size follows the load by itself
(no timer to tune: an idle server commits a lone record at once, a busy one commits hundreds at a time).

On SQLite this turns N writer-lock acquisitions (and N WAL syncs) into one; on PostgreSQL N commits (N WAL
flushes) into one.

A failed batch is retried record by record, so one bad record cannot take its neighbours down; a record whose own
transaction fails gets :class:`RecordNotSaved` (a 503 saying nothing was recorded, so try again) and nothing of
it was written. :meth:`GroupCommitter.stop` drains the queue: every record submitted before it is written (or
failed) before it returns; a record submitted after it is refused at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from concurrent.futures import Future
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine

from telreg.core.errors import ServiceUnavailable
from telreg.core.i18n import N_

__all__ = ["GroupCommitter", "RecordNotSaved"]

log = logging.getLogger("telreg.group_commit")
Item = TypeVar("Item")
_STOP = object()


class RecordNotSaved(ServiceUnavailable):
    """The record could not be written (database down, shutting down): the request must not be answered as done."""

    code = "not_recorded"


class GroupCommitter(Generic[Item]):
    """Batch items submitted by many threads or coroutines into one transaction per round; see the module doc.

    ``write(connection, items)`` executes the items' statements; the committer owns the transaction. It is a
    Core connection, not an ORM session: a batch is a few multi-row statements, and the ORM's per-statement work
    and session events (which other listeners hang cache refreshes on) would cost more than the rows.
    ``max_batch`` caps one transaction's size (a huge backlog is written in several).
    """

    def __init__(self, engine: Engine, write: Callable[[Connection, Sequence[Item]], None], *,
                 name: str, max_batch: int = 1000, retry_after: int = 1, lock_path: Path | None = None) -> None:
        self._engine = engine
        self._lock_path = lock_path
        self._write = write
        self._name = name
        self._max_batch = max_batch
        self._retry_after = retry_after
        self._queue: queue.SimpleQueue[tuple[Item, Future[None]] | object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._lock_fd: int | None = None
        self.batches = 0  # transactions committed (for tests and benchmarks: records per transaction)
        self.items = 0

    # ---- the requests' side ------------------------------------------------------------------------------------

    def submit(self, item: Item) -> Future[None]:
        """Queue ITEM; the future resolves once it is committed (or fails with RecordNotSaved)."""
        future: Future[None] = Future()
        with self._lock:
            if self._stopped:
                future.set_exception(self._refusal())
                return future
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"group-commit:{self._name}", daemon=True)
                self._thread.start()
            self._queue.put((item, future))
        return future

    async def commit(self, item: Item) -> None:
        """Submit ITEM and wait, without blocking the event loop, until it is committed."""
        await asyncio.wrap_future(self.submit(item))

    def stop(self, timeout: float = 30.0) -> None:
        """Refuse new items, write every queued one, and end the writer thread."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---- the writer thread -------------------------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[tuple[Item, Future[None]]] = []
            entry = self._queue.get()  # block until there is work
            while True:
                if entry is _STOP:
                    stopping = True  # finish what was queued before the stop, then end
                else:
                    batch.append(entry)  # type: ignore[arg-type]
                if len(batch) >= self._max_batch:
                    break
                try:
                    entry = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._write_batch(batch)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        # Anything that slipped in after the stop marker (a submit racing stop()) is refused, never left waiting.
        while True:
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                return
            if entry is not _STOP:
                _, future = entry  # type: ignore[misc]
                future.set_exception(self._refusal())

    def _write_batch(self, batch: list[tuple[Item, Future[None]]]) -> None:
        items = [item for item, _ in batch]
        try:
            self._transaction(items)
        except Exception:
            log.exception("%s: a batch of %d records failed; retrying them one by one", self._name, len(batch))
            if len(batch) == 1:
                batch[0][1].set_exception(self._refusal())
                return
            for item, future in batch:
                try:
                    self._transaction([item])
                except Exception:
                    log.exception("%s: a record could not be written", self._name)
                    future.set_exception(self._refusal())
                else:
                    future.set_result(None)
            return
        for _, future in batch:
            future.set_result(None)

    def _transaction(self, items: list[Item]) -> None:
        with self._writers_in_turn(), self._engine.begin() as connection:  # SQLite: BEGIN IMMEDIATE (core/db.py)
            self._write(connection, items)
        self.batches += 1
        self.items += len(items)

    @contextlib.contextmanager
    def _writers_in_turn(self) -> Iterator[None]:
        """With LOCK_PATH (SQLite), the writers of every process on the machine take turns on an flock first.

        SQLite's own wait for its writer lock polls, sleeping up to 100 ms between tries: two worker processes'
        writers committing every few milliseconds would keep meeting it and add those sleeps to every answer
        waiting on the batch. The kernel hands an flock over the moment it is released."""
        if self._lock_path is None:
            yield
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _refusal(self) -> RecordNotSaved:
        return RecordNotSaved(N_("The request could not be recorded just now, so it was not carried out; "
                                 "please try again in a moment."), retry_after=self._retry_after)
