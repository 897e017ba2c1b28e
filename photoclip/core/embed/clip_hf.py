"""The real embedder: a Hugging Face model folder of the CLIP family (safetensors only) run by torch.

The family (CLIP, SigLIP / SigLIP 2, AltCLIP; ``families.py``) decides the transformers class, the image
preprocessing and the text rules; everything else here is the same for all of them.

Importing this module is cheap: torch and transformers are imported inside ``ClipEmbedder.load`` so the GUI
can show its window before torch loads. Image preprocessing is numpy/PIL (``preprocess.py``) and runs in the
decode threads; ``embed_prepared`` and ``embed_texts`` run on the model owner's thread.

Backends (what the weights and matmuls run in; outputs are always float32, L2-normalised):

=========  =======================================================================================
``fp32``   the reference; any device.
``bf16``   weights and compute in bfloat16; fast only on CPUs with native bf16 (AVX512-BF16/AMX), CUDA.
``int8``   torch dynamic quantisation (int8 weights, per-batch activation scales) of the image
           tower's ``nn.Linear`` layers; the text tower stays fp32 (see ``_quantize_int8``). CPU only.
``fp16``   half precision on CUDA (and MPS when asked for explicitly).
``auto``   fp16 on CUDA, fp32 on MPS; on CPU int8, kept only if a probe at load agrees with fp32
           (cosine >= 0.999), else fp32. benchmarks/model_backends.py, ViT-B/32 on an AVX2 CPU, one
           thread: int8 1.6x fp32, bf16 0.1x (emulated without AVX512-BF16/AMX).
=========  =======================================================================================
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from photoclip.core.embed.base import TEXT_CHUNK, embed_texts_by_length, normalize_rows
from photoclip.core.embed.families import CLIP, Family, ModelSpec, read_spec
from photoclip.core.embed.preprocess import PreprocessConfig
from photoclip.core.embed.registry import validate_model_folder
from photoclip.core.errors import DeviceNotAvailableError, ModelFormatError

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

BACKENDS = ("auto", "fp32", "bf16", "int8", "fp16")


_DEVICE_HINT = "Set PHOTOCLIP_DEVICE to auto, cpu, cuda, cuda:N or mps (auto picks the best available one)."


class ClipEmbedder:
    """A loaded model of the CLIP family implementing the ``Embedder`` protocol. Build it with ``load``."""

    def __init__(
        self,
        *,
        model: Any,
        tokenizer: Any,
        preprocess: PreprocessConfig,
        model_id: str,
        spec: ModelSpec,
        backend: str,
        device: str,
    ) -> None:
        import torch

        self._torch = torch
        self._model = model
        self._tokenizer = tokenizer
        self._preprocess = preprocess
        self._input_dtype = _input_dtype(torch, backend)
        self.spec = spec
        self.model_id = model_id
        self.dim = spec.dim
        self.input_size = preprocess.size
        self.backend = backend
        self.device = device
        self.max_text_tokens = spec.max_text_tokens
        #: torch's intra-op threads (process-wide)
        self.threads = torch.get_num_threads()

    # --- construction -------------------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        folder: Path,
        *,
        model_id: str,
        backend: str = "auto",
        device: str = "auto",
        threads: int | None = None,
    ) -> ClipEmbedder:
        """Load the model in ``folder`` (hub layout, safetensors) on ``device`` with ``backend``.

        ``threads`` sets torch's intra-op thread count, which is process-wide. Raises ``ModelFormatError``
        when the folder is not a usable model of a supported family (or any tensor is missing, unexpected or
        mis-shaped), ``DeviceNotAvailableError`` for a device this computer lacks, ``ValueError`` for an
        unknown backend name.
        """
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
        folder = Path(folder)
        validate_model_folder(folder)  # supported family, safetensors only, before transformers sees the folder
        spec = read_spec(folder)
        import torch

        if threads:
            torch.set_num_threads(max(1, int(threads)))
        resolved_device = resolve_device(device)
        chosen = choose_backend(backend, resolved_device)
        tokenizer = _load_tokenizer(folder, spec.family)
        preprocess = load_preprocess(folder)
        model = _load_model(folder, spec.family).to(resolved_device)
        if backend == "auto" and chosen == "int8":
            probe = _probe_inputs(preprocess, spec.tokenize(tokenizer, [PROBE_TEXT], "pt"))
            model, chosen = _int8_if_faithful(model, probe)
        else:
            model, chosen = apply_backend(model, chosen, resolved_device)
        return cls(model=model, tokenizer=tokenizer, preprocess=preprocess, model_id=model_id, spec=spec,
                   backend=chosen, device=resolved_device)

    # --- Embedder protocol --------------------------------------------------------------------------------

    @property
    def preprocess_config(self) -> PreprocessConfig:
        """Picklable preprocessing: what decode processes run instead of calling ``prepare`` here."""
        return self._preprocess

    def prepare(self, image: Image.Image) -> np.ndarray:
        """RGB image -> float32 (3, crop, crop), identical to CLIPImageProcessor. Thread-safe, no torch."""
        return self._preprocess(image)

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        """(N, 3, H, W) float32 -> (N, dim) float32 L2-normalised."""
        torch = self._torch
        if len(batch) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        pixels = torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))
        with torch.inference_mode():
            pixels = pixels.to(self.device, self._input_dtype)
            features = _pooled(self._model.get_image_features(pixel_values=pixels))
            return normalize_rows(features.float().cpu().numpy())

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Texts -> (N, dim) float32 L2-normalised, in input order."""
        return embed_texts_by_length(texts, self.dim, TEXT_CHUNK, self._embed_text_chunk)

    def set_threads(self, threads: int) -> bool:
        """Use ``threads`` intra-op threads from the next call (the pipeline's balancer); CPU only."""
        if self.device != "cpu":
            return False
        self._torch.set_num_threads(max(1, int(threads)))
        self.threads = self._torch.get_num_threads()
        return True

    # --- helpers ------------------------------------------------------------------------------------------

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        """Token ids (+ attention mask) by the family's rules: CLIP and AltCLIP pad to the longest text (never
        to 77: that costs 3–11x), SigLIP to the 64 positions it was trained with."""
        return self.spec.tokenize(self._tokenizer, list(texts), "pt")

    def token_counts(self, texts: list[str]) -> list[int]:
        """Tokens each text needs; above ``max_text_tokens`` the model reads only the start."""
        return self.spec.token_counts(self._tokenizer, list(texts))

    def _embed_text_chunk(self, texts: list[str]) -> np.ndarray:
        torch = self._torch
        tokens = self.tokenize(texts)
        with torch.inference_mode():
            inputs = {k: v.to(self.device) for k, v in tokens.items()}
            features = _pooled(self._model.get_text_features(**inputs))
            return normalize_rows(features.float().cpu().numpy())

    def __repr__(self) -> str:
        return f"ClipEmbedder({self.model_id!r}, backend={self.backend!r}, device={self.device!r})"


# --- device and backend choice ----------------------------------------------------------------------------


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> cuda if available, else mps if available, else cpu; an explicit name is checked."""
    import torch

    mps = getattr(torch.backends, "mps", None)
    mps_ok = mps is not None and mps.is_available()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "mps" if mps_ok else "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError) as exc:
        raise DeviceNotAvailableError(f"'{device}' is not a device name.", _DEVICE_HINT) from exc
    if (kind == "cuda" and not torch.cuda.is_available()) or (kind == "mps" and not mps_ok):
        raise DeviceNotAvailableError(f"The device '{device}' is not available on this computer.", _DEVICE_HINT)
    if kind not in {"cpu", "cuda", "mps"}:
        raise DeviceNotAvailableError(f"photoclip does not run models on '{device}'.", _DEVICE_HINT)
    return device


def choose_backend(backend: str, device: str) -> str:
    """The backend to try for ``backend`` on ``device`` (``auto`` resolved; impossible pairs downgraded)."""
    kind = device.split(":", 1)[0]
    if backend == "auto":
        if kind == "cuda":
            return "fp16"
        return "int8" if kind == "cpu" else "fp32"
    if backend == "int8" and kind != "cpu":
        log.warning("int8 runs on the CPU only; using fp32 on %s", device)
        return "fp32"
    if backend == "fp16" and kind == "cpu":
        log.warning("fp16 is not supported for CPU inference; using fp32")
        return "fp32"
    if backend == "bf16" and kind == "cpu" and not cpu_has_native_bf16():
        log.warning("this CPU has no native bf16: the bf16 backend will be much slower than fp32")
    return backend


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when the CPU has bf16 matmul instructions (x86 AVX512-BF16 or AMX-BF16).

    Without them torch emulates bf16 and the bf16 backend is slower than fp32 (measured on AVX2).
    """
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return bool(flags & {"avx512_bf16", "amx_bf16"})
    return False


def apply_backend(model: Any, backend: str, device: str) -> tuple[Any, str]:
    """Convert an fp32 ``model`` (already on ``device``) to ``backend``; return it and the backend in use."""
    import torch

    if backend == "fp32":
        return model, backend
    if backend == "bf16":
        return model.to(torch.bfloat16), backend
    if backend == "fp16":
        return model.to(torch.float16), backend
    if backend == "int8":
        quantized = _quantize_int8(model)
        return (quantized, "int8") if quantized is not None else (model, "fp32")
    raise ValueError(f"unknown backend {backend!r}")


#: Below this cosine to fp32 on the load-time probe, ``auto`` keeps fp32 instead of int8.
INT8_MIN_COSINE = 0.999


#: The prompt the int8 probe embeds.
PROBE_TEXT = "a photo of a dog"


def _int8_if_faithful(model: Any, probe: tuple[torch.Tensor, dict[str, torch.Tensor]]) -> tuple[Any, str]:
    """int8 copy of ``model`` if its vectors agree with fp32 on a small probe, else ``model`` itself.

    Dynamic quantisation can hurt some checkpoints (activation outliers); the probe (2 images, 1 text,
    a few hundred ms for ViT-B/32) catches that before any vector is stored.
    """
    quantized = _quantize_int8(model)
    if quantized is None:
        return model, "fp32"
    cosine = min(_probe_cosines(model, quantized, *probe))
    if cosine < INT8_MIN_COSINE:
        log.info("int8 vectors differ from fp32 (cosine %.4f); using fp32", cosine)
        return model, "fp32"
    return quantized, "int8"


def _probe_inputs(preprocess: PreprocessConfig, tokens: dict[str, torch.Tensor]
                  ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Deterministic, photo-like inputs (smooth colour gradients with texture) at the model's input size,
    and the tokens of one short prompt."""
    import torch

    size = preprocess.size
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    images = []
    for k in (1.0, 3.0):
        rgb = np.stack([x, y, 0.5 + 0.5 * np.sin(k * 6.283 * (x + y))], axis=-1)
        images.append(preprocess(Image.fromarray((rgb * 255).astype(np.uint8))))
    return torch.from_numpy(np.stack(images)), tokens


def _probe_cosines(reference: Any, candidate: Any, pixels: torch.Tensor,
                   tokens: dict[str, torch.Tensor]) -> list[float]:
    import torch

    def run(model: Any) -> np.ndarray:
        with torch.inference_mode():
            img = _pooled(model.get_image_features(pixel_values=pixels))
            txt = _pooled(model.get_text_features(**tokens))
        return normalize_rows(torch.cat([img, txt]).float().numpy())

    return [float(c) for c in np.sum(run(reference) * run(candidate), axis=1)]


def _quantize_int8(model: Any) -> Any | None:
    """Copy of ``model`` with the image tower's nn.Linear layers dynamically quantised to int8.

    The text tower stays fp32: quantising it too gave text cosines of 0.998 to fp32 on ViT-B/32 geometry
    (images: 0.9996), and a query is one short forward pass, so its speed hardly matters.
    Returns None when this torch build cannot quantise.
    """
    import torch

    try:
        from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic
    except ImportError:
        log.warning("this torch has no torch.ao.quantization; using fp32")
        return None
    image_tower = ("vision_model.", "visual_projection")
    spec = {
        name: default_dynamic_qconfig
        for name, module in model.named_modules()
        # exactly nn.Linear: nn.MultiheadAttention's out_proj (SigLIP's pooling head) is a subclass that its
        # forward reads as raw weights, which a quantised module no longer has
        if type(module) is torch.nn.Linear and name.startswith(image_tower)
    }
    try:
        with warnings.catch_warnings():
            # torch 2.13 marks eager quantisation as deprecated (torchao is its successor); it still works.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
            return quantize_dynamic(model, spec, dtype=torch.qint8)  # not in place: fp32 stays for fallback
    except (RuntimeError, NotImplementedError, AssertionError) as exc:  # e.g. no quantised engine
        log.warning("int8 quantisation failed (%s); using fp32", exc)
        return None


def _input_dtype(torch: Any, backend: str) -> torch.dtype:
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(backend, torch.float32)


# --- loading ---------------------------------------------------------------------------------------------


def load_fp32_model(folder: Path) -> Any:
    """The folder's model (its family's class) in fp32, eval mode (what the OpenVINO backend converts from)."""
    validate_model_folder(folder)
    return _load_model(folder, read_spec(folder).family)


def load_tokenizer(folder: Path) -> Any:
    return _load_tokenizer(folder, read_spec(folder).family)


def load_preprocess(folder: Path) -> PreprocessConfig:
    family = read_spec(folder).family.name
    return PreprocessConfig.from_dict(read_json_object(folder / "preprocessor_config.json"), family=family)


#: Tensors a checkpoint may lack or carry without meaning anything: transformers rebuilds these buffers.
_BUFFER_SUFFIXES = ("position_ids",)


def _load_model(folder: Path, family: Family = CLIP) -> Any:
    """The family's transformers model from ``folder``, loaded strictly: every weight must come from the file.

    transformers fills a missing tensor with random values and reports it only in a log (AltCLIP loaded as
    CLIPModel did exactly that); photoclip refuses such a folder instead of storing meaningless vectors.
    """
    import transformers

    model_class = getattr(transformers, family.model_class)
    try:
        with _quiet_transformers():
            model, info = model_class.from_pretrained(folder, use_safetensors=True, output_loading_info=True)
    except Exception as exc:  # a truncated file, a shape that does not fit the config, ...
        raise ModelFormatError(
            f"The {family.title} model in {folder} could not be loaded ({_first_line(exc)}).",
            "The folder may be incomplete or damaged; download or import it again "
            "(`photoclip model download` / `photoclip model import DIR`).",
        ) from exc
    _check_loading_info(folder, family, info)
    # transformers 5 loads in the checkpoint's dtype; fp32 is the reference every backend starts from.
    model = model.float().eval()
    model.requires_grad_(False)
    return model


def _check_loading_info(folder: Path, family: Family, info: dict) -> None:
    def real(keys: object) -> list[str]:
        names = [k if isinstance(k, str) else str(k[0]) for k in (keys or [])]
        return sorted(k for k in names if not k.endswith(_BUFFER_SUFFIXES))

    missing, unexpected = real(info.get("missing_keys")), real(info.get("unexpected_keys"))
    mismatched = real(info.get("mismatched_keys"))
    problems = [(missing, "missing"), (unexpected, "not part of the model"), (mismatched, "of the wrong shape")]
    for keys, what in problems:
        if keys:
            more = f" and {len(keys) - 1} more" if len(keys) > 1 else ""
            raise ModelFormatError(
                f"The {family.title} model in {folder} is not complete: the weight {keys[0]}{more} is {what}.",
                "The weights do not fit the folder's config.json (a damaged download, or weights of another "
                "model); download or import it again.",
            )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _load_tokenizer(folder: Path, family: Family = CLIP) -> Any:
    import transformers

    try:
        with _quiet_transformers():
            if family is CLIP:  # a CLIP folder may carry only vocab.json + merges.txt, no tokenizer_config
                tokenizer = transformers.CLIPTokenizerFast.from_pretrained(folder)
            else:
                tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    except Exception as exc:
        raise ModelFormatError(
            f"The tokenizer in {folder} could not be loaded ({_first_line(exc)}).",
            "The folder needs its tokenizer files (tokenizer.json, or vocab.json + merges.txt); download or "
            "import it again.",
        ) from exc
    # Every family was trained with pads after the text: SigLIP pools the last position, AltCLIP the first. A
    # Gemma tokenizer defaults to left padding, which would pool the text's own last token instead.
    tokenizer.padding_side = "right"
    tokenizer.truncation_side = "right"
    return tokenizer


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers while loading (progress bars, its load report, warnings): the core never writes
    to the terminal, and what matters in the report is checked by ``_check_loading_info``."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    verbosity = hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if was_enabled:
            hf_logging.enable_progress_bar()


def read_json_object(path: Path) -> dict:
    """A JSON file's top-level object, or {} when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # e.g. no preprocessor config: CLIP's defaults
    return data if isinstance(data, dict) else {}


def _pooled(output: Any) -> torch.Tensor:
    """transformers 5 returns BaseModelOutputWithPooling (projection in ``pooler_output``); 4.x a tensor."""
    import torch

    return output if torch.is_tensor(output) else output.pooler_output
