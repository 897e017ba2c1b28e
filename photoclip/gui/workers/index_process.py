"""Indexing in a process of its own, so the window never holds the model stack (torch / transformers /
OpenVINO, ~0.9 GB for even a tiny model: docs/benchmarks.md).

``ProcessIndexingService`` is the ``IndexingService`` the window uses, with the jobs run by a spawned, low-priority
child process (core/index_process.py) on the same library: the child commits batch by batch as the thread did,
so the window's status timer and searches see photos as they land. Its events are re-emitted on the window's
own library bus (so the EventBridge and everything after it work unchanged); pause / resume / cancel of a job's
``JobControl`` here reach the child within a tick. The child is started at the first job, ends after a while
without jobs (its model memory goes with it) and dies with the window. A child that dies mid-run (killed, out
of memory) fails its running job with a message the window shows as a banner; the next run goes on where it
stopped (one transaction per batch).

Queries: a text query is embedded in the window by the text-only path (OpenVINO's text tower and a light
tokenizer: no torch) wherever that can serve it — the child's first full load caches what it needs. What it
cannot serve (a torch backend chosen by name, a query before any full load, a photo from outside the library
dropped on the search box) is asked of the child (``ChildModel``: ``Library.model_elsewhere``), which loads the
whole model there if it has not yet, so the window never does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from photoclip.core import errors
from photoclip.core.errors import PhotoclipError
from photoclip.core.index_process import ProcessSpec, serve
from photoclip.core.library import Library
from photoclip.core.records import IndexSummary
from photoclip.gui.workers.indexing import IndexingService, IndexJob

log = logging.getLogger(__name__)

#: how often the jobs' pause / cancel state and the window's desktop reserve are passed on
SYNC_MS = 100
#: a child without jobs or queries for this long ends (and frees its model); the next one starts another
IDLE_QUIT_S = 120.0
#: how long a closing window waits for the child to end its batch before killing it (safe at any moment)
QUIT_WAIT_S = 10.0


class IndexProcessStopped(PhotoclipError):
    """The indexing process ended in the middle of a job (killed, out of memory, a crash of a library)."""


class IndexProcessCrash(Exception):
    """A bug in the indexing process: its traceback, for the crash report."""


def use_process(library: Library) -> bool:
    """Index in a child process where the settings ask for it and the child can build the same model (from
    its folder, or an embedder given by name): an embedder object a test injected stays in this process."""
    return library.settings.index_process and (library.loads_models or library.embedder_name is not None)


def make_indexing_service(library: Library, parent: QObject | None = None) -> IndexingService:
    if use_process(library):
        return ProcessIndexingService(library, parent)
    return IndexingService(library, parent)


class _Child:
    """One spawned indexing process and the GUI side of its connection."""

    def __init__(self, generation: int, process, conn, settings, model_spec: str) -> None:
        self.generation = generation
        self.process = process
        self.conn = conn
        self.settings = settings
        #: the library's model as of its last job (the window may record another meanwhile: first run, Settings)
        self.model_spec = model_spec
        self.quitting = False
        #: it sent something: it started, so a job it had not begun may go to the next one
        self.heard = False
        self._send_lock = threading.Lock()  # the GUI thread and the query thread both send

    def send(self, message: tuple) -> bool:
        with self._send_lock:
            try:
                self.conn.send(message)
                return True
            except (OSError, EOFError, ValueError):  # it died: the reader thread says so
                return False


class ChildModel:
    """The library's whole model as the window's queries see it: each call answered by the indexing process
    (``Library.model_elsewhere``). Any thread but the GUI's; a call blocks until the child answers."""

    def __init__(self, service: ProcessIndexingService, library: Library) -> None:
        self._service = service
        self._library = library

    @property
    def model_id(self) -> str:
        return self._library.model.model_id

    @property
    def dim(self) -> int:
        return self._library.model.dim

    @property
    def input_size(self) -> int:
        return self._library.model.input_size

    @property
    def max_text_tokens(self) -> int | None:
        return self._service.call("max_text_tokens")

    def token_counts(self, texts: list[str]) -> list[int]:
        counts = self._service.call("token_counts", list(texts))
        return counts if counts is not None else [0] * len(texts)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        return self._service.call("embed_texts", list(texts))

    def prepare(self, image) -> np.ndarray:
        return np.asarray(image.convert("RGB"))  # the child prepares it for its model

    def embed_prepared(self, batch) -> np.ndarray:
        return self._service.call("embed_images", list(batch))


class ProcessIndexingService(IndexingService):
    _message = Signal(int, object)  # child generation, message (from the reader thread)

    def _start(self, library: Library) -> None:
        self._library = library
        self._lock = threading.RLock()  # the child and its bookkeeping: the GUI thread and a query thread
        self._child: _Child | None = None
        self._generations = 0
        self._in_child: dict[int, tuple[int, IndexJob]] = {}  # job id -> (generation, job) sent, not answered
        self._sent_state: dict[int, tuple[bool, bool]] = {}
        self._calls: dict[int, tuple[int, Future]] = {}  # call id -> (generation, answer)
        self._call_ids = itertools.count(1)
        self._last_use = time.monotonic()
        self._reserve_sent = library.desktop_reserve
        self._message.connect(self._on_message)
        self._sync = QTimer(self)
        self._sync.setInterval(SYNC_MS)
        self._sync.timeout.connect(self._tick)
        self._sync.start()
        library.model_elsewhere = ChildModel(self, library)

    @property
    def child_pid(self) -> int | None:
        """The indexing process's id while it runs (tests, diagnostics)."""
        child = self._child
        return child.process.pid if child is not None and child.process.is_alive() else None

    # commands (GUI thread) -------------------------------------------------------------------------------
    def pause(self) -> None:
        super().pause()
        self._sync_controls()

    def resume(self) -> None:
        super().resume()
        self._sync_controls()

    def cancel(self) -> None:
        super().cancel()
        self._sync_controls()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel, let the child end its batch (it commits or drops it: both are safe), then make sure it is
        gone. Always True: nothing of the window's library is in use by a thread of this process."""
        self._closing = True
        self.cancel()
        self._sync.stop()
        with self._lock:
            child, self._child = self._child, None
        if child is not None:
            child.quitting = True
            child.send(("quit",))
            child.process.join(min(QUIT_WAIT_S, timeout_ms / 1000))
            if child.process.is_alive():
                child.process.kill()
                child.process.join(5)
        for job in self.pending_jobs:  # a watcher waiting on one returns
            job.summary = job.summary or IndexSummary(cancelled=True)
            job.done.set()
        self._fail_calls(None)
        return True

    def call(self, what: str, *args):
        """Ask the child's model (``core.index_process.MODEL_CALLS``); any thread but the GUI's. Raises what
        the child raised (a PhotoclipError as itself), or IndexProcessStopped when it ended first."""
        future: Future = Future()
        with self._lock:
            if self._closing:
                raise _stopped("the app is closing")
            child = self._ensure_child()
            call_id = next(self._call_ids)
            self._calls[call_id] = (child.generation, future)
            self._last_use = time.monotonic()
        child.send(("call", call_id, what, args))
        try:
            return future.result()
        finally:
            self._last_use = time.monotonic()

    # the child ---------------------------------------------------------------------------------------------
    def _send(self, job: IndexJob) -> None:
        if self._closing:
            return
        with self._lock:
            child = self._ensure_child()
            self._in_child[job.id] = (child.generation, job)
            self._sent_state[job.id] = (False, False)
            self._last_use = time.monotonic()
        child.send(("job", job.id, job.kind, job.paths))
        self._sync_controls()

    def _ensure_child(self) -> _Child:
        child = self._child
        if child is not None and not child.quitting and child.process.is_alive():
            # settings changed in the window (threads, device) and a model recorded there (first run) apply from
            # the next child, when this one is idle
            same = child.settings == self._library.settings and child.model_spec == self._library.model_spec
            if same or self._in_use(child.generation):
                return child
            self._quit(child)
        self._generations += 1
        self._child = self._spawn(self._generations)
        return self._child

    def _spawn(self, generation: int) -> _Child:
        # spawn, not fork: the window has threads (Qt, queries) whose locks a fork would copy. A frozen app runs
        # the child through multiprocessing.freeze_support() at its entry (installers/entry). Started from the
        # GUI thread or the query thread: both live as long as the window (the child dies with its starter).
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        settings = dataclasses.replace(self._library.settings)  # a copy: the window's may change in place
        library = self._library
        spec = ProcessSpec(settings, library.embedder_name, os.getpid(), library.desktop_reserve,
                           library.downloads_model)
        process = context.Process(target=serve, args=(theirs, spec), name="photoclip-indexer")
        process.start()
        theirs.close()  # only the child holds its end: its death reads as the end of the connection
        self._reserve_sent = spec.desktop_reserve
        child = _Child(generation, process, ours, settings, library.model_spec)
        threading.Thread(target=self._read, args=(child,), name="photoclip-index-reader", daemon=True).start()
        return child

    def _read(self, child: _Child) -> None:  # reader thread: one per child
        while True:
            try:
                message = child.conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # a message that does not unpickle: a bug, reported; the connection goes on
                log.exception("unreadable message from the indexing process")
                continue
            child.heard = True
            if message[0] == "reply":  # a query thread waits for it: answered here, not through the GUI thread
                self._answer(*message[1:])
            else:
                self._emit(child.generation, message)
        child.process.join()
        child.conn.close()
        self._fail_calls(child.generation, child.process.exitcode)
        self._emit(child.generation, ("exited", child.process.exitcode, child.heard))

    def _emit(self, generation: int, message: tuple) -> None:
        with contextlib.suppress(RuntimeError):  # the window (and this service) is gone: nobody is left to tell
            self._message.emit(generation, message)

    def _answer(self, call_id: int, value, error: tuple | None) -> None:
        with self._lock:
            entry = self._calls.pop(call_id, None)
        if entry is None:
            return
        if error is None:
            entry[1].set_result(value)
        elif error[0] == "failed":
            entry[1].set_exception(_user_error(*error[1:]))
        else:
            entry[1].set_exception(IndexProcessCrash(f"in the indexing process:\n{error[1]}"))

    def _fail_calls(self, generation: int | None, exitcode: int | None = None) -> None:
        with self._lock:
            ended = [i for i, (gen, _) in self._calls.items() if generation is None or gen == generation]
            futures = [self._calls.pop(i)[1] for i in ended]
        for future in futures:
            future.set_exception(_stopped(_exit_reason(exitcode) if generation is not None else "the app is closing"))

    def _quit(self, child: _Child) -> None:
        child.quitting = True
        child.send(("quit",))

    def _in_use(self, generation: int) -> bool:
        return bool(self._jobs_of(generation)) or any(gen == generation for gen, _ in self._calls.values())

    def _jobs_of(self, generation: int) -> list[IndexJob]:
        return [job for gen, job in self._in_child.values() if gen == generation]

    def _tick(self) -> None:
        self._sync_controls()
        with self._lock:  # a child left without jobs or queries for a while ends: its model memory goes with it
            child = self._child
            if (child is not None and not self.busy and not self._in_use(child.generation)
                    and time.monotonic() - self._last_use > IDLE_QUIT_S):
                self._quit(child)
                self._child = None

    def _sync_controls(self) -> None:
        """Pass on each job's pause / cancel (whoever changed its JobControl) and the window's desktop reserve."""
        with self._lock:
            child = self._child
            if child is None:
                return
            messages = []
            for job_id, (generation, job) in list(self._in_child.items()):
                state = (job.control.paused, job.control.cancelled)
                if generation == child.generation and state != self._sent_state.get(job_id):
                    self._sent_state[job_id] = state
                    messages.append(("control", job_id, *state))
            if self._library.desktop_reserve != self._reserve_sent:
                self._reserve_sent = self._library.desktop_reserve
                messages.append(("reserve", self._reserve_sent))
        for message in messages:
            child.send(message)

    # messages (GUI thread) ---------------------------------------------------------------------------------
    def _on_message(self, generation: int, message: tuple) -> None:
        kind = message[0]
        if kind == "event":
            self._on_event(message[1])
        elif kind == "exited":
            self._on_exited(generation, *message[1:])
        else:
            entry = self._in_child.get(message[1])
            if entry is None:
                return
            job = entry[1]
            if kind == "started":
                job.started = True
                self._on_started(job)
            elif kind == "finished":
                job.summary, job.outcome = message[2], message[3]
                self._answered(job)
                self._on_finished(job, job.summary.as_dict())
            elif kind == "failed":
                job.error = _user_error(*message[2:])
                self._answered(job)
                self._on_failed(job, job.error)
            elif kind == "crashed":
                job.error = IndexProcessCrash(f"in the indexing process:\n{message[2]}")
                self._answered(job)
                self._on_crashed(job, job.error)

    def _on_event(self, event: object) -> None:
        from photoclip.core.events import ModelSwitched

        if isinstance(event, ModelSwitched):
            self._library.model_changed()  # the window's searches use the new model from now on
            with self._lock:
                if self._child is not None:
                    self._child.model_spec = self._library.model_spec  # the child runs it already
        self._library.events.emit(event)

    def _answered(self, job: IndexJob) -> None:
        with self._lock:
            entry = self._in_child.pop(job.id, None)
            self._sent_state.pop(job.id, None)
            self._last_use = time.monotonic()
            child = self._child
            if entry is not None and child is not None and child.generation == entry[0]:
                child.model_spec = self._library.model_spec  # what its run recorded is its own model
        job.done.set()

    def _on_exited(self, generation: int, exitcode: int | None, heard: bool) -> None:
        with self._lock:
            if self._child is not None and self._child.generation == generation:
                self._child = None
            left = self._jobs_of(generation)
            for job in left:
                self._in_child.pop(job.id, None)
                self._sent_state.pop(job.id, None)
        if not left or self._closing:
            return
        # what it was running fails with a message; what it had not started yet goes to a new child, unless
        # this one never started (a broken install would start children for ever)
        for job in left:
            if job.started or not heard:
                reason = _exit_reason(exitcode) if heard else f"it could not start: {_exit_reason(exitcode)}"
                job.error = _stopped(reason)
                job.done.set()
                self._on_failed(job, job.error)
            else:
                self._send(job)


def _stopped(reason: str) -> IndexProcessStopped:
    return IndexProcessStopped(f"Indexing stopped unexpectedly: its process ended ({reason}).",
                               "Photos indexed so far are kept. Rescan to go on where it stopped.")


def _user_error(name: str, message: str, hint: str) -> PhotoclipError:
    """The child's PhotoclipError as the same class here (built without its own __init__, whose arguments
    differ between classes), so the banner's actions (Settings…, Add folder…) follow it."""
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, PhotoclipError)):
        cls = PhotoclipError
    error = cls.__new__(cls)
    PhotoclipError.__init__(error, message, hint)
    return error


def _exit_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        import signal

        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return "killed, perhaps for lack of memory" if name == "SIGKILL" else f"stopped by {name}"
    return f"exit status {exitcode}"
