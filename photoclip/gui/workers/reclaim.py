"""Reclaiming space on its own thread: the survey reads the catalog, the reclaim deletes, rewrites the HNSW
file and vacuums (seconds at 100k photos) — never on the GUI thread. Core progress events come back as a
queued signal."""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot

from photoclip.core.events import Event, ReclaimProgress
from photoclip.core.library import Library


class ReclaimWorker(QObject):
    surveyed = Signal(object)  # ReclaimReport
    reclaimed = Signal(object)  # ReclaimResult
    failed = Signal(object)  # Exception (LibraryBusyError while indexing)
    progress = Signal(object)  # ReclaimProgress

    def __init__(self, library: Library) -> None:
        super().__init__()
        self._library = library

    @Slot(float)
    def survey(self, days: float) -> None:
        try:
            self.surveyed.emit(self._library.reclaimable(days))
        except Exception as exc:
            self.failed.emit(exc)

    @Slot(float, bool)
    def reclaim(self, days: float, old_models: bool) -> None:
        unsubscribe = self._library.events.subscribe(self._forward)
        try:
            self.reclaimed.emit(self._library.reclaim(days, old_models=old_models))
        except Exception as exc:
            self.failed.emit(exc)
        finally:
            unsubscribe()

    def _forward(self, event: Event) -> None:
        if isinstance(event, ReclaimProgress):
            self.progress.emit(event)


class ReclaimService(QObject):
    """Owns the thread; requests run one after another in the order given."""

    _survey = Signal(float)
    _reclaim = Signal(float, bool)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("photoclip-reclaim")
        self.worker = ReclaimWorker(library)
        self.worker.moveToThread(self._thread)
        self._survey.connect(self.worker.survey)
        self._reclaim.connect(self.worker.reclaim)
        self._thread.start()

    def survey(self, days: float) -> None:
        self._survey.emit(days)

    def reclaim(self, days: float, old_models: bool) -> None:
        self._reclaim.emit(days, old_models)

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Waits for a reclaim in progress (its transactions are short; the vacuum may take seconds)."""
        self._thread.quit()
        return self._thread.wait(timeout_ms)
