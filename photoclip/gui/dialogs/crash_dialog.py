"""An unexpected error: a copyable report; the app keeps running. Later reports append to the open dialog."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPlainTextEdit, QVBoxLayout

from photoclip.gui.dialogs.buttons import copy_and_close


class CrashDialog(QDialog):
    def __init__(self, report: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unexpected error — photoclip")
        self.resize(720, 420)
        intro = QLabel("<b>Something went wrong inside photoclip.</b><br>The app keeps running, but the last "
                       "action may not have finished. Please copy this report into a bug report.")
        intro.setWordWrap(True)
        self.report = QPlainTextEdit(report)
        self.report.setReadOnly(True)
        self.report.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = self.report.font()
        font.setFamily("monospace")
        self.report.setFont(font)
        buttons = copy_and_close(self, "Copy report", self.copy_to_clipboard)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)

    def add_report(self, report: str) -> None:
        self.report.appendPlainText("\n" + "-" * 60 + "\n" + report)

    def text(self) -> str:
        return self.report.toPlainText()

    def copy_to_clipboard(self) -> None:
        QApplication.clipboard().setText(self.text())
