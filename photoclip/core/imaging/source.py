"""Open one photo file for hashing and decoding with bounded memory, or say in plain words why not.

Only ordinary files are opened: ``stat`` (which follows links, so a link is judged by its target) must say
"regular file" first, so a named pipe or ``/dev/zero`` behind a link is never opened; the open descriptor is
checked again, so a file swapped for a pipe in between is refused without a read (``O_NONBLOCK``: opening a
pipe does not wait for a writer). Files over MAX_FILE_BYTES are refused from their size alone.

Small files are read whole (one pass: the hash and the decoder see the same bytes, as they always did).
Larger ones are hashed in 1 MB chunks and then decoded from the open file, so memory follows the picture,
not the file: Pillow reads JPEG, PNG, TIFF, BMP and GIF as it decodes (HEIC, WebP and AVIF decoders still
take the whole file, which the size cap bounds).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from photoclip.core.errors import DecodeError
from photoclip.core.scan.file_kinds import not_regular_reason, plain_bytes, read_error_reason, unstatable_reason

#: Files larger than this are not read. The biggest photos people keep are 16-bit TIFFs from medium-format
#: cameras and film scanners (150 MP x 6 bytes = 900 MB uncompressed); camera and phone JPEG, HEIC and raw
#: exports stay far below 200 MB. Past 1 GB a "photo" is a disk image, a video or a sparse file with a
#: photo's name: reading it would take minutes on a network share for a file that cannot be indexed anyway.
MAX_FILE_BYTES = 1_000_000_000
#: Up to this size a file is read whole; larger files are streamed (hashed in chunks, decoded from the file).
IN_MEMORY_BYTES = 64_000_000
_CHUNK = 1 << 20
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


@dataclass(frozen=True)
class PhotoFile:
    content_hash: str
    size: int
    #: the whole file (small files), or the open file (large ones; decode_photo reads it from the start)
    data: bytes | BinaryIO


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def too_large_reason(size: int, limit: int = MAX_FILE_BYTES) -> str:
    return f"too large: {plain_bytes(size)} (photoclip reads photos up to {plain_bytes(limit)})"


@contextmanager
def open_photo(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> Iterator[PhotoFile]:
    """The file's hash and contents, valid inside the ``with`` block. Raises DecodeError with a reason for
    users: not an ordinary file, a broken link, too large, unreadable, not enough memory."""
    path = os.fspath(path)
    try:
        _check(path, os.stat(path), max_bytes)
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise DecodeError(unstatable_reason(path, exc)) from exc
    with os.fdopen(fd, "rb") as handle:
        photo = _read(path, handle, max_bytes)
        yield photo


def _check(path: str, st: os.stat_result, max_bytes: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise DecodeError(not_regular_reason(path, st))
    if st.st_size > max_bytes:
        raise DecodeError(too_large_reason(st.st_size, max_bytes))


def _read(path: str, handle: BinaryIO, max_bytes: int) -> PhotoFile:
    try:
        st = os.fstat(handle.fileno())  # what was opened, not what the path named a moment ago
        _check(path, st, max_bytes)
        if st.st_size <= IN_MEMORY_BYTES:
            data = handle.read(st.st_size + 1)  # read(n) allocates n bytes up front: ask for what is there
            if len(data) <= st.st_size:
                return PhotoFile(content_hash(data), len(data), data)
            del data  # it grew while being read: stream it instead
        return _streamed(handle, max_bytes)
    except MemoryError as exc:
        raise DecodeError("not enough memory to read this file (close other programs and index again)") from exc
    except OSError as exc:
        raise DecodeError(read_error_reason(exc)) from exc


def _streamed(handle: BinaryIO, max_bytes: int) -> PhotoFile:
    handle.seek(0)
    digest = hashlib.blake2b(digest_size=16)
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    total = 0
    while count := handle.readinto(buffer):  # type: ignore[attr-defined]  # binary files have it; BinaryIO omits it
        total += count
        if total > max_bytes:  # it grows while being read (still being written, or endless)
            raise DecodeError(too_large_reason(total, max_bytes))
        digest.update(view[:count])
    handle.seek(0)
    return PhotoFile(digest.hexdigest(), total, handle)
