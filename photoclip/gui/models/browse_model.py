"""The library view's data: a timeline (every photo's id and day, read once per scope) and, lazily, the rows and
thumbnails of the photos the grid paints. Rows arrive in pages of ``PAGE_ROWS`` from the browse worker and a
bounded number of pages stays cached, so 100k photos cost 8 bytes each plus what was looked at recently."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from photoclip.core.browse import Timeline
from photoclip.core.records import PhotoRow
from photoclip.core.search import Hit
from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.workers.browse import BrowseRequest, BrowseService
from photoclip.gui.workers.images import ImageLoader

PAGE_ROWS = 200
#: pages of rows kept (x PAGE_ROWS photos): a few screens around every place looked at recently
MAX_PAGES = 60
#: thumbnails kept, scaled to cover the cell (160 px on the short side: ~140 KB each)
PIXMAP_CACHE_SIZE = 600
#: browsing has no score: the viewer shows none for NaN
NO_SCORE = math.nan


class BrowseModel(QObject):
    #: a new timeline (another scope, or the library changed): the view lays out again
    reset = Signal()
    #: rows or thumbnails arrived: the view repaints what it shows
    changed = Signal()

    def __init__(self, service: BrowseService, loader: ImageLoader, cell: int = 160,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._loader = loader
        self.cell = cell
        loader.cover = cell
        self.timeline = Timeline(np.zeros(0, np.int64), [])
        self.request: BrowseRequest | None = None
        # photo id -> the PhotoRow's fields, for the cached pages. Tuples of plain values are not tracked by the
        # garbage collector: thousands of cached rows coming and going then trigger no full collections
        # (one took up to 100 ms at 100k photos, measured by benchmarks/browse_grid.py)
        self._rows: dict[int, tuple] = {}
        self._pages: OrderedDict[int, list[int]] = OrderedDict()  # page -> its photo ids (LRU)
        self._pending: set[int] = set()
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._requested: set[str] = set()
        self._broken: set[str] = set()
        self._shown_range: tuple[int, int] | None = None
        self.blur: SensitiveBlur | None = None
        service.rows_ready.connect(self._on_rows)
        loader.thumbnail_ready.connect(self._on_thumbnail)
        loader.thumbnail_failed.connect(self._on_thumbnail_failed)

    # the timeline ------------------------------------------------------------------------------------------
    def set_timeline(self, request: BrowseRequest, timeline: Timeline) -> None:
        """A new timeline. Every page is read again (a photo may have changed), but the rows cached so far are
        painted meanwhile, so a reload while indexing does not flash placeholders."""
        self.request = request
        self.timeline = timeline
        self._pages.clear()
        self._pending.clear()
        if len(self._rows) > 2 * MAX_PAGES * PAGE_ROWS:
            self._rows.clear()
        self._shown_range = None
        self.reset.emit()

    def __len__(self) -> int:
        return len(self.timeline)

    def photo_id(self, row: int) -> int:
        return int(self.timeline.ids[row])

    def row_of(self, photo_id: int) -> int | None:
        return self.timeline.row_of(photo_id)

    def set_cell(self, side: int) -> None:
        """Cells are ``side`` pixels square now: thumbnails come scaled to cover that (on the loader's thread)."""
        self.cell = side
        self._loader.cover = side

    # rows ----------------------------------------------------------------------------------------------------
    def photo(self, row: int) -> PhotoRow | None:
        """The row of the photo at ``row`` if it has arrived (asking for its page when it is not cached)."""
        if not 0 <= row < len(self.timeline):
            return None
        page = row // PAGE_ROWS
        if page not in self._pages:
            self._want_page(page)
        found = self._rows.get(int(self.timeline.ids[row]))
        return None if found is None else PhotoRow(*found)

    def prefetch(self, first: int, last: int) -> None:
        """Ask for the pages of rows ``first..last`` and one page either side (scrolling on finds them)."""
        if not len(self.timeline):
            return
        for page in range(max(0, first // PAGE_ROWS - 1), min(last // PAGE_ROWS + 1, self._last_page()) + 1):
            if page in self._pages:
                self._pages.move_to_end(page)
            else:
                self._want_page(page)

    def _last_page(self) -> int:
        return (len(self.timeline) - 1) // PAGE_ROWS

    def _want_page(self, page: int) -> None:
        if page in self._pending or page in self._pages or self.request is None:
            return
        self._pending.add(page)
        ids = self.timeline.ids[page * PAGE_ROWS:(page + 1) * PAGE_ROWS].tolist()
        self._service.fetch(self.request.id, page, ids)

    def _on_rows(self, timeline_id: int, page: int, rows: list) -> None:
        if self.request is None or timeline_id != self.request.id:
            return
        self._pending.discard(page)
        self._pages[page] = [r[0] for r in rows]
        self._rows.update((r[0], r) for r in rows)
        while len(self._pages) > MAX_PAGES:
            _, ids = self._pages.popitem(last=False)
            for photo_id in ids:
                self._rows.pop(photo_id, None)
        self.changed.emit()

    def hit(self, row: int) -> Hit | None:
        photo = self.photo(row)
        return Hit(photo, NO_SCORE) if photo is not None else None

    def hits(self, rows: list[int]) -> list[Hit]:
        """Hits for ``rows`` (a selection), reading rows not cached yet at once: one primary-key read, for a
        right-click or Delete on a selection, not for painting."""
        ids = [self.photo_id(r) for r in rows if 0 <= r < len(self.timeline)]
        found = {i: PhotoRow(*self._rows[i]) for i in ids if i in self._rows}
        missing = [i for i in ids if i not in found]
        if missing:
            found.update((p.id, p) for p in self._service.library.photos(missing))
        return [Hit(found[i], NO_SCORE) for i in ids if i in found]

    # thumbnails ----------------------------------------------------------------------------------------------
    def set_blur(self, blur: SensitiveBlur) -> None:
        """Sensitive photos are painted blurred until revealed (see models/blur.py)."""
        self.blur = blur
        blur.changed.connect(self.changed)

    def showing(self, first: int, last: int) -> None:
        """The grid paints rows ``first..last``: thumbnails queued for rows no longer shown are dropped (after a
        fast scroll the loader works on the screen, not on every screen passed on the way)."""
        if (first, last) != self._shown_range:
            self._shown_range = (first, last)
            self._loader.clear_thumbnail_requests()
            self._requested.clear()
        self.prefetch(first, last)

    def pixmap(self, row: int) -> QPixmap | None:
        """The thumbnail, scaled to cover the cell (blurred if sensitive), or None while it loads; asks for it."""
        photo = self.photo(row)
        if photo is None or not photo.content_hash:
            return None
        key = photo.content_hash
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            if min(pixmap.width(), pixmap.height()) != self.cell and key not in self._requested:
                self._requested.add(key)  # the cells changed size: drawn scaled until it comes again sharp
                self._loader.request_thumbnail(key, photo.path)
            if self.blur is not None and self.blur.hides(photo.id):
                return self.blur.blurred(key, pixmap)
            return pixmap
        if key not in self._requested and key not in self._broken:
            self._requested.add(key)
            self._loader.request_thumbnail(key, photo.path)
        return None

    def broken(self, row: int) -> bool:
        photo = self.photo(row)
        return photo is not None and (not photo.content_hash or photo.content_hash in self._broken)

    def thumbnail(self, content_hash: str) -> QPixmap | None:
        """The cached thumbnail (the viewer shows it while the photo loads)."""
        return self._pixmaps.get(content_hash)

    def has_thumbnail(self, row: int) -> bool:
        photo = self.photo(row)
        return photo is not None and (photo.content_hash or "") in self._pixmaps

    def _on_thumbnail(self, content_hash: str, image: QImage) -> None:
        self._requested.discard(content_hash)  # (one asked for before a scroll is kept all the same)
        size = self.cell
        if min(image.width(), image.height()) != size:  # the cells changed size since it was asked for
            image = image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                                 Qt.TransformationMode.SmoothTransformation)
        # the loader scaled it to cover a cell: painting copies pixels, nothing is resampled per frame
        self._pixmaps[content_hash] = QPixmap.fromImage(image)
        while len(self._pixmaps) > PIXMAP_CACHE_SIZE:
            self._pixmaps.popitem(last=False)
        self.changed.emit()

    def _on_thumbnail_failed(self, content_hash: str) -> None:
        if content_hash in self._requested:
            self._requested.discard(content_hash)
            self._broken.add(content_hash)
            self.changed.emit()


def cover_source(pixmap: QPixmap, target: QRect) -> QRect:
    """The centred part of ``pixmap`` that fills ``target`` when scaled to it (a square cell shows the middle
    of the photo); the same size as ``target`` when the pixmap was scaled for it, so nothing is resampled."""
    scale = min(pixmap.width() / max(1, target.width()), pixmap.height() / max(1, target.height()))
    w, h = round(target.width() * scale), round(target.height() * scale)
    return QRect((pixmap.width() - w) // 2, (pixmap.height() - h) // 2, w, h)
