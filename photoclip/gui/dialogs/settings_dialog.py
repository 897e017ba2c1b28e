"""Settings: the CLIP model (hub id or local folder), device, and CPU threads used for indexing."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from photoclip.gui.preferences import DEVICES, ModelPreferences

_DEVICE_LABELS = {"auto": "Automatic", "cpu": "CPU", "cuda": "GPU (CUDA)"}


class SettingsDialog(QDialog):
    def __init__(self, prefs: ModelPreferences, model_loaded: bool, max_threads: int, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings — photoclip")
        self.model = QLineEdit(prefs.model)
        self.model.setPlaceholderText("openai/clip-vit-base-patch32 or a folder")
        browse = QPushButton("Folder…")
        browse.clicked.connect(self._browse)
        model_row = QWidget()
        row_layout = QHBoxLayout(model_row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.model, 1)
        row_layout.addWidget(browse)
        self.device = QComboBox()
        for device in DEVICES:
            self.device.addItem(_DEVICE_LABELS[device], device)
        self.device.setCurrentIndex(DEVICES.index(prefs.device) if prefs.device in DEVICES else 0)
        self.threads = QSpinBox()
        self.threads.setRange(1, max(1, max_threads))
        self.threads.setValue(min(prefs.threads, self.threads.maximum()))
        form = QFormLayout()
        form.addRow("Model", model_row)
        form.addRow("Device", self.device)
        form.addRow("CPU threads for indexing", self.threads)
        note = QLabel("A different model re-indexes every photo. "
                      + ("The model is already loaded: changes apply after a restart." if model_loaded
                         else "Changes apply when the model loads."))
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def preferences(self) -> ModelPreferences:
        return ModelPreferences(self.model.text().strip(), str(self.device.currentData()), self.threads.value())

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model folder (Hugging Face layout)")
        if folder:
            self.model.setText(folder)
