"""The search results as a list model for the virtualized grid. Thumbnails are requested lazily, only for
rows the view actually paints, and kept in a bounded pixmap cache; a placeholder shows until they arrive."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from photoclip.core.filenames import display
from photoclip.core.search import Hit
from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.workers.images import ImageLoader

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
SCORE_ROLE = Qt.ItemDataRole.UserRole + 2
PIXMAP_CACHE_SIZE = 2000


def _placeholder(size: int, broken: bool = False) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#e3d6d6") if broken else QColor("#dfe3e8"))
    painter.drawRoundedRect(4, 4, size - 8, size - 8, 8, 8)
    if broken:
        painter.setPen(QColor("#a05555"))
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "cannot read")
    painter.end()
    return pixmap


class ResultsModel(QAbstractListModel):
    def __init__(self, loader: ImageLoader, thumb_size: int = 160, parent=None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._hits: list[Hit] = []
        self._rows_by_hash: dict[str, list[int]] = {}
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._requested: set[str] = set()
        self._broken: set[str] = set()
        self._placeholder = _placeholder(thumb_size)
        self._broken_pixmap = _placeholder(thumb_size, broken=True)
        self.blur: SensitiveBlur | None = None
        loader.thumbnail_ready.connect(self._on_thumbnail)
        loader.thumbnail_failed.connect(self._on_thumbnail_failed)

    # public --------------------------------------------------------------------------------------------
    def set_hits(self, hits: list[Hit]) -> None:
        old = len(self._hits)
        if 0 < old < len(hits) and all(a.path == b.path for a, b in zip(self._hits, hits, strict=False)):
            self._append(hits[old:])  # "more results": rows shown keep their place, selection and scroll
            return
        self.beginResetModel()
        self._hits = list(hits)
        self._rows_by_hash = {}
        for row, hit in enumerate(self._hits):
            self._rows_by_hash.setdefault(hit.photo.content_hash or "", []).append(row)
        self._requested.clear()
        self._loader.clear_thumbnail_requests()
        self.endResetModel()

    def _append(self, extra: list[Hit]) -> None:
        start = len(self._hits)
        self.beginInsertRows(QModelIndex(), start, start + len(extra) - 1)
        for row, hit in enumerate(extra, start):
            self._hits.append(hit)
            self._rows_by_hash.setdefault(hit.photo.content_hash or "", []).append(row)
        self.endInsertRows()

    def set_blur(self, blur: SensitiveBlur) -> None:
        """Sensitive photos are decorated blurred until revealed (see models/blur.py)."""
        self.blur = blur
        blur.changed.connect(self._redecorate)

    def _redecorate(self) -> None:
        if self._hits:
            self.dataChanged.emit(self.index(0), self.index(len(self._hits) - 1), [Qt.ItemDataRole.DecorationRole])

    def hits(self) -> list[Hit]:
        return list(self._hits)

    def hit(self, row: int) -> Hit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def has_thumbnail(self, row: int) -> bool:
        hit = self.hit(row)
        return hit is not None and (hit.photo.content_hash or "") in self._pixmaps

    def thumbnail(self, content_hash: str) -> QPixmap | None:
        return self._pixmaps.get(content_hash)

    # QAbstractListModel --------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:  # Qt text drops bytes that are not UTF-8: show U+FFFD
            return display(Path(hit.path).name)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmap_for(hit)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{display(Path(hit.path).name)}\nscore {hit.score:.3f}\n{display(hit.path)}"
        if role == HIT_ROLE:
            return hit
        if role == SCORE_ROLE:
            return hit.score
        return None

    # thumbnails ------------------------------------------------------------------------------------------
    def _pixmap_for(self, hit: Hit) -> QPixmap:
        key = hit.photo.content_hash or ""
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            if self.blur is not None and self.blur.hides(hit.photo.id):
                return self.blur.blurred(key, pixmap)
            return pixmap
        if key in self._broken or not key:
            return self._broken_pixmap
        if key not in self._requested:  # only painted rows get here: this is what makes loading lazy
            self._requested.add(key)
            self._loader.request_thumbnail(key, hit.path)
        return self._placeholder

    def _on_thumbnail(self, content_hash: str, image: QImage) -> None:
        rows = self._rows_by_hash.get(content_hash)
        if not rows:
            return
        self._pixmaps[content_hash] = QPixmap.fromImage(image)
        self._requested.discard(content_hash)
        while len(self._pixmaps) > PIXMAP_CACHE_SIZE:
            self._pixmaps.popitem(last=False)
        for row in rows:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def _on_thumbnail_failed(self, content_hash: str) -> None:
        self._broken.add(content_hash)
        for row in self._rows_by_hash.get(content_hash, []):
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
