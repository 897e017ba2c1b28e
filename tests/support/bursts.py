"""Real near-duplicates for tests: one synthetic scene saved the ways copies of a photo arise.

A scene is a background in one palette colour with soft blobs of two others, grain and blur. Its copies are
the scene resized, re-compressed, slightly cropped, brightened, the next frame of a burst (the blobs moved a
little) and a blurred one. With the deterministic colour embedder (tests/support/color_embedder.py) copies of
one scene land at cosine >= 0.99 and scenes of different colour mixes far below 0.5 (measured:
tests/integration/test_duplicates.py). "The same scene" means "the same colour mix" to that embedder, so
each scene of a test gets its own mix.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from tests.support.color_embedder import PALETTE
from tests.support.images import make_exif

#: colour mixes far apart for the colour embedder (background first)
MIXES = (("blue", "white", "green"), ("red", "yellow", "black"), ("green", "orange", "purple"),
         ("white", "purple", "red"), ("yellow", "blue", "black"), ("orange", "green", "white"))
COPIES = ("original", "resized", "recompressed", "cropped", "brighter", "next-frame")


def scene(mix: tuple[str, ...], seed: int, size: tuple[int, int] = (960, 720), shift: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = size
    image = Image.new("RGB", size, PALETTE[mix[0]])
    draw = ImageDraw.Draw(image)
    for colour in mix[1:]:
        for _ in range(2):
            cx, cy = rng.uniform(0.2, 0.8) * w + shift, rng.uniform(0.2, 0.8) * h + shift // 2
            r = rng.uniform(0.1, 0.18) * min(w, h)
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=PALETTE[colour])
    image = image.filter(ImageFilter.GaussianBlur(2))
    grain = np.random.default_rng(seed + 1000 + shift).normal(0, 4, (h, w, 3))
    return Image.fromarray((np.asarray(image, np.float32) + grain).clip(0, 255).astype(np.uint8))


def copy_of(image: Image.Image, how: str, mix: tuple[str, ...], seed: int) -> tuple[Image.Image, int]:
    """(pixels, JPEG quality) of one kind of copy."""
    w, h = image.size
    if how == "resized":
        return image.resize((w // 2, h // 2), Image.Resampling.LANCZOS), 90
    if how == "recompressed":
        return image, 55
    if how == "cropped":
        return image.crop((int(w * 0.04), int(h * 0.04), int(w * 0.96), int(h * 0.96))), 90
    if how == "brighter":
        return ImageEnhance.Brightness(image).enhance(1.12), 90
    if how == "next-frame":
        return scene(mix, seed, image.size, shift=6), 92
    if how == "blurred":
        return image.filter(ImageFilter.GaussianBlur(6)), 92
    if how == "enlarged":  # upscaled by an editor: more pixels, softer
        return image.resize((w * 3 // 2, h * 3 // 2), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(4)), 92
    return image, 92


def write_burst(folder: Path, name: str, mix: tuple[str, ...], seed: int,
                copies: tuple[str, ...] = COPIES, taken: str = "2024:06:01 10:00") -> dict[str, Path]:
    """One scene's copies as JPEGs ``<name>-<copy>.jpg`` with EXIF dates a second apart (the original
    first); returns {copy: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    base = scene(mix, seed)
    paths = {}
    for second, how in enumerate(copies):
        pixels, quality = copy_of(base, how, mix, seed)
        buffer = io.BytesIO()
        pixels.save(buffer, "JPEG", quality=quality, exif=make_exif(taken_at=f"{taken}:{second:02d}").tobytes())
        path = folder / f"{name}-{how}.jpg"
        path.write_bytes(buffer.getvalue())
        paths[how] = path
    return paths
