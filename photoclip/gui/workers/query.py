"""The query service: text and photo->photo searches on their own lane (workers/lane.py), so the GUI never
waits on the model lock. A newer search supersedes the one queued or running (skipped, or its answer dropped),
so fast typing never shows an older query's hits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal

from photoclip.core.library import Library
from photoclip.core.search import Filters
from photoclip.gui.workers.lane import Lane

DEBOUNCE_MS = 250
#: results per page; scrolling to the end asks for more, up to MAX_RESULTS
PAGE = 1000
MAX_RESULTS = 100_000
#: the lane key of searches: a newer one supersedes the one queued or running
SEARCH = "search"


@dataclass(frozen=True)
class QueryRequest:
    id: int
    kind: str  # "text" | "similar"
    query: str  # the text, or the photo's path
    limit: int
    filters: Filters = field(default_factory=Filters)


def _search(library: Library, request: QueryRequest) -> tuple[list, object]:
    """The request's results, and (for text) the terms longer than the model reads."""
    if request.kind == "similar":
        return [], library.similar_results(request.query, request.limit, request.filters)
    results = library.search_results(request.query, request.limit, request.filters)
    return library.cut_query_terms(request.query), results


def _tags(library: Library, photo_id: int) -> list[tuple]:
    """A photo's tags for the viewer (SQLite work: kept off the GUI thread, as the tagging API asks)."""
    try:
        rows = library.tags.tags_of(photo_id)
    except Exception:  # tags are a detail of the viewer: never a dialog for them
        rows = []
    return [(r.tag, r.state, r.source) for r in rows if r.state != "rejected"]


class QueryService(QObject):
    """GUI side: debounces typing, submits to the worker thread, emits only the latest request's results."""

    tags_ready = Signal(int, list)  # photo id, [(tag, state, source)]
    started = Signal(object)  # QueryRequest
    cut = Signal(object, list)  # QueryRequest, [CutText]
    results = Signal(object, object)  # QueryRequest, SearchResults
    failed = Signal(object, object)
    crashed = Signal(object, object)
    cleared = Signal()

    def __init__(self, library: Library, limit: int = PAGE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.limit = limit
        self._ids = itertools.count(1)
        self._latest: QueryRequest | None = None
        self._pending_text = ""
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._fire_text)
        #: folder and date filters applied to every search from now on
        self.filters = Filters()
        self._filters_debounce = QTimer(self)  # a date typed digit by digit is one search
        self._filters_debounce.setSingleShot(True)
        self._filters_debounce.setInterval(DEBOUNCE_MS)
        self._filters_debounce.timeout.connect(self._rerun_filtered)
        self._library = library
        self._lane = Lane("query", self)

    @property
    def latest(self) -> QueryRequest | None:
        return self._latest

    def search_text_debounced(self, text: str) -> None:
        self._pending_text = text
        self._debounce.start()

    def search_text(self, text: str) -> None:
        self._debounce.stop()
        self._pending_text = text
        self._fire_text()

    def search_similar(self, path: str) -> None:
        self._debounce.stop()
        self._send("similar", path)

    def set_filters(self, filters: Filters) -> None:
        """New filters: the search on screen runs again with them (debounced, like typing)."""
        self.filters = filters
        if self._latest is not None:
            self._filters_debounce.start()

    def _rerun_filtered(self) -> None:
        if self._latest is not None:
            self._send(self._latest.kind, self._latest.query)

    def fetch_tags(self, photo_id: int) -> None:
        self._lane.submit("tags", lambda: _tags(self._library, photo_id),
                          lambda rows: self.tags_ready.emit(photo_id, rows))

    def forget(self) -> None:
        """Another view took the grid (an album): no re-runs, and a late answer to the last query is dropped."""
        self._debounce.stop()
        self._filters_debounce.stop()
        self._latest = None
        self._lane.supersede(SEARCH)

    def repeat(self) -> None:
        """Run the latest query again (e.g. after indexing added photos), as many results as were loaded."""
        if self._latest is not None:
            self._send(self._latest.kind, self._latest.query, self._latest.limit)

    def more(self, shown: int) -> bool:
        """The grid reached its end: ask for 4x as many results, if the last answer was a full page
        (``shown``: how many photos of the ranking it holds).
        The ranking is deterministic, so the rows already shown stay where they are."""
        latest = self._latest
        if latest is None or shown < latest.limit or latest.limit >= MAX_RESULTS:
            return False
        self._send(latest.kind, latest.query, min(latest.limit * 4, MAX_RESULTS))
        return True

    def _fire_text(self) -> None:
        text = self._pending_text.strip()
        if not text:
            self._latest = None
            self._lane.supersede(SEARCH)
            self.cleared.emit()
            return
        self._send("text", text)

    def _send(self, kind: str, query: str, limit: int | None = None) -> None:
        request = QueryRequest(next(self._ids), kind, query, limit or self.limit, self.filters)
        self._latest = request
        self.started.emit(request)
        self._lane.submit(f"search {kind}", lambda: _search(self._library, request),
                          lambda answer: self._on_results(request, *answer), key=SEARCH,
                          on_failed=lambda error: self.failed.emit(request, error),
                          on_crash=lambda exc: self.crashed.emit(request, exc))  # reported even when stale

    def _on_results(self, request: QueryRequest, cut: list, results: object) -> None:
        self.cut.emit(request, cut)
        self.results.emit(request, results)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        self._debounce.stop()
        self._filters_debounce.stop()
        return self._lane.shutdown(timeout_ms)
