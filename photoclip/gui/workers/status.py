"""Library status (counts per folder, failures) read on its own thread: at 100k photos the GROUP BY queries
take tens of milliseconds, too long for the GUI thread every 1.5 s while indexing. Requests coalesce: while
one read runs, any number of new requests cause exactly one more."""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot

from photoclip.core.library import Library


class StatusWorker(QObject):
    ready = Signal(object)  # LibraryStatus
    failed = Signal(object)  # Exception

    def __init__(self, library: Library) -> None:
        super().__init__()
        self._library = library

    @Slot()
    def run(self) -> None:
        try:
            self.ready.emit(self._library.status())
        except Exception as exc:  # e.g. the catalog went away: report, keep the last status on screen
            self.failed.emit(exc)


class StatusService(QObject):
    _submit = Signal()
    ready = Signal(object)  # LibraryStatus
    failed = Signal(object)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._in_flight = False
        self._dirty = False
        self._thread = QThread()
        self._thread.setObjectName("photoclip-status")
        self._worker = StatusWorker(library)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.ready.connect(self._on_ready)
        self._worker.failed.connect(self._on_failed)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._in_flight

    def request(self) -> None:
        if self._in_flight:
            self._dirty = True
            return
        self._in_flight = True
        self._submit.emit()

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
        self._thread.quit()
        return self._thread.wait(timeout_ms)
