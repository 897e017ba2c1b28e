"""The library panel: watched folders with their photo counts and state; add, remove, rescan. "All photos" and a
click on a folder choose what the library view shows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photoclip.core.filenames import display
from photoclip.core.library import LibraryStatus

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def folder_state(state: str, counts: dict[str, int], activity: str | None) -> str:
    """What the State column says: activity (indexing/queued/removing) wins, then offline, then errors."""
    if activity:
        return activity
    if state == "offline":
        return "offline"
    failed = counts.get("failed", 0)
    if failed:
        return f"done, {failed} skipped"
    return "done" if counts else "not indexed"


class _ExactPath:
    """A folder's path kept as Python's ``str`` inside a Qt item (core/filenames.py)."""

    def __init__(self, path: str) -> None:
        self.path = path


class LibraryPanel(QWidget):
    add_requested = Signal()
    remove_requested = Signal(object)  # path (object: a Qt string would drop bytes that are not UTF-8)
    rescan_requested = Signal()
    #: a click on a folder: show just its photos (object: the exact path)
    folder_clicked = Signal(object)
    #: "All photos": the whole library
    all_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        title = QLabel("Library")
        title.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Folder", "Photos", "State"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemClicked.connect(lambda item, _: self.folder_clicked.emit(item.data(0, PATH_ROLE).path))
        self.all_button = QPushButton("All photos")
        self.all_button.setToolTip("Show every photo of the library, newest first")
        self.all_button.setFlat(True)
        self.all_button.setCheckable(True)  # checked while the whole library is the scope
        self.all_button.setStyleSheet("text-align: left; padding: 4px 6px;")
        self.all_button.clicked.connect(self._on_all)

        self.add_button = QPushButton("Add folder…")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the folder from the library (the photos are not touched)")
        self.rescan_button = QPushButton("Rescan")
        self.rescan_button.setToolTip("Look for new, changed and deleted photos in every folder")
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button.clicked.connect(self._remove_selected)
        self.rescan_button.clicked.connect(self.rescan_requested)
        hint = QLabel("Drop folders here to add them.")
        hint.setStyleSheet("color: palette(placeholder-text);")

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.rescan_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addWidget(title)
        layout.addWidget(self.all_button)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(hint)
        self._layout = layout
        self._update_buttons()

    def add_section(self, widget: QWidget) -> None:
        """Another part of the library below the folders (the albums)."""
        self._layout.addWidget(widget, 1)

    def update_status(self, status: LibraryStatus, activity: dict[str, str]) -> None:
        """Refill from a LibraryStatus; ``activity`` maps folder paths to "indexing", "queued", "removing"."""
        selected = self.selected_path()
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self.tree.clear()
        for folder in status.folders:
            counts = status.folder_counts.get(folder.id, {})
            photos = sum(n for s, n in counts.items() if s != "failed")
            item = QTreeWidgetItem([display(Path(folder.path).name or folder.path), f"{photos:,}",
                                    folder_state(folder.state, counts, activity.get(folder.path))])
            item.setIcon(0, icon)
            item.setToolTip(0, display(folder.path))
            # a Python object, not a Qt string: that would drop the bytes of a name that is not UTF-8
            item.setData(0, PATH_ROLE, _ExactPath(folder.path))
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
            if folder.path == selected:
                item.setSelected(True)
        self._update_buttons()

    def rows(self) -> list[tuple[str, str, str]]:
        """(path, photos, state) per folder, as shown."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            out.append((item.data(0, PATH_ROLE).path, item.text(1), item.text(2)))
        return out

    def selected_path(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, PATH_ROLE).path if items else None

    def item_for(self, path: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, PATH_ROLE).path == path:
                return item
        return None

    def _on_all(self) -> None:
        self.tree.clearSelection()
        self.all_requested.emit()

    def _remove_selected(self) -> None:
        path = self.selected_path()
        if path:
            self.remove_requested.emit(path)

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.selected_path() is not None)
        self.rescan_button.setEnabled(self.tree.topLevelItemCount() > 0)
