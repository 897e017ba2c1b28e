"""Turns core events into terminal output: a progress bar on a terminal, nothing in --json mode."""

from __future__ import annotations

import sys
from typing import TextIO

from photoclip.core.events import Event, FileFailed, IndexProgress, IndexWaiting, ModelLoading, ScanFinished


class TerminalProgress:
    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None, notices: bool = True) -> None:
        stream = stream or sys.stderr  # looked up per call: sys.stderr may be replaced (tests, GUI)
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        #: lines a user must see even without a terminal (why a run stands still), off for --json
        self.notices = notices
        self._bar = None
        self._failed: list[FileFailed] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, FileFailed):
            self._failed.append(event)
        if isinstance(event, IndexWaiting) and self.notices:
            if self._bar is not None:
                self._bar.write(event.message(), file=self.stream)
            else:
                self._write(event.message())
        if not self.enabled:
            return
        if isinstance(event, ModelLoading) and event.stage in {"downloading", "loading"}:
            self._write(f"Loading model {event.model}…")
        elif isinstance(event, ModelLoading) and event.stage == "optimising":
            self._write(optimising_line(event))
        elif isinstance(event, ScanFinished):
            self._write(f"Found {event.total_files} photos: {event.unchanged} unchanged, {event.to_process} to read.")
            self._open_bar(event.to_process)
        elif isinstance(event, IndexProgress) and self._bar is not None:
            self._bar.n = event.done
            self._bar.set_postfix_str(f"embedded {event.embedded}, failed {event.failed}", refresh=False)
            self._bar.refresh()

    def _open_bar(self, total: int) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit="photo", file=self.stream, dynamic_ncols=True, leave=True)

    def _write(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    @property
    def failures(self) -> list[FileFailed]:
        return self._failed


def optimising_line(event: ModelLoading) -> str:
    """'Optimising the model for this computer (once): quantising it to int8 on your photos… [40%]'"""
    done = f" [{event.fraction:.0%}]" if event.fraction is not None else ""
    return f"Optimising the model for this computer (once): {event.detail}…{done}"
