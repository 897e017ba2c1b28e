"""The library panel's Albums section: smart and manual albums with their photo counts. Click one to see its
photos in the grid; save the current search as a smart album; rename or delete."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photoclip.core.records import AlbumRow

NAME_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class AlbumEntry:
    album: AlbumRow
    count: int


def describe(album: AlbumRow) -> str:
    if album.kind != "smart":
        return "Manual album: photos added by hand"
    parts = [f"Smart album: “{album.query}”", f"threshold {album.threshold:g}" if album.threshold is not None else ""]
    if album.folder:
        parts.append(f"in {album.folder}")
    if album.date_from or album.date_to:
        parts.append(f"taken {album.date_from or '…'} – {album.date_to or '…'}")
    return " · ".join(p for p in parts if p) + "\nMembers follow the library as photos are indexed."


class AlbumsPanel(QWidget):
    open_requested = Signal(str)  # album name
    create_requested = Signal()
    rename_requested = Signal(str)
    delete_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Albums")
        title.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Albums")
        self.tree.setHeaderLabels(["Album", "Photos"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemClicked.connect(lambda item, _: self.open_requested.emit(item.data(0, NAME_ROLE)))
        self.tree.itemSelectionChanged.connect(self._update_buttons)

        self.save_search_button = QPushButton("Save search…")
        self.save_search_button.setToolTip("Make the current search a smart album: photos that match it now "
                                           "and photos indexed later")
        self.save_search_button.clicked.connect(self.create_requested)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(lambda: self._emit_selected(self.rename_requested))
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the album (its photos are not touched)")
        self.delete_button.clicked.connect(lambda: self._emit_selected(self.delete_requested))
        buttons = QHBoxLayout()
        for button in (self.save_search_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.set_can_save_search(False)
        self._update_buttons()

    def set_albums(self, entries: list[AlbumEntry]) -> None:
        selected = self.selected_name()
        self.tree.clear()
        for entry in entries:
            album = entry.album
            marker = "✦ " if album.kind == "smart" else ""
            item = QTreeWidgetItem([marker + album.name, f"{entry.count:,}"])
            item.setData(0, NAME_ROLE, album.name)
            item.setToolTip(0, describe(album))
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
            if album.name == selected:
                item.setSelected(True)
        self._update_buttons()

    def rows(self) -> list[tuple[str, str, int]]:
        """(name, kind, count) per album, as shown."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            kind = "smart" if item.text(0).startswith("✦ ") else "manual"
            out.append((item.data(0, NAME_ROLE), kind, int(item.text(1).replace(",", ""))))
        return out

    def item_named(self, name: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, NAME_ROLE) == name:
                return item
        return None

    def selected_name(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, NAME_ROLE) if items else None

    def set_can_save_search(self, can: bool) -> None:
        self.save_search_button.setEnabled(can)

    def _emit_selected(self, signal) -> None:
        name = self.selected_name()
        if name:
            signal.emit(name)

    def _update_buttons(self) -> None:
        chosen = self.selected_name() is not None
        self.rename_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)
