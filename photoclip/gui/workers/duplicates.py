"""Near-duplicate work on its own thread: the neighbour queries (seconds at 100k photos), measuring sharpness
(a thumbnail read per photo) and moving photos to the trash — never on the GUI thread. Regrouping at another
threshold is milliseconds and happens on the GUI thread (``Candidates.groups``)."""

from __future__ import annotations

import queue
import threading

from PySide6.QtCore import QObject, Signal

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

    def find(self) -> None:
        unsubscribe = self._library.events.subscribe(self._forward)
        try:
            self.found.emit(self._library.find_duplicates(control=self.control))
        except Exception as exc:
            self.failed.emit(exc)
        finally:
            unsubscribe()

    def choose(self, request: int, groups: list[DuplicateGroup], rule: str) -> None:
        try:
            self.keepers.emit(request, [g.keeper(rule, self._sharpness).photo_id for g in groups])
        except Exception as exc:
            self.failed.emit(exc)

    def trash(self, choices: list[KeepChoice]) -> None:
        try:
            self.trashed.emit(self._library.trash_duplicates(choices))
        except Exception as exc:
            self.failed.emit(exc)

    def _forward(self, event: Event) -> None:
        if isinstance(event, DuplicateScanProgress):
            self.progress.emit(event.done, event.total)


class DuplicatesService:
    """Runs requests one after another on its own Python thread (daemon, like the image loader): a window
    closed during a long scan leaves no running QThread behind to abort the process; the worker's signals
    reach the dialog queued, and nothing once the dialog is gone."""

    def __init__(self, library: Library) -> None:
        self.worker = DuplicatesWorker(library)
        self._requests: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="photoclip-duplicates", daemon=True)
        self._thread.start()

    def find(self) -> None:
        self._requests.put((self.worker.find, ()))

    def choose(self, request: int, groups: list[DuplicateGroup], rule: str) -> None:
        self._requests.put((self.worker.choose, (request, groups, rule)))

    def trash(self, choices: list[KeepChoice]) -> None:
        self._requests.put((self.worker.trash, (choices,)))

    def shutdown(self, timeout: float = 60.0) -> bool:
        """A scan stops at its next chunk; a move to the trash finishes (the user asked for it). Requests
        not started are dropped."""
        self.worker.control.cancel()
        self._requests.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _serve(self) -> None:
        while (request := self._requests.get()) is not None:
            if self.worker.control.cancelled:
                continue
            work, args = request
            work(*args)
