"""What a decode worker does for one file: read, hash, decode, thumbnail, prepare model input.

The same function runs in the pipeline's decode threads and in its decode processes, so both give the same
bytes. For processes everything here is picklable and light to import (no torch, no catalog): a spawned
worker imports this module, gets the job settings and the known hashes once (``init_process``), lowers its
priority so the desktop stays responsive, then decodes paths it is sent.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from photoclip.core.embed.preprocess import PreprocessConfig
from photoclip.core.errors import DecodeError
from photoclip.core.imaging.decode import NOT_ENOUGH_MEMORY, decode_photo
from photoclip.core.imaging.source import content_hash as content_hash
from photoclip.core.imaging.source import open_photo
from photoclip.core.imaging.thumbnails import ThumbnailCache
from photoclip.core.quiet import quiet_library_warnings

#: Niceness added in decode processes (the model thread keeps normal priority: it is the bottleneck).
WORKER_NICENESS = 10


@dataclass(frozen=True)
class DecodeJob:
    min_side: int
    max_pixels: int
    thumbnails_root: Path
    #: None: the embedder's ``prepare`` is called by the caller (thread path with a custom embedder)
    preprocess: PreprocessConfig | None = None


@dataclass
class DecodeOutcome:
    content_hash: str | None
    prepared: np.ndarray | None = None
    width: int | None = None
    height: int | None = None
    taken_at: str | None = None
    camera: str | None = None
    error: str | None = None
    #: a problem that did not stop indexing (the thumbnail could not be cached), kept on the photo's row
    note: str | None = None
    #: CPU ms this file cost its worker (what the pipeline's balancer sizes the decode workers by)
    cpu_ms: float = 0.0


def decode_file(path: str, job: DecodeJob, known: set[str] | frozenset[str], prepare=None) -> DecodeOutcome:
    """Everything the model owner needs about one file; a known hash skips decoding (its vector is stored).

    Never raises for one file: whatever goes wrong (not an ordinary file, too large, unreadable, damaged, out
    of memory, a decoder bug) becomes that file's ``error``, and the run goes on.
    """
    digest = None
    started = time.thread_time()
    try:
        with open_photo(path) as source:  # regular files only, size-capped, large ones streamed
            digest = source.content_hash
            if digest in known:
                return DecodeOutcome(digest)  # copy, move or unchanged content: reuse the stored vector
            photo = decode_photo(source.data, min_side=job.min_side, max_pixels=job.max_pixels,
                                 name=Path(path).name)
        prepared = (prepare or job.preprocess)(photo.image)
    except DecodeError as exc:
        return DecodeOutcome(digest, error=exc.reason)
    except MemoryError:
        return DecodeOutcome(digest, error=NOT_ENOUGH_MEMORY)
    except Exception as exc:  # a decoder bug on one file must not stop the library
        detail = " ".join(str(exc).split())[:120]
        return DecodeOutcome(digest, error=f"could not decode this photo ({type(exc).__name__}: {detail})")
    # the grid makes a missing thumbnail again: never fail indexing over the cache, but say why it is missing
    note = None
    try:
        cache = ThumbnailCache(job.thumbnails_root)
        if not cache.has(digest):  # a catalog pass (or a copy) made it already: same content, same picture
            cache.save(digest, photo.thumbnail)
    except Exception as exc:
        note = f"indexed, but its thumbnail could not be saved: {getattr(exc, 'strerror', None) or exc}"
    return DecodeOutcome(digest, prepared, photo.width, photo.height, photo.taken_at, photo.camera, note=note,
                         cpu_ms=(time.thread_time() - started) * 1000)


# --- process workers ---------------------------------------------------------------------------------------

_job: DecodeJob | None = None
_known: frozenset[str] = frozenset()


def init_process(job: DecodeJob, known: frozenset[str]) -> None:
    """Pool initializer: keep the job and the hashes known at the start; run at low priority, quietly."""
    global _job, _known
    _job, _known = job, known
    quiet_library_warnings()  # a spawned process starts with default filters: Pillow's warnings would print
    with contextlib.suppress(OSError, AttributeError):  # os.nice is POSIX-only
        os.nice(WORKER_NICENESS)


def decode_in_process(path: str) -> DecodeOutcome:
    assert _job is not None, "init_process did not run"
    return decode_file(path, _job, _known)
