"""Progress events the core emits. The CLI draws them as a progress bar, the GUI turns them into signals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ScanFinished:
    """The walk of the folders is done; ``to_process`` files need reading (new or changed)."""

    total_files: int
    to_process: int
    unchanged: int


@dataclass(frozen=True)
class IndexProgress:
    done: int
    total: int
    embedded: int
    reused: int
    failed: int
    #: photos per second over the run so far
    rate: float
    #: seconds left at the current rate, None until known
    eta: float | None
    paused: bool = False


@dataclass(frozen=True)
class FileFailed:
    path: str
    reason: str


@dataclass(frozen=True)
class ModelLoading:
    model: str
    #: "resolving", "downloading", "loading", "optimising" (first load of a model on OpenVINO: converting,
    #: quantising, checking, measuring; once per model), "ready"
    stage: str
    detail: str = ""
    #: share of the stage done, 0..1, when known (the optimising steps)
    fraction: float | None = None


@dataclass(frozen=True)
class ModelSwitched:
    """The library now runs another model (``Library.switch_model`` finished)."""

    spec: str
    model_id: str


@dataclass(frozen=True)
class IndexWaiting:
    """An index job waits for another one writing to the same library (the app, ``watch``, another
    ``photoclip index``: they take turns batch by batch) or for a space cleanup to finish."""

    #: who holds the library: "process 1234", or "another process" when unknown
    holder: str
    #: "indexing" (another job's batch) or "cleanup" (reclaiming space)
    reason: str = "indexing"

    def message(self) -> str:
        if self.reason == "cleanup":
            return f"Waiting for a space cleanup ({self.holder}) to finish…"
        return f"Another photoclip ({self.holder}) is indexing this library too: the two take turns, batch by batch."


@dataclass(frozen=True)
class IndexFinished:
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WatchStatus:
    """The folder watcher's state: emitted when it changes (the CLI status line, the GUI status bar)."""

    #: "starting", "scanning", "watching", "indexing", "stopped"
    state: str
    watched: int = 0
    polled: int = 0
    offline: int = 0
    #: files waiting to settle or to be indexed
    pending: int = 0
    #: files indexed, updated, moved or removed since the watcher started
    processed: int = 0


@dataclass(frozen=True)
class WatchWarning:
    """Something the user should know about a watched folder, with the fix where there is one."""

    folder: str
    #: "overflow", "watch_limit", "watch_failed", "offline", "online", "error"
    reason: str
    message: str
    fix: str = ""


@dataclass(frozen=True)
class ReclaimProgress:
    """Reclaiming space (``core/reclaim.py``): ``done`` of ``total`` in the current stage."""

    #: "orphans" (deleting vectors no photo holds), "old models", "index" (updating HNSW files), "vacuum"
    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class DuplicateScanProgress:
    """Looking for near-duplicates (``core/duplicates``): nearest neighbours of ``done`` of ``total`` vectors."""

    done: int
    total: int


Event = (ScanFinished | IndexProgress | FileFailed | ModelLoading | IndexWaiting | IndexFinished | WatchStatus
         | WatchWarning | ReclaimProgress | DuplicateScanProgress | ModelSwitched)
Listener = Callable[[Event], None]


class EventBus:
    """Synchronous fan-out. Listeners run on the emitting thread and must be quick (the GUI re-queues)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: Event) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)
