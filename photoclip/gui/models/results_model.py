"""The search results as a list model for the virtualized grid. Thumbnails are requested lazily, only for
rows the view actually paints, and kept in a bounded pixmap cache; a placeholder shows until they arrive.

A search's answer (``set_results``) shows its matches, then one header row, "Weaker matches (N)", that folds
the rest of the ranking away; unfolding inserts those rows after it. The header is a row of the same size as a
photo's cell, so the grid keeps uniform items (constant-time layout). Albums and other flat lists
(``set_hits``) have no header.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from photoclip import formatting
from photoclip.core.filenames import display
from photoclip.core.search import Hit, SearchResults
from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.workers.images import ImageLoader

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
SCORE_ROLE = Qt.ItemDataRole.UserRole + 2
#: True on the "Weaker matches (N)" row
HEADER_ROLE = Qt.ItemDataRole.UserRole + 3
#: True on the weaker matches shown after the header (painted fainter)
WEAKER_ROLE = Qt.ItemDataRole.UserRole + 4
#: the header's row holds None in the model's list of hits
HEADER = None
#: thumbnails kept (~200 KB each at the default size): 600 is 25 screenfuls of a 1600×1000 window; scrolling
#: back further reads them again from the thumbnail cache on disk. 2,000 held ~400 MB after a long scroll
#: (benchmarks/window_memory.py --scroll 4000).
PIXMAP_CACHE_SIZE = 600


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
        self._hits: list[Hit | None] = []  # one entry per row; HEADER for the weaker matches' header
        self._rows_by_hash: dict[str, list[int]] = {}
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._requested: set[str] = set()
        self._broken: set[str] = set()
        self._placeholder = _placeholder(thumb_size)
        self._broken_pixmap = _placeholder(thumb_size, broken=True)
        self.blur: SensitiveBlur | None = None
        #: a search's answer on screen (None: a flat list): its weaker hits, and whether they are unfolded
        self._results: SearchResults | None = None
        self._weaker: list[Hit] = []
        self._weaker_shown = False
        self._header: int | None = None  # the header's row
        loader.thumbnail_ready.connect(self._on_thumbnail)
        loader.thumbnail_failed.connect(self._on_thumbnail_failed)

    # public --------------------------------------------------------------------------------------------
    def set_hits(self, hits: list[Hit]) -> None:
        """A flat list (an album, ...): every hit, no weaker section."""
        was_flat = self._results is None
        self._results = None
        self._weaker = []
        old = len(self._hits)
        if was_flat and 0 < old < len(hits) and all(a.path == b.path for a, b in zip(self._hits, hits, strict=False)):
            self._append(hits[old:])  # "more results": rows shown keep their place, selection and scroll
            return
        self._reset(list(hits), None)

    def set_results(self, results: SearchResults, same_query: bool = False) -> None:
        """A search's answer: the matches, then the folded weaker ones. ``same_query``: the search on screen
        again (re-run as indexing adds photos, or more of it): the weaker ones stay unfolded if they were, and
        where the answer only grew, the rows shown keep their place, selection and scroll."""
        if same_query and self._results is not None and self._grow(results):
            return
        weaker = results.weaker
        self._results = results
        self._weaker = list(weaker)
        self._weaker_shown = same_query and self._weaker_shown
        rows: list[Hit | None] = list(results.matches)
        if weaker:
            rows += [HEADER, *(weaker if self._weaker_shown else [])]
        self._reset(rows, len(results.matches) if weaker else None)

    def _grow(self, results: SearchResults) -> bool:
        """Insert what ``results`` adds to the answer on screen, if it only adds (matches after the matches,
        weaker ones after the weaker ones); False if anything shown changed."""
        assert self._results is not None
        old_matches = self._results.matches
        matches, weaker = results.matches, results.weaker
        if not (_extends(old_matches, matches) and _extends(self._weaker, weaker)):
            return False
        self._results = results
        end = len(old_matches)
        if len(matches) > end:
            self._insert(end, matches[end:])
        extra = weaker[len(self._weaker):]
        self._weaker = list(weaker)
        if extra:
            if self._header is None:  # the first weaker ones: the header appears after the matches
                self._insert(len(matches), [HEADER], header=len(matches))
            if self._weaker_shown:
                self._insert(len(self._hits), extra)
        self._refresh_header()
        return True

    def _insert(self, row: int, entries: list[Hit | None], header: int | None = None) -> None:
        """Insert rows at ``row``; ``header``: the header's row once they are in (when inserting it)."""
        at_end = row == len(self._hits)
        self.beginInsertRows(QModelIndex(), row, row + len(entries) - 1)
        self._hits[row:row] = entries
        if header is not None:
            self._header = header
        elif self._header is not None and row <= self._header:
            self._header += len(entries)
        if at_end:  # appending (more results): only the new rows need indexing
            for offset, hit in enumerate(entries):
                if hit is not None:
                    self._rows_by_hash.setdefault(hit.photo.content_hash or "", []).append(row + offset)
        else:
            self._reindex()
        self.endInsertRows()

    def _reset(self, rows: list[Hit | None], header: int | None) -> None:
        self.beginResetModel()
        self._hits = rows
        self._header = header
        self._reindex()
        self._requested.clear()
        self._loader.clear_thumbnail_requests()
        self.endResetModel()

    def _reindex(self) -> None:
        self._rows_by_hash = {}
        for row, hit in enumerate(self._hits):
            if hit is not None:
                self._rows_by_hash.setdefault(hit.photo.content_hash or "", []).append(row)

    def _append(self, extra: list[Hit]) -> None:
        self._insert(len(self._hits), list(extra))

    # the weaker matches ----------------------------------------------------------------------------------
    def header_row(self) -> int | None:
        """The row of "Weaker matches (N)", or None (a flat list, or every hit is a match)."""
        return self._header

    def is_header(self, row: int) -> bool:
        return row == self._header

    @property
    def weaker_shown(self) -> bool:
        return self._weaker_shown

    def weaker_count(self) -> int:
        return len(self._weaker)

    def match_count(self) -> int:
        return len(self._results.matches) if self._results is not None else 0

    def growable(self) -> bool:
        """More results could add rows the user sees: a flat list, unfolded weaker matches, or a full page of
        matches. (Folded weaker matches are not worth fetching more of.)"""
        results = self._results
        return results is None or self._weaker_shown or len(results.matches) >= results.limit

    def ranked_count(self) -> int:
        """Photos of the ranking loaded (what asking for more results counts), shown or folded."""
        if self._results is not None:
            return len(self._results.ranking)
        return len(self._hits)

    def set_weaker_shown(self, shown: bool) -> None:
        header = self.header_row()
        if header is None or shown == self._weaker_shown:
            return
        self._weaker_shown = shown
        first, last = header + 1, header + len(self._weaker)
        if shown:
            self.beginInsertRows(QModelIndex(), first, last)
            self._hits[first:first] = self._weaker
        else:
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._hits[first:last + 1]
        self._reindex()
        if shown:
            self.endInsertRows()
        else:
            self.endRemoveRows()
        self._refresh_header()

    def toggle_weaker(self) -> None:
        self.set_weaker_shown(not self._weaker_shown)

    def _refresh_header(self) -> None:
        header = self.header_row()
        if header is not None:
            self.dataChanged.emit(self.index(header), self.index(header))

    # -----------------------------------------------------------------------------------------------------
    def set_blur(self, blur: SensitiveBlur) -> None:
        """Sensitive photos are decorated blurred until revealed (see models/blur.py)."""
        self.blur = blur
        blur.changed.connect(self._redecorate)

    def _redecorate(self) -> None:
        if self._hits:
            self.dataChanged.emit(self.index(0), self.index(len(self._hits) - 1), [Qt.ItemDataRole.DecorationRole])

    def hits(self) -> list[Hit]:
        """The photos shown, in row order (the header and folded weaker matches left out)."""
        return [h for h in self._hits if h is not None]

    def position(self, row: int) -> int:
        """Where the photo of ``row`` sits in ``hits()``; -1 for the header or a row out of range."""
        if not 0 <= row < len(self._hits) or self._hits[row] is None:
            return -1
        return row - 1 if self._header is not None and row > self._header else row

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

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if index.isValid() and self.is_header(index.row()):
            return Qt.ItemFlag.ItemIsEnabled  # clicked to fold or unfold; never selected with the photos
        return super().flags(index)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if index.isValid() and self.is_header(index.row()):
            return self._header_data(role)
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:  # Qt text drops bytes that are not UTF-8: show U+FFFD
            return display(Path(hit.path).name)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmap_for(hit)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(hit)
        if role == HIT_ROLE:
            return hit
        if role == SCORE_ROLE:
            return hit.score
        if role == HEADER_ROLE:
            return False
        if role == WEAKER_ROLE:
            return self._header is not None and index.row() > self._header
        return None

    def _header_data(self, role: int):
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"Weaker matches ({self.weaker_count():,})"
        if role == Qt.ItemDataRole.ToolTipRole:
            action = "hide them" if self._weaker_shown else "show them"
            return ("Photos that do not stand out from the library for this search, best first.\n"
                    f"Click to {action}.")
        if role == HEADER_ROLE:
            return True
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


def _extends(old: list[Hit], new: list[Hit]) -> bool:
    """``new`` starts with ``old`` (the same photos in the same order)."""
    return len(new) >= len(old) and all(a.path == b.path for a, b in zip(old, new, strict=False))


def _tooltip(hit: Hit) -> str:
    """Name; score, calibrated score and whether it stands out; each term's share or the nearest reference
    photo (why it matched); the full path."""
    detail = f"score {hit.score:.3f}"
    if hit.calibrated is not None:
        detail += f" · calibrated {hit.calibrated:.1f} · " + ("stands out" if hit.match else "weaker match")
    lines = [display(Path(hit.path).name), detail]
    why = formatting.why(hit)
    if why:
        lines.append(" · ".join(why))
    lines.append(display(hit.path))
    return "\n".join(lines)
