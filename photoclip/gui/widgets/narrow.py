"""Parts that give way at small window widths (1024 px, or a screen scaled 1.5×), so a caption or a row of
buttons never squeezes the search box and the grid: a label that elides instead of insisting on its full
width, and push buttons allowed to shrink to their text."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QToolTip, QWidget

#: the widest an elided label insists on: a few words, then "…"
ELIDED_MIN_CHARS = 8
#: room around a button's text: the style's margins and frame (Fusion: 2 × 6 + 2 × 2)
BUTTON_PADDING = 16


class ElidedLabel(QLabel):
    """A one-line label that shows as much of its text as fits and ends it with "…"; the whole text is its
    tooltip while cut (unless a tooltip of its own is set). ``text()`` stays the full text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().averageCharWidth() * ELIDED_MIN_CHARS), hint.height())

    def elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()

    def shown_text(self) -> str:
        """What is painted: the text, cut with "…" where the label is narrower."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()), self.palette(),
                                  self.isEnabled(), self.shown_text(), self.foregroundRole())

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and not self.toolTip() and self.elided():
            QToolTip.showText(event.globalPos(), self.text(), self)
            return True
        return super().event(event)


def fit_buttons_to_text(parent: QWidget) -> None:
    """Let ``parent``'s push buttons shrink to their text: styles give a text button at least ~80 px, so three
    short buttons in a row ("Remove", "Rescan") held a side panel ~40 px wider than its words need."""
    for button in parent.findChildren(QPushButton):
        if button.text():
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + BUTTON_PADDING)
