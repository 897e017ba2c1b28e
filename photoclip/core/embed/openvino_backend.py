"""The embedder on OpenVINO (CPU), for every family of ``families.py``: the same transformers model's towers
converted to IR (``openvino_ir``).

Vectors live in the same space as the torch embedder's (same ``model_id``). Backends:

==================  ==================================================================================
``openvino-fp32``   f32 inference precision; the OpenVINO reference (max abs diff to torch ~1e-5).
``openvino-bf16``   bf16 inference precision, only on CPUs with native bf16 (else it runs as fp32).
``openvino-int8``   image tower statically quantised by NNCF, calibrated on the user's own photos;
                    text tower fp32. Used only after the quality guard passes (``backend_choice``).
==================  ==================================================================================
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from photoclip.core.embed import openvino_ir as ir
from photoclip.core.embed.base import TEXT_CHUNK, embed_texts_by_length, normalize_rows
from photoclip.core.embed.families import ModelSpec, read_spec
from photoclip.core.embed.preprocess import PreprocessConfig

log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "bf16", "int8")


class CalibrationNeededError(RuntimeError):
    """int8 is not cached for this model yet and no calibration photos were given."""


class OpenVinoEmbedder:
    """A model compiled by OpenVINO for the CPU, implementing the ``Embedder`` protocol."""

    device = "cpu"

    def __init__(self, *, image: Any, text: Any, tokenizer: Any, preprocess: PreprocessConfig, model_id: str,
                 spec: ModelSpec, backend: str) -> None:
        self._image = image.create_infer_request()
        self._text = text.create_infer_request()
        self._tokenizer = tokenizer
        self._preprocess = preprocess
        self.spec = spec
        self.model_id = model_id
        self.dim = spec.dim
        self.input_size = preprocess.size
        self.backend = backend
        self.max_text_tokens = spec.max_text_tokens

    @classmethod
    def load(cls, folder: Path, *, model_id: str, precision: str = "fp32", cache_root: Path,
             threads: int | None = None, calibration: np.ndarray | None = None) -> OpenVinoEmbedder:
        """Compile the cached IR of ``folder``'s model (converting / quantising it first when not cached).

        ``calibration``: (N, 3, S, S) prepared photos, needed only when int8 is not cached yet.
        Raises ImportError without openvino, ``CalibrationNeededError`` for an uncached int8 without photos.
        """
        if precision not in PRECISIONS:
            raise ValueError(f"unknown OpenVINO precision {precision!r}")
        from photoclip.core.embed.clip_hf import cpu_has_native_bf16, load_preprocess, load_tokenizer

        if precision == "bf16" and not cpu_has_native_bf16():
            log.warning("this CPU has no native bf16; OpenVINO runs fp32")
            precision = "fp32"
        spec = read_spec(Path(folder))
        tokenizer = load_tokenizer(Path(folder))
        towers = fp32_towers(folder, model_id, cache_root, spec.tokenize(tokenizer, ["a photo of a dog"], "np"))
        image_model = towers[ir.IMAGE_XML]
        if precision == "int8":
            image_model = int8_image_tower(image_model, model_id, cache_root, calibration)
        ov = ir.import_openvino()
        core = ov.Core()
        image = core.compile_model(image_model, "CPU", compile_config(threads, precision))
        text = core.compile_model(towers[ir.TEXT_XML], "CPU", compile_config(threads, "fp32"))
        return cls(image=image, text=text, tokenizer=tokenizer, preprocess=load_preprocess(Path(folder)),
                   model_id=model_id, spec=spec, backend=f"openvino-{precision}")

    # --- Embedder protocol --------------------------------------------------------------------------------

    @property
    def preprocess_config(self) -> PreprocessConfig:
        return self._preprocess

    def prepare(self, image: Image.Image) -> np.ndarray:
        return self._preprocess(image)

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        if len(batch) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        pixels = np.ascontiguousarray(batch, dtype=np.float32)
        return normalize_rows(self._image.infer([pixels])[0])

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        return embed_texts_by_length(texts, self.dim, TEXT_CHUNK, self._embed_text_chunk)

    def tokenize(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Token inputs by the family's rules (as the torch embedder's ``tokenize``), int64."""
        tokens = self.spec.tokenize(self._tokenizer, list(texts), "np")
        return {k: np.asarray(v, dtype=np.int64) for k, v in tokens.items()}

    def token_counts(self, texts: list[str]) -> list[int]:
        return self.spec.token_counts(self._tokenizer, list(texts))

    def _embed_text_chunk(self, texts: list[str]) -> np.ndarray:
        return normalize_rows(self._text.infer(self.tokenize(texts))[0])

    def __repr__(self) -> str:
        return f"OpenVinoEmbedder({self.model_id!r}, backend={self.backend!r})"


def compile_config(threads: int | None, precision: str) -> dict[str, Any]:
    """LATENCY: one infer request per call, all of ``threads`` on it (THROUGHPUT's streams measured no
    faster for our one-batch-at-a-time use). f32 is explicit because OpenVINO picks bf16 by itself on CPUs
    that have it, which would make ``openvino-fp32`` not the reference."""
    config: dict[str, Any] = {
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_PRECISION_HINT": "bf16" if precision == "bf16" else "f32",
    }
    if threads:
        config["INFERENCE_NUM_THREADS"] = int(threads)
    return config


def fp32_towers(folder: Path, model_id: str, cache_root: Path, text_example: dict[str, Any]) -> dict[str, Any]:
    """The fp32 image and text IR from the cache, converted from ``folder`` (torch) when not cached."""
    entry = ir.cache_dir(cache_root, model_id, "fp32")
    names = (ir.IMAGE_XML, ir.TEXT_XML)
    cached = ir.read_cached(entry, names)
    if cached is not None:
        return cached
    from photoclip.core.embed.clip_hf import load_fp32_model

    log.info("converting %s to OpenVINO (once)", model_id)
    towers = ir.convert_towers(load_fp32_model(Path(folder)), text_example)
    ir.write_entry(entry, towers, {"model_id": model_id})
    cached = ir.read_cached(entry, names)
    if cached is None:
        raise RuntimeError(f"the OpenVINO model written to {entry} does not read back")
    return cached


def int8_image_tower(image_fp32: Any, model_id: str, cache_root: Path, calibration: np.ndarray | None) -> Any:
    entry = ir.cache_dir(cache_root, model_id, "int8")
    cached = ir.read_cached(entry, (ir.IMAGE_XML,))
    if cached is not None:
        return cached[ir.IMAGE_XML]
    if calibration is None or len(calibration) == 0:
        raise CalibrationNeededError("int8 needs calibration photos the first time")
    log.info("quantising %s to int8 on %d photos (once)", model_id, len(calibration))
    quantized = ir.quantize_image_tower(image_fp32, calibration)
    ir.write_entry(entry, {ir.IMAGE_XML: quantized}, {"model_id": model_id, "calibration_photos": len(calibration)})
    return ir.read_cached(entry, (ir.IMAGE_XML,))[ir.IMAGE_XML]

