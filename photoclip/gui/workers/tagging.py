"""The tagging worker: label runs, slider counts, the review queue, tags and albums on one thread of their own.

Everything the tagging API does is SQLite or numpy work (and the model, for prompts it has not seen), so none
of it may run on the GUI thread. Callers submit a function of a ``TagContext`` with a callback; results come
back as queued signals and the callback runs on the GUI thread. A request may carry a *key*: a newer request
with the same key supersedes it (skipped if it has not started, its answer dropped if it has), which is what
keeps a dragged slider from queueing a hundred counts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from photoclip.core.errors import PhotoclipError
from photoclip.core.library import Library
from photoclip.core.tagging import Albums, Tagger
from photoclip.gui.workers.known_errors import emit_failure


@dataclass(frozen=True)
class TagContext:
    library: Library
    tagger: Tagger
    albums: Albums


@dataclass(frozen=True)
class TagRequest:
    id: int
    key: str | None
    fn: Callable[[TagContext], Any]
    what: str  # for crash reports


class TaggingWorker(QObject):
    done = Signal(object, object)  # TagRequest, result
    failed = Signal(object, object)  # TagRequest, PhotoclipError
    crashed = Signal(object, object)  # TagRequest, Exception

    def __init__(self, library: Library) -> None:
        super().__init__()
        self._context = TagContext(library, Tagger(library), Albums(library))
        #: key -> id of the newest request with that key; written by the GUI thread (a dict store is atomic)
        self.latest: dict[str, int] = {}
        self.stopped = False

    @Slot(object)
    def run(self, request: TagRequest) -> None:
        if self.stopped or (request.key is not None and self.latest.get(request.key) != request.id):
            return
        try:
            result = request.fn(self._context)
        except Exception as exc:
            emit_failure(request, exc, self.failed, self.crashed)
        else:
            self.done.emit(request, result)


class TaggingService(QObject):
    """GUI side of the tagging worker. ``failed`` carries errors of requests submitted without ``on_error``."""

    _submit = Signal(object)
    finished = Signal(str)  # the request's ``what``, after its callback ran (tests wait on it)
    failed = Signal(object)  # PhotoclipError
    crashed = Signal(str, object)  # what, Exception

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self._thread = QThread()
        self._thread.setObjectName("photoclip-tagging")
        self._worker = TaggingWorker(library)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._worker.crashed.connect(self._on_crashed)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def submit(self, what: str, fn: Callable[[TagContext], Any], on_done: Callable[[Any], None] | None = None,
               *, key: str | None = None, on_error: Callable[[PhotoclipError], None] | None = None) -> int:
        request = TagRequest(next(self._ids), key, fn, what)
        if key is not None:
            superseded = self._worker.latest.get(key)
            self._callbacks.pop(superseded, None)  # its answer, if it still comes, is dropped
            self._worker.latest[key] = request.id
        self._callbacks[request.id] = (on_done, on_error)
        self._submit.emit(request)
        return request.id

    def _on_done(self, request: TagRequest, result: object) -> None:
        on_done, _ = self._callbacks.pop(request.id, (None, None))  # nothing left when superseded
        if on_done is not None:
            on_done(result)
        self.finished.emit(request.what)

    def _on_failed(self, request: TagRequest, error: PhotoclipError) -> None:
        if request.id in self._callbacks:
            _, on_error = self._callbacks.pop(request.id)
            (on_error or self.failed.emit)(error)
        self.finished.emit(request.what)

    def _on_crashed(self, request: TagRequest, exc: Exception) -> None:
        self._callbacks.pop(request.id, None)
        self.crashed.emit(request.what, exc)  # a bug is worth reporting even when stale
        self.finished.emit(request.what)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        self._worker.stopped = True  # skip whatever is still queued
        self._thread.quit()
        return self._thread.wait(timeout_ms)
