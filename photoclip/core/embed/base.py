"""The Embedder protocol: what the pipeline, search and tagging need from a model.

Image embedding is split in two so the expensive pixel work runs in the decode pool, off the model's thread:
``prepare`` (any thread, numpy only) turns a decoded RGB image into the model's input array, and
``embed_prepared`` (the model owner's thread) turns a batch of those arrays into vectors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image


@runtime_checkable
class Embedder(Protocol):
    #: Stable id of the vector space (model + weights). Vectors are stored under it; a change re-embeds.
    model_id: str
    #: Length of the vectors.
    dim: int
    #: Smallest edge (pixels) the model input needs; the decoder never decodes smaller than this.
    input_size: int

    def prepare(self, image: Image.Image) -> np.ndarray:
        """RGB image -> float32 model input (e.g. 3x224x224). Thread-safe, no torch needed."""
        ...

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        """(N, ...) stacked ``prepare`` outputs -> (N, dim) float32, L2-normalised rows."""
        ...

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Texts -> (N, dim) float32, L2-normalised rows."""
        ...


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise each row; all-zero rows stay zero instead of becoming NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalised: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return normalised


#: texts embedded per model call
TEXT_CHUNK = 64


def embed_texts_by_length(texts: list[str] | str, dim: int, chunk: int,
                          embed_chunk: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Texts -> (N, dim) float32 rows in input order, ``embed_chunk`` called on ``chunk`` texts at a time.

    Similar lengths share a chunk, so padding each chunk to its longest prompt (never to 77) wastes little.
    """
    if isinstance(texts, str):
        texts = [texts]
    out = np.zeros((len(texts), dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), chunk):
        idx = order[start : start + chunk]
        out[idx] = embed_chunk([texts[i] for i in idx])
    return out
