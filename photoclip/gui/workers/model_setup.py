"""Getting a model onto this computer without freezing the window: a hub download (bytes, cancel) or a copy of
a model folder the user picked, through the core's download_model / import_model on a background thread.

A plain daemon thread rather than a QThread: the dialog that owns this may be destroyed with a job still running
(the app quits mid-download), which a QThread turns into an abort; here the download just stops at its next
chunk (cancel is set) and signals to a deleted receiver are dropped."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from photoclip.core.embed import registry
from photoclip.core.errors import ModelDownloadCancelledError, PhotoclipError


class ModelSetupService(QObject):
    """``download`` / ``import_folder`` return at once; results arrive as queued signals on the GUI thread."""

    progress = Signal(int, int)  # bytes done, bytes total
    ready = Signal(str, str)  # model spec to use (hub id or folder name in the models folder), model folder
    failed = Signal(object)  # PhotoclipError
    cancelled = Signal()

    def __init__(self, models_dir: Path, endpoint: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.models_dir = models_dir
        self.endpoint = endpoint
        self.cancel_event = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def download(self, hub_id: str) -> None:
        self.cancel_event.clear()
        self._start(lambda: (hub_id, registry.download_model(
            hub_id, self.models_dir, progress=self._emit_progress, cancel=self.cancel_event,
            endpoint=self.endpoint)))

    def import_folder(self, folder: str) -> None:
        def copy() -> tuple[str, Path]:
            target, model_id = registry.import_model(Path(folder), self.models_dir)
            return model_id.rsplit("@", 1)[0], target  # the name resolves through the models folder

        self._start(copy)

    def cancel(self) -> None:
        self.cancel_event.set()

    def _start(self, job: Callable[[], tuple[str, Path]]) -> None:
        if self.busy:
            return
        self._thread = threading.Thread(target=self._run, args=(job,), name="photoclip-model-setup", daemon=True)
        self._thread.start()

    def _run(self, job: Callable[[], tuple[str, Path]]) -> None:
        try:
            spec, folder = job()
        except ModelDownloadCancelledError:
            self._emit(self.cancelled)
        except PhotoclipError as exc:
            self._emit(self.failed, exc)
        except OSError as exc:  # disk full, permissions: say it like the core would
            self._emit(self.failed, PhotoclipError(f"The model could not be saved: {exc}.",
                                                   f"Check that {self.models_dir} is writable and has room."))
        else:
            self._emit(self.ready, spec, str(folder))

    def _emit_progress(self, done: int, total: int) -> None:
        self._emit(self.progress, done, total)  # called from huggingface_hub's download threads

    @staticmethod
    def _emit(signal, *args) -> None:
        with contextlib.suppress(RuntimeError):  # the dialog (and this object) were deleted while the job ran
            signal.emit(*args)
