"""The tagging worker: label runs, slider counts, the review queue, tags and albums on one lane of their own
(workers/lane.py).

Everything the tagging API does is SQLite or numpy work (and the model, for prompts it has not seen), so none
of it may run on the GUI thread. Callers submit a function of a ``TagContext`` with a callback; results come
back as queued signals and the callback runs on the GUI thread. A request may carry a *key*: a newer request
with the same key supersedes it (skipped if it has not started, its answer dropped if it has), which is what
keeps a dragged slider from queueing a hundred counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from photoclip.core.errors import PhotoclipError
from photoclip.core.library import Library
from photoclip.core.tagging import Albums, Tagger
from photoclip.gui.workers.lane import Lane


@dataclass(frozen=True)
class TagContext:
    library: Library
    tagger: Tagger
    albums: Albums


class TaggingService(QObject):
    """GUI side of the tagging lane. ``failed`` carries errors of requests submitted without ``on_error``."""

    finished = Signal(str)  # the request's ``what``, after its callback ran (tests wait on it)
    failed = Signal(object)  # PhotoclipError
    crashed = Signal(str, object)  # what, Exception

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = TagContext(library, library.tags, library.albums)
        self._lane = Lane("tagging", self)
        self._lane.finished.connect(self.finished)

    @property
    def busy(self) -> bool:
        return self._lane.busy

    def submit(self, what: str, fn: Callable[[TagContext], Any], on_done: Callable[[Any], None] | None = None,
               *, key: str | None = None, on_error: Callable[[PhotoclipError], None] | None = None) -> int:
        context = self._context
        return self._lane.submit(what, lambda: fn(context), on_done, key=key,
                                 on_failed=on_error or self.failed.emit,
                                 on_crash=lambda exc: self.crashed.emit(what, exc))  # reported even when stale

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        return self._lane.shutdown(timeout_ms)  # skips whatever is still queued
