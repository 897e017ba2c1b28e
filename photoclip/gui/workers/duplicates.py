"""Near-duplicate work on its own thread: the neighbour queries (seconds at 100k photos), measuring sharpness
(a thumbnail read per photo) and moving photos to the trash — never on the GUI thread. Regrouping at another
threshold is milliseconds and happens on the GUI thread (``Candidates.groups``)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot

from photoclip.core.control import JobControl
from photoclip.core.duplicates import DuplicateGroup, KeepChoice, Sharpness
from photoclip.core.events import DuplicateScanProgress, Event
from photoclip.core.library import Library


class DuplicatesWorker(QObject):
    found = Signal(object)  # Candidates
    keepers = Signal(int, object)  # request id, [photo id of each group's keeper]
    trashed = Signal(object)  # TrashResult
    failed = Signal(object)  # Exception
    progress = Signal(int, int)  # vectors queried, of

    def __init__(self, library: Library) -> None:
        super().__init__()
        self._library = library
        self._sharpness = Sharpness(library.thumbnails)
        #: cancelled when the dialog closes: a scan stops at its next chunk instead of holding the window
        self.control = JobControl()

    @Slot()
    def find(self) -> None:
        unsubscribe = self._library.events.subscribe(self._forward)
        try:
            self.found.emit(self._library.find_duplicates(control=self.control))
        except Exception as exc:
            self.failed.emit(exc)
        finally:
            unsubscribe()

    @Slot(int, object, str)
    def choose(self, request: int, groups: list[DuplicateGroup], rule: str) -> None:
        try:
            self.keepers.emit(request, [g.keeper(rule, self._sharpness).photo_id for g in groups])
        except Exception as exc:
            self.failed.emit(exc)

    @Slot(object)
    def trash(self, choices: list[KeepChoice]) -> None:
        try:
            self.trashed.emit(self._library.trash_duplicates(choices))
        except Exception as exc:
            self.failed.emit(exc)

    def _forward(self, event: Event) -> None:
        if isinstance(event, DuplicateScanProgress):
            self.progress.emit(event.done, event.total)


class DuplicatesService(QObject):
    """Owns the thread; requests run one after another in the order given."""

    _find = Signal()
    _choose = Signal(int, object, str)
    _trash = Signal(object)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("photoclip-duplicates")
        self.worker = DuplicatesWorker(library)
        self.worker.moveToThread(self._thread)
        self._find.connect(self.worker.find)
        self._choose.connect(self.worker.choose)
        self._trash.connect(self.worker.trash)
        self._thread.start()

    def find(self) -> None:
        self._find.emit()

    def choose(self, request: int, groups: list[DuplicateGroup], rule: str) -> None:
        self._choose.emit(request, groups, rule)

    def trash(self, choices: list[KeepChoice]) -> None:
        self._trash.emit(choices)

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Waits for the request in progress: a scan stops at its next chunk, a move to the trash finishes
        (its groups are consistent either way, but the user asked for it)."""
        self.worker.control.cancel()
        self._thread.quit()
        return self._thread.wait(timeout_ms)
