"""Start-up order: the library view's first photos before the background work.

At start the window reads the library's timeline, and the app wants to warm the tags' vectors and start
watching (whose catch-up rescan walks every folder in the indexing process). Run together on two cores they
took turns with the timeline: at a million photos the first grid rows came 5.9 s after start instead of ~1 s
(benchmarks/million.py). ``FirstView`` holds that work until the view has its timeline (or failed, or there is
nothing to show), and at most ``wait_ms`` so a slow disk never leaves the library unwatched."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

#: the longest the background work waits for the first view (the timeline of 1M photos: ~0.6 s unloaded)
FIRST_VIEW_WAIT_MS = 4_000


class FirstView(QObject):
    def __init__(self, wait_ms: int = FIRST_VIEW_WAIT_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waiting: list[Callable[[], object]] = []
        self._open = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.open)
        self._timer.start(wait_ms)

    @property
    def is_open(self) -> bool:
        return self._open

    def then(self, work: Callable[[], object]) -> None:
        """Run ``work`` on the GUI thread once the first view is on screen (at once, queued, when it is)."""
        if self._open:
            QTimer.singleShot(0, work)
        else:
            self._waiting.append(work)

    def open(self) -> None:
        """The first view is on screen (or will not be): run what waited, in the order it was asked for."""
        if self._open:
            return
        self._open = True
        self._timer.stop()
        waiting, self._waiting = self._waiting, []
        for work in waiting:
            QTimer.singleShot(0, work)
