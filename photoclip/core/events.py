"""Progress events the core emits. The CLI draws them as a progress bar, the GUI turns them into signals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


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
    #: "resolving", "downloading", "loading", "ready"
    stage: str
    detail: str = ""


@dataclass(frozen=True)
class IndexFinished:
    summary: dict = field(default_factory=dict)


Event = ScanFinished | IndexProgress | FileFailed | ModelLoading | IndexFinished
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
