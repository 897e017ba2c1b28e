"""The library grid: photos newest first under month and day headers, with a date scrubber beside it.

A custom-painted scroll area rather than a QListView: full-width headers between runs of thumbnails do not fit
an icon-mode list with uniform cells, and a list with per-item sizes lays out every item in Python. Here the
layout is one entry per *day* (start, rows, height), so 100k photos over ten years are ~3,650 entries; painting
looks up the visible days by bisection and draws only their visible cells. Selection is kept as photo ids, so
it survives a reload (indexing adds photos) and a row's place can change under it."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QHBoxLayout, QMenu, QWidget

from photoclip.core.browse import Day
from photoclip.core.search import Hit
from photoclip.formatting import count
from photoclip.gui.models.browse_model import BrowseModel, cover_source
from photoclip.gui.widgets.results_view import Actions, build_menu, grid_columns

GAP = 4
MARGIN = 10
MONTH_H = 44
DAY_H = 28
SECTION_GAP = 8
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def month_title(day: str) -> str:
    """``2024-06-08`` -> ``June 2024``."""
    try:
        return f"{MONTHS[int(day[5:7]) - 1]} {int(day[:4])}"
    except (ValueError, IndexError):
        return day[:7]


def day_title(day: str) -> str:
    """``2024-06-08`` -> ``Saturday 8 June``."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        return day
    return f"{WEEKDAYS[when.weekday()]} {when.day} {MONTHS[when.month - 1]}"


@dataclass(frozen=True)
class Section:
    """One day of the grid as laid out: where it starts (content y), its header and how many rows it takes."""

    day: Day
    top: int
    header: int
    new_month: bool
    rows: int

    @property
    def body(self) -> int:
        return self.top + self.header


class BrowseView(QAbstractScrollArea):
    open_requested = Signal(int)  # row
    # object, not str: a Qt string would drop the bytes of a name that is not UTF-8 (core/filenames.py)
    similar_requested = Signal(object)  # path
    open_folder_requested = Signal(object)  # path
    #: Delete / Backspace over a selection: the selected hits (the listener decides; files are never deleted)
    delete_requested = Signal(list)
    #: a photo clicked (a blurred one is revealed)
    photo_clicked = Signal(object)  # Hit
    #: the layout changed (new timeline, new width): the scrubber redraws
    laid_out = Signal()

    def __init__(self, model: BrowseModel, thumb_size: int = 160, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.base = thumb_size  # the widest a cell gets; cells shrink a little so a row fills the width
        self.thumb = thumb_size
        self.cell = thumb_size + GAP
        self.cols = 1
        self.sections: list[Section] = []
        self._tops: list[int] = []
        self.content_height = 0
        self.selected: set[int] = set()  # photo ids
        self.current: int | None = None  # photo id (keyboard focus)
        self._range_start: int | None = None  # photo id a Shift-click extends from
        self._anchor: tuple[int, int] | None = None  # (photo id, its y in the viewport) across a reload
        self.keep_place_on_reset = False
        self.empty_text = ""
        #: more context-menu entries (the albums', from the tags controller: the grid knows no albums)
        self.extra_actions: Callable[[list[Hit]], Actions] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.verticalScrollBar().valueChanged.connect(self.viewport().update)
        self._month_font = QFont(self.font())
        self._month_font.setPixelSize(19)
        self._month_font.setWeight(QFont.Weight.DemiBold)
        self._day_font = QFont(self.font())
        self._day_font.setPixelSize(13)
        self._day_font.setWeight(QFont.Weight.Medium)
        model.reset.connect(self._on_reset)
        model.changed.connect(self.viewport().update)

    # layout ------------------------------------------------------------------------------------------------
    def _on_reset(self) -> None:
        """A new timeline: lay out again; a reload of the same scope keeps the photo at the top where it was."""
        anchor = self._anchor if self.keep_place_on_reset else None
        self._relayout()
        if anchor is not None and (row := self.model.row_of(anchor[0])) is not None:
            self.verticalScrollBar().setValue(self.row_rect(row, content=True).top() - anchor[1])
        elif not self.keep_place_on_reset:
            self.verticalScrollBar().setValue(0)
            self.selected.clear()
            self.current = None
        self.viewport().update()

    def remember_place(self) -> None:
        """Before a reload: the photo at the top of the viewport and where it is (``_on_reset`` restores it).
        At the very top nothing is kept: newer photos then show up there rather than above the screen."""
        row = self.top_row() if self.verticalScrollBar().value() > 0 else None
        self._anchor = None if row is None else (self.model.photo_id(row), self.row_rect(row).top())

    def _relayout(self) -> None:
        room = self.viewport().width() - 2 * MARGIN + GAP
        self.cols = grid_columns(room, self.base + GAP)
        self.cell = max(32, room // self.cols)
        self.thumb = self.cell - GAP
        self.model.set_cell(self.thumb)
        sections: list[Section] = []
        y = MARGIN // 2
        previous_month = None
        for day in self.model.timeline.days:
            new_month = day.month != previous_month
            previous_month = day.month
            header = DAY_H + (MONTH_H if new_month else 0)
            rows = math.ceil(day.count / self.cols)
            sections.append(Section(day, y, header, new_month, rows))
            y += header + rows * self.cell + SECTION_GAP
        self.sections = sections
        self._tops = [s.top for s in sections]
        self.content_height = y + MARGIN
        bar = self.verticalScrollBar()
        bar.setRange(0, max(0, self.content_height - self.viewport().height()))
        bar.setPageStep(self.viewport().height())
        bar.setSingleStep(self.cell // 3)
        self.laid_out.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.remember_place()
        super().resizeEvent(event)
        self._relayout_in_place()

    def set_thumb_size(self, size: int) -> None:
        """The thumbnail-size control: cells at most ``size`` wide; the photo at the top stays there."""
        if size != self.base:
            self.remember_place()
            self.base = size
            self._relayout_in_place()
            self.viewport().update()

    def _relayout_in_place(self) -> None:
        anchor = self._anchor
        self._relayout()
        if anchor is not None and (row := self.model.row_of(anchor[0])) is not None:
            self.verticalScrollBar().setValue(self.row_rect(row, content=True).top() - anchor[1])

    # geometry ----------------------------------------------------------------------------------------------
    def section_of(self, row: int) -> Section:
        return self.sections[self.model.timeline.day_index(row)]

    def row_rect(self, row: int, content: bool = False) -> QRect:
        """The thumbnail's rectangle, in viewport coordinates (or the content's with ``content``)."""
        section = self.section_of(row)
        r, c = divmod(row - section.day.start, self.cols)
        y = section.body + r * self.cell - (0 if content else self.verticalScrollBar().value())
        return QRect(MARGIN + c * self.cell, y, self.thumb, self.thumb)

    def row_at(self, pos: QPoint) -> int | None:
        """The photo under a viewport point, None over a header, a gap or nothing."""
        if not self.sections:
            return None
        y = pos.y() + self.verticalScrollBar().value()
        section = self.sections[max(0, bisect.bisect_right(self._tops, y) - 1)]
        inside_y = y - section.body
        inside_x = pos.x() - MARGIN
        if inside_y < 0 or inside_x < 0:
            return None
        (r, dy), (c, dx) = divmod(inside_y, self.cell), divmod(inside_x, self.cell)
        if r >= section.rows or c >= self.cols or dy >= self.thumb or dx >= self.thumb:
            return None
        k = r * self.cols + c
        return section.day.start + k if k < section.day.count else None

    def top_row(self) -> int | None:
        """The first photo whose cell is at least half visible at the top of the viewport."""
        if not self.sections:
            return None
        top = self.verticalScrollBar().value()
        index = max(0, bisect.bisect_right(self._tops, top) - 1)
        for section in self.sections[index:index + 2]:
            r = max(0, (top - section.body + self.thumb // 2) // self.cell)
            if r < section.rows:
                return section.day.start + min(r * self.cols, section.day.count - 1)
        return self.sections[min(index + 1, len(self.sections) - 1)].day.start

    def scroll_to_row(self, row: int) -> None:
        """Make ``row`` visible, scrolling as little as possible."""
        rect = self.row_rect(row, content=True)
        bar = self.verticalScrollBar()
        if rect.top() < bar.value():
            bar.setValue(rect.top() - DAY_H)
        elif rect.bottom() > bar.value() + self.viewport().height():
            bar.setValue(rect.bottom() - self.viewport().height() + GAP)

    def scroll_to_date(self, day: str) -> int | None:
        """Put the newest day on or before ``day`` (YYYY-MM-DD, or YYYY-MM) at the top; returns its first row."""
        for section in self.sections:
            if section.day.date[:len(day)] <= day:
                self.verticalScrollBar().setValue(section.top)
                return section.day.start
        return None

    def scroll_to_fraction(self, fraction: float) -> None:
        """The content at ``fraction`` of its height to the top (the scrubber)."""
        self.verticalScrollBar().setValue(round(max(0.0, min(1.0, fraction)) * self.content_height))

    def section_at_fraction(self, fraction: float) -> Section | None:
        if not self.sections:
            return None
        y = fraction * self.content_height
        return self.sections[max(0, bisect.bisect_right(self._tops, y) - 1)]

    def header_titles(self) -> list[str]:
        """Every header of the layout in order: month titles, and each day's title with its count."""
        out = []
        for section in self.sections:
            if section.new_month:
                out.append(month_title(section.day.date))
            out.append(self._day_header(section.day))
        return out

    @staticmethod
    def _day_header(day: Day) -> str:
        return f"{day_title(day.date)} · {count(day.count, 'photo')}"

    # painting ----------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)  # only a thumbnail of another size scales
        palette = self.palette()
        if not self.sections:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(40, 0, -40, 0),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text)
            return
        top = self.verticalScrollBar().value()
        sections, cells = self._visible()
        for section in sections:
            self._paint_headers(painter, section, section.top - top)
        if cells:
            self.model.showing(cells[0][0], cells[-1][0])
        # thumbnails are asked for bottom-up: the loader serves the newest request first, so the top comes first
        pixmaps = {row: self.model.pixmap(row) for row, _ in reversed(cells)}
        self._paint_cells(painter, cells, pixmaps)
        self._paint_sticky_month(painter, self.sections.index(sections[0]) if sections else 0, top)

    def _visible(self) -> tuple[list[Section], list[tuple[int, QRect]]]:
        """The days and the cells (row, viewport rectangle) the viewport shows, top to bottom."""
        top = self.verticalScrollBar().value()
        bottom = top + self.viewport().height()
        sections: list[Section] = []
        cells: list[tuple[int, QRect]] = []
        index = max(0, bisect.bisect_right(self._tops, top) - 1)
        for section in self.sections[index:]:
            if section.top >= bottom:
                break
            sections.append(section)
            first = max(0, (top - section.body) // self.cell)
            last = min(section.rows - 1, (bottom - section.body) // self.cell)
            for r in range(first, last + 1):
                y = section.body + r * self.cell - top
                for c in range(self.cols):
                    k = r * self.cols + c
                    if k >= section.day.count:
                        break
                    cells.append((section.day.start + k, QRect(MARGIN + c * self.cell, y, self.thumb, self.thumb)))
        return sections, cells

    def visible_rows(self) -> list[int]:
        """The photos on screen, top to bottom."""
        return [row for row, _ in self._visible()[1]]

    def _paint_headers(self, painter: QPainter, section: Section, y: int) -> None:
        palette = self.palette()
        width = self.viewport().width() - 2 * MARGIN
        if section.new_month:
            painter.setFont(self._month_font)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(QRect(MARGIN, y + 8, width, MONTH_H - 8), Qt.AlignmentFlag.AlignVCenter,
                             month_title(section.day.date))
            y += MONTH_H
        painter.setFont(self._day_font)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(QRect(MARGIN, y, width, DAY_H), Qt.AlignmentFlag.AlignVCenter, self._day_header(section.day))

    def _paint_cells(self, painter: QPainter, cells: list[tuple[int, QRect]], pixmaps: dict) -> None:
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        placeholder, broken = QColor("#dfe3e8"), QColor("#e3d6d6")
        ids = self.model.timeline.ids
        for row, rect in cells:
            pixmap = pixmaps[row]
            if pixmap is not None and not pixmap.isNull():
                painter.drawPixmap(rect, pixmap, cover_source(pixmap, rect))
            elif self.model.broken(row):
                painter.fillRect(rect, broken)
                painter.setPen(QColor("#a05555"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "cannot read")
            else:
                painter.fillRect(rect, placeholder)
            photo_id = int(ids[row])
            if photo_id in self.selected:
                painter.fillRect(rect, QColor(highlight.red(), highlight.green(), highlight.blue(), 70))
                painter.setPen(QPen(highlight, 3))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect.adjusted(1, 1, -2, -2))
            elif photo_id == self.current and self.hasFocus():
                painter.setPen(highlight)
                painter.drawRect(rect.adjusted(0, 0, -1, -1))

    def _paint_sticky_month(self, painter: QPainter, index: int, top: int) -> None:
        """The month at the top stays named while its header is scrolled away."""
        section = self.sections[index]
        if section.top >= top or (index + 1 < len(self.sections) and self.sections[index + 1].new_month
                                  and self.sections[index + 1].top - top < MONTH_H):
            return
        band = QRect(0, 0, self.viewport().width(), MONTH_H - 8)
        painter.fillRect(band, self.palette().color(QPalette.ColorRole.Base))
        painter.setPen(self.palette().color(QPalette.ColorRole.Midlight))
        painter.drawLine(band.bottomLeft(), band.bottomRight())
        painter.setFont(self._month_font)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        painter.drawText(band.adjusted(MARGIN, 0, -MARGIN, 0), Qt.AlignmentFlag.AlignVCenter,
                         month_title(section.day.date))

    # selection and input -------------------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        if not self.selected:
            return []
        return np.flatnonzero(np.isin(self.model.timeline.ids, list(self.selected))).tolist()

    def selected_hits(self) -> list[Hit]:
        return self.model.hits(self.selected_rows())

    def hits_for(self, row: int) -> list[Hit]:
        """What a right-click on ``row`` acts on: the selection if the row is in it, else that photo."""
        if self.model.photo_id(row) in self.selected:
            return self.selected_hits()
        return self.model.hits([row])

    def select_rows(self, rows: list[int], extend: bool = False) -> None:
        if not extend:
            self.selected.clear()
        self.selected.update(self.model.photo_id(r) for r in rows)
        if rows:
            self.current = self._range_start = self.model.photo_id(rows[-1])
        self.viewport().update()

    def clear_selection(self) -> None:
        self.selected.clear()
        self.viewport().update()

    def current_row(self) -> int | None:
        return None if self.current is None else self.model.row_of(self.current)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton:
            self._click(row, event.modifiers())
        elif event.button() == Qt.MouseButton.RightButton and row is not None \
                and self.model.photo_id(row) not in self.selected:
            self.current = self.model.photo_id(row)
        super().mousePressEvent(event)

    def _click(self, row: int | None, modifiers: Qt.KeyboardModifier) -> None:
        if row is None:
            self.clear_selection()
            return
        photo_id = self.model.photo_id(row)
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            self.selected.symmetric_difference_update({photo_id})
            self.current = self._range_start = photo_id
        elif modifiers & Qt.KeyboardModifier.ShiftModifier and self._range_start is not None:
            start = self.model.row_of(self._range_start)
            start = row if start is None else start
            self.selected = {int(i) for i in self.model.timeline.ids[min(start, row):max(start, row) + 1]}
            self.current = photo_id
        else:
            self.selected = {photo_id}
            self.current = self._range_start = photo_id
        hit = self.model.hit(row)
        if hit is not None:
            self.photo_clicked.emit(hit)
        self.viewport().update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(event.position().toPoint())
        if row is not None and event.button() == Qt.MouseButton.LeftButton:
            self.open_requested.emit(row)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        row = self.row_at(event.pos())
        actions = self.context_actions(row) if row is not None else {}
        if actions:
            build_menu(QMenu(self), actions).exec(event.globalPos())

    def context_actions(self, row: int) -> Actions:
        """The context menu's actions for ``row`` by name (tests trigger them without a popup)."""
        hits = self.model.hits([row])
        if not hits:
            return {}
        path = hits[0].path
        actions: Actions = {
            "Open": lambda: self.open_requested.emit(row),
            "More like this": lambda: self.similar_requested.emit(path),
            "Show in folder": lambda: self.open_folder_requested.emit(str(Path(path).parent)),
        }
        if self.extra_actions is not None:
            actions.update(self.extra_actions(self.hits_for(row)))
        return actions

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if self.selected:
                self.delete_requested.emit(self.selected_hits())
            return
        current = self.current_row()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current is not None:
            self.open_requested.emit(current)
            return
        target = self._key_target(key, current)
        if target is None:
            super().keyPressEvent(event)
            return
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier and self._range_start is not None:
            self._click(target, Qt.KeyboardModifier.ShiftModifier)
        else:
            self._click(target, Qt.KeyboardModifier.NoModifier)
        self.scroll_to_row(target)

    def _key_target(self, key: int, current: int | None) -> int | None:
        n = len(self.model)
        if not n:
            return None
        if current is None:
            return self.top_row() if key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down) \
                else None
        if key == Qt.Key.Key_Home:
            return 0
        if key == Qt.Key.Key_End:
            return n - 1
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(key))
        if step is not None:
            return min(n - 1, max(0, current + step))
        dy = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(key))
        if dy is None:
            page = {Qt.Key.Key_PageUp: -1, Qt.Key.Key_PageDown: 1}.get(Qt.Key(key))
            if page is None:
                return None
            dy = page * max(1, self.viewport().height() // self.cell)
        return self._row_below(current, dy)

    def _row_below(self, row: int, rows: int) -> int:
        """The photo ``rows`` grid rows down (up when negative), in the same column where the row is long
        enough, across day headers."""
        for _ in range(abs(rows)):
            index = self.model.timeline.day_index(row)
            section = self.sections[index]
            r, c = divmod(row - section.day.start, self.cols)
            if rows > 0:
                if r + 1 < section.rows:
                    row = section.day.start + min((r + 1) * self.cols + c, section.day.count - 1)
                elif index + 1 < len(self.sections):
                    below = self.sections[index + 1].day
                    row = below.start + min(c, below.count - 1)
            elif r > 0:
                row = section.day.start + (r - 1) * self.cols + c
            elif index > 0:
                above = self.sections[index - 1]
                row = above.day.start + min((above.rows - 1) * self.cols + c, above.day.count - 1)
        return row


class DateScrubber(QWidget):
    """A strip beside the grid: the years (and months where there is room) at their place in the library;
    click or drag to jump there. While dragging, a bubble names the month under the pointer."""

    WIDTH = 64

    def __init__(self, view: BrowseView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.hover: str | None = None
        self._hover_y = 0
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click or drag to jump to a date")
        view.laid_out.connect(self.update)
        view.verticalScrollBar().valueChanged.connect(self.update)
        font = QFont(self.font())
        font.setPixelSize(11)
        self.setFont(font)

    def sizeHint(self) -> QSize:
        return QSize(self.WIDTH, 200)

    def landmarks(self) -> list[tuple[float, str, bool]]:
        """(fraction of the height, label, is a year) for each year's and month's first day, newest first."""
        view = self.view
        if not view.sections or not view.content_height:
            return []
        out = []
        previous = None
        for section in view.sections:
            if section.new_month:
                year = section.day.date[:4]
                label = year if year != previous else month_title(section.day.date)[:3]
                out.append((section.top / view.content_height, label, year != previous))
                previous = year
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        view = self.view
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Window))
        if not view.content_height:
            return
        h = self.height()
        bar = view.verticalScrollBar()
        shown = QRect(2, round(bar.value() / view.content_height * h), self.width() - 4,
                      max(6, round(view.viewport().height() / view.content_height * h)))
        accent = palette.color(QPalette.ColorRole.Highlight)
        painter.fillRect(shown, QColor(accent.red(), accent.green(), accent.blue(), 50))
        last_label = -100
        metrics = painter.fontMetrics()
        for fraction, label, is_year in self.landmarks():
            y = round(fraction * h)
            painter.setPen(palette.color(QPalette.ColorRole.Mid))
            painter.drawLine(self.width() - (12 if is_year else 6), y, self.width() - 2, y)
            if y - last_label >= metrics.height() + 2 and (is_year or y - last_label >= 2 * metrics.height()):
                role = QPalette.ColorRole.Text if is_year else QPalette.ColorRole.PlaceholderText
                painter.setPen(palette.color(role))
                painter.drawText(QRect(2, y, self.width() - 16, metrics.height()), Qt.AlignmentFlag.AlignRight, label)
                last_label = y
        if self.hover:
            box = QRect(0, max(0, min(h - 22, self._hover_y - 11)), self.width(), 22)
            painter.fillRect(box, accent)
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.hover)

    def jump(self, y: int) -> None:
        fraction = y / max(1, self.height())
        self.view.scroll_to_fraction(fraction)
        section = self.view.section_at_fraction(fraction)
        self.hover = month_title(section.day.date)[:3] + " " + section.day.date[:4] if section else None
        self._hover_y = y
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.jump(round(event.position().y()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.jump(round(event.position().y()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.hover = None
        self.update()


class BrowsePage(QWidget):
    """The grid and its scrubber, one page of the window's stack."""

    def __init__(self, model: BrowseModel, thumb_size: int = 160, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = BrowseView(model, thumb_size)
        self.view.setAccessibleName("Library")
        self.scrubber = DateScrubber(self.view)
        self.scrubber.setFixedWidth(DateScrubber.WIDTH)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.view, 1)
        row.addWidget(self.scrubber)
