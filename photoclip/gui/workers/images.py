"""Image loading off the GUI thread: grid thumbnails from the on-disk cache (made and cached when missing)
and the viewer's large image. A QImage may be built on any thread; only QPixmap is GUI-thread-only."""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from pathlib import Path

from PIL import Image, ImageOps
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from photoclip.core.imaging.thumbnails import ThumbnailCache, make_thumbnail

THUMB_SIZE = 256


def to_qimage(image: Image.Image) -> QImage:
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    # copy(): the QImage must own its pixels, not borrow the Python bytes object
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


def cover_scaled(image: Image.Image, side: int) -> Image.Image:
    """``image`` scaled so its shorter side is ``side`` (it then covers a ``side`` square)."""
    scale = side / max(1, min(image.width, image.height))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image if size == image.size else image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def load_full(path: str, max_side: int) -> QImage:
    """The photo upright (EXIF orientation applied), no larger than ``max_side``; JPEGs decode DCT-scaled."""
    import photoclip.core.imaging.decode  # noqa: F401  # registers the HEIF opener

    with Image.open(path) as img:
        img.draft("RGB", (max_side, max_side))
        upright = ImageOps.exif_transpose(img)
        upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return to_qimage(upright)


class ImageLoader(QObject):
    """One background thread serving a LIFO queue: the newest request (what is on screen now) goes first."""

    thumbnail_ready = Signal(str, QImage)  # content hash, image
    thumbnail_failed = Signal(str)
    # object, not str: a Qt string would drop the bytes of a name that is not UTF-8 (core/filenames.py)
    full_ready = Signal(object, QImage)  # path, image
    full_failed = Signal(object, str)  # path, reason

    def __init__(self, cache: ThumbnailCache, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache = cache
        self._queue: deque[tuple[str, str, int]] = deque()
        self._queued: set[tuple[str, str]] = set()
        self._cond = threading.Condition()
        self._stopped = False
        #: when set, thumbnails are scaled here to cover a square cell of this many pixels (the library view:
        #: its GUI thread then only wraps the pixels, it never resamples them)
        self.cover: int | None = None
        self._thread = threading.Thread(target=self._serve, name="photoclip-images", daemon=True)
        self._thread.start()

    def request_thumbnail(self, content_hash: str, path: str) -> None:
        self._put(("thumb", content_hash, path, 0))

    def request_full(self, path: str, max_side: int = 2048) -> None:
        # keyed by size too: the viewer asks the full resolution of a photo whose 2048 px decode is queued
        self._put(("full", f"{max_side}:{path}", path, max_side))

    def clear_thumbnail_requests(self) -> None:
        """Forget queued thumbnails (a new result list replaced the old one)."""
        with self._cond:
            self._queue = deque(item for item in self._queue if item[0] != "thumb")
            self._queued = {(kind, key) for kind, key, _, _ in self._queue}

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def _put(self, item) -> None:
        kind, key, _, _ = item
        with self._cond:
            if (kind, key) in self._queued:
                return
            self._queued.add((kind, key))
            self._queue.append(item)
            self._cond.notify()

    def _serve(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                kind, key, path, max_side = self._queue.pop()  # LIFO
                self._queued.discard((kind, key))
            if kind == "thumb":
                self._thumbnail(key, path)
            else:
                self._full(path, max_side)

    def _thumbnail(self, content_hash: str, path: str) -> None:
        try:
            image = self._cache.load(content_hash)
            if image is None:  # not cached yet (or evicted): make it from the photo and keep it
                image = make_thumbnail(Path(path), THUMB_SIZE)
                with contextlib.suppress(OSError):  # an unwritable cache still shows the photo
                    self._cache.save(content_hash, image)
            cover = self.cover
            if cover:
                image = cover_scaled(image, cover)
            self.thumbnail_ready.emit(content_hash, to_qimage(image))
        except Exception:  # unreadable photo or cache: the grid shows a "broken" placeholder
            self.thumbnail_failed.emit(content_hash)

    def _full(self, path: str, max_side: int) -> None:
        try:
            self.full_ready.emit(path, load_full(path, max_side))
        except Exception as exc:
            self.full_failed.emit(path, f"{type(exc).__name__}: {exc}")
