"""A date you can type or pick: a text field that reads 2021-07-01, 20210701, the locale's short date (7/1/21,
01.07.2021…), a year (2021) or a month (2021-07), with a calendar button beside it. Empty reads "any": no bound.

QDateEdit did neither: with "any" as its special text, typing gave "any20210701" and it silently reverted; its
calendar opened on January 1800 (its lowest date). Here a date that cannot be read stays in the field, marked,
with a tooltip saying what works, and the calendar opens where the caller says (``calendar_start``)."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import QCalendarWidget, QHBoxLayout, QLineEdit, QMenu, QToolButton, QWidget, QWidgetAction

ISO = "yyyy-MM-dd"
HELP = "Type a date like 2021-07-01, {short}, a month (2021-07) or a year (2021); empty: any date"


def parse_date(text: str, end: bool = False, locale: QLocale | None = None) -> QDate | None:
    """The date ``text`` means, or None when it cannot be read. A year or a month alone means its first day,
    or its last one when ``end`` (the upper bound of a range)."""
    text = text.strip()
    partial = re.fullmatch(r"(\d{4})(?:[-/.](\d{1,2}))?", text)
    if partial:
        year, month = int(partial[1]), int(partial[2] or 0)
        if not month:
            return QDate(year, 12, 31) if end else QDate(year, 1, 1)
        first = QDate(year, month, 1)
        if not first.isValid():
            return None
        return QDate(year, month, first.daysInMonth()) if end else first
    for fmt in (ISO, "yyyyMMdd", "yyyy/MM/dd", "yyyy.MM.dd", "yyyy-M-d", "yyyy/M/d"):
        date = QDate.fromString(text, fmt)
        if date.isValid():
            return date
    return _locale_date(text, locale or QLocale())


def _locale_date(text: str, locale: QLocale) -> QDate | None:
    # the short form with one- or two-digit days and months ("d" reads both, "dd" only two) and either year
    short = locale.dateFormat(QLocale.FormatType.ShortFormat).replace("dd", "d").replace("MM", "M")
    other_year = short.replace("yyyy", "yy") if "yyyy" in short else short.replace("yy", "yyyy")
    for fmt in (short, other_year):
        date = locale.toDate(text, fmt)
        if date.isValid():
            if "yyyy" not in fmt and date.year() < 1970:  # Qt reads "yy" as 19yy: 7/1/21 is 2021
                date = date.addYears(100)
            return date
    return None


class DateField(QWidget):
    """``changed`` is emitted when the date (or its absence) changes: on Enter, on leaving the field, on a
    calendar pick or on clearing. ``calendar_start`` gives the date the calendar opens on when the field is
    empty (the caller knows the other bound and the library's dates)."""

    changed = Signal()

    def __init__(self, name: str, end: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.end = end
        self._date: QDate | None = None
        self.calendar_start: Callable[[], QDate | None] = lambda: None
        self.edit = QLineEdit()
        self.edit.setAccessibleName(name)
        self.edit.setPlaceholderText("any")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMaximumWidth(self.edit.fontMetrics().horizontalAdvance("2021-07-01") + 48)
        self.edit.editingFinished.connect(self._read)
        self.edit.textChanged.connect(self._on_text_changed)
        self._help = HELP.format(short=QDate(2021, 7, 1).toString(QLocale().dateFormat(QLocale.FormatType.ShortFormat)))
        self.edit.setToolTip(self._help)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        self.menu = QMenu(self)
        holder = QWidgetAction(self.menu)
        holder.setDefaultWidget(self.calendar)
        self.menu.addAction(holder)
        self.menu.aboutToShow.connect(self._turn_calendar)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setToolTip(f"{name}: pick a date")
        self.button.setAccessibleName(f"{name}: calendar")
        self.button.setMenu(self.menu)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; }")  # the ▾ says it already
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.edit)
        row.addWidget(self.button)

    # the date ----------------------------------------------------------------------------------------------
    def date(self) -> QDate | None:
        return self._date

    def iso(self) -> str | None:
        return self._date.toString(ISO) if self._date is not None else None

    def text(self) -> str:
        return self.edit.text()

    def set_date(self, date: QDate | None, announce: bool = False) -> None:
        """Show ``date`` (None: any) in the field, written as YYYY-MM-DD."""
        date = date if date is not None and date.isValid() else None
        changed = date != self._date
        self._date = date
        self.edit.blockSignals(True)
        self.edit.setText(date.toString(ISO) if date else "")
        self.edit.blockSignals(False)
        self._mark(valid=True)
        if changed and announce:
            self.changed.emit()

    @property
    def invalid(self) -> bool:
        """The field holds text that is not a date (left as typed, not applied)."""
        return self.edit.property("invalid") is True

    # inside ------------------------------------------------------------------------------------------------
    def _read(self) -> None:
        text = self.edit.text().strip()
        if not text or text.lower() == "any":
            self.set_date(None, announce=True)
            return
        date = parse_date(text, end=self.end)
        if date is None:
            self._mark(valid=False)  # kept as typed, so the user can fix it
            return
        self.set_date(date, announce=True)

    def _on_text_changed(self, text: str) -> None:
        if not text:  # the clear button (or select-all + delete): no bound, at once
            self.set_date(None, announce=True)
        elif self.invalid:
            self._mark(valid=True)  # editing again: no red until the next Enter

    def _mark(self, valid: bool) -> None:
        self.edit.setProperty("invalid", not valid)
        self.edit.setStyleSheet("" if valid else "QLineEdit { border: 1px solid #b3261e; background: #fdecea; }")
        self.edit.setToolTip(self._help if valid else f"“{self.edit.text()}” is not a date I can read.\n{self._help}")

    def _turn_calendar(self) -> None:
        start = self._date or self.calendar_start() or QDate.currentDate()
        if self._date is not None:
            self.calendar.setSelectedDate(self._date)
        self.calendar.setCurrentPage(start.year(), start.month())

    def _picked(self, date: QDate) -> None:
        self.menu.hide()
        self.set_date(date, announce=True)
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)
