"""Opening the viewer, in one place for the three grids that open it (search results, the library view, the
review queue): the viewer steps through their photos, asks the query lane for each photo's tags, and its "More
like this" closes it and searches. The tags controller hears ``opened`` to add blurring and the tag actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from photoclip.core.search import Hit
from photoclip.gui.dialogs.viewer import ViewerDialog
from photoclip.gui.workers.images import ImageLoader
from photoclip.gui.workers.query import QueryService


class Viewers(QObject):
    opened = Signal(object)  # ViewerDialog, before it shows
    similar_requested = Signal(object)  # a photo's path (object: any file name): "More like this", viewer closed

    def __init__(self, loader: ImageLoader, query: QueryService, parent: QWidget) -> None:
        super().__init__(parent)
        self._loader = loader
        self._query = query
        self._parent = parent

    def open(self, hits: Sequence[Hit], row: int, thumbnail: Callable) -> ViewerDialog:
        viewer = ViewerDialog(hits, row, self._loader, thumbnail, self._parent)
        viewer.similar_requested.connect(lambda path: (viewer.close(), self.similar_requested.emit(path)))
        viewer.tags_requested.connect(self._query.fetch_tags)
        self._query.tags_ready.connect(viewer.set_tags)
        self.opened.emit(viewer)
        viewer.show()
        return viewer
