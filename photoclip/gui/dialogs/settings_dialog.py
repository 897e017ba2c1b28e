"""Settings: the model (from the catalog, a hub id or a local folder), device, and CPU threads for indexing.

Choosing another model for a library with indexed photos starts a switch (core/model_switch.py): its vectors
are built in the background while search keeps using the current model."""

from __future__ import annotations

from PySide6.QtCore import Qt
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

from photoclip.core.embed.model_catalog import BY_ID, MODELS
from photoclip.gui.preferences import DEVICES, ModelPreferences

_DEVICE_LABELS = {"auto": "Automatic", "cpu": "CPU", "cuda": "GPU (CUDA)"}


class SettingsDialog(QDialog):
    def __init__(self, prefs: ModelPreferences, model_loaded: bool, max_threads: int, parent=None,
                 recommended: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings — photoclip")
        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)  # any hub id or folder, beside the catalog's
        for entry in MODELS:
            label = entry.hub_id + ("  (recommended)" if entry.hub_id == recommended else "")
            self.model_combo.addItem(label, entry.hub_id)
            self.model_combo.setItemData(self.model_combo.count() - 1, entry.summary(), Qt.ItemDataRole.ToolTipRole)
        self.model: QLineEdit = self.model_combo.lineEdit()
        self.model.setText(prefs.model)
        self.model.setPlaceholderText("google/siglip2-base-patch32-256 or a folder")
        # picking an entry puts its hub id in the field, not the label with "(recommended)"
        self.model_combo.currentIndexChanged.connect(self._picked)
        self.model_details = QLabel()
        self.model_details.setWordWrap(True)
        self.model.textChanged.connect(self._show_details)
        self._show_details(prefs.model)
        browse = QPushButton("Folder…")
        browse.clicked.connect(self._browse)
        model_row = QWidget()
        row_layout = QHBoxLayout(model_row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.model_combo, 1)
        row_layout.addWidget(browse)
        self.device = QComboBox()
        for device in DEVICES:
            self.device.addItem(_DEVICE_LABELS[device], device)
        self.device.setCurrentIndex(DEVICES.index(prefs.device) if prefs.device in DEVICES else 0)
        self.threads = QSpinBox()
        self.threads.setRange(0, max(1, max_threads))
        self.threads.setSpecialValueText("automatic (measured while indexing)")  # 0
        self.threads.setValue(min(prefs.threads, self.threads.maximum()))
        form = QFormLayout()
        form.addRow("Model", model_row)
        form.addRow("", self.model_details)
        form.addRow("Device", self.device)
        form.addRow("CPU threads for indexing", self.threads)
        note = QLabel("Another model: photoclip builds its vectors in the background and switches when every "
                      "photo has one; search keeps using the current model meanwhile. Device and threads "
                      + ("apply after a restart (the model is loaded)." if model_loaded else "apply when the model "
                                                                                            "loads."))
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

    def _picked(self, index: int) -> None:
        hub_id = self.model_combo.itemData(index)
        if hub_id:
            self.model.setText(str(hub_id))

    def _show_details(self, spec: str) -> None:
        entry = BY_ID.get(spec.strip())
        self.model_details.setText(entry.summary() if entry else "")

    def preferences(self) -> ModelPreferences:
        return ModelPreferences(self.model.text().strip(), str(self.device.currentData()), self.threads.value())

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model folder (Hugging Face layout)")
        if folder:
            self.model.setText(folder)
