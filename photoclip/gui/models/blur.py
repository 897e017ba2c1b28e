"""Sensitive photos stay blurred until the user clicks them: which photos, which were revealed, the blurred
pixmaps. The photos are those with a suggested or accepted tag from a sensitive label set (the core decides:
``Tagger.photos_to_blur``); a reveal lasts for the session."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap

#: the blurred image is the photo shrunk to this many pixels across and smoothly enlarged again: no detail
#: survives, the colours do (so the grid still looks like photos)
BLUR_CELLS = 10
CAPTION = "Sensitive · click to show"


def blur_pixmap(pixmap: QPixmap, caption: str = CAPTION) -> QPixmap:
    """A heavily blurred copy with a caption in its lower half."""
    if pixmap.isNull():
        return pixmap
    smooth = Qt.TransformationMode.SmoothTransformation
    tiny = pixmap.scaledToWidth(max(2, BLUR_CELLS), smooth)
    # two enlargements: one bilinear step from 10 px leaves visible blocks, two give a soft wash
    soft = tiny.scaled(tiny.width() * 4, tiny.height() * 4, Qt.AspectRatioMode.IgnoreAspectRatio, smooth)
    out = soft.scaled(pixmap.size(), Qt.AspectRatioMode.IgnoreAspectRatio, smooth)
    painter = QPainter(out)
    band = QRect(0, out.height() * 2 // 3, out.width(), out.height() // 3)
    painter.fillRect(band, QColor(0, 0, 0, 120))
    font = QFont(painter.font())
    font.setPixelSize(max(9, out.height() // 14))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(band, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, caption)
    painter.end()
    return out


class SensitiveBlur(QObject):
    changed = Signal()

    def __init__(self, enabled: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._enabled = enabled
        self._hidden: frozenset[int] = frozenset()
        self._revealed: set[int] = set()
        self._cache: dict[tuple[str, int, int], QPixmap] = {}

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        if enabled != self._enabled:
            self._enabled = enabled
            self.changed.emit()

    def set_hidden(self, photo_ids: set[int] | frozenset[int]) -> None:
        photo_ids = frozenset(int(p) for p in photo_ids)
        if photo_ids != self._hidden:
            self._hidden = photo_ids
            self.changed.emit()

    def hides(self, photo_id: int) -> bool:
        return self._enabled and photo_id in self._hidden and photo_id not in self._revealed

    def reveal(self, photo_id: int) -> bool:
        """Show this photo as it is (for this session). True when it was hidden."""
        if not self.hides(photo_id):
            return False
        self._revealed.add(photo_id)
        self.changed.emit()
        return True

    def blurred(self, key: str, pixmap: QPixmap) -> QPixmap:
        cache_key = (key, pixmap.width(), pixmap.height())
        out = self._cache.get(cache_key)
        if out is None:
            if len(self._cache) > 500:
                self._cache.clear()
            out = self._cache[cache_key] = blur_pixmap(pixmap)
        return out
