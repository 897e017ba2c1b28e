"""The query worker: text and photo->photo searches on their own thread, so the GUI never waits on the
model lock. Requests carry an id; the worker skips requests already superseded and the service drops stale
results, so fast typing never shows an older query's hits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from photoclip.core.library import Library
from photoclip.core.search import Filters
from photoclip.gui.workers.known_errors import emit_failure

DEBOUNCE_MS = 250
#: results per page; scrolling to the end asks for more, up to MAX_RESULTS
PAGE = 1000
MAX_RESULTS = 100_000


@dataclass(frozen=True)
class QueryRequest:
    id: int
    kind: str  # "text" | "similar"
    query: str  # the text, or the photo's path
    limit: int
    filters: Filters = field(default_factory=Filters)


class QueryWorker(QObject):
    results = Signal(object, object)  # QueryRequest, SearchResults (matches and the ranking)
    cut = Signal(object, list)  # QueryRequest, [CutText]: terms longer than the model reads (before results)
    failed = Signal(object, object)  # QueryRequest, PhotoclipError
    crashed = Signal(object, object)  # QueryRequest, Exception
    tags = Signal(int, list)  # photo id, [(tag, state, source)]

    def __init__(self, library: Library) -> None:
        super().__init__()
        self._library = library
        #: written by the GUI thread, read here; a plain int is safe under the GIL
        self.latest_id = 0

    @Slot(object)
    def run(self, request: QueryRequest) -> None:
        if request.id != self.latest_id:
            return  # superseded while it waited in the queue
        try:
            if request.kind == "similar":
                results = self._library.similar_results(request.query, request.limit, request.filters)
            else:
                results = self._library.search_results(request.query, request.limit, request.filters)
                self.cut.emit(request, self._library.cut_query_terms(request.query))
        except Exception as exc:
            emit_failure(request, exc, self.failed, self.crashed)
        else:
            self.results.emit(request, results)

    @Slot(int)
    def run_tags(self, photo_id: int) -> None:
        """A photo's tags for the viewer (SQLite work: kept off the GUI thread, as the tagging API asks)."""
        try:
            from photoclip.core.tagging import Tagger

            rows = Tagger(self._library).tags_of(photo_id)
        except Exception:  # tags are a detail of the viewer: never a dialog for them
            rows = []
        self.tags.emit(photo_id, [(r.tag, r.state, r.source) for r in rows if r.state != "rejected"])


class QueryService(QObject):
    """GUI side: debounces typing, submits to the worker thread, emits only the latest request's results."""

    _submit = Signal(object)
    _submit_tags = Signal(int)
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
        self._thread = QThread()
        self._thread.setObjectName("photoclip-query")
        self._worker = QueryWorker(library)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._submit_tags.connect(self._worker.run_tags)
        self._worker.tags.connect(self.tags_ready)
        self._worker.results.connect(self._on_results)
        self._worker.cut.connect(self._on_cut)
        self._worker.failed.connect(self._on_failed)
        self._worker.crashed.connect(self._on_crashed)
        self._thread.start()

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
        self._submit_tags.emit(photo_id)

    def forget(self) -> None:
        """Another view took the grid (an album): no re-runs, and a late answer to the last query is dropped."""
        self._debounce.stop()
        self._filters_debounce.stop()
        self._latest = None
        self._worker.latest_id = 0

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
            self._worker.latest_id = 0
            self.cleared.emit()
            return
        self._send("text", text)

    def _send(self, kind: str, query: str, limit: int | None = None) -> None:
        request = QueryRequest(next(self._ids), kind, query, limit or self.limit, self.filters)
        self._latest = request
        self._worker.latest_id = request.id
        self.started.emit(request)
        self._submit.emit(request)

    def _is_current(self, request: QueryRequest) -> bool:
        return self._latest is not None and request.id == self._latest.id

    def _on_results(self, request: QueryRequest, results: object) -> None:
        if self._is_current(request):
            self.results.emit(request, results)

    def _on_cut(self, request: QueryRequest, cut: list) -> None:
        if self._is_current(request):
            self.cut.emit(request, cut)

    def _on_failed(self, request: QueryRequest, error: object) -> None:
        if self._is_current(request):
            self.failed.emit(request, error)

    def _on_crashed(self, request: QueryRequest, error: object) -> None:
        self.crashed.emit(request, error)  # a bug is worth reporting even when stale

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        self._debounce.stop()
        self._filters_debounce.stop()
        self._worker.latest_id = -1  # skip whatever is still queued
        self._thread.quit()
        return self._thread.wait(timeout_ms)
