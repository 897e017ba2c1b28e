"""Small thumbnails of photos in a list (the tags panel's preview, the review queue): icons come from the
ImageLoader off the GUI thread; sensitive ones are blurred until clicked."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon, QImage, QPixmap

from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.workers.images import ImageLoader


class ThumbIcons(QObject):
    """Fetches thumbnails for items keyed by content hash and hands each one to ``apply(hash, icon)``.

    ``blur_all`` hides every photo (a preview of the sensitive label set: nothing there is tagged yet), else
    the shared ``SensitiveBlur`` decides per photo."""

    def __init__(self, loader: ImageLoader, blur: SensitiveBlur | None, apply: Callable[[str, QIcon], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._blur = blur
        self._apply = apply
        self._pixmaps: dict[str, QPixmap] = {}
        self._photo_of: dict[str, int] = {}
        self._revealed: set[int] = set()
        self.blur_all = False
        loader.thumbnail_ready.connect(self._on_thumbnail)

    def request(self, content_hash: str | None, path: str, photo_id: int) -> None:
        if not content_hash:
            return
        self._photo_of[content_hash] = photo_id
        if content_hash in self._pixmaps:
            self._apply(content_hash, self.icon(content_hash))
        else:
            self._loader.request_thumbnail(content_hash, path)

    def hidden(self, photo_id: int) -> bool:
        if photo_id in self._revealed or (self._blur is not None and not self._blur.enabled):
            return False
        return self.blur_all or (self._blur is not None and self._blur.hides(photo_id))

    def reveal(self, photo_id: int) -> bool:
        if not self.hidden(photo_id):
            return False
        self._revealed.add(photo_id)
        if self._blur is not None:
            self._blur.reveal(photo_id)
        for key, pid in self._photo_of.items():
            if pid == photo_id and key in self._pixmaps:
                self._apply(key, self.icon(key))
        return True

    def refresh(self) -> None:
        for key in self._pixmaps:
            self._apply(key, self.icon(key))

    def pixmap(self, content_hash: str) -> QPixmap | None:
        """The thumbnail loaded for this hash, if any (the viewer shows it while the photo decodes)."""
        return self._pixmaps.get(content_hash)

    def icon(self, content_hash: str) -> QIcon:
        pixmap = self._pixmaps[content_hash]
        if self.hidden(self._photo_of.get(content_hash, -1)) and self._blur is not None:
            pixmap = self._blur.blurred(content_hash, pixmap)
        return QIcon(pixmap)

    def _on_thumbnail(self, content_hash: str, image: QImage) -> None:
        if content_hash in self._photo_of:
            self._pixmaps[content_hash] = QPixmap.fromImage(image)
            self._apply(content_hash, self.icon(content_hash))
