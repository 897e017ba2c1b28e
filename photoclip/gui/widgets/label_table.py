"""The tags panel's labels: one row per label with its threshold and how many photos it would tag, plus
Add / Edit / Remove. A threshold changed with the slider but not saved into the set yet reads "2.5 •", in
italics."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from photoclip.core.tagging import Label, LabelSet

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
NAME, THRESHOLD, PHOTOS = 0, 1, 2


def _tooltip(label: Label, label_set: LabelSet) -> str:
    tip = "Prompts: " + "; ".join(label.positive_prompts(label_set.templates))
    if label.negatives:
        tip += "\nNot: " + "; ".join(label.negatives)
    return tip


class LabelTable(QWidget):
    chosen = Signal(object)  # the label's name, or None
    edit_requested = Signal(object)  # a label's name; None adds one
    remove_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Labels")
        self.tree.setHeaderLabels(["Label", "Threshold", "Photos"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in (THRESHOLD, PHOTOS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(lambda item, _: self.chosen.emit(self._name(item)))
        self.tree.itemDoubleClicked.connect(lambda item, _: self.edit_requested.emit(self._name(item)))
        self.add_button = QPushButton("Add label…")
        self.add_button.clicked.connect(lambda: self.edit_requested.emit(None))
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(lambda: self.edit_requested.emit(self.current_label()))
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._remove_current)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

    def fill(self, label_set: LabelSet | None, thresholds: dict[str, float], counts: dict[str, int]) -> None:
        """One row per label, keeping the current label current; announces the current label once."""
        current = self.current_label()
        self.tree.blockSignals(True)  # clearing would announce items of the old set as current
        self.tree.clear()
        for label in label_set.labels if label_set else ():
            n = counts.get(label.name)
            item = QTreeWidgetItem([label.name, "", "–" if n is None else f"{n:,}"])
            item.setData(NAME, NAME_ROLE, label.name)
            item.setTextAlignment(PHOTOS, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(NAME, _tooltip(label, label_set))
            self.tree.addTopLevelItem(item)
            self._show_threshold(item, thresholds[label.name], label_set.threshold(label))
            if label.name == current:
                self.tree.setCurrentItem(item)
        self.tree.blockSignals(False)
        self.chosen.emit(self.current_label())

    def set_threshold(self, name: str, value: float, saved: float) -> None:
        item = self._item(name)
        if item is not None:
            self._show_threshold(item, value, saved)

    def set_counts(self, counts: dict[str, int]) -> None:
        for item in self._items():
            item.setText(PHOTOS, f"{counts.get(self._name(item), 0):,}")

    def current_label(self) -> str | None:
        return self._name(self.tree.currentItem())

    def select_label(self, name: str) -> None:
        item = self._item(name)
        if item is not None:
            self.tree.setCurrentItem(item)

    def select_first(self) -> None:
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))

    def set_editable(self, has_set: bool) -> None:
        chosen = self.current_label() is not None
        self.add_button.setEnabled(has_set)
        self.edit_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    @staticmethod
    def _show_threshold(item: QTreeWidgetItem, value: float, saved: float) -> None:
        unsaved = round(value, 1) != round(saved, 1)
        item.setText(THRESHOLD, f"{value:.1f}" + (" •" if unsaved else ""))
        item.setToolTip(THRESHOLD, f"Not saved: the label set says {saved:.1f}" if unsaved else "")
        font = item.font(THRESHOLD)
        font.setItalic(unsaved)
        item.setFont(THRESHOLD, font)

    def _remove_current(self) -> None:
        name = self.current_label()
        if name:
            self.remove_requested.emit(name)

    def _items(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def _item(self, name: str) -> QTreeWidgetItem | None:
        return next((item for item in self._items() if self._name(item) == name), None)

    @staticmethod
    def _name(item: QTreeWidgetItem | None) -> str | None:
        return item.data(NAME, NAME_ROLE) if item else None
