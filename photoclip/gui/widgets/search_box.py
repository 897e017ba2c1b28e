"""The search field: typing searches (debounced by the query service); dropping a photo on it searches for
photos like that one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit

from photoclip.gui.widgets.drops import dropped_paths

SEARCH_HINT = "Describe a photo… (e.g. “red car at night”), or drop a photo here"
#: never narrower than this, whatever the caption beside it or a docked panel needs: the start of the
#: placeholder and a typical query ("red car at night") stay readable (it shrank to ~130 px beside the Tags panel)
SEARCH_MIN_WIDTH = 250


class SearchBox(QLineEdit):
    photo_dropped = Signal(object)  # path (object: a Qt string would drop bytes that are not UTF-8)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(SEARCH_HINT)
        self.setClearButtonEnabled(True)
        self.setAcceptDrops(True)
        self.setMinimumHeight(34)
        self.setMinimumWidth(SEARCH_MIN_WIDTH)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
        else:
            super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        _, photos = dropped_paths(event.mimeData())
        if photos:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        _, photos = dropped_paths(event.mimeData())
        if photos:
            event.acceptProposedAction()
            self.photo_dropped.emit(photos[0])
        else:
            super().dropEvent(event)
