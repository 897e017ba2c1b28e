"""``test:colors``: a deterministic built-in *test* model, colours in images ↔ colour words in text.

Selected with ``PHOTOCLIP_MODEL=test:colors`` (or the library's recorded model): no torch, no model files, no
download, so CLI tests, demos and screenshots run anywhere. It is not an image model: each dimension is one
named colour, an image's vector is the share of its pixels nearest to each colour and a text's vector weighs
the colours it names. So "red" really ranks red photos first. Wherever it shows (status, About, the model
list, the app's status bar) it is named a test model (``model_label``).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from photoclip.core.embed.base import normalize_rows

#: What PHOTOCLIP_MODEL names it.
SPEC = "test:colors"
#: The vector space's id (stored with each vector; the ``test/`` prefix says what it is in any listing).
MODEL_ID = "test/colors@v1"
#: What follows its name wherever people see it.
NOTE = "test model: ranks photos by colour only, not a real image model"
#: How people see it named by its spec.
LABEL = f"{SPEC} ({NOTE})"
#: Every built-in test model, by the value PHOTOCLIP_MODEL takes.
TEST_MODELS = (SPEC,)

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


def is_test_spec(spec: str | None) -> bool:
    """True when a model spec (what PHOTOCLIP_MODEL or the library records) selects a built-in test model."""
    return spec in TEST_MODELS


def is_test_model(name: str | None) -> bool:
    """True for the built-in test model, named by its spec (``test:colors``) or its model id."""
    return bool(name) and (name in TEST_MODELS or str(name).split("@", 1)[0] == MODEL_ID.split("@", 1)[0])


def model_label(name: str) -> str:
    """A model's name (spec or id) as people see it: the test model's says it is one; others are unchanged."""
    return f"{name} ({NOTE})" if is_test_model(name) else name


class ColorEmbedder:
    model_id = MODEL_ID
    dim = len(NAMES) + 1
    input_size = 16
    backend = "test"
    device = "cpu"

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
            for word in text.lower().replace(",", " ").split():
                if word in PALETTE:
                    out[row, NAMES.index(word)] += 1.0
            out[row, NEUTRAL] = 0.1
        return normalize_rows(out)
