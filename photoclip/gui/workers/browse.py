"""The library view's catalog reads on their own thread: the timeline of a scope (every photo's id and day,
~90 ms at 100k photos) and the rows of the photos a grid page paints (a primary-key read of 200 rows, ~2 ms),
on one lane (workers/lane.py). Requests carry the timeline's id; answers for a superseded timeline are dropped
on both sides."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from photoclip.core.library import Library
from photoclip.core.search import Filters
from photoclip.gui.workers.lane import Lane


@dataclass(frozen=True)
class BrowseRequest:
    id: int
    filters: Filters = field(default_factory=Filters)


#: the lane key of timeline reads: a newer one supersedes the one queued or running (and its page reads)
TIMELINE = "timeline"


def _rows(library: Library, ids: list) -> list[tuple]:
    # plain tuples: a cache of thousands of rows the garbage collector need not walk (PhotoRow(*row))
    return [tuple(vars(photo).values()) for photo in library.photos(ids)]


class BrowseService(QObject):
    """GUI side: one timeline request at a time counts (the latest), row pages for it on demand."""

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
        self._lane = Lane("browse", self)

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
        self._lane.submit("timeline", lambda: self.library.timeline(filters),
                          lambda timeline: self._on_timeline(request, timeline), key=TIMELINE,
                          on_failed=lambda error: self._on_failed(request, error),
                          on_crash=lambda exc: self.crashed.emit(request, exc))
        return request

    def fetch(self, timeline_id: int, page: int, ids: list[int]) -> None:
        """A page of rows of the timeline ``timeline_id``; skipped once another timeline was asked for. A failure
        leaves the grid's placeholders (the next paint asks again)."""
        def read() -> list[tuple] | None:
            # the service's own request ids (the lane numbers every job, rows included, so its ids are others)
            latest = self._latest
            return _rows(self.library, ids) if latest is not None and latest.id == timeline_id else None

        request = BrowseRequest(timeline_id)
        self._lane.submit("rows", read, lambda rows: self._on_rows(timeline_id, page, rows),
                          on_failed=lambda error: self._on_failed(request, error),
                          on_crash=lambda exc: self.crashed.emit(request, exc))

    def _is_current(self, request_id: int) -> bool:
        return self._latest is not None and request_id == self._latest.id

    def _on_timeline(self, request: BrowseRequest, timeline: object) -> None:
        if self._is_current(request.id):
            self._loading = False
            self.timeline_ready.emit(request, timeline)

    def _on_rows(self, timeline_id: int, page: int, rows: list | None) -> None:
        if rows is not None and self._is_current(timeline_id):
            self.rows_ready.emit(timeline_id, page, rows)

    def _on_failed(self, request: BrowseRequest, error: object) -> None:
        if self._is_current(request.id):
            self._loading = False
            self.failed.emit(request, error)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        return self._lane.shutdown(timeout_ms)  # skips whatever is still queued
