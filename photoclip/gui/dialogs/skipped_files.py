"""Every file indexing skipped, with the reason: the catalog's failures, copyable."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from photoclip.core.filenames import display
from photoclip.core.records import PhotoRow
from photoclip.gui.dialogs.buttons import copy_and_close


class SkippedFilesDialog(QDialog):
    def __init__(self, failures: list[PhotoRow], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Skipped files ({len(failures)})")
        self.resize(820, 420)
        self._failures = failures
        intro = QLabel("These files could not be read. They stay on disk untouched; fix or replace them and "
                       "rescan to add them.")
        intro.setWordWrap(True)
        self.table = QTableWidget(len(failures), 2)
        self.table.setHorizontalHeaderLabels(["File", "Reason"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, photo in enumerate(failures):
            self.table.setItem(row, 0, QTableWidgetItem(display(photo.path)))
            self.table.setItem(row, 1, QTableWidgetItem(photo.error or "unknown reason"))
        buttons = copy_and_close(self, "Copy list", self.copy_to_clipboard)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]

    def as_text(self) -> str:
        return "\n".join(f"{path}\t{reason}" for path, reason in self.rows())

    def copy_to_clipboard(self) -> None:
        QApplication.clipboard().setText(self.as_text())
