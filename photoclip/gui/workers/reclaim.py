"""Reclaiming space on its own lane (workers/lane.py): the survey reads the catalog, the reclaim deletes,
rewrites the HNSW file and vacuums (seconds at 100k photos) — never on the GUI thread. Core progress events
come back as a queued signal."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from photoclip.core.events import Event, ReclaimProgress
from photoclip.core.library import Library
from photoclip.gui.workers.lane import Lane


class ReclaimService(QObject):
    """Requests run one after another in the order given; every failure is handed on as raised (the dialog
    says what it means)."""

    surveyed = Signal(object)  # ReclaimReport
    reclaimed = Signal(object)  # ReclaimResult
    failed = Signal(object)  # Exception (LibraryBusyError while indexing)
    progress = Signal(object)  # ReclaimProgress: emitted on the lane's thread, delivered queued

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._lane = Lane("reclaim", self)

    def survey(self, days: float) -> None:
        self._lane.submit("survey", lambda: self._library.reclaimable(days), self.surveyed.emit,
                          on_crash=self.failed.emit)

    def reclaim(self, days: float, old_models: bool) -> None:
        self._lane.submit("reclaim", lambda: self._reclaim(days, old_models), self.reclaimed.emit,
                          on_crash=self.failed.emit)

    def _reclaim(self, days: float, old_models: bool):
        unsubscribe = self._library.events.subscribe(self._forward)
        try:
            return self._library.reclaim(days, old_models=old_models)
        finally:
            unsubscribe()

    def _forward(self, event: Event) -> None:
        if isinstance(event, ReclaimProgress):
            self.progress.emit(event)

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Waits for a reclaim in progress (its transactions are short; the vacuum may take seconds)."""
        return self._lane.shutdown(timeout_ms)
