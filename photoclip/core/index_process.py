"""Index jobs, and the process the app runs them in so that its window never holds the model.

``run_job`` is what an index job does (the app's indexing thread and the indexing process both call it).
``serve`` is the indexing process: the app (gui/workers/index_process.py) spawns it with the library's settings;
it opens the same library — several processes on one library are safe (docs/design.md, "One library,
many processes") — runs the jobs it is sent one after another and sends back what happens. Messages are tuples
over a ``multiprocessing`` connection:

- to the process: ``("job", id, kind, paths)``, ``("control", id, paused, cancelled)``, ``("reserve", cores)``,
  ``("call", id, what, args)`` (the window's queries that need the whole model: ``MODEL_CALLS``), ``("quit",)``
- from it: ``("event", Event)`` (every event of its library), ``("started", id)``,
  ``("finished", id, IndexSummary, outcome)``, ``("failed", id, error class name, user_message, hint)``,
  ``("crashed", id, traceback text)``, ``("reply", id, value, error)`` (error: None, or as "failed" /
  "crashed" give it, without the id)

It dies with the app: the kernel kills it when the app's process ends (Linux), and a closed connection (the
app is gone, anywhere) cancels its jobs and ends it. A kill at any moment is safe: one transaction per batch.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import traceback
from dataclasses import dataclass

from photoclip.core.child_lifetime import die_with_parent
from photoclip.core.control import JobControl
from photoclip.core.errors import user_error_for
from photoclip.core.records import IndexSummary
from photoclip.core.settings import Settings

log = logging.getLogger(__name__)

#: what the window may ask of the model here (its own process never loads it)
MODEL_CALLS = ("embed_texts", "token_counts", "max_text_tokens", "embed_images")
#: below the window (a desktop's own work comes first), like decode processes
PROCESS_NICENESS = 5


def run_job(library, kind: str, paths: list[str] | None, control: JobControl) -> tuple[IndexSummary, object]:
    """Run one index job: ``kind`` "index" (folders; None = every folder), "paths" (single files), "remove"
    (folders), "switch" (to the model ``paths[0]``; None = resume the switch under way). Returns the summary
    and, for a switch, its ``SwitchOutcome``."""
    if kind == "remove":
        return IndexSummary(removed=sum(library.remove_folder(p) for p in paths or [])), None
    if kind == "paths":
        return library.index_paths(paths or [], control), None
    if kind == "switch":
        outcome = library.switch_model(paths[0] if paths else None, control)
        return IndexSummary(cancelled=not outcome.switched), outcome
    return library.index_folders(paths, control), None


@dataclass(frozen=True)
class ProcessSpec:
    """What the indexing process needs to open the app's library."""

    settings: Settings
    #: "module:callable" building the embedder, for tests; None: the library's model folder
    embedder: str | None
    #: the app's process id: the indexing process ends if it is gone
    parent_pid: int
    #: cores an index run leaves to the desktop, until told otherwise
    desktop_reserve: int = 0
    #: False: a missing model is never downloaded on the way (``Library.downloads_model``: the app's first-run
    #: dialog downloads it); the run catalogues the photos without it
    downloads_model: bool = True


def serve(conn, spec: ProcessSpec) -> None:
    """The indexing process's main function (``multiprocessing`` spawn target)."""
    die_with_parent(spec.parent_pid)
    from photoclip.core.quiet import quiet_library_warnings

    quiet_library_warnings()
    with contextlib.suppress(OSError, AttributeError):  # os.nice is POSIX-only
        os.nice(PROCESS_NICENESS)
    _Server(conn, spec).run()


class _Server:
    def __init__(self, conn, spec: ProcessSpec) -> None:
        self._conn = conn
        self._spec = spec
        self._send_lock = threading.Lock()
        self._jobs: queue.Queue = queue.Queue()
        self._controls: dict[int, JobControl] = {}
        self._library = None
        self._open_lock = threading.Lock()
        self._reserve = spec.desktop_reserve

    def run(self) -> None:
        worker = threading.Thread(target=self._work, name="photoclip-index-jobs")
        worker.start()
        try:
            self._receive()
        finally:
            for control in list(self._controls.values()):  # quit, or the app is gone: stop after this batch
                control.cancel()
            self._jobs.put(None)
            worker.join()
            if self._library is not None:
                self._library.close()

    def _receive(self) -> None:
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                return  # the app closed the connection or died
            kind = message[0]
            if kind == "quit":
                return
            if kind == "job":
                _, job_id, job_kind, paths = message
                self._controls[job_id] = JobControl()
                self._jobs.put((job_id, job_kind, paths))
            elif kind == "control":
                _, job_id, paused, cancelled = message
                control = self._controls.get(job_id)
                if control is not None:
                    if cancelled:
                        control.cancel()
                    elif paused:
                        control.pause()
                    else:
                        control.resume()
            elif kind == "call":
                threading.Thread(target=self._answer, args=message[1:], name="photoclip-model-call",
                                 daemon=True).start()
            elif kind == "reserve":
                self._reserve = message[1]
                if self._library is not None:
                    self._library.desktop_reserve = self._reserve

    def _send(self, message: tuple) -> None:
        with self._send_lock:
            try:
                self._conn.send(message)
            except (OSError, EOFError):  # the app is gone: the receiving side ends this process
                pass
            except Exception:  # something that does not pickle: a bug here, never a reason to stop indexing
                log.exception("cannot send %s to the app", message[0])

    def _open(self):
        with self._open_lock:  # the job thread and a model call may both be first
            if self._library is None:
                from photoclip.core.library import Library

                spec = self._spec
                library = Library.open(spec.settings, embedder_name=spec.embedder)
                library.desktop_reserve = self._reserve
                library.downloads_model = spec.downloads_model
                library.events.subscribe(lambda event: self._send(("event", event)))
                self._library = library
            return self._library

    def _answer(self, call_id: int, what: str, args: tuple) -> None:
        try:
            value = _model_call(self._open(), what, *args)
        except Exception as exc:
            self._send(("reply", call_id, None, _error_message(exc)))
        else:
            self._send(("reply", call_id, value, None))

    def _work(self) -> None:
        while (item := self._jobs.get()) is not None:
            job_id, kind, paths = item
            control = self._controls[job_id]
            if control.cancelled:
                self._send(("finished", job_id, IndexSummary(cancelled=True), None))
            else:
                self._send(("started", job_id))
                self._run(job_id, kind, paths, control)
            self._controls.pop(job_id, None)

    def _run(self, job_id: int, kind: str, paths: list[str] | None, control: JobControl) -> None:
        try:
            summary, outcome = run_job(self._open(), kind, paths, control)
        except Exception as exc:  # errors become messages in one place: the app's banner or crash report
            kind, *details = _error_message(exc)
            self._send((kind, job_id, *details))
        else:
            self._send(("finished", job_id, summary, outcome))


def _error_message(exc: BaseException) -> tuple:
    """("failed", class name, user_message, hint) for a problem the user can fix, else ("crashed", traceback)."""
    known = user_error_for(exc)
    if known is not None:
        return ("failed", type(known).__name__, known.user_message, known.hint)
    return ("crashed", "".join(traceback.format_exception(exc)))


def _model_call(library, what: str, *args):
    """One of ``MODEL_CALLS``: texts need only what texts need (the text-only embedder where one can be had),
    photos the whole model; either waits for the batch being embedded at most (``Library.embed_texts``)."""
    if what not in MODEL_CALLS:
        raise ValueError(f"unknown model call {what!r}")
    if what == "embed_images":
        return library.embed_images(args[0])
    embedder = library.text_embedder
    if what == "max_text_tokens":
        return getattr(embedder, "max_text_tokens", None)
    if what == "token_counts":
        counter = getattr(embedder, "token_counts", None)
        return list(counter(list(args[0]))) if counter is not None else None
    return library.embed_texts(list(args[0]))
