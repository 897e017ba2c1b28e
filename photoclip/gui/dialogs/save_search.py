"""*Save search…*: the search on screen becomes a smart album. The album keeps the query, the folder and date
filters, and a threshold on the calibrated score (the album holds the photos that clear it: at the default 3,
exactly the search's matches; docs/search.md)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QWidget

from photoclip.core.search import Filters
from photoclip.core.tagging import DEFAULT_THRESHOLD
from photoclip.gui.widgets.search_filters import describe


class SaveSearchDialog(QDialog):
    def __init__(self, query: str, filters: Filters, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save search as album")
        self.name = QLineEdit(query)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(-10.0, 1000.0)
        self.threshold.setDecimals(1)
        self.threshold.setSingleStep(0.5)
        self.threshold.setValue(DEFAULT_THRESHOLD)
        self.threshold.setToolTip("Typical-photo spreads a photo must stand above this library's typical photo "
                                  "for the query (default 3). Lower holds more photos, and more wrong ones.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Album name", self.name)
        form.addRow("Query", QLabel(f"“{query}”"))
        form.addRow("Filters", QLabel(describe(filters) or "none: the whole library"))
        form.addRow("Threshold", self.threshold)
        form.addRow(buttons)

    def values(self) -> tuple[str, float]:
        return self.name.text(), round(self.threshold.value(), 1)
