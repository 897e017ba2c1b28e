"""What a decode worker does for one file: read, hash, decode, thumbnail, prepare model input.

The same function runs in the pipeline's decode threads and in its decode processes, so both give the same
bytes. For processes everything here is picklable and light to import (no torch, no catalog): a spawned
worker imports this module, gets the job settings and the known hashes once (``init_process``), lowers its
priority so the desktop stays responsive, then decodes paths it is sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from photoclip.core.embed.preprocess import PreprocessConfig
from photoclip.core.errors import DecodeError
from photoclip.core.imaging.decode import decode_photo
from photoclip.core.imaging.thumbnails import ThumbnailCache

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


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def decode_file(path: str, job: DecodeJob, known: set[str] | frozenset[str], prepare=None) -> DecodeOutcome:
    """Everything the model owner needs about one file; a known hash skips decoding (its vector is stored)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return DecodeOutcome(None, error=f"cannot read file: {exc.strerror or exc}")
    digest = content_hash(data)
    if digest in known:
        return DecodeOutcome(digest)  # copy, move or unchanged content: reuse the stored vector
    prepare = prepare or job.preprocess
    try:
        photo = decode_photo(data, min_side=job.min_side, max_pixels=job.max_pixels, name=Path(path).name)
        prepared = prepare(photo.image)
    except DecodeError as exc:
        return DecodeOutcome(digest, error=exc.reason)
    except Exception as exc:  # a decoder bug on one file must not stop the library
        return DecodeOutcome(digest, error=f"could not decode: {type(exc).__name__}: {exc}")
    # the grid makes a missing thumbnail again: never fail indexing over the cache, but say why it is missing
    note = None
    try:
        ThumbnailCache(job.thumbnails_root).save(digest, photo.thumbnail)
    except Exception as exc:
        note = f"indexed, but its thumbnail could not be saved: {getattr(exc, 'strerror', None) or exc}"
    return DecodeOutcome(digest, prepared, photo.width, photo.height, photo.taken_at, photo.camera, note=note)


# --- process workers ---------------------------------------------------------------------------------------

_job: DecodeJob | None = None
_known: frozenset[str] = frozenset()


def init_process(job: DecodeJob, known: frozenset[str]) -> None:
    """Pool initializer: keep the job and the hashes known at the start; run at low priority."""
    global _job, _known
    _job, _known = job, known
    with contextlib.suppress(OSError, AttributeError):  # os.nice is POSIX-only
        os.nice(WORKER_NICENESS)


def decode_in_process(path: str) -> DecodeOutcome:
    assert _job is not None, "init_process did not run"
    return decode_file(path, _job, _known)
