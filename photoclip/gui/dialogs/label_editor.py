"""Create or edit one label: its name (``|`` for a hierarchy), prompts, negative prompts and threshold."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from photoclip.core.errors import LabelSetError
from photoclip.core.tagging import DEFAULT_THRESHOLD, Label


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


class LabelEditor(QDialog):
    def __init__(self, label: Label | None = None, default_threshold: float = DEFAULT_THRESHOLD,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit label" if label else "New label")
        self.name = QLineEdit(label.name if label else "")
        self.name.setPlaceholderText("e.g. Places|Beach")
        self.prompts = QPlainTextEdit("\n".join(label.prompts) if label else "")
        self.prompts.setPlaceholderText("One per line, e.g. “a sandy beach by the sea”.\n"
                                        "Empty: the name inside the usual photo templates.")
        self.negatives = QPlainTextEdit("\n".join(label.negatives) if label else "")
        self.negatives.setPlaceholderText("One per line: photos that match one of these better are never tagged.")
        for edit in (self.prompts, self.negatives):
            edit.setFixedHeight(72)
        self.own_threshold = QCheckBox("Own threshold")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(-10.0, 1000.0)
        self.threshold.setDecimals(1)
        self.threshold.setSingleStep(0.5)
        has_own = label is not None and label.threshold is not None
        self.threshold.setValue(label.threshold if has_own else default_threshold)
        self.own_threshold.setChecked(has_own)
        self.threshold.setEnabled(has_own)
        self.own_threshold.toggled.connect(self.threshold.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.own_threshold)
        row.addWidget(self.threshold, 1)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Prompts", self.prompts)
        form.addRow("Not", self.negatives)
        form.addRow("Threshold", row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def label(self) -> Label:
        """The label as typed; raises LabelSetError for an empty name."""
        threshold = self.threshold.value() if self.own_threshold.isChecked() else None
        return Label(self.name.text(), _lines(self.prompts.toPlainText()), _lines(self.negatives.toPlainText()),
                     threshold)

    def accept(self) -> None:
        try:
            self.label()
        except LabelSetError as exc:
            self.error.setText(exc.user_message)
            return
        super().accept()


def ask_label(label: Label | None, default_threshold: float, parent: QWidget) -> Label | None:
    """The label as edited in the editor (``label`` None: a new one), or None when cancelled."""
    dialog = LabelEditor(label, default_threshold, parent)
    if dialog.exec() != LabelEditor.DialogCode.Accepted:
        return None
    return dialog.label()
