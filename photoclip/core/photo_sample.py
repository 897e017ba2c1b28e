"""A sample of the library's own photos, prepared as model input: int8 calibration and the quality guard.

Indexed photos first (spread over the library); on a first index nothing is indexed yet, so the folders
being added are walked. Files that cannot be read or decoded are skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from photoclip.core.errors import DecodeError
from photoclip.core.imaging.decode import DEFAULT_MAX_PIXELS, decode_photo
from photoclip.core.imaging.source import open_photo
from photoclip.core.scan.walker import walk
from photoclip.core.store.catalog import Catalog

Prepare = Callable[[Image.Image], np.ndarray]


def library_sample(catalog: Catalog, prepare: Prepare, *, min_side: int, count: int,
                   max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Up to ``count`` prepared photos, stacked (N, ...); N may be 0 for an empty library."""
    prepared: list[np.ndarray] = []
    for path in _candidate_paths(catalog, count):
        try:
            with open_photo(path) as source:  # never opens a pipe or a device; large files are streamed
                photo = decode_photo(source.data, min_side=min_side, max_pixels=max_pixels)
        except (OSError, DecodeError):
            continue
        prepared.append(prepare(photo.image))
        if len(prepared) >= count:
            break
    return np.stack(prepared) if prepared else np.zeros((0, 3, min_side, min_side), dtype=np.float32)


def _candidate_paths(catalog: Catalog, count: int) -> Iterator[str]:
    indexed = catalog.sample_photo_paths(count * 2)  # twice: some may be gone or unreadable
    seen = set(indexed)
    walked = (
        e.path for folder in catalog.folders() if folder.state != "offline" for e in walk(Path(folder.path))
        if e.problem is None and e.path not in seen
    )
    return itertools.chain(indexed, itertools.islice(walked, count * 2))
