"""The live status line of ``photoclip watch``: one rewritten line on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from photoclip.cli.progress import optimising_line
from photoclip.core.events import (
    Event,
    FileFailed,
    IndexFinished,
    IndexProgress,
    IndexWaiting,
    ModelLoading,
    WatchStatus,
    WatchWarning,
)
from photoclip.core.filenames import display

CLEAR_LINE = "\r\x1b[K"


class WatchLine:
    def __init__(self, stream: TextIO = sys.stderr, live: bool | None = None) -> None:
        self.stream = stream
        self.live = stream.isatty() if live is None else live
        self._status: WatchStatus | None = None
        self._progress = ""
        self._last_draw = 0.0
        self._announced = False
        self._lock = threading.Lock()  # events come from the watcher thread, close() from the main thread

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, WatchWarning):
                fix = f" Fix: {event.fix}" if event.fix else ""
                self._print(f"{event.folder or 'watcher'}: {event.message}{fix}")
            elif isinstance(event, FileFailed):
                self._print(f"skipped {display(event.path)}: {event.reason}")
            elif isinstance(event, IndexWaiting):
                self._print(event.message())
            elif isinstance(event, ModelLoading) and event.stage in {"downloading", "loading"}:
                self._print(f"Loading model {event.model}…")
            elif isinstance(event, ModelLoading) and event.stage == "optimising":
                self._print(optimising_line(event))
            elif isinstance(event, IndexFinished) and not self.live:
                self._log_summary(event.summary)
            elif isinstance(event, IndexProgress):
                self._progress = f" {event.done}/{event.total}" if event.total > 1 else ""
                self._draw(throttle=True)
            elif isinstance(event, WatchStatus):
                self._status = event
                if event.state == "watching" and not self._announced:
                    self._announced = True
                    self._print(f"Watching {_folders(event)}. Press Ctrl-C to stop.")
                if event.state != "indexing":
                    self._progress = ""
                self._draw()

    def _log_summary(self, summary: dict) -> None:
        parts = [f"{summary.get(k, 0)} {k}" for k in ("added", "updated", "moved", "removed", "failed")
                 if summary.get(k)]
        if parts:
            self._print("indexed: " + ", ".join(parts))

    def _draw(self, throttle: bool = False) -> None:
        if not self.live or self._status is None:
            return
        now = time.monotonic()
        if throttle and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        s = self._status
        self.stream.write(f"{CLEAR_LINE}{s.state}{self._progress} · {_folders(s)} · {s.pending} pending · "
                          f"{s.processed} processed")
        self.stream.flush()

    def _print(self, line: str) -> None:
        prefix = CLEAR_LINE if self.live else ""
        self.stream.write(f"{prefix}{line}\n")
        self.stream.flush()
        self._draw()

    def close(self) -> None:
        with self._lock:
            if self.live and self._status is not None:
                self.stream.write("\n")
                self.stream.flush()


def _folders(status: WatchStatus) -> str:
    total = status.watched + status.polled + status.offline
    details = [f"{n} {label}" for n, label in ((status.polled, "polled"), (status.offline, "offline")) if n]
    return f"{total} folder{'s' if total != 1 else ''}" + (f" ({', '.join(details)})" if details else "")
