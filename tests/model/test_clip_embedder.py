"""ClipEmbedder against the transformers reference (CLIPProcessor + CLIPModel) on a tiny real-format CLIP."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoclip.core.embed.base import Embedder, normalize_rows
from photoclip.core.embed.preprocess import CLIP_MEAN, CLIP_STD, PreprocessConfig, clip_preprocess
from photoclip.core.errors import ModelFormatError

pytestmark = pytest.mark.model

REPO_ROOT = Path(__file__).resolve().parents[2]
PARITY_ATOL = 1e-5
# (width, height, mode): landscape, near-square odd, smaller than 224, exact, tall, alpha, palette, grey
IMAGE_CASES = [
    (640, 480, "RGB"),
    (300, 301, "RGB"),
    (100, 50, "RGB"),
    (224, 224, "RGB"),
    (225, 1000, "RGB"),
    (333, 250, "RGBA"),
    (260, 390, "P"),
    (180, 500, "L"),
]
TEXTS = [
    "a photo of a cat",
    "hello world",
    "A dog's birthday party at the beach, 2019!",
    "",
    "sunset " * 100,  # > 77 tokens: truncated
    "naïve café über straße",
]


def _photo_like(width: int, height: int, mode: str, seed: int) -> Image.Image:
    """Smooth gradients plus texture and noise: exercises bicubic resampling like a photo would."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 127 + 120 * np.sin(x / (7 + seed))
    g = 255 * y / max(1, height - 1)
    b = 127 + 100 * np.cos((x + y) / 23)
    rgb = np.stack([r, g, b], axis=-1) + rng.normal(0, 12, (height, width, 3))
    rgb = np.clip(rgb, 0, 255).astype(np.uint8)
    if mode == "RGBA":
        alpha = np.clip(255 * x / max(1, width - 1), 0, 255).astype(np.uint8)[..., None]
        return Image.fromarray(np.concatenate([rgb, alpha], axis=-1), "RGBA")
    image = Image.fromarray(rgb, "RGB")
    if mode == "P":
        return image.quantize(64)
    return image.convert(mode)


@pytest.fixture(scope="module")
def image_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("images")
    paths = []
    for i, (w, h, mode) in enumerate(IMAGE_CASES):
        image = _photo_like(w, h, mode, seed=i)
        png = folder / f"{i}_{w}x{h}_{mode}.png"
        image.save(png)
        webp = folder / f"{i}_{w}x{h}_{mode}.webp"
        (image if mode in {"RGB", "RGBA"} else image.convert("RGB")).save(webp, quality=90)
        paths += [png, webp]
    return paths


@pytest.fixture(scope="module")
def reference(tiny_model_dir: Path):
    """transformers' own pipeline: CLIPProcessor (PIL backend) + CLIPModel, fp32."""
    import torch
    from transformers import CLIPModel, CLIPProcessor

    torch.set_num_threads(1)
    processor = CLIPProcessor.from_pretrained(tiny_model_dir)
    model = CLIPModel.from_pretrained(tiny_model_dir, use_safetensors=True).eval()
    return processor, model


@pytest.fixture(scope="module")
def embedder(tiny_model_dir: Path):
    from photoclip.core.embed.clip_hf import ClipEmbedder

    return ClipEmbedder.load(tiny_model_dir, model_id="tiny@test", backend="fp32", device="cpu", threads=1)


def _reference_images(reference, images: list[Image.Image]) -> np.ndarray:
    import torch

    processor, model = reference
    inputs = processor(images=images, return_tensors="pt")
    with torch.inference_mode():
        return normalize_rows(model.get_image_features(**inputs).pooler_output.numpy())


def _reference_texts(reference, texts: list[str]) -> np.ndarray:
    import torch

    processor, model = reference
    inputs = processor(text=texts, padding=True, truncation=True, max_length=77, return_tensors="pt")
    with torch.inference_mode():
        return normalize_rows(model.get_text_features(**inputs).pooler_output.numpy())


# --- tokenizer --------------------------------------------------------------------------------------------

# Ids produced by OpenAI's clip.simple_tokenizer.SimpleTokenizer (with <|startoftext|>/<|endoftext|> added).
OPENAI_IDS = {
    "a photo of a cat": [49406, 320, 1125, 539, 320, 2368, 49407],
    "hello world": [49406, 3306, 1002, 49407],
    "A dog's birthday party at the beach, 2019!": [
        49406, 320, 1929, 568, 1166, 1580, 536, 518, 2117, 267, 273, 271, 272, 280, 256, 49407,
    ],
    "naïve café über straße": [49406, 1097, 35689, 563, 15304, 6522, 1516, 1894, 127, 253, 324, 49407],
    "Sunset over   the MOUNTAINS": [49406, 3424, 962, 518, 5873, 49407],
}


def test_vocab_files_match_openai_tokenizer(clip_vocab_files: tuple[Path, Path]) -> None:
    from transformers import CLIPTokenizer

    vocab_path, merges_path = clip_vocab_files
    assert len(json.loads(vocab_path.read_text(encoding="utf-8"))) == 49408
    tokenizer = CLIPTokenizer(str(vocab_path), str(merges_path))  # positional: see DATA.md
    for text, ids in OPENAI_IDS.items():
        assert tokenizer(text)["input_ids"] == ids, text


def test_embedder_tokenizer_matches_openai(embedder) -> None:
    for text, ids in OPENAI_IDS.items():
        assert embedder.tokenize([text])["input_ids"][0].tolist() == ids, text


def test_text_is_padded_to_longest_not_77(embedder) -> None:
    tokens = embedder.tokenize(["a cat", "a photo of a dog"])
    assert tuple(tokens["input_ids"].shape) == (2, 7)
    assert tokens["attention_mask"][0].tolist() == [1, 1, 1, 1, 0, 0, 0]
    long = embedder.tokenize(["sunset " * 100])
    assert long["input_ids"].shape[1] == 77
    assert long["input_ids"][0, -1].item() == 49407  # truncation keeps the end-of-text token


def test_text_chunks_pad_per_chunk(embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    from photoclip.core.embed import clip_hf

    widths: list[int] = []
    original = embedder.tokenize

    def spy(texts: list[str]):
        tokens = original(texts)
        widths.append(tokens["input_ids"].shape[1])
        return tokens

    whole = embedder.embed_texts(TEXTS)
    monkeypatch.setattr(embedder, "tokenize", spy)
    monkeypatch.setattr(clip_hf, "TEXT_CHUNK", 2)
    chunked = embedder.embed_texts(TEXTS)
    assert np.abs(whole - chunked).max() <= PARITY_ATOL
    assert len(widths) == 3 and max(widths) == 77 and min(widths) < 10


# --- preprocessing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height", "mode"), IMAGE_CASES)
def test_preprocess_is_bit_identical_to_clip_image_processor(reference, width, height, mode) -> None:
    processor, _ = reference
    image = _photo_like(width, height, mode, seed=width)
    expected = processor.image_processor(images=image, return_tensors="np")["pixel_values"][0]
    actual = clip_preprocess(image, 224, 224, CLIP_MEAN, CLIP_STD)
    assert actual.dtype == np.float32 and actual.shape == (3, 224, 224)
    np.testing.assert_array_equal(actual, expected)


def test_preprocess_pads_when_crop_exceeds_resize(reference) -> None:
    processor, _ = reference
    image = _photo_like(50, 80, "RGB", seed=3)
    expected = processor.image_processor(
        images=image, size={"shortest_edge": 100}, crop_size={"height": 128, "width": 128}, return_tensors="np"
    )["pixel_values"][0]
    np.testing.assert_array_equal(clip_preprocess(image, 100, 128, CLIP_MEAN, CLIP_STD), expected)


def test_preprocess_config_reads_hub_json_and_falls_back() -> None:
    cfg = PreprocessConfig.from_dict({"size": {"shortest_edge": 256}, "crop_size": {"height": 240, "width": 240},
                                      "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]})
    assert (cfg.size, cfg.crop, cfg.mean) == (256, 240, (0.5, 0.5, 0.5))
    assert PreprocessConfig.from_dict({"size": 224, "crop_size": 224}) == PreprocessConfig()
    assert PreprocessConfig.from_dict({}) == PreprocessConfig()


def test_preprocess_module_needs_no_torch() -> None:
    code = "import sys, photoclip.core.embed.preprocess; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT, timeout=60)


# --- parity with the reference ----------------------------------------------------------------------------


def test_image_vectors_match_reference(embedder, reference, image_files: list[Path]) -> None:
    images = [Image.open(p) for p in image_files]
    expected = _reference_images(reference, images)
    actual = embedder.embed_prepared(np.stack([embedder.prepare(im) for im in images]))
    assert actual.dtype == np.float32 and actual.shape == (len(images), embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(actual, axis=1), 1.0, atol=1e-6)
    assert np.abs(actual - expected).max() <= PARITY_ATOL


def test_text_vectors_match_reference(embedder, reference) -> None:
    expected = _reference_texts(reference, TEXTS)
    actual = embedder.embed_texts(TEXTS)
    assert actual.dtype == np.float32 and actual.shape == (len(TEXTS), embedder.dim)
    assert np.abs(actual - expected).max() <= PARITY_ATOL


def test_embedder_protocol_and_attributes(embedder) -> None:
    assert isinstance(embedder, Embedder)
    assert (embedder.model_id, embedder.dim, embedder.input_size) == ("tiny@test", 64, 224)
    assert (embedder.backend, embedder.device) == ("fp32", "cpu")
    assert embedder.embed_prepared(np.zeros((0, 3, 224, 224), np.float32)).shape == (0, 64)
    assert embedder.embed_texts([]).shape == (0, 64)


# --- backends ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["bf16", "int8"])
def test_fast_backends_agree_with_fp32(tiny_model_dir: Path, embedder, image_files, backend: str) -> None:
    # A tiny random model is a weak check; benchmarks/model_backends.py measures ViT-B/32 geometry.
    from photoclip.core.embed.clip_hf import ClipEmbedder

    fast = ClipEmbedder.load(tiny_model_dir, model_id="tiny@test", backend=backend, device="cpu", threads=1)
    assert fast.backend == backend
    batch = np.stack([embedder.prepare(Image.open(p)) for p in image_files])
    for a, b in [(fast.embed_prepared(batch), embedder.embed_prepared(batch)),
                 (fast.embed_texts(TEXTS), embedder.embed_texts(TEXTS))]:
        assert a.dtype == np.float32
        assert np.sum(a * b, axis=1).min() >= 0.99


def test_auto_backend_on_cpu_is_int8_or_fp32(tiny_model_dir: Path, embedder) -> None:
    from photoclip.core.embed.clip_hf import ClipEmbedder

    auto = ClipEmbedder.load(tiny_model_dir, model_id="tiny@test", backend="auto", device="auto", threads=1)
    assert auto.device == "cpu"
    assert auto.backend in {"int8", "fp32"}  # int8 unless the load-time probe disagrees with fp32
    cos = np.sum(auto.embed_texts(TEXTS) * embedder.embed_texts(TEXTS), axis=1)
    assert cos.min() >= 0.99


def test_choose_backend_rules() -> None:
    from photoclip.core.embed.clip_hf import choose_backend

    assert choose_backend("auto", "cuda") == "fp16"
    assert choose_backend("auto", "cuda:1") == "fp16"
    assert choose_backend("auto", "mps") == "fp32"
    assert choose_backend("auto", "cpu") == "int8"
    assert choose_backend("int8", "cuda") == "fp32"
    assert choose_backend("fp16", "cpu") == "fp32"
    assert choose_backend("fp32", "cpu") == "fp32"


def test_device_resolution() -> None:
    import torch

    from photoclip.core.embed.clip_hf import DeviceNotAvailableError, resolve_device

    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") in {"cpu", "cuda", "mps"}
    with pytest.raises(DeviceNotAvailableError) as info:
        resolve_device("gpu")
    assert "PHOTOCLIP_DEVICE" in info.value.hint
    if not torch.cuda.is_available():
        with pytest.raises(DeviceNotAvailableError, match="not available"):
            resolve_device("cuda:1")


def test_unknown_backend_is_rejected(tiny_model_dir: Path) -> None:
    from photoclip.core.embed.clip_hf import ClipEmbedder

    with pytest.raises(ValueError, match="unknown backend"):
        ClipEmbedder.load(tiny_model_dir, model_id="x", backend="int4")


# --- loading rules ----------------------------------------------------------------------------------------


def test_pickle_only_folder_is_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    from photoclip.core.embed.clip_hf import ClipEmbedder
    from tests.support.tiny_model import write_bin_only_copy

    bin_only = write_bin_only_copy(tiny_model_dir, tmp_path / "old-layout")
    with pytest.raises(ModelFormatError) as info:
        ClipEmbedder.load(bin_only, model_id="x", backend="fp32")
    assert "safetensors" in info.value.user_message and "pytorch_model.bin" in info.value.user_message
    assert info.value.hint


def test_damaged_weights_give_model_format_error(tiny_model_dir: Path, tmp_path: Path) -> None:
    from photoclip.core.embed.clip_hf import ClipEmbedder

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: 4096])
    with pytest.raises(ModelFormatError, match="could not be loaded"):
        ClipEmbedder.load(broken, model_id="x", backend="fp32")


def test_vocab_and_merges_without_tokenizer_json(tiny_model_dir: Path, tmp_path: Path, embedder) -> None:
    # Older hub layouts ship vocab.json + merges.txt only; ids must not change.
    from photoclip.core.embed.clip_hf import ClipEmbedder

    older = tmp_path / "older"
    shutil.copytree(tiny_model_dir, older)
    (older / "tokenizer.json").unlink()
    loaded = ClipEmbedder.load(older, model_id="x", backend="fp32", device="cpu")
    for text, ids in OPENAI_IDS.items():
        assert loaded.tokenize([text])["input_ids"][0].tolist() == ids, text


def test_missing_preprocessor_config_uses_clip_defaults(tiny_model_dir: Path, tmp_path: Path, embedder) -> None:
    from photoclip.core.embed.clip_hf import ClipEmbedder

    bare = tmp_path / "bare"
    shutil.copytree(tiny_model_dir, bare)
    (bare / "preprocessor_config.json").unlink()
    loaded = ClipEmbedder.load(bare, model_id="x", backend="fp32", device="cpu")
    image = _photo_like(400, 300, "RGB", seed=9)
    np.testing.assert_array_equal(loaded.prepare(image), embedder.prepare(image))


def test_importing_the_embedder_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import photoclip.core.embed.clip_hf, photoclip.core.embed.registry, photoclip.core.embed.preprocess\n"
        "loaded = [m for m in ('torch', 'transformers', 'huggingface_hub') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT, timeout=60)
