"""Tags in the window: the Tags dock (label sets + review queue), sensitive-photo blurring and the viewer's
tags; the albums are its AlbumsController's (albums_controller.py). It owns the tagging worker; the main
window only creates it, hands it viewers and shuts it down, so the window's own code stays about search and
indexing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QTabWidget

from photoclip.core.search import Hit
from photoclip.gui.albums_controller import AlbumsController
from photoclip.gui.dialogs.viewer import ViewerDialog
from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.models.results_model import HIT_ROLE
from photoclip.gui.widgets.review_queue import ReviewQueue
from photoclip.gui.widgets.tags_panel import TagsPanel
from photoclip.gui.workers.tagging import TagContext, TaggingService

if TYPE_CHECKING:
    from photoclip.gui.main_window import MainWindow

BLUR_SETTING = "view/blur_sensitive"
#: the Tags panel's width: its threshold slider, buttons and review grid stay usable at the minimum; opened
#: the first time it takes about a third of the window between these, so the grid beside it keeps its columns
DOCK_MIN_WIDTH = 300
DOCK_PREFERRED_WIDTH = 380
DOCK_MAX_WIDTH = 640


class TagsController(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.service = TaggingService(window.library, self)
        enabled = window.store.value(BLUR_SETTING, True, type=bool)
        self.blur = SensitiveBlur(enabled, self)
        window.results_model.set_blur(self.blur)
        window.browse.model.set_blur(self.blur)

        self.panel = TagsPanel(self.service, window.loader, self.blur)
        self.queue = ReviewQueue(self.service, window.loader, self.blur)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.panel, "Labels")
        self.tabs.addTab(self.queue, "Review")
        self.dock = QDockWidget("Tags", window)
        self.dock.setObjectName("tags-dock")  # saveState/restoreState find it by name
        self.dock.setWidget(self.tabs)
        self.dock.setMinimumWidth(DOCK_MIN_WIDTH)
        self.dock.setMaximumWidth(DOCK_MAX_WIDTH)
        #: the dock has had its first width (or its saved one came back with the window's state)
        self.dock_sized = False
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.album_control = AlbumsController(window, self.service)
        self.albums = self.album_control.panel
        self._build_menu()
        self._connect()
        self.album_control.refresh_albums()
        self.refresh_blur()
        self.service.submit("warm", lambda ctx: ctx.tagger.warm(), on_error=lambda _: None)  # vectors, off-thread

    def _build_menu(self) -> None:
        bar = self.window.menuBar()
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        self.view_menu = bar.addMenu("&View")
        if help_menu is not None:  # View sits before Help, as everywhere
            bar.insertMenu(help_menu, self.view_menu)
        toggle = self.dock.toggleViewAction()
        toggle.setText("&Tags panel")
        toggle.setShortcut(QKeySequence("Ctrl+T"))
        self.view_menu.addAction(toggle)
        self.blur_action = QAction("&Blur sensitive photos", self)
        self.blur_action.setCheckable(True)
        self.blur_action.setChecked(self.blur.enabled)
        self.blur_action.toggled.connect(self.set_blurring)
        self.view_menu.addAction(self.blur_action)

    def _connect(self) -> None:
        w = self.window
        self.dock.visibilityChanged.connect(self._on_dock_visible)
        for source in (self.panel.error, self.queue.error, self.service.failed):
            source.connect(w.show_error)
        self.service.crashed.connect(lambda what, exc: w.reporter.report(exc, f"tagging: {what}"))
        self.panel.queue_changed.connect(self._after_decisions)
        self.queue.decided.connect(self._after_decisions)
        self.queue.open_requested.connect(self.open_viewer)
        self.album_control.listed.connect(self._on_albums_listed)
        w.results_view.clicked.connect(self._on_grid_clicked)
        w.browse.view.photo_clicked.connect(lambda hit: self.blur.reveal(hit.photo.id))

    # dock ------------------------------------------------------------------------------------------------
    def _on_dock_visible(self, visible: bool) -> None:
        if visible and not self.dock_sized and not self.dock.isFloating():
            self.dock_sized = True
            width = max(DOCK_MIN_WIDTH, min(DOCK_PREFERRED_WIDTH, self.window.width() * 3 // 10))
            self.window.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)
        if visible:
            self.panel.set_scopes([f.path for f in self.window.library.folders()],
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
            self.panel.set_scopes([f.path for f in self.window.library.folders()], names)

    # blurring and the viewer -------------------------------------------------------------------------------
    def refresh_blur(self) -> None:
        self.service.submit("blur", lambda ctx: ctx.tagger.photos_to_blur(), self.blur.set_hidden, key="blur")

    def set_blurring(self, enabled: bool) -> None:
        self.blur.set_enabled(enabled)
        if self.blur_action.isChecked() != enabled:
            self.blur_action.setChecked(enabled)
        self.window.store.setValue(BLUR_SETTING, enabled)
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
        w = self.window
        viewer = ViewerDialog(hits, row, w.loader, self.queue.icons.pixmap, w)
        viewer.similar_requested.connect(lambda path: (viewer.close(), w.search_similar(path)))
        viewer.tags_requested.connect(w.query.fetch_tags)
        w.query.tags_ready.connect(viewer.set_tags)
        self.attach_viewer(viewer)
        viewer.show()
        return viewer

    def _change_tag(self, photo_id: int, tag: str, change: str) -> None:
        def apply(ctx: TagContext) -> None:
            if change == "reject":  # a model's tag: rejected, so it is not suggested again for this photo
                ctx.tagger.reject([photo_id], tag)
            else:
                (ctx.tagger.add_tags if change == "add" else ctx.tagger.remove_tags)([photo_id], [tag])

        def done(_=None) -> None:
            self.window.query.fetch_tags(photo_id)
            if change == "reject":
                self._after_decisions()

        def failed(error) -> None:  # e.g. a sidecar left unchanged: the tag is in the catalog all the same
            done()
            self.window.show_error(error)

        self.service.submit(f"{change} tag", apply, done, on_error=failed)

    def may_close(self) -> bool:
        """Closing with thresholds moved but not saved asks first; Save closes the window once saved."""
        return self.panel.settle_unsaved(self.window.close)

    def shutdown(self) -> bool:
        return self.service.shutdown()
