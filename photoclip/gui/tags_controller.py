"""Tags in the window: the Tags dock (label sets + review queue), sensitive-photo blurring and the viewer's
tags; the albums are its AlbumsController's (albums_controller.py). It owns the tagging worker; the main
window only creates it, hands it viewers and shuts it down, so the window's own code stays about search and
indexing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QTabWidget

from photoclip.core.errors import PhotoclipError
from photoclip.core.search import Hit
from photoclip.gui.albums_controller import AlbumsController
from photoclip.gui.dialogs.label_editor import ask_label
from photoclip.gui.dialogs.viewer import ViewerDialog
from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.models.results_model import HIT_ROLE
from photoclip.gui.widgets.review_queue import ReviewQueue
from photoclip.gui.widgets.tags_panel import TagsPanel
from photoclip.gui.workers.tagging import TagContext, TaggingService

if TYPE_CHECKING:
    from photoclip.core.library import Library
    from photoclip.gui.browse_controller import BrowseController
    from photoclip.gui.crash_reporter import CrashReporter
    from photoclip.gui.search_controller import SearchController
    from photoclip.gui.viewers import Viewers
    from photoclip.gui.widgets.library_panel import LibraryPanel
    from photoclip.gui.workers.images import ImageLoader
    from photoclip.gui.workers.indexing import IndexingService

BLUR_SETTING = "view/blur_sensitive"
#: the Tags panel's width: its threshold slider, buttons and review grid stay usable at the minimum; opened
#: the first time it takes about a third of the window between these, so the grid beside it keeps its columns
DOCK_MIN_WIDTH = 300
DOCK_PREFERRED_WIDTH = 380
DOCK_MAX_WIDTH = 640


class TagsController(QObject):
    def __init__(self, library: Library, *, host: QMainWindow, view_menu: QMenu, store: QSettings,
                 loader: ImageLoader, search: SearchController, browse: BrowseController, viewers: Viewers,
                 library_panel: LibraryPanel, indexing: IndexingService, reporter: CrashReporter,
                 show_error: Callable[[PhotoclipError], None]) -> None:
        super().__init__(host)
        self.library = library
        self.host = host  # the window: it holds the dock, and closes once unsaved thresholds are settled
        self.view_menu = view_menu
        self.store = store
        self.loader = loader
        self.search = search
        self.viewers = viewers
        self._reporter = reporter
        self._show_error = show_error
        self.service = TaggingService(library, self)
        enabled = store.value(BLUR_SETTING, True, type=bool)
        self.blur = SensitiveBlur(enabled, self)
        search.model.set_blur(self.blur)
        browse.model.set_blur(self.blur)

        self.panel = TagsPanel(self.service, loader, self.blur, ask_label=ask_label)
        self.queue = ReviewQueue(self.service, loader, self.blur)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.panel, "Labels")
        self.tabs.addTab(self.queue, "Review")
        self.dock = QDockWidget("Tags", host)
        self.dock.setObjectName("tags-dock")  # saveState/restoreState find it by name
        self.dock.setWidget(self.tabs)
        self.dock.setMinimumWidth(DOCK_MIN_WIDTH)
        self.dock.setMaximumWidth(DOCK_MAX_WIDTH)
        #: the dock has had its first width (or its saved one came back with the window's state)
        self.dock_sized = False
        host.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.album_control = AlbumsController(self.service, dialogs=host, library_panel=library_panel,
                                              search=search, browse=browse, indexing=indexing,
                                              show_message=host.statusBar().showMessage)
        self.albums = self.album_control.panel
        self._build_menu()
        self._connect(browse)
        self.album_control.refresh_albums()
        self.refresh_blur()

    def warm(self) -> None:
        """Load the library's vectors off-thread, so the first tags panel or album count does not wait for them
        (the window asks once its first view is on screen: gui/first_view.py)."""
        self.service.submit("warm", lambda ctx: ctx.tagger.warm(), on_error=lambda _: None)

    def _build_menu(self) -> None:
        """Its entries in the window's View menu."""
        toggle = self.dock.toggleViewAction()
        toggle.setText("&Tags panel")
        toggle.setShortcut(QKeySequence("Ctrl+T"))
        self.view_menu.addAction(toggle)
        self.blur_action = QAction("&Blur sensitive photos", self)
        self.blur_action.setCheckable(True)
        self.blur_action.setChecked(self.blur.enabled)
        self.blur_action.toggled.connect(self.set_blurring)
        self.view_menu.addAction(self.blur_action)

    def _connect(self, browse: BrowseController) -> None:
        self.dock.visibilityChanged.connect(self._on_dock_visible)
        for source in (self.panel.error, self.queue.error, self.service.failed):
            source.connect(self._show_error)
        self.service.crashed.connect(lambda what, exc: self._reporter.report(exc, f"tagging: {what}"))
        self.panel.queue_changed.connect(self._after_decisions)
        self.queue.decided.connect(self._after_decisions)
        self.queue.open_requested.connect(self.open_viewer)
        self.album_control.listed.connect(self._on_albums_listed)
        self.search.view.clicked.connect(self._on_grid_clicked)
        browse.view.photo_clicked.connect(lambda hit: self.blur.reveal(hit.photo.id))
        self.viewers.opened.connect(self.attach_viewer)

    # dock ------------------------------------------------------------------------------------------------
    def _on_dock_visible(self, visible: bool) -> None:
        if visible and not self.dock_sized and not self.dock.isFloating():
            self.dock_sized = True
            width = max(DOCK_MIN_WIDTH, min(DOCK_PREFERRED_WIDTH, self.host.width() * 3 // 10))
            self.host.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)
        if visible:
            self.panel.set_scopes([f.path for f in self.library.folders()],
                                  [name for name, _, _ in self.albums.rows()])
            if self.panel.set_combo.count() == 0:
                self.panel.refresh_sets()
            self.queue.refresh()

    def show_panel(self, tab: str = "Labels") -> None:
        self.dock.show()
        self.tabs.setCurrentWidget(self.panel if tab == "Labels" else self.queue)

    def _after_decisions(self) -> None:
        self.refresh_blur()
        self.queue.refresh()
        self.album_control.refresh_albums()

    def _on_albums_listed(self, names: list[str]) -> None:
        if self.dock.isVisible():
            self.panel.set_scopes([f.path for f in self.library.folders()], names)

    # blurring and the viewer -------------------------------------------------------------------------------
    def refresh_blur(self) -> None:
        self.service.submit("blur", lambda ctx: ctx.tagger.photos_to_blur(), self.blur.set_hidden, key="blur")

    def set_blurring(self, enabled: bool) -> None:
        self.blur.set_enabled(enabled)
        if self.blur_action.isChecked() != enabled:
            self.blur_action.setChecked(enabled)
        self.store.setValue(BLUR_SETTING, enabled)
        self.panel.icons.refresh()
        self.queue.icons.refresh()

    def _on_grid_clicked(self, index: QModelIndex) -> None:
        hit = index.data(HIT_ROLE)
        if isinstance(hit, Hit):
            self.blur.reveal(hit.photo.id)

    def attach_viewer(self, viewer: ViewerDialog) -> None:
        viewer.set_blur(self.blur)
        viewer.add_tag_requested.connect(lambda pid, tag: self._change_tag(pid, tag, "add"))
        viewer.remove_tag_requested.connect(lambda pid, tag: self._change_tag(pid, tag, "remove"))
        viewer.reject_tag_requested.connect(lambda pid, tag: self._change_tag(pid, tag, "reject"))

    def open_viewer(self, hits: list[Hit], row: int) -> ViewerDialog:
        """The viewer over the review grid's photos (double-click there), stepping through them."""
        return self.viewers.open(hits, row, self.queue.icons.pixmap)

    def _change_tag(self, photo_id: int, tag: str, change: str) -> None:
        def apply(ctx: TagContext) -> None:
            if change == "reject":  # a model's tag: rejected, so it is not suggested again for this photo
                ctx.tagger.reject([photo_id], tag)
            else:
                (ctx.tagger.add_tags if change == "add" else ctx.tagger.remove_tags)([photo_id], [tag])

        def done(_=None) -> None:
            self.search.query.fetch_tags(photo_id)
            if change == "reject":
                self._after_decisions()

        def failed(error) -> None:  # e.g. a sidecar left unchanged: the tag is in the catalog all the same
            done()
            self._show_error(error)

        self.service.submit(f"{change} tag", apply, done, on_error=failed)

    def may_close(self) -> bool:
        """Closing with thresholds moved but not saved asks first; Save closes the window once saved."""
        return self.panel.settle_unsaved(self.host.close)

    def shutdown(self) -> bool:
        return self.service.shutdown()
