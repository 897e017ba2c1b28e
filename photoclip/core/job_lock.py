"""Who may write to a library, across threads and processes (the CLI, the app and ``watch`` may share one).

Three locks, all ``flock`` on small files in the data folder (POSIX locks per open file, so threads of one
process exclude each other too):

- **Jobs** (``jobs.lock``): an index run decides early that a file's content is known and its vector can be
  reused, and commits that reuse batches later; deleting the vector in between would leave an indexed photo
  without one. So index jobs hold it shared for their whole run (several may), and reclaiming takes it
  exclusively without waiting — busy means ``LibraryBusyError``. An index job that starts during a reclaim
  waits for it (seconds).
- **Writer** (``writer.lock``): one index job at a time embeds and commits a batch. Inside it the job drops
  what another job embedded since it planned, so two runs over the same photos never embed one twice; outside
  it, runs take turns batch by batch, so a CLI run beside the app's long run still makes progress. A job that
  has to wait is told who holds it (the holder's pid is in the file).
- **Index file** (``index/<stem>.lock``, see ``core/index/hnsw.py``): a save (exclusive) and a load (shared)
  of the HNSW file and its sidecar never interleave, so a loaded pair always belongs together.

Where there is no ``flock`` (Windows) only this process's jobs are seen, and the catalog is the backstop: its
commit check (a reused vector must still exist), ``INSERT OR IGNORE`` of vectors, and the index's check
against the catalog on open.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from photoclip.core.errors import LibraryBusyError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

#: told who holds the lock a job waits for ("process 1234"), once per wait
OnWait = Callable[[str], None]
#: after a contended batch, how long the releasing job leaves the lock to a waiting one before taking it again
TURN_SECONDS = 0.5


def _busy() -> LibraryBusyError:
    return LibraryBusyError(
        "Photos are being indexed; space can be reclaimed once indexing has finished.",
        "Wait for indexing to finish (a watcher only indexes when files change) and try again.",
    )


class JobLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer_path = path.with_name("writer.lock")
        self._cond = threading.Condition()  # the in-process fallback
        self._readers = 0
        self._writer = False
        self._writing = threading.Lock()  # the writer lock where there is no flock

    @contextmanager
    def indexing(self, on_wait: OnWait | None = None) -> Iterator[None]:
        """Held by an index job for its whole run; waits while space is being reclaimed."""
        with self._local_shared(), file_lock(self.path, exclusive=False, on_wait=on_wait):
            yield

    @contextmanager
    def reclaiming(self) -> Iterator[None]:
        """Held while vectors are deleted; raises ``LibraryBusyError`` at once if an index job runs."""
        with self._local_exclusive(), file_lock(self.path, exclusive=True, if_busy=_busy):
            yield

    @contextmanager
    def writing(self, on_wait: OnWait | None = None) -> Iterator[None]:
        """Held while one batch is checked, embedded and committed; waits (telling ``on_wait``) for the job
        that holds it."""
        with self._writing, file_lock(self.writer_path, exclusive=True, on_wait=on_wait, turns=True):
            yield

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


@contextmanager
def file_lock(path: Path, exclusive: bool, *, if_busy: Callable[[], Exception] | None = None,
              on_wait: OnWait | None = None, turns: bool = False, required: bool = True) -> Iterator[None]:
    """``flock`` on ``path`` (created if needed) for the block; waits while another holds it, unless
    ``if_busy`` is given: then it raises what that returns. ``on_wait`` is told the holder before waiting.
    ``turns``: a waiter announces itself (shared lock on ``<path>.wait``) and the holder, after releasing,
    leaves it the lock before going on — flock alone is not fair, and a job whose next batch is ready would
    take the lock back before the woken waiter runs. ``required=False``: a lock file that cannot be made (a
    read-only data folder) means no lock."""
    if fcntl is None:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        if required:
            raise
        yield
        return
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if if_busy is not None:
                raise if_busy() from None
            if on_wait is not None:
                on_wait(_holder(fd))
            with _waiting(path) if turns else _nothing():
                fcntl.flock(fd, mode)
        if exclusive:
            _write_holder(fd)
        yield
    finally:
        os.close(fd)  # releases the lock
    if turns:
        _leave_turn(path)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextmanager
def _waiting(path: Path) -> Iterator[None]:
    """Shared lock on ``<path>.wait`` while blocked: tells the holder that someone waits for its turn."""
    try:
        fd = os.open(path.with_name(path.name + ".wait"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _leave_turn(path: Path) -> None:
    """After releasing: while some job waits for the lock (holds ``<path>.wait``), give it time to take it."""
    try:
        fd = os.open(path.with_name(path.name + ".wait"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return
    try:
        deadline = time.monotonic() + TURN_SECONDS
        while time.monotonic() < deadline:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return  # nobody waits (any more): a waiter has taken the lock
            except BlockingIOError:
                time.sleep(0.005)
    finally:
        os.close(fd)


def _write_holder(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
    except OSError:
        pass  # only the wait message needs it


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        pid = ""
    return f"process {pid}" if pid.isdigit() else "another process"
