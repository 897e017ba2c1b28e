"""The tags panel's preview: thumbnails of the best photos a label would tag at its threshold, each with its
"why" (score, cosine, margin, the prompt that matched best) as a tooltip. Clicking one reveals it if blurred."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

from photoclip.core.filenames import display
from photoclip.core.tagging import Suggestion
from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.widgets.thumb_strip import ThumbIcons
from photoclip.gui.workers.images import ImageLoader
from photoclip.gui.workers.tag_runs import PreviewItem

HASH_ROLE = Qt.ItemDataRole.UserRole + 1
PHOTO_ROLE = Qt.ItemDataRole.UserRole + 2


def why(suggestion: Suggestion) -> str:
    """The tooltip of a suggested photo: its score and the prompt that matched it best."""
    return (f"{display(Path(suggestion.path).name)}\nscore {suggestion.score:.2f} (cosine {suggestion.raw:.3f}, "
            f"{suggestion.margin:+.3f} over a plain photo)\nmatched best: “{suggestion.prompt}”\n"
            f"{display(suggestion.path)}")


class TagPreview(QListWidget):
    def __init__(self, loader: ImageLoader, blur: SensitiveBlur | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Preview")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(72, 72))
        self.setGridSize(QSize(84, 84))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.icons = ThumbIcons(loader, blur, self._set_icon, self)
        self.itemClicked.connect(lambda item: self.icons.reveal(item.data(PHOTO_ROLE)))

    def show_items(self, items: list[PreviewItem]) -> None:
        self.clear()
        for entry in items:
            s = entry.suggestion
            item = QListWidgetItem("")
            item.setData(PHOTO_ROLE, s.photo_id)
            item.setData(HASH_ROLE, entry.content_hash)
            item.setToolTip(why(s))
            item.setSizeHint(QSize(80, 80))
            self.addItem(item)
            self.icons.request(entry.content_hash, s.path, s.photo_id)

    def _set_icon(self, content_hash: str, icon: QIcon) -> None:
        for i in range(self.count()):
            item = self.item(i)
            if item.data(HASH_ROLE) == content_hash:
                item.setIcon(icon)
