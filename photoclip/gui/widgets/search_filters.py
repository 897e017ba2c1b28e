"""Filters under the search box: an album (chosen in the library panel), a folder of the library (or any folder
inside one) and the dates taken, from and to. They scope the library view and apply to the search as you type
and to "More like this"; *Save search…* keeps the folder and dates in the smart album. A date box takes a typed
date (widgets/date_field.py); empty reads "any": no bound. Its calendar opens on the date in the other box, else
on the library's first (from) or last (until) date taken."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QToolButton, QWidget

from photoclip.core.filenames import display
from photoclip.core.search import Filters
from photoclip.gui.widgets.date_field import ISO, DateField
from photoclip.gui.widgets.tag_chips import FlowLayout

OTHER = "\0other"  # the combo's "Other folder…" entry
#: a long folder name is elided in the combo rather than widening the filter row past the window
FOLDER_COMBO_MAX_WIDTH = 240


def describe(filters: Filters) -> str:
    """``in trip · taken 2021-06-01 – …``; empty when no filter is set."""
    parts = [f"in {display(Path(filters.folder).name or filters.folder)}"] if filters.folder else []
    if filters.album:
        parts.append(f"in album “{filters.album}”")
    if filters.date_from or filters.date_to:
        parts.append(f"taken {filters.date_from or '…'} – {filters.date_to or '…'}")
    return " · ".join(parts)


class SearchFilters(QWidget):
    changed = Signal(object)  # Filters

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder_combo = QComboBox()
        self.folder_combo.setAccessibleName("Search in folder")
        self.folder_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.folder_combo.setMaximumWidth(FOLDER_COMBO_MAX_WIDTH)
        self.folder_combo.activated.connect(self._on_folder_activated)
        self.date_from = self._date_field("Taken from", end=False)
        self.date_to = self._date_field("Taken until", end=True)
        self._library_dates: tuple[QDate | None, QDate | None] = (None, None)
        self.date_from.calendar_start = lambda: _first(self.date_to.date(), self._library_dates[0])
        self.date_to.calendar_start = lambda: _first(self.date_from.date(), self._library_dates[1])
        # an album chosen in the library panel: a chip that removes it when clicked
        self.album_chip = QToolButton()
        self.album_chip.setToolTip("Searching and showing only this album's photos; click to show every photo")
        self.album_chip.clicked.connect(lambda: self.set_album(None))
        self._album: str | None = None
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear filters")
        self.clear_button.clicked.connect(self.clear)
        dates = QWidget()  # "Taken [from] – [until]" stays together on one line
        date_row = QHBoxLayout(dates)
        date_row.setContentsMargins(0, 0, 0, 0)
        for part in (QLabel("Taken"), self.date_from, QLabel("–"), self.date_to):
            date_row.addWidget(part)
        # a row that wraps: in a narrow window (1024 px beside the Tags panel) the dates go under the folder
        # instead of squeezing the search box and the grid
        row = FlowLayout(self, spacing=6)
        for part in (self.album_chip, self.folder_combo, dates, self.clear_button):
            row.addWidget(part)
        self._folders: list[str] = []
        self._entries: list[str | None] = []
        self.set_folders([])
        self._after_change(announce=False)

    def _date_field(self, name: str, end: bool) -> DateField:
        field = DateField(name, end=end)
        field.changed.connect(self._after_change)
        return field

    # what the filters are ---------------------------------------------------------------------------------
    def filters(self) -> Filters:
        folder = self._entry(self.folder_combo.currentIndex())
        return Filters(folder if folder and folder != OTHER else None, self.date_from.iso(), self.date_to.iso(),
                       album=self._album)

    def set_folders(self, paths: list[str]) -> None:
        """The library's folders (the status refresh calls this often: unchanged lists are left alone)."""
        if paths == self._folders:
            return
        self._folders = list(paths)
        chosen = self._entry(self.folder_combo.currentIndex())
        self._fill_folders(chosen if chosen in paths or _under_any(chosen, paths) else None)

    def set_folder(self, path: str | None) -> None:
        """Search only in ``path`` (a library folder or one inside it); None: every folder."""
        self._fill_folders(str(Path(path).resolve()) if path else None)
        self._after_change()

    def set_album(self, name: str | None) -> None:
        """Search and browse only this album's photos (None: no album)."""
        self._album = name
        self._after_change()

    def set_scope(self, folder: str | None = None, album: str | None = None) -> None:
        """What the library panel chose: a folder, an album or (both None) everything; dates stay."""
        self._album = album
        self._fill_folders(str(Path(folder).resolve()) if folder else None)
        self._after_change()

    def set_dates(self, date_from: str | None, date_to: str | None) -> None:
        for field, value in ((self.date_from, date_from), (self.date_to, date_to)):
            field.set_date(QDate.fromString(value, ISO) if value else None)
        self._after_change()

    def set_date_range(self, first: str | None, last: str | None) -> None:
        """The library's first and last dates taken (ISO dates or datetimes): where empty calendars open."""
        self._library_dates = (QDate.fromString(first[:10], ISO) if first else None,
                               QDate.fromString(last[:10], ISO) if last else None)

    def clear(self) -> None:
        self._album = None
        self._fill_folders(None)
        self.set_dates(None, None)

    # inside ------------------------------------------------------------------------------------------------
    def _fill_folders(self, chosen: str | None) -> None:
        combo = self.folder_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("All folders")
        entries = self._folders + ([chosen] if chosen and chosen not in self._folders else [])
        for path in entries:
            combo.addItem(display(Path(path).name or path))
            combo.setItemData(combo.count() - 1, display(path), Qt.ItemDataRole.ToolTipRole)
        combo.addItem("Other folder…")
        # the paths stay here, not in the items' data: a Qt string drops bytes that are not UTF-8
        self._entries = [None, *entries, OTHER]
        combo.setCurrentIndex(self._entries.index(chosen) if chosen in entries else 0)
        combo.blockSignals(False)

    def _on_folder_activated(self, index: int) -> None:
        if self._entry(index) == OTHER:
            start = self._folders[0] if self._folders else str(Path.home())
            path = QFileDialog.getExistingDirectory(self, "Search in folder", start)
            self._fill_folders(str(Path(path).resolve()) if path else None)
        self._after_change()

    def _entry(self, index: int) -> str | None:
        """The folder path (None: all folders; OTHER) of a combo row."""
        return self._entries[index] if 0 <= index < len(self._entries) else None

    def _after_change(self, announce: bool = True) -> None:
        filters = self.filters()
        self.clear_button.setVisible(filters.active)
        self.album_chip.setText(f"Album: {self._album}  ✕" if self._album else "")
        self.album_chip.setVisible(self._album is not None)
        if announce:
            self.changed.emit(filters)


def _first(*dates: QDate | None) -> QDate | None:
    return next((d for d in dates if d is not None and d.isValid()), None)


def _under_any(path: str | None, folders: list[str]) -> bool:
    return bool(path) and any(Path(path).is_relative_to(f) for f in folders)
