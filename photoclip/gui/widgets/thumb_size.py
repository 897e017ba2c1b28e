"""The thumbnail-size slider of the status bar (Lightroom's and digiKam's grid size): the largest a cell of the
results grid and of the library view gets; both grids then fit as many columns as that allows and widen the
cells a little so a row fills the width."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QWidget

#: the stored thumbnails are 256 px (core/imaging/thumbnails.py): larger cells would only blur them
MAX_SIZE = 256
MIN_SIZE = 96
DEFAULT_SIZE = 160
#: one Ctrl+= / Ctrl+- press
STEP = 32


def clamp_size(value: object) -> int:
    """A saved size back in range (an INI file hands back a string; a bad value is the default)."""
    try:
        size = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_SIZE
    return max(MIN_SIZE, min(MAX_SIZE, size))


class ThumbSizeSlider(QWidget):
    changed = Signal(int)  # pixels

    def __init__(self, size: int = DEFAULT_SIZE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)  # the label beside the slider
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Thumbnail size")
        self.slider.setToolTip("Thumbnail size (Ctrl+= larger, Ctrl+- smaller)")
        self.slider.setRange(MIN_SIZE, MAX_SIZE)
        self.slider.setSingleStep(16)
        self.slider.setPageStep(STEP)
        self.slider.setFixedWidth(120)
        self.slider.setValue(clamp_size(size))
        self.slider.valueChanged.connect(self.changed)
        label = QLabel("Thumbnails")
        label.setStyleSheet("color: palette(placeholder-text);")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 6, 0)
        row.setSpacing(6)
        row.addWidget(label)
        row.addWidget(self.slider)

    def value(self) -> int:
        return self.slider.value()

    def set_value(self, size: int) -> None:
        self.slider.setValue(clamp_size(size))

    def step(self, direction: int) -> None:
        """One shortcut press: ``STEP`` pixels larger (+1) or smaller (-1)."""
        self.set_value(self.value() + direction * STEP)
