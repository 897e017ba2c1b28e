"""Colour embedders another process can build by name (the app's indexing process: core/index_process.py),
steered through files, since a test cannot reach an object in that process.

- ``GATE_FILE_ENV=FILE``: ``FileGatedColorEmbedder`` decodes a photo only while FILE holds a number larger
  than the photos it decoded so far (``allow``), so a run stands still exactly where the test wants it.
- ``EMBED_LOG_ENV=FILE``: every image embedded appends its process id as one line (O_APPEND: atomic), so a
  test counts the photos embedded in whichever process did it.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from tests.support.color_embedder import ColorEmbedder

GATE_FILE_ENV = "PHOTOCLIP_TEST_GATE_FILE"
EMBED_LOG_ENV = "PHOTOCLIP_TEST_EMBED_LOG"
GATE_TIMEOUT = 60.0


def allow(gate: Path, photos: int) -> None:
    """Let ``photos`` more photos be decoded (written atomically: the reader never sees half a number)."""
    allowed = int(gate.read_text()) if gate.exists() else 0
    temp = gate.with_suffix(".tmp")
    temp.write_text(str(allowed + photos))
    temp.replace(gate)


def embedded(log: Path) -> list[int]:
    """The process id of every image embedded so far."""
    return [int(line) for line in log.read_text().split()] if log.exists() else []


class LoggingColorEmbedder(ColorEmbedder):
    def embed_prepared(self, batch):
        vectors = super().embed_prepared(batch)
        log = os.environ.get(EMBED_LOG_ENV)
        if log:
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, f"{os.getpid()}\n".encode() * len(batch))
            finally:
                os.close(fd)
        return vectors


class FileGatedColorEmbedder(LoggingColorEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._decoded = 0

    def prepare(self, image):
        gate = os.environ.get(GATE_FILE_ENV)
        if gate:
            with self._lock:  # one decode worker in these tests; the lock keeps the count right anyway
                deadline = time.monotonic() + GATE_TIMEOUT
                while _allowed(Path(gate)) <= self._decoded:
                    if time.monotonic() > deadline:  # a test that forgot to open the gate fails, not hangs
                        raise TimeoutError("the test never allowed this photo to be decoded")
                    time.sleep(0.01)
                self._decoded += 1
        return super().prepare(image)


def _allowed(gate: Path) -> int:
    try:
        return int(gate.read_text() or 0)
    except (OSError, ValueError):
        return 0


class BrokenColorEmbedder(ColorEmbedder):
    """A bug in the model code: every image batch raises."""

    def embed_prepared(self, batch):
        raise RuntimeError("a bug in the model code")
