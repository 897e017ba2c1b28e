"""Indexing and reclaiming space never overlap, across threads and processes.

An index run decides early that a file's content is known and its vector can be reused, and commits that
reuse batches later; deleting the vector in between would leave an indexed photo without one. So index jobs
hold a shared lock on ``<data dir>/jobs.lock`` while they run (several may: SQLite serialises their writes),
and reclaiming takes it exclusively without waiting — busy means ``LibraryBusyError``. An index job that starts
during a reclaim waits for it (seconds). POSIX ``flock`` locks per open file, so threads of one process
exclude each other too; where there is no ``flock`` (Windows) only this process's jobs are seen, and the
catalog's commit check (a reused vector must still exist) is the backstop.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from photoclip.core.errors import LibraryBusyError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]



def _busy() -> LibraryBusyError:
    return LibraryBusyError(
        "Photos are being indexed; space can be reclaimed once indexing has finished.",
        "Wait for indexing to finish (a watcher only indexes when files change) and try again.",
    )


class JobLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._cond = threading.Condition()  # the in-process fallback
        self._readers = 0
        self._writer = False

    @contextmanager
    def indexing(self) -> Iterator[None]:
        """Held by an index job for its whole run; waits while space is being reclaimed."""
        with self._local_shared(), self._file_lock(exclusive=False):
            yield

    @contextmanager
    def reclaiming(self) -> Iterator[None]:
        """Held while vectors are deleted; raises ``LibraryBusyError`` at once if an index job runs."""
        with self._local_exclusive(), self._file_lock(exclusive=True):
            yield

    @contextmanager
    def _file_lock(self, exclusive: bool) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
            except BlockingIOError:
                raise _busy() from None
            yield
        finally:
            os.close(fd)  # releases the lock

    @contextmanager
    def _local_shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writer)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def _local_exclusive(self) -> Iterator[None]:
        with self._cond:
            if self._readers or self._writer:
                raise _busy()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()
