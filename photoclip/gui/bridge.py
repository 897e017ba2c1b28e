"""Core events -> Qt signals. Core listeners run on the worker thread; emitting a signal whose receivers live
in the GUI thread queues the call there, so widgets are only ever touched on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from photoclip.core.events import (
    Event,
    FileFailed,
    IndexFinished,
    IndexProgress,
    IndexWaiting,
    ModelLoading,
    ScanFinished,
    WatchStatus,
    WatchWarning,
)


class EventBridge(QObject):
    scan_finished = Signal(object)  # ScanFinished
    progress = Signal(object)  # IndexProgress
    file_failed = Signal(object, str)  # path (object: any file name, core/filenames.py), reason
    model_loading = Signal(object)  # ModelLoading
    index_finished = Signal(object)  # IndexSummary.as_dict() (object: a QVariantMap would drop odd paths)
    watch_status = Signal(object)  # WatchStatus
    watch_warning = Signal(object)  # WatchWarning
    waiting = Signal(str)  # IndexWaiting.message(): another process writes to the library, this job takes turns

    def __init__(self, bus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = bus.subscribe(self._on_event)

    def detach(self) -> None:
        self._unsubscribe()

    def _on_event(self, event: Event) -> None:  # any thread
        if isinstance(event, IndexProgress):
            self.progress.emit(event)
        elif isinstance(event, FileFailed):
            self.file_failed.emit(event.path, event.reason)
        elif isinstance(event, ScanFinished):
            self.scan_finished.emit(event)
        elif isinstance(event, ModelLoading):
            self.model_loading.emit(event)
        elif isinstance(event, IndexFinished):
            self.index_finished.emit(dict(event.summary))
        elif isinstance(event, WatchStatus):
            self.watch_status.emit(event)
        elif isinstance(event, WatchWarning):
            self.watch_warning.emit(event)
        elif isinstance(event, IndexWaiting):
            self.waiting.emit(event.message())
