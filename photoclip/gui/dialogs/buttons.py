"""The button row of the dialogs that show text to pass on (crash reports, skipped files): Copy + Close."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton


def copy_and_close(dialog: QDialog, copy_label: str, on_copy: Callable[[], None]) -> QDialogButtonBox:
    """A Close button that closes ``dialog`` and a ``copy_label`` button that calls ``on_copy``."""
    copy = QPushButton(copy_label)
    copy.clicked.connect(on_copy)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
    buttons.rejected.connect(dialog.reject)
    return buttons
