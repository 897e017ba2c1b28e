"""Search in the window: what is typed or dropped, the filters, the results grid and its caption, paging on
scroll, following an indexing run, and dropping answers to searches that are no longer on screen (the query
lane drops stale ones; this keeps the user's place when the same search comes back). The window only creates
it; with nothing searched it hands the grid to the library view (``show_library``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QStackedWidget

from photoclip.core.errors import PhotoclipError, QueryError
from photoclip.core.filenames import display
from photoclip.core.library import LibraryStatus
from photoclip.core.search import SearchResults
from photoclip.gui.crash_reporter import CrashReporter
from photoclip.gui.dialogs.viewer import ViewerDialog
from photoclip.gui.models.results_model import ResultsModel
from photoclip.gui.viewers import Viewers
from photoclip.gui.widgets.results_view import ResultsView
from photoclip.gui.widgets.search_box import SearchBox
from photoclip.gui.widgets.search_filters import SearchFilters, describe
from photoclip.gui.workers.query import QueryRequest, QueryService

#: an open search re-runs at most this often while indexing adds photos
LIVE_REFRESH_S = 3.0
PAGE_MESSAGE, PAGE_RESULTS = 0, 1


class SearchController(QObject):
    def __init__(self, query: QueryService, *, box: SearchBox, filters: SearchFilters, model: ResultsModel,
                 view: ResultsView, caption: QLabel, pages: QStackedWidget, message: QLabel, viewers: Viewers,
                 reporter: CrashReporter, show_error: Callable[[PhotoclipError], None],
                 status: Callable[[], LibraryStatus | None], show_library: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.query = query
        self.box, self.filters, self.model, self.view = box, filters, model, view
        self.caption, self.pages, self.message = caption, pages, message
        self.viewers = viewers
        self._reporter = reporter
        self._show_error = show_error
        self._status = status
        self._show_library = show_library
        #: the model answered once (a search, a scan): "Searching…" rather than "Loading the model…"
        self.model_loaded = False
        self._shown_query: tuple | None = None  # (kind, query, filters) of the results on screen
        self._cut_notes: dict[int, str] = {}  # query id -> what the model cut of it, shown with its results
        self._fetching_more = False
        self._photos_at_query = -1
        self._live_refresh_at = 0.0
        self.live_refresh_s = LIVE_REFRESH_S
        self._connect()

    def _connect(self) -> None:
        self.box.textChanged.connect(self.query.search_text_debounced)
        self.box.returnPressed.connect(lambda: self.query.search_text(self.box.text()))
        self.box.photo_dropped.connect(self.search_similar)
        self.filters.changed.connect(self.query.set_filters)
        self.view.open_requested.connect(self.open_viewer)
        self.view.similar_requested.connect(self.search_similar)
        self.view.verticalScrollBar().valueChanged.connect(self._maybe_fetch_more)
        self.viewers.similar_requested.connect(self.search_similar)
        self.query.started.connect(self._on_query_started)
        self.query.cut.connect(self._on_query_cut)
        self.query.results.connect(self._on_results)
        self.query.failed.connect(self._on_query_failed)
        self.query.crashed.connect(lambda req, exc: self._reporter.report(exc, f"search {req.kind}"))
        self.query.cleared.connect(self._on_query_cleared)

    # asking ----------------------------------------------------------------------------------------------
    def search_similar(self, path: str) -> None:
        self.clear_box()
        self.query.search_similar(path)

    def clear_box(self) -> None:
        """Empty the search box without searching for the empty text."""
        self.box.blockSignals(True)
        self.box.clear()
        self.box.blockSignals(False)

    def _maybe_fetch_more(self, value: int) -> None:
        bar = self.view.verticalScrollBar()
        near_end = value >= bar.maximum() - 2 * self.view.viewport().height()
        if near_end and bar.maximum() > 0 and not self._fetching_more and self.model.growable():
            self._fetching_more = self.query.more(self.model.ranked_count())

    def repeat(self) -> None:
        """The library changed (an indexing job ended): the search on screen, if any, runs again."""
        if self.query.latest is not None:
            self.query.repeat()

    def status_changed(self, status: LibraryStatus, *, indexing: bool) -> None:
        """New counts: an open search follows the indexing; off the results, the library view or how to start
        (when the last folder went)."""
        if indexing:
            self.follow_indexing(status.catalogued)
        if self.pages.currentWidget() is not self.view and (self.query.latest is None or not status.folders):
            self.show_message_page()

    def follow_indexing(self, photos: int) -> None:
        """An open search follows the indexing (every few seconds, while the user is not picking results)."""
        now = time.monotonic()
        if (self.query.latest is not None and photos != self._photos_at_query
                and now - self._live_refresh_at >= self.live_refresh_s
                and not self.view.selectionModel().hasSelection()):
            self._live_refresh_at = now
            self._photos_at_query = photos
            self.query.repeat()

    # answers ---------------------------------------------------------------------------------------------
    def _on_query_started(self, request: QueryRequest) -> None:
        status = self._status()
        if status is not None:
            self._photos_at_query = sum(n for st, n in status.counts.items() if st != "failed")
        if (request.kind, request.query, request.filters) != self._shown_query:  # a re-run keeps its label
            self.caption.setText("Searching…" if self.model_loaded else "Loading the model (first search only)…")

    def _on_results(self, request: QueryRequest, results: SearchResults) -> None:
        self.model_loaded = True
        self._fetching_more = False
        # the same query again (after indexing added photos): keep the user's place in the grid
        same = (request.kind, request.query, request.filters) == self._shown_query
        scroll = self.view.verticalScrollBar().value()
        self._shown_query = (request.kind, request.query, request.filters)
        self.model.set_results(results, same_query=same)
        what = f"“{request.query}”" if request.kind == "text" else f"photos like {display(Path(request.query).name)}"
        what = " · ".join(p for p in (what, describe(request.filters)) if p)
        cut = self._cut_notes.pop(request.id, "")
        note = " · only the start of a long query was read" if cut else ""
        self.caption.setText(self._results_caption(results, what) + note if results.ranking else "")
        self.caption.setToolTip(cut)
        if self.model.rowCount():
            self.pages.setCurrentIndex(PAGE_RESULTS)
            if same:
                self.view.doItemsLayout()  # the scroll range must be the new one before restoring
                self.view.verticalScrollBar().setValue(scroll)
            else:
                self.view.scrollToTop()
        else:
            self.show_message_page(no_results=what)

    @staticmethod
    def _results_caption(results: SearchResults, what: str) -> str:
        """"5 matches for “red” · 21 weaker", or "No photo stands out for “dog” · 22 weaker matches"."""
        weaker = len(results.weaker)
        if not results.matches:
            return f"No photo stands out for {what} · {weaker:,} weaker {'match' if weaker == 1 else 'matches'}"
        matches = len(results.matches)
        caption = f"{matches:,} {'match' if matches == 1 else 'matches'} for {what}"
        return caption + (f" · {weaker:,} weaker" if weaker else "")

    def _on_query_cut(self, request: QueryRequest, cut: list) -> None:
        """A quiet hint, not a dialog: the search ran, the model just read the start of a long term."""
        if cut:
            self._cut_notes[request.id] = "\n".join(c.message[0].upper() + c.message[1:] + "." for c in cut)

    def _on_query_failed(self, request: QueryRequest, error: PhotoclipError) -> None:
        self._fetching_more = False
        if isinstance(error, QueryError):  # a problem with what was typed: say it inline, not as a banner
            self.model.set_hits([])  # the grid showed an older query's photos as if they answered this
            self.caption.setText(error.user_message)
            return
        self.caption.setText("")
        self._show_error(error)

    def _on_query_cleared(self) -> None:
        self._shown_query = None
        self.model.set_hits([])
        self.caption.setText("")
        self.show_message_page()

    def show_message_page(self, no_results: str | None = None) -> None:
        """With nothing searched the library view; without a folder how to start; else "No photos match"."""
        status = self._status()
        if not (status and status.folders):
            text = ("<b>Add a folder of photos to get started.</b><br><br>Drag a folder onto this window, "
                    "or click “Add folder…”. Photos stay where they are; photoclip only reads them.")
        elif no_results:
            text = f"No photos match {no_results}."
        else:
            self._show_library()  # nothing searched: the library itself
            return
        self.message.setText(text)
        self.pages.setCurrentIndex(PAGE_MESSAGE)

    def open_viewer(self, row: int) -> ViewerDialog | None:
        hits = self.model.hits()
        position = self.model.position(row)  # rows after the weaker matches' header are one further
        if not 0 <= position < len(hits):
            return None
        return self.viewers.open(hits, position, self.model.thumbnail)
