"""Pause / resume / cancel for long jobs, checked by the pipeline between files and batches."""

from __future__ import annotations

import threading


class JobControl:
    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._cancelled = threading.Event()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._cancelled.set()
        self._running.set()  # wake a paused job so it can see the cancel

    @property
    def cancel_event(self) -> threading.Event:
        """For APIs that take an Event (e.g. a download's cancel flag)."""
        return self._cancelled

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def wait_if_paused(self, timeout: float | None = None) -> bool:
        """Block while paused; returns False if cancelled."""
        self._running.wait(timeout)
        return not self.cancelled
