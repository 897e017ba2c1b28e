"""A deterministic embedder for tests of ranking and tagging logic: colours in images ↔ colour words in text.

Each dimension is one named colour. An image's vector is the share of its pixels nearest to each colour; a
text's vector has weight on the colours it names. So "red" really ranks red photos first, with no model.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

from photoclip.core.embed.base import normalize_rows

PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 170, 50),
    "blue": (30, 60, 220),
    "yellow": (240, 220, 40),
    "white": (245, 245, 245),
    "black": (15, 15, 15),
    "orange": (250, 140, 20),
    "purple": (130, 40, 160),
}
NAMES = list(PALETTE)
_COLOURS = np.array([PALETTE[n] for n in NAMES], dtype=np.float32)
# One extra dimension every image has a little of, so words without colours still score (equally).
NEUTRAL = len(NAMES)


class ColorEmbedder:
    model_id = "test/colors@v1"
    dim = len(NAMES) + 1
    input_size = 16

    def __init__(self) -> None:
        self.image_calls = 0
        self.images_embedded = 0
        self.text_calls = 0

    def prepare(self, image: Image.Image) -> np.ndarray:
        small = image.convert("RGB").resize((16, 16), Image.Resampling.BOX)
        return np.asarray(small, dtype=np.float32).reshape(-1, 3)

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        self.image_calls += 1
        self.images_embedded += len(batch)
        out = np.zeros((len(batch), self.dim), np.float32)
        for row, pixels in enumerate(batch):
            nearest = np.argmin(((pixels[:, None, :] - _COLOURS[None]) ** 2).sum(-1), axis=1)
            out[row, : len(NAMES)] = np.bincount(nearest, minlength=len(NAMES)) / len(pixels)
        out[:, NEUTRAL] = 0.1
        return normalize_rows(out)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        self.text_calls += 1
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            words = text.lower().replace(",", " ").split()
            for word in words:
                if word in PALETTE:
                    out[row, NAMES.index(word)] += 1.0
            out[row, NEUTRAL] = 0.1
        return normalize_rows(out)


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
