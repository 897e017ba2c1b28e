"""The library view's catalog reads on their own thread: the timeline of a scope (every photo's id and day,
~90 ms at 100k photos) and the rows of the photos a grid page paints (a primary-key read of 200 rows, ~2 ms).
Requests carry the timeline's id; answers for a superseded timeline are dropped on both sides."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, Signal, Slot

from photoclip.core.library import Library
from photoclip.core.search import Filters
from photoclip.gui.workers.known_errors import emit_failure


@dataclass(frozen=True)
class BrowseRequest:
    id: int
    filters: Filters = field(default_factory=Filters)


class BrowseWorker(QObject):
    timeline = Signal(object, object)  # BrowseRequest, Timeline
    rows = Signal(int, int, list)  # timeline id, page number, [PhotoRow fields as a tuple]
    failed = Signal(object, object)  # BrowseRequest, PhotoclipError
    crashed = Signal(object, object)  # BrowseRequest, Exception

    def __init__(self, library: Library) -> None:
        super().__init__()
        self._library = library
        #: written by the GUI thread, read here; a plain int is safe under the GIL
        self.latest_id = 0

    @Slot(object)
    def load(self, request: BrowseRequest) -> None:
        if request.id != self.latest_id:
            return  # superseded while it waited
        try:
            timeline = self._library.timeline(request.filters)
        except Exception as exc:
            emit_failure(request, exc, self.failed, self.crashed)
        else:
            self.timeline.emit(request, timeline)

    @Slot(int, int, object)
    def fetch(self, timeline_id: int, page: int, ids: list) -> None:
        if timeline_id != self.latest_id:
            return
        try:
            # plain tuples: a cache of thousands of rows the garbage collector need not walk (PhotoRow(*row))
            rows = [tuple(vars(photo).values()) for photo in self._library.photos(ids)]
        except Exception as exc:  # the grid keeps placeholders; the next paint asks again
            emit_failure(BrowseRequest(timeline_id), exc, self.failed, self.crashed)
            return
        self.rows.emit(timeline_id, page, rows)


class BrowseService(QObject):
    """GUI side: one timeline request at a time counts (the latest), row pages for it on demand."""

    _submit = Signal(object)
    _submit_fetch = Signal(int, int, object)
    timeline_ready = Signal(object, object)  # BrowseRequest, Timeline
    rows_ready = Signal(int, int, list)  # timeline id, page, [PhotoRow fields as a tuple]
    failed = Signal(object, object)
    crashed = Signal(object, object)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._ids = itertools.count(1)
        self._latest: BrowseRequest | None = None
        self._loading = False
        self._thread = QThread()
        self._thread.setObjectName("photoclip-browse")
        self._worker = BrowseWorker(library)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.load)
        self._submit_fetch.connect(self._worker.fetch)
        self._worker.timeline.connect(self._on_timeline)
        self._worker.rows.connect(self._on_rows)
        self._worker.failed.connect(self._on_failed)
        self._worker.crashed.connect(self.crashed)
        self._thread.start()

    @property
    def latest(self) -> BrowseRequest | None:
        return self._latest

    @property
    def busy(self) -> bool:
        """A timeline is being read (tests wait for it)."""
        return self._loading

    def load(self, filters: Filters) -> BrowseRequest:
        request = BrowseRequest(next(self._ids), filters)
        self._latest = request
        self._loading = True
        self._worker.latest_id = request.id
        self._submit.emit(request)
        return request

    def fetch(self, timeline_id: int, page: int, ids: list[int]) -> None:
        self._submit_fetch.emit(timeline_id, page, ids)

    def _is_current(self, request_id: int) -> bool:
        return self._latest is not None and request_id == self._latest.id

    def _on_timeline(self, request: BrowseRequest, timeline: object) -> None:
        if self._is_current(request.id):
            self._loading = False
            self.timeline_ready.emit(request, timeline)

    def _on_rows(self, timeline_id: int, page: int, rows: list) -> None:
        if self._is_current(timeline_id):
            self.rows_ready.emit(timeline_id, page, rows)

    def _on_failed(self, request: BrowseRequest, error: object) -> None:
        if self._is_current(request.id):
            self._loading = False
            self.failed.emit(request, error)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        self._worker.latest_id = -1  # skip whatever is still queued
        self._thread.quit()
        return self._thread.wait(timeout_ms)
