"""Products over a matrix of vectors too large to copy: in row blocks, letting a memory-mapped matrix's pages go
after each block. Calibrated scores, tag suggestions, smart albums and search's cutoff all score the library's
vectors this way (the matrix is often ``tagging/matrix_cache.py``'s mapped file)."""

from __future__ import annotations

import mmap

import numpy as np

#: rows multiplied per step of ``product`` before their pages are let go (64 MB of 512-d vectors)
PRODUCT_ROWS = 32_768


def product(matrix: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``matrix @ other`` in row blocks; a mapped matrix's pages are let go after each block, so a pass over a
    million vectors leaves ~64 MB of them in the process (the page cache keeps them for the next pass) instead
    of all 2 GB counted in its memory."""
    other = np.asarray(other, np.float32)
    out = np.empty((len(matrix), *other.shape[1:]), np.float32)
    for start in range(0, len(matrix), PRODUCT_ROWS):
        end = min(start + PRODUCT_ROWS, len(matrix))
        out[start:end] = matrix[start:end] @ other
        release(matrix, start, end)
    return out


def release(matrix: np.ndarray, start: int, end: int) -> None:
    """Drop rows [start, end) of a mapped matrix from this process (whole pages only); the next read maps them
    again from the page cache. Nothing for an array in memory."""
    mapping = matrix.base
    while mapping is not None and not isinstance(mapping, mmap.mmap):
        mapping = getattr(mapping, "base", None) if not isinstance(mapping, memoryview) else mapping.obj
    if mapping is None or not hasattr(mapping, "madvise"):
        return
    page = mmap.PAGESIZE
    row = matrix.strides[0]
    low, high = -(-start * row // page) * page, end * row // page * page
    if high > low:
        mapping.madvise(mmap.MADV_DONTNEED, low, high - low)
