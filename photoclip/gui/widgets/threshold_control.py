"""The selected label's threshold: a slider in 0.1 steps of the calibrated score, a spin box for exact values,
the live count of photos the label would tag at that threshold, and *Save thresholds*.

Moving the slider does not change the label set: it is how one explores ("what would 2.0 tag?"), the review
queue takes the values on screen anyway, and saving a preset's threshold makes a saved copy that shadows the
preset. So changed thresholds are marked and saved with the button, all of the set's at once.

The spin box is never rewritten with the value it already holds: the live update echoes every typed value
back here, and rewriting "2" as "2.0" between keys turned a typed "2.4" into 2.0. The slider has a row of its
own, so 0–10 spans a usable width even in a narrow dock."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

STEPS_PER_UNIT = 10  # the slider moves in 0.1 steps of the calibrated score
#: a tenth of the score per few pixels at least: 0–10 over ~90 px made single steps impossible to hit
SLIDER_MIN_WIDTH = 220


class ThresholdControl(QWidget):
    changed = Signal(float)  # the threshold, rounded to 0.1, from the slider or the spin box
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Threshold")
        self.title.setStyleSheet("font-weight: 600;")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Threshold")
        self.slider.setRange(0, 10 * STEPS_PER_UNIT)
        self.slider.setMinimumWidth(SLIDER_MIN_WIDTH)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(STEPS_PER_UNIT)  # a tick per whole score
        self.slider.setPageStep(STEPS_PER_UNIT // 2)
        self.slider.valueChanged.connect(lambda v: self._on_change(v / STEPS_PER_UNIT, source=self.slider))
        self.spin = QDoubleSpinBox()
        self.spin.setRange(-10.0, 1000.0)
        self.spin.setDecimals(1)
        self.spin.setSingleStep(0.1)
        self.spin.valueChanged.connect(lambda v: self._on_change(v, source=self.spin))
        self.live_count = QLabel("")
        self.live_count.setMinimumWidth(80)
        self.live_count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.hint = QLabel("Typical-photo spreads a photo must stand above this library's typical photo "
                           "(default 3). Lower finds more, and more wrong ones.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        self.save_button = QPushButton("Save thresholds")
        self.save_button.setToolTip("Keep the changed thresholds (marked •) in the label set for the next runs; "
                                    "a preset is saved as your own copy")
        self.save_button.clicked.connect(self.save_requested)
        self.set_unsaved(0)
        self.row = QHBoxLayout()
        self.row.addWidget(self.spin)
        self.row.addWidget(self.live_count)
        self.row.addStretch(1)
        self.row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.slider)
        layout.addLayout(self.row)
        layout.addWidget(self.hint)

    def show_label(self, name: str | None, value: float = 0.0, best: float = 0.0) -> None:
        """Point the controls at a label (silently): the slider reaches past its best score in the run."""
        self.title.setText(f"Threshold for “{name}”" if name else "Threshold")
        if name is None:
            return
        top = max(10.0, math.ceil(best) + 1.0, value + 1.0)
        self.slider.blockSignals(True)
        self.slider.setRange(0, int(top * STEPS_PER_UNIT))
        self.slider.blockSignals(False)
        self.set_value(value)

    def set_value(self, value: float) -> None:
        """Show a threshold without announcing it."""
        self._show(value, source=None)

    def set_count(self, text: str) -> None:
        self.live_count.setText(text)

    def set_unsaved(self, n: int) -> None:
        self.save_button.setEnabled(n > 0)
        self.save_button.setText(f"Save thresholds ({n})" if n else "Save thresholds")

    def set_usable(self, chosen: bool, has_run: bool) -> None:
        self.slider.setEnabled(chosen and has_run)  # without a run there is nothing to count
        self.spin.setEnabled(chosen)

    def _on_change(self, value: float, source: QWidget) -> None:
        value = round(value, 1)
        self._show(value, source)
        self.changed.emit(value)

    def _show(self, value: float, source: QWidget | None) -> None:
        if source is not self.slider:
            self.slider.blockSignals(True)
            self.slider.setValue(round(value * STEPS_PER_UNIT))
            self.slider.blockSignals(False)
        # setValue reformats the text even for an equal value: "2" becomes "2.0" under the user's cursor
        if source is not self.spin and round(self.spin.value(), 1) != round(value, 1):
            self.spin.blockSignals(True)
            self.spin.setValue(value)
            self.spin.blockSignals(False)
