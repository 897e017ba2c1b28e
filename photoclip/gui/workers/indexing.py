"""The one long-lived indexing lane (workers/lane.py). It owns indexing (and so the catalog writer and, while
indexing, the model); jobs queue on its event loop and run one after another; JobControl pauses, resumes and
cancels. The app runs jobs in a child process instead (index_process.py) unless settings say otherwise."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import QObject, Signal

from photoclip.core.control import JobControl
from photoclip.core.index_process import run_job
from photoclip.core.library import Library
from photoclip.core.records import IndexSummary
from photoclip.gui.workers.known_errors import as_user_error
from photoclip.gui.workers.lane import Lane

_job_ids = itertools.count(1)


@dataclass
class IndexJob:
    #: "index" (folders; None = every folder), "paths" (single files), "remove" (one folder), "switch" (to the
    #: model ``paths[0]``; None = resume the switch under way)
    kind: str
    paths: list[str] | None = None
    control: JobControl = field(default_factory=JobControl)
    id: int = field(default_factory=lambda: next(_job_ids))
    #: who asked: "app" (the user) or "watcher" (a file changed)
    origin: str = "app"
    # written by the indexing lane, read by whoever waits on ``done`` (the watcher's thread)
    started: bool = False
    summary: IndexSummary | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    #: a "switch" job's outcome (core.library.SwitchOutcome)
    outcome: object = None


class IndexingService(QObject):
    """GUI-side handle: queues jobs to the worker thread and applies pause / resume / cancel to them."""

    _began = Signal(object)  # IndexJob: emitted on the lane's thread as a job starts
    _from_other_thread = Signal(object)
    busy_changed = Signal(bool)
    job_started = Signal(object)
    job_finished = Signal(object, dict)
    job_failed = Signal(object, object)
    job_crashed = Signal(object, object)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: list[IndexJob] = []
        self._paused = False
        self.current: IndexJob | None = None
        self._from_other_thread.connect(self._queue)  # queued: the job list is only touched on the GUI thread
        self._closing = False
        self._start(library)

    def _start(self, library: Library) -> None:
        """Start what runs the jobs: here a lane of this process (``ProcessIndexingService``: a process)."""
        self._library = library
        self._lane = Lane("indexer", self)
        self._began.connect(self._on_started)

    # commands (GUI thread) -----------------------------------------------------------------------------
    def index(self, paths: list[str] | None = None) -> IndexJob:
        return self._queue(IndexJob("index", list(paths) if paths else None))

    def index_paths(self, paths: list[str]) -> IndexJob:
        return self._queue(IndexJob("paths", list(paths)))

    def remove(self, path: str) -> IndexJob:
        return self._queue(IndexJob("remove", [path]))

    def switch_model(self, spec: str | None) -> IndexJob:
        """Build ``spec``'s vectors behind the other jobs (None: resume the switch under way); search keeps using
        the current model until the library switches."""
        return self._queue(IndexJob("switch", [spec] if spec else None))

    def run_and_wait(self, job: IndexJob, outer: JobControl | None = None) -> IndexSummary:
        """Any thread but the GUI's (the watcher's): queue ``job`` behind the others and block until it ran.
        Cancelling ``outer`` cancels the job; a job that never started then returns at once."""
        self._from_other_thread.emit(job)
        while not job.done.wait(0.1):
            if (outer is not None and outer.cancelled) or self._closing:
                job.control.cancel()
                if not job.started:  # it will be skipped when its turn comes (or never comes)
                    return IndexSummary(cancelled=True)
        if job.error is not None:
            raise job.error
        return job.summary or IndexSummary()

    def pause(self) -> None:
        self._paused = True
        for job in self._pending:
            job.control.pause()

    def resume(self) -> None:
        self._paused = False
        for job in self._pending:
            job.control.resume()

    def cancel(self) -> None:
        """Cancel the running job and every queued one (a remove still runs: it is quick and was asked for)."""
        self._paused = False
        for job in self._pending:
            if job.kind != "remove":
                job.control.cancel()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    @property
    def pending_jobs(self) -> list[IndexJob]:
        return list(self._pending)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel and stop the thread; False if it is still busy (e.g. inside a model load) after the timeout."""
        self._closing = True
        self.cancel()
        return self._lane.shutdown(timeout_ms)

    # worker callbacks (queued to the GUI thread) -----------------------------------------------------
    def _queue(self, job: IndexJob) -> IndexJob:
        if self._paused:
            job.control.pause()
        was_busy = self.busy
        self._pending.append(job)
        self._send(job)
        if not was_busy:
            self.busy_changed.emit(True)
        return job

    def _send(self, job: IndexJob) -> None:
        # the lane hands back what to do with the outcome on the GUI thread (a job never raises out of _run)
        self._lane.submit(f"index {job.kind}", lambda: self._run(job), lambda then: then(),
                          on_crash=lambda exc: self._on_crashed(job, exc))

    def _run(self, job: IndexJob) -> Callable[[], None]:
        """On the lane's thread. ``job`` carries its outcome for a waiting thread (the watcher's), set before
        ``done``; a bug must not kill the lane: it is reported and the next job runs."""
        if job.control.cancelled:
            job.summary = IndexSummary(cancelled=True)
            job.done.set()
            summary = job.summary.as_dict()
            return partial(self._on_finished, job, summary)
        job.started = True
        self._began.emit(job)
        try:
            job.summary, job.outcome = run_job(self._library, job.kind, job.paths, job.control)
        except Exception as exc:
            known = as_user_error(exc)
            job.error = known if known is not None else exc
            job.done.set()
            if known is not None:
                return partial(self._on_failed, job, known)
            return partial(self._on_crashed, job, exc)
        job.done.set()
        summary = job.summary.as_dict()
        return partial(self._on_finished, job, summary)

    def _on_started(self, job: IndexJob) -> None:
        self.current = job
        self.job_started.emit(job)

    def _done(self, job: IndexJob) -> None:
        if job in self._pending:
            self._pending.remove(job)
        if self.current is job:
            self.current = None
        if not self._pending:
            self._paused = False
            self.busy_changed.emit(False)

    def _on_finished(self, job: IndexJob, summary: dict) -> None:
        self._done(job)
        self.job_finished.emit(job, summary)

    def _on_failed(self, job: IndexJob, error: object) -> None:
        self._done(job)
        self.job_failed.emit(job, error)

    def _on_crashed(self, job: IndexJob, error: object) -> None:
        self._done(job)
        self.job_crashed.emit(job, error)
