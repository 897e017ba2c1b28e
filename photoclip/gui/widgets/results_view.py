"""The virtualized thumbnail grid: a QListView in icon mode with uniform cells and a painting delegate. A
search's weaker matches sit behind a header cell ("Weaker matches (N)") that a click unfolds or folds."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPalette, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from photoclip.core.search import Hit
from photoclip.gui.models.results_model import HEADER_ROLE, HIT_ROLE, SCORE_ROLE, WEAKER_ROLE

CAPTION_HEIGHT = 34
#: a cell's frame around its thumbnail (the delegate's sizeHint)
CELL_EXTRA = 16
#: the smallest a thumbnail gets while cells shrink to fill a row
MIN_THUMB = 48


def grid_columns(room: int, base: int) -> int:
    """Columns for ``room`` pixels when a cell is at most ``base`` wide: as many as fit, plus one more that the
    cells shrink a little to make room for (both grids fill their rows this way, as photo apps do)."""
    return max(1, math.ceil(room / max(1, base)))

#: a context menu: text -> action, or text -> a submenu of the same shape
Actions = dict[str, "Callable[[], object] | Actions"]


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, thumb_size: int, parent=None) -> None:
        super().__init__(parent)
        self.thumb_size = thumb_size

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(self.thumb_size + 16, self.thumb_size + CAPTION_HEIGHT + 10)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        if index.data(HEADER_ROLE):
            self._paint_header(painter, option, index)
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        cell: QRect = option.rect.adjusted(3, 3, -3, -3)
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight).lighter(160))
            painter.drawRoundedRect(cell, 8, 8)
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 18))
            painter.drawRoundedRect(cell, 8, 8)

        box = QRect(cell.x() + 5, cell.y() + 5, cell.width() - 10, self.thumb_size)
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            scaled = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(QPoint(0, 0), scaled)
            target.moveCenter(box.center())
            if index.data(WEAKER_ROLE):
                painter.setOpacity(0.55)  # under "Weaker matches": they did not stand out
            painter.drawPixmap(target, pixmap)
            painter.setOpacity(1.0)

        caption = QRect(cell.x() + 6, box.bottom() + 4, cell.width() - 12, CAPTION_HEIGHT - 4)
        metrics = option.fontMetrics
        name = metrics.elidedText(str(index.data(Qt.ItemDataRole.DisplayRole) or ""), Qt.TextElideMode.ElideMiddle,
                                  caption.width())
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(caption, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, name)
        score = index.data(SCORE_ROLE)
        if score is not None:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            small = QRect(caption.x(), caption.y() + metrics.height(), caption.width(), metrics.height())
            painter.drawText(small, Qt.AlignmentFlag.AlignHCenter, f"score {score:.3f}")
        painter.restore()

    def _paint_header(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        """The weaker matches' header: a dashed card where the matches end, saying how many it folds."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cell: QRect = option.rect.adjusted(8, 8, -8, -8)
        palette = option.palette
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.setBrush(QColor(0, 0, 0, 18) if hovered else Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(muted, 1.5, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(cell, 8, 8)
        unfolded = bool(getattr(index.model(), "weaker_shown", False))
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        text = f"{index.data(Qt.ItemDataRole.DisplayRole)}\n\n{'Hide ▴' if unfolded else 'Show ▾'}"
        painter.drawText(cell.adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
        painter.restore()


class ResultsView(QListView):
    open_requested = Signal(int)  # row
    # object, not str: a Qt string would drop the bytes of a name that is not UTF-8 (core/filenames.py)
    similar_requested = Signal(object)  # path
    open_folder_requested = Signal(object)  # path
    #: Delete / Backspace over a selection: the selected hits (what that means, if anything, is the
    #: listener's: removing them from the album on screen; files are never deleted)
    delete_requested = Signal(list)

    def __init__(self, thumb_size: int = 160, parent=None) -> None:
        super().__init__(parent)
        self.base = thumb_size  # the thumbnail size chosen; cells shrink a little from it to fill a row
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)  # constant-time layout: 100k results scroll like 100
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(True)
        self.setSpacing(4)
        self.setWordWrap(False)
        self.delegate = ThumbnailDelegate(thumb_size, self)
        self.setItemDelegate(self.delegate)
        self.setIconSize(QSize(thumb_size, thumb_size))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        # activated = double-click or Enter (or a single click where the platform style says so); also
        # listening to doubleClicked would open two viewers
        self.activated.connect(self._on_activated)
        self.clicked.connect(self._on_clicked)
        #: more context-menu entries for the photos it applies to (the albums' entries come from the tags
        #: controller, so the grid knows nothing about albums)
        self.extra_actions: Callable[[list[Hit]], Actions] | None = None

    # cell size -----------------------------------------------------------------------------------------------
    def set_thumb_size(self, size: int) -> None:
        """The thumbnail-size control: cells at most ``size`` wide (plus their frame), as many as fit a row."""
        self.base = size
        self._fit_cells()

    def columns(self) -> int:
        """Thumbnails a row holds now."""
        cell = self.delegate.thumb_size + CELL_EXTRA + self.spacing()
        return max(1, (self._room() - self.spacing()) // cell)

    def _room(self) -> int:
        # measured as if the scroll bar showed: the bar coming and going then cannot flip the column count
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return self.width() - 2 * self.frameWidth() - bar

    def _fit_cells(self) -> None:
        space = self.spacing()
        room = self._room() - space  # the list puts ``space`` before the first cell and after each one
        cols = grid_columns(room, self.base + CELL_EXTRA + space)
        thumb = max(MIN_THUMB, room // cols - space - CELL_EXTRA - 1)  # 1: the list wraps a row that fits exactly
        if thumb != self.delegate.thumb_size:
            self.delegate.thumb_size = thumb
            self.setIconSize(QSize(thumb, thumb))
            # the list caches its uniform item size: toggling the flag drops the cache and lays out again
            self.setUniformItemSizes(False)
            self.setUniformItemSizes(True)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit_cells()
        super().resizeEvent(event)

    def _on_activated(self, index: QModelIndex) -> None:
        if not index.data(HEADER_ROLE):  # the header folds on a click (and Enter/Space), it opens nothing
            self.open_requested.emit(index.row())

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.data(HEADER_ROLE):
            self.toggle_weaker()

    def toggle_weaker(self) -> None:
        """Unfold or fold the weaker matches (the grid's model: gui/models/results_model.py)."""
        toggle = getattr(self.model(), "toggle_weaker", None)
        if toggle is not None:
            toggle()

    def weaker_shown(self) -> bool:
        return bool(getattr(self.model(), "weaker_shown", False))

    def hit_at(self, index: QModelIndex) -> Hit | None:
        hit = index.data(HIT_ROLE) if index.isValid() else None
        return hit if isinstance(hit, Hit) else None

    def _context_menu(self, pos: QPoint) -> None:
        actions = self.context_actions(self.indexAt(pos).row())
        if actions:
            build_menu(QMenu(self), actions).exec(self.viewport().mapToGlobal(pos))

    def context_actions(self, row: int) -> Actions:
        """The context menu's actions for ``row`` by name (tests trigger them without a popup)."""
        hit = self.hit_at(self.model().index(row, 0))
        if hit is None:
            return {}
        actions: Actions = {
            "Open": lambda: self.open_requested.emit(row),
            "More like this": lambda: self.similar_requested.emit(hit.path),
            "Show in folder": lambda: self.open_folder_requested.emit(str(Path(hit.path).parent)),
        }
        if self.extra_actions is not None:
            actions.update(self.extra_actions(self.hits_for(row)))
        return actions

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectionModel().hasSelection():
            self.delete_requested.emit(self.selected_hits())
            return
        keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
        if event.key() in keys and self.currentIndex().data(HEADER_ROLE):
            self.toggle_weaker()
            return
        super().keyPressEvent(event)

    def selected_hits(self) -> list[Hit]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [h for r in rows if (h := self.hit_at(self.model().index(r, 0))) is not None]

    def hits_for(self, row: int) -> list[Hit]:
        """What a right-click on ``row`` acts on: the selection if the row is in it, else that photo."""
        index = self.model().index(row, 0)
        if not self.selectionModel().isSelected(index):
            hit = self.hit_at(index)
            return [hit] if hit else []
        return self.selected_hits()


def build_menu(menu: QMenu, actions: Actions) -> QMenu:
    for text, entry in actions.items():
        if isinstance(entry, dict):
            build_menu(menu.addMenu(text), entry)
        else:
            menu.addAction(text).triggered.connect(entry)
    return menu
