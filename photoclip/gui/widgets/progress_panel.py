"""Indexing progress: a bar with count, rate and ETA, pause/resume, cancel, and "Skipped files (N)"."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from photoclip import formatting
from photoclip.core.events import IndexProgress
from photoclip.gui.widgets.narrow import ElidedLabel


class ProgressPanel(QWidget):
    pause_toggled = Signal(bool)  # True = pause
    cancel_requested = Signal()
    skipped_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.label = ElidedLabel("Ready")  # a long progress line must not hold the window wider than its screen
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.bar.setMinimumWidth(200)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.skipped_button = QPushButton("Skipped files (0)")
        self.skipped_button.setFlat(True)
        self.skipped_button.setStyleSheet("color: #9a4d00; text-decoration: underline;")
        self.skipped_button.clicked.connect(self.skipped_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.pause_button)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.skipped_button)
        self.set_idle("Ready")
        self.set_skipped(0)

    def set_idle(self, text: str) -> None:
        self.label.setText(text)
        for widget in (self.bar, self.pause_button, self.cancel_button):
            widget.hide()
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(False)
        self.pause_button.setText("Pause")
        self.pause_button.blockSignals(False)

    def set_busy(self, text: str) -> None:
        """Working, amount unknown yet (scanning, loading the model): a busy bar."""
        self.label.setText(text)
        self.bar.setRange(0, 0)
        for widget in (self.bar, self.pause_button, self.cancel_button):
            widget.show()

    def set_stage(self, text: str, fraction: float | None) -> None:
        """A step of known share (optimising the model): a percentage bar; unknown share: a busy bar."""
        if fraction is None:
            self.set_busy(text)
            return
        self.label.setText(text)
        self.bar.setRange(0, 100)
        self.bar.setValue(round(fraction * 100))
        self.bar.setFormat("%p%")
        for widget in (self.bar, self.cancel_button):
            widget.show()
        self.pause_button.hide()  # nothing to pause in the model's one-off optimisation

    def set_progress(self, event: IndexProgress) -> None:
        total = max(event.total, 1)
        self.bar.setRange(0, total)
        self.bar.setValue(min(event.done, total))
        self.bar.setFormat(f"{event.done:,} / {event.total:,}")
        if event.paused:
            text = f"Paused · {event.done:,} of {event.total:,} photos"
        else:
            text = (f"Indexing · {formatting.rate(event.rate)} · ETA {formatting.duration(event.eta)}"
                    if event.done else "Indexing…")
        self.label.setText(text)
        for widget in (self.bar, self.pause_button, self.cancel_button):
            widget.show()

    def set_skipped(self, count: int) -> None:
        self.skipped_button.setText(f"Skipped files ({count:,})")
        self.skipped_button.setVisible(count > 0)

    def _on_pause_toggled(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_toggled.emit(paused)
