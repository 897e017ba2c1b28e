"""Library status (counts per folder, failures) read on its own lane: at 100k photos the GROUP BY queries
take tens of milliseconds, too long for the GUI thread every 1.5 s while indexing. Requests coalesce: while
one read runs, any number of new requests cause exactly one more."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from photoclip.core.library import Library
from photoclip.gui.workers.lane import Lane


class StatusService(QObject):
    ready = Signal(object)  # LibraryStatus
    failed = Signal(object)  # Exception: e.g. the catalog went away (reported; the last status stays on screen)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._in_flight = False
        self._dirty = False
        self._lane = Lane("status", self)

    @property
    def busy(self) -> bool:
        return self._in_flight

    def request(self) -> None:
        if self._in_flight:
            self._dirty = True
            return
        self._in_flight = True
        self._lane.submit("status", self._library.status, self._on_ready, on_crash=self._on_failed)

    def _finish(self) -> None:
        self._in_flight = False
        if self._dirty:
            self._dirty = False
            self.request()

    def _on_ready(self, status: object) -> None:
        self.ready.emit(status)
        self._finish()

    def _on_failed(self, exc: object) -> None:
        self.failed.emit(exc)
        self._finish()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        return self._lane.shutdown(timeout_ms)
