"""The folder watcher inside the app. ``Watcher`` (core) notices new, changed, moved and deleted photos on its
own thread; here its indexing calls become jobs on the app's one indexing worker, so the user's pause and
cancel apply to them too and there is still a single writer."""

from __future__ import annotations

from pathlib import Path

from photoclip.core.control import JobControl
from photoclip.core.errors import PhotoclipError
from photoclip.core.records import IndexSummary
from photoclip.gui.workers.indexing import IndexingService, IndexJob


class WatchProblem(PhotoclipError):
    """A watcher warning worth a banner (events lost, watch limit reached), with its fix as the hint."""


class RoutedIndexing:
    """The watcher's indexing (``Library.watcher(indexer=...)``) as jobs that wait for the app's indexing
    thread to run them."""

    def __init__(self, indexing: IndexingService) -> None:
        self._indexing = indexing

    def index_folders(self, paths: list[Path | str] | None = None, control: JobControl | None = None) -> IndexSummary:
        job = IndexJob("index", [str(p) for p in paths] if paths else None, origin="watcher")
        return self._indexing.run_and_wait(job, control)

    def index_paths(self, paths: list[str], control: JobControl | None = None) -> IndexSummary:
        return self._indexing.run_and_wait(IndexJob("paths", list(paths), origin="watcher"), control)
