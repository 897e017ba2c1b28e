"""The library view in the window: with nothing searched the grid shows the library newest first (a folder or
an album when one is chosen in the library panel), and a search narrows that same scope. It owns the browse
worker, its model and page; the main window only creates it, shows it when no search is on screen, and shuts it
down. Clearing the search shows the page again untouched, so it is where it was left."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance
from PySide6.QtGui import QDesktopServices

from photoclip.core.errors import PhotoclipError
from photoclip.core.filenames import display
from photoclip.core.search import Filters, Hit
from photoclip.formatting import count
from photoclip.gui.dialogs.viewer import ViewerDialog
from photoclip.gui.file_urls import local_url
from photoclip.gui.models.browse_model import BrowseModel
from photoclip.gui.widgets.browse_view import BrowsePage
from photoclip.gui.widgets.search_filters import describe
from photoclip.gui.workers.browse import BrowseRequest, BrowseService
from photoclip.gui.workers.images import ImageLoader

if TYPE_CHECKING:
    from photoclip.core.browse import Timeline
    from photoclip.core.library import Library, LibraryStatus
    from photoclip.gui.crash_reporter import CrashReporter
    from photoclip.gui.search_controller import SearchController
    from photoclip.gui.viewers import Viewers
    from photoclip.gui.widgets.library_panel import LibraryPanel
    from photoclip.gui.workers.indexing import IndexingService

THUMB_SIZE = 160
#: while indexing adds photos, the view reloads at most this often (it keeps its place)
LIVE_RELOAD_S = 3.0


class _LazyHits(Sequence):
    """The viewer's list of photos over the whole timeline: a row is read when the viewer steps onto it."""

    def __init__(self, model: BrowseModel) -> None:
        self._model = model

    def __len__(self) -> int:
        return len(self._model)

    def __getitem__(self, row):  # type: ignore[override]
        hit = self._model.hit(row)
        if hit is None:
            hits = self._model.hits([row])
            if not hits:
                raise IndexError(row)
            hit = hits[0]
        return hit


class BrowseController(QObject):
    #: the scope chosen in the library panel or by a drop (folder, album): the albums list shows which album
    scoped = Signal(object, object)

    def __init__(self, library: Library, *, search: SearchController, library_panel: LibraryPanel,
                 status_ready: SignalInstance, indexing: IndexingService, viewers: Viewers, reporter: CrashReporter,
                 show_error: Callable[[PhotoclipError], None], status: Callable[[], LibraryStatus | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.search = search
        self.library_panel = library_panel
        self.indexing = indexing  # a thread or a process (workers/index_process.py): job_finished, busy
        self.viewers = viewers
        self._reporter = reporter
        self._show_error = show_error
        self._status = status
        self.service = BrowseService(library, self)
        # its own loader: the results grid clears its loader's queue whenever its results change
        self.loader = ImageLoader(library.thumbnails, self)
        self.model = BrowseModel(self.service, self.loader, THUMB_SIZE, self)
        self.page = BrowsePage(self.model, THUMB_SIZE)
        self.view = self.page.view
        search.pages.addWidget(self.page)
        library_panel.all_button.setChecked(True)
        self.live_reload_s = LIVE_RELOAD_S
        self._photos = -1  # photos in the library at the last load
        self._loaded_at = 0.0
        self._keep_place = False
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.timeout.connect(lambda: self.reload(keep_place=True))
        self._connect(status_ready)

    def _connect(self, status_ready: SignalInstance) -> None:
        self.service.timeline_ready.connect(self._on_timeline)
        self.service.failed.connect(lambda _request, error: self._show_error(error))
        self.service.crashed.connect(lambda _request, exc: self._reporter.report(exc, "library view"))
        self.search.filters.changed.connect(self._on_filters)
        status_ready.connect(self._on_status)
        self.indexing.job_finished.connect(lambda *_: self.reload(keep_place=True))
        self.library_panel.folder_clicked.connect(self.show_folder)
        self.library_panel.all_requested.connect(self.show_all)
        self.view.open_requested.connect(self.open_viewer)
        self.view.similar_requested.connect(self.search.search_similar)
        self.view.open_folder_requested.connect(lambda path: QDesktopServices.openUrl(local_url(path)))

    # what is shown -------------------------------------------------------------------------------------------
    @property
    def visible(self) -> bool:
        return self.search.pages.currentWidget() is self.page

    @property
    def loading(self) -> bool:
        return self.service.busy

    def show(self) -> None:
        """The library view on screen (no search): as it was left, or loaded for the first time."""
        self.search.pages.setCurrentWidget(self.page)
        if self.service.latest is None:
            self.reload()
        self._show_caption()

    def show_folder(self, path: str) -> None:
        """Just this folder's photos; a search then looks only there."""
        self._scope(folder=path)
        self.scoped.emit(path, None)

    def show_album(self, name: str) -> None:
        """Just this album's photos; a search then looks only there."""
        self._scope(album=name)
        self.library_panel.tree.clearSelection()
        self.scoped.emit(None, name)

    def show_all(self) -> None:
        self._scope()
        self.library_panel.tree.clearSelection()
        self.scoped.emit(None, None)

    def _scope(self, folder: str | None = None, album: str | None = None) -> None:
        self.search.clear_box()
        self.search.query.search_text("")  # no search: the window shows this view (query.cleared)
        self.search.filters.set_scope(folder, album)  # -> _on_filters: the new scope loads
        self.show()

    def _on_filters(self, filters: Filters) -> None:
        self.reload()

    def reload(self, keep_place: bool = False) -> BrowseRequest:
        """Read the timeline of the current scope again (``keep_place``: the same photo stays at the top)."""
        self._reload_timer.stop()
        self._loaded_at = time.monotonic()
        self._photos = self._library_photos()
        self._keep_place = keep_place
        return self.service.load(self.search.filters.filters())

    def _on_timeline(self, request: BrowseRequest, timeline: Timeline) -> None:
        if self._keep_place:
            self.view.remember_place()
        self.view.keep_place_on_reset = self._keep_place
        self.view.empty_text = self._empty_text(request.filters)
        self.library_panel.all_button.setChecked(not (request.filters.folder or request.filters.album))
        self.model.set_timeline(request, timeline)
        if self.visible:
            self._show_caption()

    def _on_status(self, status: LibraryStatus) -> None:
        """Indexing added or removed photos: reload, at most every few seconds while it runs."""
        photos = self._library_photos(status)
        if self.service.latest is None or photos == self._photos or self._reload_timer.isActive():
            return
        wait = self.live_reload_s - (time.monotonic() - self._loaded_at)
        self._reload_timer.start(max(0, round(wait * 1000)))

    def _library_photos(self, status: LibraryStatus | None = None) -> int:
        status = status or self._status()
        return sum(n for s, n in status.counts.items() if s != "failed") if status else 0

    # captions ------------------------------------------------------------------------------------------------
    def caption(self) -> str:
        request = self.service.latest
        if request is None or self.model.request is None:
            return ""
        scope = describe(self.model.request.filters)
        return " · ".join(p for p in (count(len(self.model), "photo"), scope) if p).replace(" · in ", " in ", 1)

    def _show_caption(self) -> None:
        self.search.caption.setText(self.caption())
        self.search.caption.setToolTip("")

    def _empty_text(self, filters: Filters) -> str:
        if filters.album:
            return f"No photos in album “{filters.album}”."
        if filters.folder or filters.date_from or filters.date_to:
            return f"No photos {describe(filters)}."
        if self.indexing.busy:
            return "Indexing… photos appear here as they are indexed."
        return "No photos yet. Add a folder, or drop one onto this window."

    # the viewer ----------------------------------------------------------------------------------------------
    def open_viewer(self, row: int) -> ViewerDialog | None:
        if not 0 <= row < len(self.model):
            return None
        return self.viewers.open(_LazyHits(self.model), row, self.model.thumbnail)

    # for tests and screenshots ----------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """File names in the view, in order (reads every row: for small libraries)."""
        return [display(Path(h.path).name) for h in self.hits()]

    def hits(self) -> list[Hit]:
        return self.model.hits(list(range(len(self.model))))

    def shutdown(self) -> bool:
        self._reload_timer.stop()
        self.loader.stop()
        return self.service.shutdown()
