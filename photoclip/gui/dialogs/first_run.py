"""First run: no CLIP model on this computer yet. Offer to download the default one (progress with bytes, %
and time left; Cancel keeps the partial files so a retry resumes) or to use a model folder the user has, which
is checked by the core's importer and copied into photoclip's models folder.

Offline, the way out is the folder button: a failed download says so (the core's hint names CLI commands, which
a user of the app has no reason to know), and with downloads turned off the dialog says it from the start."""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from photoclip.core.embed import registry
from photoclip.core.embed.color_test_model import is_test_spec
from photoclip.core.embed.model_catalog import BY_ID, MODELS, detect_hardware, recommended
from photoclip.core.errors import ModelDownloadCancelledError, ModelNotAvailableError, PhotoclipError
from photoclip.core.settings import Settings
from photoclip.formatting import duration, file_size
from photoclip.gui.preferences import ModelPreferences
from photoclip.gui.workers.model_setup import ModelSetupService

if TYPE_CHECKING:
    from photoclip.core.library import Library


class ModelHost(Protocol):
    """What the dialog needs of the window it opens over (the main window, also its parent): its library,
    whether it is closing, and how to use the model once it is here. A protocol, so this module need not import
    main_window.py (which opens this dialog)."""

    library: Library

    @property
    def closing(self) -> bool: ...

    def apply_preferences(self, prefs: ModelPreferences) -> None: ...

    def statusBar(self) -> QStatusBar: ...

    def model_arrived(self) -> object: ...


_PROGRESS_STEPS = 1000  # QProgressBar takes int32: bytes of a multi-GB model would overflow
FOLDER_BUTTON = "Use a model folder…"


def offline_hint(hub_id: str) -> str:
    """What to do without a connection, in the app's own words: bring the folder and use the button."""
    return (f"Without internet: on a computer that has it, download {hub_id} (with photoclip there, or from the "
            f"Hugging Face website), copy the model's folder to this computer (a USB stick will do), then click "
            f"“{FOLDER_BUTTON}” above and choose that folder.")


def needs_model_setup(settings: Settings, spec: str | None = None) -> bool:
    """True when the library's model (``spec``; default the configured one) is on this computer in none of the
    places the core looks (the built-in test model is always here)."""
    if is_test_spec(spec or settings.model):
        return False
    found = registry.find_local_model(spec or settings.model, settings.models_dir,
                                      bundled_dir=settings.bundled_models_dir)
    return found is None


def size_text(hub_id: str) -> str:
    """What a catalog model weighs, said before the download starts (the hub's exact total follows)."""
    entry = BY_ID.get(hub_id)
    if entry is None:
        return ""
    mb = entry.download_mb
    return f"about {mb / 1000:.1f} GB" if mb >= 1000 else f"about {mb} MB"


def download_text(done: int, total: int, seconds: float) -> str:
    """``"120.0 MB of 577.0 MB · 21% · 0:45 left"``; the time left once a second of transfer is known."""
    percent = 100 * done // total if total else 0
    text = f"{file_size(done)} of {file_size(total)} · {percent}%"
    if seconds >= 1 and done:
        text += f" · {duration((total - done) * seconds / done)} left"
    return text


class FirstRunDialog(QDialog):
    model_ready = Signal(str)  # the model spec to use from now on

    def __init__(self, settings: Settings, parent: QWidget | None = None, endpoint: str | None = None,
                 spec: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set up photoclip")
        self.setObjectName("firstRunDialog")
        self.settings = settings
        spec = spec or settings.model
        self.recommended = recommended(detect_hardware()).hub_id
        self.hub_id = spec if registry.is_hub_id(spec) else self.recommended
        self.model_spec: str | None = None
        self._started = 0.0
        self.service = ModelSetupService(settings.models_dir, endpoint, self)
        self.service.progress.connect(self._on_progress)
        self.service.ready.connect(self._on_ready)
        self.service.failed.connect(self._on_failed)
        self.service.cancelled.connect(self._on_cancelled)
        self._build()
        self._set_busy(False)

    def _build(self) -> None:
        title = QLabel("<h2>One more step: the model that sees your photos</h2>")
        intro = QLabel(
            "photoclip finds photos by what is in them with an image-text model. It is downloaded once from "
            "Hugging Face and runs on this computer; your photos never leave it. You can switch to another model "
            "later (Settings) without losing search meanwhile.")
        intro.setWordWrap(True)
        self.model_choice = QComboBox()
        for entry in MODELS:
            mark = "  (recommended for this computer)" if entry.hub_id == self.recommended else ""
            self.model_choice.addItem(f"{entry.hub_id}{mark}", entry.hub_id)
        if self.model_choice.findData(self.hub_id) < 0:
            self.model_choice.addItem(self.hub_id, self.hub_id)
        self.model_choice.setCurrentIndex(self.model_choice.findData(self.hub_id))
        self.model_details = QLabel()
        self.model_details.setWordWrap(True)
        self.model_details.setStyleSheet("color: palette(placeholder-text);")
        self.model_choice.currentIndexChanged.connect(lambda _i: self._choose(self.model_choice.currentData()))
        self.download_button = QPushButton()
        self.download_button.setDefault(True)
        self.download_button.clicked.connect(self.start_download)
        self.folder_button = QPushButton(FOLDER_BUTTON)
        self.folder_button.setToolTip("A CLIP model folder in the Hugging Face layout (config.json, "
                                      "model.safetensors, tokenizer files), e.g. copied from another computer")
        self.folder_button.clicked.connect(self.choose_folder)
        self.progress = QProgressBar()
        self.progress.setRange(0, _PROGRESS_STEPS)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.clicked.connect(self.cancel_download)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet("color: #b3261e;")
        self.offline_note = QLabel()
        self.offline_note.setWordWrap(True)
        self.offline_note.hide()
        self.later_button = QPushButton("Not now")
        self.later_button.setToolTip("Open photoclip without a model; indexing and search will ask again")
        self.later_button.clicked.connect(self.reject)

        choices = QHBoxLayout()
        choices.addWidget(self.download_button)
        choices.addWidget(self.folder_button)
        choices.addStretch(1)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.later_button)
        layout = QVBoxLayout(self)
        for widget in (title, intro, self.model_choice, self.model_details):
            layout.addWidget(widget)
        layout.addLayout(choices)
        layout.addLayout(progress_row)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.offline_note)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addLayout(bottom)
        self.resize(560, 300)
        self._choose(self.hub_id)
        if not self.settings.allow_download:
            self.download_button.setEnabled(False)
            self.download_button.setToolTip("Downloads are turned off (PHOTOCLIP_OFFLINE or HF_HUB_OFFLINE)")
            self.offline_note.show()
            self.folder_button.setDefault(True)

    def _choose(self, hub_id: str) -> None:
        self.hub_id = hub_id
        size = size_text(hub_id)
        self.download_button.setText(f"Download the model ({size})" if size else "Download the model")
        entry = BY_ID.get(hub_id)
        self.model_details.setText(entry.summary() if entry else "")
        self.offline_note.setText("Downloads are turned off on this computer (PHOTOCLIP_OFFLINE or "
                                  f"HF_HUB_OFFLINE). {offline_hint(hub_id)}")

    # actions -------------------------------------------------------------------------------------------------
    def start_download(self) -> None:
        self._started = time.monotonic()
        self._set_busy(True, downloading=True)
        self.progress.setRange(0, 0)  # busy until the hub says the size
        self.progress_label.setText(f"Connecting to Hugging Face for {self.hub_id}…")
        self.service.download(self.hub_id)

    def cancel_download(self) -> None:
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("Cancelling…")
        self.service.cancel()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a CLIP model folder", str(Path.home()))
        if folder:
            self.use_folder(folder)

    def use_folder(self, folder: str) -> None:
        """Check the folder now (a quick look at its files), then copy it into place on the worker."""
        try:
            registry.validate_model_folder(Path(folder))
        except PhotoclipError as exc:
            self._show_error(exc)
            return
        self._set_busy(True)
        self.progress.setRange(0, 0)
        self.progress_label.setText(f"Copying the model from {folder}…")
        self.service.import_folder(folder)

    # worker results ------------------------------------------------------------------------------------------
    def _on_progress(self, done: int, total: int) -> None:
        if total <= 0:
            return
        self.progress.setRange(0, _PROGRESS_STEPS)
        self.progress.setValue(done * _PROGRESS_STEPS // total)
        self.progress_label.setText(download_text(done, total, time.monotonic() - self._started))

    def _on_ready(self, spec: str, folder: str) -> None:
        self.model_spec = spec
        self.progress.setRange(0, _PROGRESS_STEPS)
        self.progress.setValue(_PROGRESS_STEPS)
        self.progress_label.setText(f"Model ready: {spec} ({folder})")
        self.model_ready.emit(spec)
        self.accept()

    def _on_failed(self, error: PhotoclipError) -> None:
        if isinstance(error, ModelNotAvailableError) and not isinstance(error, ModelDownloadCancelledError):
            error = ModelNotAvailableError(error.user_message, offline_hint(self.hub_id))
            self.folder_button.setDefault(True)  # the way on: Enter picks the folder
            self.folder_button.setFocus()
        self._show_error(error)
        self.progress_label.setText("")

    def _on_cancelled(self) -> None:
        self._set_busy(False)
        self.progress.setRange(0, _PROGRESS_STEPS)
        self.progress_label.setText("Download cancelled. Download again to resume where it stopped.")

    def _show_error(self, error: PhotoclipError) -> None:
        self._set_busy(False)
        self.error.setText(f"<b>{escape(error.user_message, quote=False)}</b><br>{escape(error.hint, quote=False)}")
        self.error.show()

    def _set_busy(self, busy: bool, downloading: bool = False) -> None:
        self.download_button.setEnabled(not busy and self.settings.allow_download)
        self.folder_button.setEnabled(not busy)
        self.progress.setVisible(busy or self.progress.value() > 0)
        self.cancel_button.setVisible(downloading)
        self.cancel_button.setEnabled(downloading)
        if busy:
            self.error.hide()

    def done(self, result: int) -> None:
        """Closing the dialog (any way) stops a running download; its partial files stay for a retry."""
        self.service.cancel()
        super().done(result)


def offer_model_setup(window: ModelHost, endpoint: str | None = None) -> FirstRunDialog | None:
    """Show the first-run dialog over ``window`` when its library has no model; the chosen model is saved
    as the user's preference and used from the next index or search on."""
    settings = window.library.settings
    spec = window.library.model_spec
    if window.closing or not needs_model_setup(settings, spec):
        return None
    dialog = FirstRunDialog(settings, window, endpoint, spec=spec)  # the window: the dialog's parent
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.model_ready.connect(lambda spec: _use_model(window, spec))
    dialog.open()  # window-modal: the app behind stays responsive and closable
    return dialog


def _use_model(window: ModelHost, spec: str) -> None:
    prefs = ModelPreferences.of(window.library.settings)
    prefs.model = spec
    window.apply_preferences(prefs)
    window.statusBar().showMessage(f"Model {spec} is ready", 8000)
    window.model_arrived()  # photos catalogued without a model are embedded now
