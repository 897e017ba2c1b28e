"""The colour test embedder for tests of ranking and tagging logic, and variants tests need.

The embedder itself is the built-in test model ``test:colors`` (photoclip/core/embed/color_test_model.py), so a
real ``photoclip`` process selects it with ``PHOTOCLIP_MODEL=test:colors``; in-process tests inject it.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

from photoclip.core.embed.color_test_model import NAMES, NEUTRAL, PALETTE, ColorEmbedder

__all__ = ["NAMES", "NEUTRAL", "PALETTE", "ColorEmbedder", "GatedColorEmbedder", "WideColorEmbedder"]


class GatedColorEmbedder(ColorEmbedder):
    """Decodes a photo only when the test allows it, so indexing stands still exactly where a test wants it
    (no timing guesses). The gate sits in decoding, outside the model lock, so queries still run meanwhile.
    Use one decode worker (``gated_settings``): with two, a later file can take a permit while the run waits
    for an earlier one, and the run stalls short of what the test allowed."""

    def __init__(self) -> None:
        super().__init__()
        self._gate = threading.Semaphore(0)

    def allow(self, photos: int) -> None:
        self._gate.release(photos)

    def prepare(self, image: Image.Image) -> np.ndarray:
        if not self._gate.acquire(timeout=60):  # a test that forgot to open the gate fails instead of hanging
            raise TimeoutError("the test never allowed this photo to be decoded")
        return super().prepare(image)


class WideColorEmbedder(ColorEmbedder):
    """The colour space padded to CLIP ViT-B/32's 512 dimensions: rows the size real vectors have."""

    model_id = "test/colors-512@v1"
    dim = 512

    def embed_prepared(self, batch):
        return self._wide(super().embed_prepared(batch))

    def embed_texts(self, texts):
        return self._wide(super().embed_texts(texts))

    def _wide(self, vectors):
        return np.pad(vectors, ((0, 0), (0, self.dim - vectors.shape[1])))
