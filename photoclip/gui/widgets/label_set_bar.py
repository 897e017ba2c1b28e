"""The tags panel's top row: which label set (saved sets, then presets), and New / Import / Export."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget


class LabelSetBar(QWidget):
    chosen = Signal(str)  # the set's name
    new_requested = Signal()
    import_requested = Signal()
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setAccessibleName("Label set")
        self.combo.setMinimumWidth(64)  # a long set name is elided: the bar fits the narrowest Tags panel
        self.combo.currentIndexChanged.connect(self._on_index)
        self.new_button = QPushButton("New set…")
        self.new_button.clicked.connect(self.new_requested)
        self.import_button = QPushButton("Import…")
        self.import_button.clicked.connect(self.import_requested)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self.export_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo, 1)
        for button in (self.new_button, self.import_button, self.export_button):
            # no wider than their words: in a narrow Tags panel the set's name keeps the room
            button.setMaximumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 16)
            row.addWidget(button)

    def fill(self, saved: list[str], presets: list[str], select: str | None) -> str | None:
        """List the sets without announcing a choice; returns the name now selected."""
        select = select or self.current_name() or "scenes"
        self.combo.blockSignals(True)
        self.combo.clear()
        for name in saved:
            self.combo.addItem(name, name)
        for name in presets:
            if name not in saved:  # a saved set shadows the preset of the same name
                self.combo.addItem(f"{name} (preset)", name)
        self.combo.setCurrentIndex(max(0, self.combo.findData(select)))
        self.combo.blockSignals(False)
        return self.current_name()

    def current_name(self) -> str | None:
        return self.combo.currentData()

    def select(self, name: str) -> None:
        """Show ``name`` as chosen without announcing it (e.g. back to the set on screen after Cancel)."""
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(0, self.combo.findData(name)))
        self.combo.blockSignals(False)

    def _on_index(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name:
            self.chosen.emit(name)
