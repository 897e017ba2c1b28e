"""OpenVINO IR of a model's two towers (any family of ``families.py``): conversion from transformers, static
int8 (NNCF), on-disk cache.

Converting ViT-B/32 takes seconds and quantising it ~20 s, so both are done once per model id and precision
and kept under ``<cache>/openvino/<model id>/<precision>/``. A cache entry is written into a temporary folder
and renamed into place, so a crash never leaves half an entry; an entry that does not read back (truncated
file, other OpenVINO version) is deleted and rebuilt.

openvino and nncf are imported lazily (``import_openvino``): photoclip runs without them.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: Bump when what is written changes, so older entries are rebuilt instead of misread.
CACHE_FORMAT = 1
IMAGE_XML = "image.xml"
TEXT_XML = "text.xml"
MANIFEST = "manifest.json"
#: The text tower's token-embedding table, kept out of its IR (``split_token_embeddings``).
TOKEN_TABLE = "text_token_embeddings.npy"
TOKEN_INPUT = "token_embeddings"


def import_openvino() -> Any:
    """``openvino``, with its usage telemetry disabled (photoclip sends nothing anywhere). ImportError if absent.

    openvino's converter and nncf report usage unless a consent file says no; both fall back to a no-op
    stub when ``openvino_telemetry`` cannot be imported, which is what blocking it here does.
    """
    if "openvino_telemetry" not in sys.modules:
        sys.modules["openvino_telemetry"] = None  # type: ignore[assignment]
    import openvino

    return openvino


def openvino_available() -> bool:
    try:
        import_openvino()
    except ImportError:
        return False
    return True


def nncf_available() -> bool:
    """Whether nncf (int8 calibration) is installed, without importing it (that takes seconds)."""
    import importlib.util

    try:
        return importlib.util.find_spec("nncf") is not None
    except (ImportError, ValueError):
        return False


def release_freed_memory() -> None:
    """Give the memory of models just dropped back to the system now. torch modules sit in reference cycles
    (collected) and glibc keeps freed heap for later (``malloc_trim``): after converting CLIP B/32 the process
    still held 0.6 GB of a torch model it no longer referenced, under the 1.3 GB int8 calibration then added;
    after setting a torch model aside, 0.4 GB. A no-op where glibc is not the C library."""
    import gc

    gc.collect()
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def cache_dir(cache_root: Path, model_id: str, precision: str) -> Path:
    """``<cache_root>/openvino/<model id made filename-safe>/<precision>``."""
    safe = re.sub(r"[^A-Za-z0-9._@-]+", "_", model_id)
    return Path(cache_root) / "openvino" / safe / precision


def is_cached(folder: Path) -> bool:
    """Whether ``folder`` holds an entry written by this cache format and OpenVINO version (models not read)."""
    return _manifest_ok(folder)


def read_cached(folder: Path, names: tuple[str, ...]) -> dict[str, Any] | None:
    """The cached models ``names`` (e.g. image.xml) read from ``folder``, or None when missing or unreadable."""
    if not _manifest_ok(folder):
        return None
    ov = import_openvino()
    core = ov.Core()
    try:
        return {name: core.read_model(str(folder / name)) for name in names}
    except Exception as exc:  # truncated .bin, damaged XML: rebuild rather than fail
        log.warning("OpenVINO cache %s is unreadable (%s); rebuilding it", folder, exc)
        return None


def write_entry(folder: Path, models: dict[str, Any], info: dict, arrays: dict[str, np.ndarray] | None = None
                ) -> None:
    """Save ``models`` (name -> ov.Model) and ``arrays`` (name -> .npy) into ``folder`` atomically: temp
    folder, then rename."""
    ov = import_openvino()
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for name, model in models.items():
            # fp16 weight compression would change fp32 outputs; the precision is chosen at compile time.
            ov.save_model(model, str(tmp / name), compress_to_fp16=False)
        for name, array in (arrays or {}).items():
            np.save(tmp / name, array, allow_pickle=False)
        manifest = {"format": CACHE_FORMAT, "openvino": ov.get_version(), **info}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def manifest(folder: Path) -> dict:
    try:
        value = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def split_token_embeddings(text_ir: Any) -> tuple[Any, np.ndarray | None]:
    """The text tower without its token-embedding table, and the table: the tower then takes the embedded
    tokens as input ``token_embeddings`` (N, L, hidden), looked up by the caller from a memory-mapped table.

    Compiled, the table is copied into the process: SigLIP 2's 256,000 × 768 fp32 rows are 0.8 GB, of which a
    query reads a few rows (measured: a cold search's text tower 1.4 GB → 0.65 GB, compile 0.56 → 0.19 s,
    identical outputs). The table is the largest Constant a Gather reads along axis 0 with indices from
    ``input_ids``; a graph without one is returned as it is, with None.
    """
    ov = import_openvino()
    ids = next((p for p in text_ir.get_parameters() if p.get_friendly_name() == "input_ids"), None)
    if ids is None:
        return text_ir, None
    candidates = []
    for op in text_ir.get_ordered_ops():
        if op.get_type_name() != "Gather":
            continue
        data, indices, axis = (op.input_value(i).get_node() for i in range(3))
        shape = op.input_value(0).get_partial_shape()
        if (data.get_type_name() != "Constant" or axis.get_type_name() != "Constant" or shape.rank.get_length() != 2
                or int(axis.get_data().reshape(-1)[0]) != 0 or not _reads(indices, ids)):
            continue
        candidates.append((shape[0].get_length(), op, data))
    if not candidates:
        return text_ir, None
    _, gather, data = max(candidates, key=lambda c: c[0])
    table = np.array(data.get_data(), dtype=np.float32)
    embedded = ov.opset13.parameter(ov.PartialShape([-1, -1, table.shape[1]]), ov.Type.f32, name=TOKEN_INPUT)
    embedded.output(0).set_names({TOKEN_INPUT})
    gather.output(0).replace(embedded.output(0))
    return ov.Model(text_ir.get_results(), [*text_ir.get_parameters(), embedded], "text"), table


def _reads(node: Any, parameter: Any, depth: int = 4) -> bool:
    """Whether ``node`` is ``parameter`` as it is: through type conversions and reshapes that keep it (N, L)
    (``input_ids.view(-1, L)`` in the text models), so rows looked up from ``input_ids`` match its output."""
    for _ in range(depth + 1):
        if node.get_friendly_name() == parameter.get_friendly_name():
            return True
        rank = node.get_output_partial_shape(0).rank
        if node.get_type_name() not in ("Convert", "Reshape") or not rank.is_static or rank.get_length() != 2:
            return False
        node = node.input_value(0).get_node()
    return False


def _manifest_ok(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("format") == CACHE_FORMAT and manifest.get("openvino") == import_openvino().get_version()


# --- conversion ---------------------------------------------------------------------------------------------


def convert_towers(model: Any, text_example: dict[str, Any]) -> dict[str, Any]:
    """transformers model of the CLIP family (fp32, eval) -> {image.xml: ov.Model, text.xml: ov.Model}.

    Image: pixel_values (N, 3, H, W) float32 -> projected embedding (N, dim), dynamic batch.
    Text: the family's token inputs (``text_example``: input_ids, and attention_mask where the family uses one)
    int64 (N, L) -> projected embedding, dynamic batch and length, so a CLIP query padded to its own longest
    prompt costs what its tokens cost (never 77).
    """
    import torch

    ov = import_openvino()
    height, width = _image_hw(model.config.vision_config)
    image, text = _image_tower(model), _text_tower(model, tuple(text_example))
    example = {k: torch.as_tensor(v) for k, v in text_example.items()}
    # tracing warns about Python branches on shapes (fixed for these inputs); the core writes no warnings
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image_ir = ov.convert_model(
            image, example_input=(torch.zeros(2, 3, height, width),),
            input=[ov.PartialShape([-1, 3, height, width])],
        )
        text_ir = ov.convert_model(
            text,
            example_input=example,
            input=[(name, ov.PartialShape([-1, -1]), ov.Type.i64) for name in example],
        )
    return {IMAGE_XML: image_ir, TEXT_XML: text_ir}


def _image_hw(vision_config: Any) -> tuple[int, int]:
    size = vision_config.image_size
    return (int(size[0]), int(size[1])) if isinstance(size, (list, tuple)) else (int(size), int(size))


def quantize_image_tower(image_ir: Any, calibration: np.ndarray) -> Any:
    """Static int8 (NNCF post-training quantisation) of the image tower, calibrated on ``calibration``.

    ``ModelType.TRANSFORMER`` keeps LayerNorm/Softmax/GELU inputs in float and applies SmoothQuant; on
    ViT-B/32 geometry it gave cosine 0.9994 to fp32 where the default preset gave 0.978 (24 photos,
    benchmarks/backends_end_to_end.py). The text tower stays fp32: a query is one short forward pass.
    """
    import_openvino()
    import nncf

    samples = [np.ascontiguousarray(x[None], dtype=np.float32) for x in calibration]
    logging.getLogger("nncf").setLevel(logging.WARNING)
    # nncf draws rich progress bars on stdout with no switch to turn them off; the core never prints.
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nncf.quantize(
            image_ir, nncf.Dataset(samples), subset_size=len(samples), model_type=nncf.ModelType.TRANSFORMER
        )


def compress_text_weights(text_ir: Any) -> Any:
    """The text tower with its weights stored as int8 (NNCF weight-only compression, asymmetric, one scale per
    output channel); activations stay f32. The CPU plugin keeps such weights compressed and expands them inside
    each matrix product, so a compiled SigLIP 2 B text tower holds ~0.1 GB instead of ~0.65 GB (its fp32
    weights, mapped from the IR, plus the plugin's own repacked copy). Callers check it against fp32 first."""
    import_openvino()
    import nncf

    logging.getLogger("nncf").setLevel(logging.WARNING)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nncf.compress_weights(text_ir, mode=nncf.CompressWeightsMode.INT8_ASYM)


def _tower_classes() -> tuple[type, type]:
    import torch

    def pooled(output: Any) -> torch.Tensor:
        return output if torch.is_tensor(output) else output.pooler_output

    class ImageTower(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
            return pooled(self.model.get_image_features(pixel_values=pixel_values))

    class TextTower(torch.nn.Module):
        """The text tower with exactly the inputs the family uses (SigLIP: no attention mask)."""

        def __init__(self, model: Any, inputs: tuple[str, ...]) -> None:
            super().__init__()
            self.model, self.inputs = model, inputs

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
            kwargs = {"input_ids": input_ids}
            if "attention_mask" in self.inputs:
                kwargs["attention_mask"] = attention_mask
            return pooled(self.model.get_text_features(**kwargs))

    return ImageTower, TextTower


def _image_tower(model: Any) -> Any:
    return _tower_classes()[0](model).eval()


def _text_tower(model: Any, inputs: tuple[str, ...]) -> Any:
    return _tower_classes()[1](model, inputs).eval()
