"""The first run's OpenVINO conversion, int8 calibration, quality guard and speed race, in a child process.

Why a process, not a thread of the indexing one (``background_upgrade``): converting loads a second, fp32
torch copy of the model beside the one indexing runs on, and calibrating holds the fp32 IR, NNCF's statistics
and the int8 model besides; in the indexing process that raised the first run's peak from 2.3 to 3.0 GB
(CLIP B/32-256) and from 4.0 to 4.8 GB (SigLIP 2), and the memory stayed with the process (docs/benchmarks.md).
A child that exits gives all of it back. The parent then loads the kept int8 model from the cache.

It runs at the command's own priority, not below it: a nice +10 thread let the photos be indexed first, but once
they were, the command waited for work the scheduler gave ~1% of the CPU whenever other programs were busy
(13.5 min against 7.7 for the whole first run before, at load 11-15: docs/benchmarks.md). The user waits for
the command to end, so that is what counts; the photos still come 4-5x sooner than before, when the
conversion went first.

Over a ``multiprocessing`` pipe (spawn: it works where the app is frozen, as the app's indexing process does):
the parent sends nothing but the start arguments (the library's sample photos among them); the child sends
``("step", detail, fraction)`` for each one-off step, then ``("done", meta, winner)``: the guard's record for
the library's ``meta`` table (the child holds no library) and the race's winner ("torch", "openvino-int8",
or None when int8 did not pass). Its death without "done" is an ``UpgradeFailedError``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


class UpgradeFailedError(RuntimeError):
    """The child ended without an outcome (an error in it, a crash, killed); the message says how."""


@dataclass
class Outcome:
    #: the library ``meta`` rows the child's quality guard wrote (key -> JSON)
    meta: dict[str, str] = field(default_factory=dict)
    #: "openvino-int8" when int8 passed the guard and won the race (or had won it here before), "torch" when it
    #: passed and lost, None when it did not pass (or could not be checked)
    winner: str | None = None


@dataclass
class _Start:
    folder: str
    model_id: str
    cache_root: str
    threads: int | None
    photos: np.ndarray
    #: the library's stored verdict on int8 (``quality_guard.meta_key``), so the child decides as the library
    meta: dict[str, str]
    library_photos: int
    #: the race's recorded winner, if any (it is not run again when int8 is that winner)
    winner: str | None
    parent_pid: int


def run_in_child(req: Any, photos: np.ndarray, winner: str | None) -> Outcome:
    """Convert, calibrate, guard and race ``req``'s model in a child process; block until it ended.
    ``req.progress`` hears its steps. Raises ``UpgradeFailedError`` when it ended without an outcome."""
    import multiprocessing

    from photoclip.core.embed import quality_guard as guard

    key = guard.meta_key(req.model_id, "openvino-int8")
    stored = req.store.get_meta(key) if req.store is not None else None
    library_photos = req.library_photos() if req.library_photos is not None else 0
    start = _Start(str(req.folder), req.model_id, str(req.cache_root), req.threads, photos,
                   {key: stored} if stored is not None else {}, library_photos, winner, os.getpid())
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=child_main, args=(theirs, start), name="photoclip-optimise", daemon=True)
    process.start()
    theirs.close()  # only the child holds its end: its death reads as the end of the connection
    del start, photos
    try:
        return _receive(ours, req)
    except (EOFError, OSError):
        process.join(30)
        raise UpgradeFailedError(f"the optimising process ended without a result (exit code {process.exitcode})"
                                 ) from None
    finally:
        ours.close()
        process.join(30)
        if process.is_alive():
            process.kill()


def _receive(conn: Any, req: Any) -> Outcome:
    while True:
        message = conn.recv()
        if message[0] == "step":
            if req.progress is not None:
                req.progress(message[1], message[2])
        elif message[0] == "failed":
            raise UpgradeFailedError(message[1])
        else:
            return Outcome(meta=message[1], winner=message[2])


# --- the child ---------------------------------------------------------------------------------------------


def child_main(conn: Any, start: _Start) -> None:
    """The child's body: the same steps ``backend_choice`` runs in the foreground, on the photos it was given."""
    _die_with_parent(start.parent_pid)
    try:
        conn.send(("done", *_upgrade(conn, start)))
    except BaseException as exc:  # told to the parent, which stays on torch; the next run tries again
        log.debug("optimising failed", exc_info=True)
        with contextlib.suppress(OSError):
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        raise SystemExit(1) from None
    finally:
        conn.close()


class _Meta:
    """The library's ``meta`` table for the child: what it was given, and what the guard writes."""

    def __init__(self, given: dict[str, str]) -> None:
        self.given, self.written = dict(given), {}

    def get_meta(self, key: str) -> str | None:
        return self.written.get(key, self.given.get(key))

    def set_meta(self, key: str, value: str) -> None:
        self.written[key] = value


def _upgrade(conn: Any, start: _Start) -> tuple[dict[str, str], str | None]:
    from photoclip.core.embed import backend_choice as choice
    from photoclip.core.embed.openvino_ir import release_freed_memory

    photos = start.photos
    sample_step = choice.STEPS["sample"]  # the parent read the photos: not a step here

    def progress(detail: str, fraction: float) -> None:
        if detail != sample_step:
            conn.send(("step", detail, fraction))

    store = _Meta(start.meta)
    req = choice.LoadRequest(Path(start.folder), start.model_id, "auto", "cpu", start.threads,
                             Path(start.cache_root), sample=lambda _prepare, _side, _count: photos, store=store,
                             progress=progress, library_photos=lambda: start.library_photos)
    openvino = choice._guarded_int8(req, fallback=lambda _req: None)
    if openvino is None:
        return store.written, None
    if start.winner == openvino.backend:
        return store.written, start.winner
    release_freed_memory()  # the guard's fp32 reference, before torch loads for the race
    best = choice._race(req, choice._torch(req, "auto"), openvino)
    return store.written, best.backend if best is openvino else "torch"


def _die_with_parent(parent_pid: int) -> None:
    """On Linux the kernel kills the child when the indexing process ends, however it ends."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:  # it ended before the line above took effect
        os._exit(0)
