"""How sharp a photo looks, cheaply: the variance of the Laplacian of its cached thumbnail, relative to the
thumbnail's contrast.

The Laplacian (4-neighbour second difference) is large at edges and fine texture and small where a photo is
blurred or smoothed away, so its variance ranks copies of one scene from crisp to soft (the usual focus
measure, Pech-Pacheco et al. 2000). Divided by the variance of the grey levels, it does not grow when a copy
is only given more contrast (that scales both variances alike). It is measured on the 256-pixel thumbnail
from the thumbnail cache (no decode of the photo; ~1 ms), which copies of one photo have at the same size,
so a resized copy does not look sharper or softer for its pixel count alone; a photo without a cached
thumbnail is decoded small once. It compares copies of one scene, never photos of different scenes (a plain
sky is "soft" however well it is focused).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PIL import Image

from photoclip.core.errors import DecodeError
from photoclip.core.imaging.thumbnails import ThumbnailCache, make_thumbnail

THUMB_SIDE = 256


def laplacian_variance(image: Image.Image) -> float:
    """var(Laplacian) / var(grey levels); 0 for a flat picture (+1 keeps a near-flat one from dividing by ~0)."""
    grey = np.asarray(image.convert("L"), np.float32)
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    lap = (grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4.0 * grey[1:-1, 1:-1])
    return float(lap.var() / (grey.var() + 1.0))


class Sharpness:
    """Sharpness per content hash, measured once (thread-safe; the GUI measures on a worker thread)."""

    def __init__(self, thumbnails: ThumbnailCache) -> None:
        self._thumbnails = thumbnails
        self._known: dict[str, float | None] = {}
        self._lock = threading.Lock()

    def __call__(self, content_hash: str, path: str) -> float | None:
        """None when neither the thumbnail nor the photo can be read (such a photo is never the sharpest)."""
        with self._lock:
            if content_hash in self._known:
                return self._known[content_hash]
        value = self._measure(content_hash, path)
        with self._lock:
            self._known[content_hash] = value
        return value

    def _measure(self, content_hash: str, path: str) -> float | None:
        image = self._thumbnails.load(content_hash)
        if image is None:
            try:
                image = make_thumbnail(Path(path), THUMB_SIDE)
            except DecodeError:
                return None
        image.thumbnail((THUMB_SIDE, THUMB_SIDE))  # a cache of another size: compare like with like
        return laplacian_variance(image)
