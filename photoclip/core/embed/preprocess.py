"""Image preprocessing of the CLIP family in numpy + PIL only (it runs in decode threads, never importing torch).

It replicates transformers' PIL image processors step for step, so vectors match the reference to float
precision. ``CLIPImageProcessor`` (CLIP, AltCLIP): convert to RGB (alpha composited on white) → resize the
shortest edge with PIL bicubic, the long edge truncated like ``get_resize_output_image_size`` → center crop with
floor offsets, zero padding when the image is smaller than the crop → rescale in float64 then cast to float32 →
normalise in float32. ``SiglipImageProcessor``: the same, but resized to an exact height x width (aspect ratio
not kept) and not cropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

#: OpenAI CLIP's normalisation constants (transformers' OPENAI_CLIP_MEAN / OPENAI_CLIP_STD).
CLIP_MEAN: tuple[float, float, float] = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD: tuple[float, float, float] = (0.26862954, 0.26130258, 0.27577711)
BICUBIC = Image.Resampling.BICUBIC


#: SigLIP's normalisation (transformers' IMAGENET_STANDARD_MEAN / _STD).
HALF: tuple[float, float, float] = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class PreprocessConfig:
    """The parts of a hub ``preprocessor_config.json`` that image preprocessing uses.

    Two shapes occur: CLIP's (shortest edge to ``size``, then a centre crop of ``crop``) and SigLIP's
    (``resize_to`` an exact height x width, aspect ratio not kept, no crop).
    """

    size: int = 224
    crop: int = 224
    mean: tuple[float, ...] = CLIP_MEAN
    std: tuple[float, ...] = CLIP_STD
    resample: int = int(BICUBIC)
    rescale_factor: float = 1 / 255
    #: (height, width) to resize to exactly (SigLIP); None for shortest-edge resize + crop (CLIP, AltCLIP).
    resize_to: tuple[int, int] | None = None

    @classmethod
    def from_dict(cls, cfg: dict[str, Any], *, family: str = "clip") -> PreprocessConfig:
        """Read a ``preprocessor_config.json`` dict; missing keys take the defaults of the family's processor
        (CLIPImageProcessor or SiglipImageProcessor)."""
        squash = family == "siglip" or "Siglip" in str(cfg.get("image_processor_type") or "")
        base = cls(size=224, crop=0, mean=HALF, std=HALF, resize_to=(224, 224)) if squash else cls()
        mean = tuple(float(x) for x in cfg.get("image_mean") or base.mean)
        std = tuple(float(x) for x in cfg.get("image_std") or base.std)
        resample = int(cfg.get("resample", base.resample))
        rescale = float(cfg.get("rescale_factor", base.rescale_factor))
        resize_to = _exact_size(cfg.get("size"), base.resize_to)
        if resize_to is not None:
            crop = _edge(cfg.get("crop_size"), "height", max(resize_to)) if cfg.get("do_center_crop") else 0
            return cls(size=max(resize_to), crop=crop, mean=mean, std=std, resample=resample,
                       rescale_factor=rescale, resize_to=resize_to)
        do_crop = cfg.get("do_center_crop", True)
        size = _edge(cfg.get("size"), "shortest_edge", base.size)
        crop = _edge(cfg.get("crop_size"), "height", base.crop) if do_crop else 0
        return cls(size=size, crop=crop, mean=mean, std=std, resample=resample, rescale_factor=rescale)

    def __call__(self, image: Image.Image) -> np.ndarray:
        if self.resize_to is not None:
            return exact_preprocess(self, image)
        return clip_preprocess(
            image, self.size, self.crop, self.mean, self.std,
            resample=self.resample, rescale_factor=self.rescale_factor,
        )


def _edge(value: object, key: str, default: int) -> int:
    # Older configs store a bare int; newer ones {"shortest_edge": n} or {"height": n, "width": n}.
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return int(value.get(key) or value.get("shortest_edge") or value.get("height") or default)
    return default


def _exact_size(value: object, default: tuple[int, int] | None) -> tuple[int, int] | None:
    """(height, width) when ``size`` names both and no shortest edge (SigLIP's form), else ``default``
    if the config gives no size at all, else None (a shortest-edge size)."""
    if isinstance(value, dict) and value.get("height") and value.get("width") and not value.get("shortest_edge"):
        return int(value["height"]), int(value["width"])
    return default if value is None else None


def exact_preprocess(config: PreprocessConfig, image: Image.Image) -> np.ndarray:
    """PIL image -> float32 (3, H, W) resized to exactly ``resize_to``, like ``SiglipImageProcessor`` (PIL)."""
    height, width = config.resize_to or (config.size, config.size)
    resized = to_rgb(image).resize((width, height), resample=config.resample)
    pixels = np.asarray(resized, dtype=np.uint8).transpose(2, 0, 1)
    if config.crop:
        pixels = center_crop(pixels, config.crop, config.crop)
    return _rescale_normalize(pixels, config.rescale_factor, config.mean, config.std)


def clip_preprocess(
    image: Image.Image,
    size: int,
    crop: int,
    mean: Sequence[float],
    std: Sequence[float],
    *,
    resample: int = int(BICUBIC),
    rescale_factor: float = 1 / 255,
) -> np.ndarray:
    """PIL image -> float32 (3, crop, crop), identical to ``CLIPImageProcessor`` (PIL backend)."""
    rgb = to_rgb(image)
    width, height = rgb.size
    new_h, new_w = resize_output_size(height, width, size)
    # PIL returns a copy without resampling when the size is unchanged, exactly as transformers does.
    resized = rgb.resize((new_w, new_h), resample=resample)
    pixels = np.asarray(resized, dtype=np.uint8).transpose(2, 0, 1)  # HWC -> CHW
    if crop:
        pixels = center_crop(pixels, crop, crop)
    return _rescale_normalize(pixels, rescale_factor, mean, std)


def _rescale_normalize(pixels: np.ndarray, rescale_factor: float, mean: Sequence[float],
                       std: Sequence[float]) -> np.ndarray:
    # transformers rescales in float64 and casts once, then normalises in float32: same order, same bits.
    scaled = (pixels.astype(np.float64) * rescale_factor).astype(np.float32)
    mean_arr = np.asarray(mean, dtype=np.float32)[:, None, None]
    std_arr = np.asarray(std, dtype=np.float32)[:, None, None]
    return np.ascontiguousarray((scaled - mean_arr) / std_arr, dtype=np.float32)


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB view of ``image``; transparency is composited onto white (transformers' ``convert_to_rgb``)."""
    if image.mode == "RGB":
        return image
    if "A" in image.getbands() or image.info.get("transparency") is not None:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def resize_output_size(height: int, width: int, shortest_edge: int) -> tuple[int, int]:
    """(height, width) after scaling the short edge to ``shortest_edge``; the long edge is truncated."""
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = shortest_edge, int(shortest_edge * long / short)
    return (new_long, new_short) if width <= height else (new_short, new_long)


def center_crop(pixels: np.ndarray, crop_h: int, crop_w: int) -> np.ndarray:
    """Center crop a CHW array; pad with zeros (before normalisation, as transformers does) if too small."""
    _, height, width = pixels.shape
    top = (height - crop_h) // 2
    left = (width - crop_w) // 2
    if top >= 0 and left >= 0:
        return pixels[:, top : top + crop_h, left : left + crop_w]
    new_h, new_w = max(crop_h, height), max(crop_w, width)
    padded = np.zeros((pixels.shape[0], new_h, new_w), dtype=pixels.dtype)
    top_pad = math.ceil((new_h - height) / 2)
    left_pad = math.ceil((new_w - width) / 2)
    padded[:, top_pad : top_pad + height, left_pad : left_pad + width] = pixels
    return center_crop(padded, crop_h, crop_w)
