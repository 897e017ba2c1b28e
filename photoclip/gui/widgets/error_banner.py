"""A banner for expected problems (PhotoclipError): what happened, how to fix it, and one action button."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton

from photoclip.core.errors import PhotoclipError


class ErrorBanner(QFrame):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setStyleSheet(
            "#errorBanner { background: #fdecea; border: 1px solid #f5c2bd; border-radius: 6px; }"
            "#errorBanner QLabel { color: #5f2120; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        self.icon = QLabel("⚠")
        self.icon.setStyleSheet("font-size: 18px;")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton()
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.icon)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self._callback: Callable[[], None] | None = None
        self.action.clicked.connect(self._run_action)
        self.error: PhotoclipError | None = None
        self.hide()

    def show_error(self, error: PhotoclipError, action: tuple[str, Callable[[], None]] | None = None) -> None:
        self.error = error
        text = f"<b>{escape(error.user_message)}</b>"
        if error.hint:
            text += f"<br>{escape(error.hint)}"
        self.message.setText(text)
        self._callback = action[1] if action else None
        self.action.setVisible(action is not None)
        if action:
            self.action.setText(action[0])
        self.show()

    def _run_action(self) -> None:
        callback = self._callback
        self.hide()
        if callback:
            callback()
