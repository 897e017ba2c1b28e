"""One worker lane: a QThread that runs the functions submitted to it one after another, so catalog reads and
tagging never run on the GUI thread. The services of the window (query, status, browse, tagging, reclaim) are
each one lane and what they ask of the core; the thread, the queued signal and the shutdown live here once.

A request may carry a *key*: a newer request with the same key supersedes it (skipped if it has not started,
its answer dropped if it has), which is what keeps fast typing from showing an older query's photos and a
dragged slider from queueing a hundred counts. Answers come back as queued signals; the callbacks run on the
GUI thread. A failure the user can fix (``core.errors.user_error_for``, through known_errors.py) goes to
``on_failed`` while the request is current; anything else is a bug and goes to ``on_crash`` even when stale.

PySide6 runs each queued slot of a QThread under a fresh Python thread state, so nothing here keeps state in a
``threading.local`` (it would not persist from one request to the next): what a lane keeps, it keeps on
objects it owns."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from photoclip.gui.workers.known_errors import as_user_error

Callback = Callable[[Any], None]


@dataclass(frozen=True)
class LaneJob:
    id: int
    key: str | None
    fn: Callable[[], Any]
    what: str  # for crash reports and tests
    on_crash: Callback | None  # here, not with the other callbacks: a stale request's bug is reported too


class _LaneWorker(QObject):
    """Lives in the lane's thread; ``run`` is only ever invoked through a queued signal."""

    done = Signal(object, object)  # LaneJob, result
    raised = Signal(object, object)  # LaneJob, Exception

    def __init__(self) -> None:
        super().__init__()
        #: key -> id of the newest request with that key; written by the GUI thread (a dict store is atomic)
        self.latest: dict[str, int] = {}
        self.stopped = False

    @Slot(object)
    def run(self, job: LaneJob) -> None:
        if self.stopped or (job.key is not None and self.latest.get(job.key) != job.id):
            return  # superseded (or shutting down) while it waited in the queue
        try:
            result = job.fn()
        except Exception as exc:
            self.raised.emit(job, exc)
        else:
            self.done.emit(job, result)


class Lane(QObject):
    """GUI side of one worker thread. ``finished`` carries each answered request's ``what`` after its callback ran
    (superseded ones too: tests wait on it)."""

    _submit = Signal(object)
    finished = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Callback | None, Callback | None]] = {}
        self._thread = QThread()
        self._thread.setObjectName(f"photoclip-{name}")
        self._worker = _LaneWorker()
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.done.connect(self._on_done)
        self._worker.raised.connect(self._on_raised)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """A current request has not been answered yet."""
        return bool(self._pending)

    def submit(self, what: str, fn: Callable[[], Any], on_done: Callback | None = None, *,
               key: str | None = None, on_failed: Callback | None = None, on_crash: Callback | None = None) -> int:
        """Run ``fn()`` on the lane's thread; ``on_done(result)`` / ``on_failed(PhotoclipError)`` /
        ``on_crash(Exception)`` on the GUI thread. Without ``on_failed``, a user error goes to ``on_crash`` as
        raised."""
        job = LaneJob(next(self._ids), key, fn, what, on_crash)
        if key is not None:
            self.supersede(key)
            self._worker.latest[key] = job.id
        self._pending[job.id] = (on_done, on_failed)
        self._submit.emit(job)
        return job.id

    def supersede(self, key: str) -> None:
        """The newest request with ``key`` no longer counts: skipped if queued, its answer dropped."""
        superseded = self._worker.latest.pop(key, None)
        if superseded is not None:
            self._pending.pop(superseded, None)

    def _on_done(self, job: LaneJob, result: object) -> None:
        on_done, _ = self._pending.pop(job.id, (None, None))  # nothing left when superseded
        if on_done is not None:
            on_done(result)
        self.finished.emit(job.what)

    def _on_raised(self, job: LaneJob, exc: Exception) -> None:
        stale = job.id not in self._pending
        _, on_failed = self._pending.pop(job.id, (None, None))
        known = as_user_error(exc)
        if known is not None and on_failed is not None:
            on_failed(known)
        elif job.on_crash is not None and (known is None or not stale):
            job.on_crash(exc)  # a bug even when stale; a user error too when the caller takes failures as raised
        self.finished.emit(job.what)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Skip whatever is still queued, let the running request finish, stop the thread. False on timeout."""
        self._worker.stopped = True
        self._thread.quit()
        return self._thread.wait(timeout_ms)
