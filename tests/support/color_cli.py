"""The real ``photoclip`` command with the colour test embedder (no CLIP model on test machines), for tests
that run it as separate processes: ``python -m tests.support.color_cli index FOLDER --json``.

Two environment variables (not PHOTOCLIP_*: those are settings) make runs of several processes measurable:

- ``COLOR_CLI_EMBED_LOG=FILE``: every image the model embeds appends one line to FILE (O_APPEND writes
  of a line are atomic), so a test counts how often photos were embedded across all processes.
- ``COLOR_CLI_BARRIER=DIR:N``: the first photo a process decodes waits until N processes got there, so
  their runs overlap for certain instead of by luck of timing (decoding runs outside the writer lock).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

from tests.support.color_embedder import ColorEmbedder

BARRIER_TIMEOUT = 60.0


class CountingColorEmbedder(ColorEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self._log = os.environ.get("COLOR_CLI_EMBED_LOG")
        barrier = os.environ.get("COLOR_CLI_BARRIER")
        self._barrier = (Path(barrier.rsplit(":", 1)[0]), int(barrier.rsplit(":", 1)[1])) if barrier else None
        self._barrier_lock = threading.Lock()

    def prepare(self, image):
        if self._barrier is not None:
            with self._barrier_lock:
                if self._barrier is not None:
                    _arrive(*self._barrier)
                    self._barrier = None
        return super().prepare(image)

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        vectors = super().embed_prepared(batch)
        if self._log:
            fd = os.open(self._log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, f"{os.getpid()}\n".encode() * len(batch))
            finally:
                os.close(fd)
        return vectors


def _arrive(folder: Path, parties: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / str(os.getpid())).touch()
    deadline = time.monotonic() + BARRIER_TIMEOUT
    while len(list(folder.iterdir())) < parties and time.monotonic() < deadline:
        time.sleep(0.01)


def main() -> int:
    from photoclip.cli.main import main as cli_main
    from photoclip.core.library import Library

    real_open = Library.open.__func__
    Library.open = classmethod(lambda cls, settings=None, embedder=None:
                               real_open(cls, settings, embedder=CountingColorEmbedder()))
    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
