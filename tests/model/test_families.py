"""Every supported family against its own transformers reference pipeline, on tiny random models in the hub's
layout (SigLIP 2 with a Gemma tokenizer, AltCLIP with an XLM-R tokenizer), loaded through the same code path as
a download; and strict loading: a folder that does not fit is refused in one line, never half-initialised."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoclip.core.embed.base import normalize_rows
from photoclip.core.embed.families import read_spec
from photoclip.core.errors import ModelFormatError
from tests.support.library_fixtures import write_photo

pytestmark = pytest.mark.model
REPO = Path(__file__).resolve().parents[2]
PARITY_ATOL = 1e-5
#: Queries with accents, CJK, mixed case and one longer than any tiny model reads.
TEXTS = ["a photo of a dog", "Kids on a RED sled", "naïve café über straße", "写真 犬 海", "ビーチ の 猫",
         "perro en la playa", "", "sunset " * 90]
FAMILY_DIRS = ["siglip2_dir", "siglip_dir", "altclip_dir"]


def _image(width: int, height: int, mode: str, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([127 + 120 * np.sin(x / (5 + seed)), 255 * y / max(1, height - 1),
                    127 + 100 * np.cos((x + y) / 19)], axis=-1) + rng.normal(0, 10, (height, width, 3))
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    return image.convert(mode) if mode != "RGB" else image


@pytest.fixture(scope="module")
def png_images(tmp_path_factory) -> list[Image.Image]:
    folder = tmp_path_factory.mktemp("family-images")
    cases = [(640, 480, "RGB"), (300, 301, "RGB"), (90, 200, "RGB"), (256, 256, "RGBA"), (500, 180, "L")]
    images = []
    for i, (w, h, mode) in enumerate(cases):
        path = folder / f"{i}.png"
        _image(w, h, mode, i).save(path)
        images.append(Image.open(path))
    return images


def _folder(request, name: str) -> Path:
    return request.getfixturevalue(name)


def _load(folder: Path, backend: str = "fp32"):
    from photoclip.core.embed.clip_hf import ClipEmbedder

    return ClipEmbedder.load(folder, model_id=f"{folder.name}@test", backend=backend, device="cpu", threads=1)


def _reference(folder: Path):
    """The family's own transformers pipeline: AutoImageProcessor + AutoTokenizer + the family's model class."""
    import torch
    import transformers

    torch.set_num_threads(1)
    spec = read_spec(folder)
    model = getattr(transformers, spec.family.model_class).from_pretrained(folder, use_safetensors=True).eval()
    return spec, transformers.AutoImageProcessor.from_pretrained(folder), \
        transformers.AutoTokenizer.from_pretrained(folder), model


def _reference_texts(folder: Path, texts: list[str]) -> np.ndarray:
    """What each family was trained with. SigLIP: lower-cased (SigLIP 2; SigLIP 1's tokenizer lower-cases by
    itself), right-padded to 64, input_ids only
    (its text tower attends to the pads and pools the last one); AltCLIP: padded to the longest, with a mask."""
    import torch

    spec, _, tokenizer, model = _reference(folder)
    tokenizer.padding_side = "right"
    if spec.family.name == "siglip":
        texts = [t.lower() for t in texts] if spec.lowercase else texts
        inputs = tokenizer(texts, padding="max_length", max_length=64, truncation=True,
                           return_tensors="pt")
        inputs = {"input_ids": inputs["input_ids"]}
    else:
        inputs = dict(tokenizer(texts, padding="longest", truncation=True, max_length=spec.max_text_tokens,
                                return_tensors="pt"))
    with torch.inference_mode():
        return normalize_rows(model.get_text_features(**inputs).pooler_output.numpy())


@pytest.mark.parametrize("family_dir", FAMILY_DIRS)
def test_image_vectors_match_the_family_reference(request, family_dir, png_images) -> None:
    import torch

    folder = _folder(request, family_dir)
    _, processor, _, model = _reference(folder)
    embedder = _load(folder)
    prepared = np.stack([embedder.prepare(im) for im in png_images])
    expected_pixels = processor(images=png_images, return_tensors="pt")["pixel_values"].numpy()
    assert prepared.shape == expected_pixels.shape
    assert np.abs(prepared - expected_pixels).max() <= 1e-6
    with torch.inference_mode():
        expected = normalize_rows(model.get_image_features(pixel_values=torch.from_numpy(expected_pixels))
                                  .pooler_output.numpy())
    assert np.abs(embedder.embed_prepared(prepared) - expected).max() <= PARITY_ATOL


@pytest.mark.parametrize("family_dir", FAMILY_DIRS)
def test_text_vectors_match_the_family_reference(request, family_dir) -> None:
    folder = _folder(request, family_dir)
    got = _load(folder).embed_texts(TEXTS)
    assert np.abs(got - _reference_texts(folder, TEXTS)).max() <= PARITY_ATOL


def test_siglip_pads_every_text_to_64_on_the_right_without_a_mask(siglip2_dir) -> None:
    embedder = _load(siglip2_dir)
    tokens = embedder.tokenize(["a dog", "a photo of the red sled on the beach"])
    assert set(tokens) == {"input_ids"}
    ids = tokens["input_ids"]
    assert ids.shape == (2, 64)
    assert (ids[:, -1] == 0).all() and (ids[:, 0] != 0).all()  # pads (id 0) after the text, none before


def test_siglip2_reads_text_lower_cased(siglip2_dir) -> None:
    embedder = _load(siglip2_dir)
    upper, lower = embedder.embed_texts(["KIDS ON A RED SLED", "kids on a red sled"])
    assert np.allclose(upper, lower, atol=1e-6)


def test_altclip_pads_to_the_longest_prompt_with_a_mask(altclip_dir) -> None:
    tokens = _load(altclip_dir).tokenize(["dog", "a photo of the dog on the beach"])
    assert set(tokens) == {"input_ids", "attention_mask"}
    assert tokens["input_ids"].shape[1] < 77 and tokens["attention_mask"][0].sum() < tokens["attention_mask"][1].sum()


def test_specs_read_from_the_folders(siglip2_dir, siglip_dir, altclip_dir, tiny_model_dir) -> None:
    siglip2, altclip, clip = read_spec(siglip2_dir), read_spec(altclip_dir), read_spec(tiny_model_dir)
    siglip = read_spec(siglip_dir)
    assert (siglip.title, siglip.max_text_tokens, siglip.multilingual, siglip.lowercase) == ("SigLIP", 64, False, False)
    assert (siglip2.title, siglip2.max_text_tokens, siglip2.multilingual, siglip2.dim) == ("SigLIP 2", 64, True, 64)
    assert (altclip.title, altclip.max_text_tokens, altclip.multilingual) == ("AltCLIP", 77, True)
    assert (clip.title, clip.max_text_tokens, clip.multilingual, clip.lowercase) == ("CLIP", 77, False, False)


def test_a_longer_position_table_is_read_from_the_config(tiny_model_dir, tmp_path) -> None:
    """Long-CLIP is a CLIPModel with 248 positions: photoclip reads them all instead of assuming 77."""
    folder = tmp_path / "long-clip"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config["text_config"]["max_position_embeddings"] = 248
    (folder / "config.json").write_text(json.dumps(config))
    assert read_spec(folder).max_text_tokens == 248


@pytest.mark.parametrize("family_dir", FAMILY_DIRS)
@pytest.mark.parametrize("backend", ["bf16", "int8"])
def test_fast_torch_backends_run_every_family(request, family_dir, backend, png_images) -> None:
    folder = _folder(request, family_dir)
    reference, fast = _load(folder), _load(folder, backend)
    assert fast.backend == backend
    prepared = np.stack([reference.prepare(im) for im in png_images])
    cosines = np.sum(reference.embed_prepared(prepared) * fast.embed_prepared(prepared), axis=1)
    assert cosines.min() > 0.98
    text_cos = np.sum(reference.embed_texts(TEXTS[:4]) * fast.embed_texts(TEXTS[:4]), axis=1)
    assert text_cos.min() > 0.98


@pytest.mark.parametrize("family_dir", FAMILY_DIRS)
def test_openvino_runs_every_family_like_torch(request, family_dir, png_images, tmp_path) -> None:
    pytest.importorskip("openvino")
    from photoclip.core.embed.openvino_backend import OpenVinoEmbedder

    folder = _folder(request, family_dir)
    reference = _load(folder)
    embedder = OpenVinoEmbedder.load(folder, model_id=f"{folder.name}@test", precision="fp32",
                                     cache_root=tmp_path, threads=1)
    prepared = np.stack([reference.prepare(im) for im in png_images])
    assert np.abs(embedder.embed_prepared(prepared) - reference.embed_prepared(prepared)).max() < 1e-4
    assert np.abs(embedder.embed_texts(TEXTS) - reference.embed_texts(TEXTS)).max() < 1e-4
    int8 = OpenVinoEmbedder.load(folder, model_id=f"{folder.name}@test", precision="int8", cache_root=tmp_path,
                                 threads=1, calibration=prepared)
    assert int8.backend == "openvino-int8" and int8.embed_prepared(prepared).shape == (len(prepared), int8.dim)


def test_token_counts_tell_when_text_is_cut(siglip2_dir, siglip_dir, altclip_dir) -> None:
    for folder in (siglip2_dir, siglip_dir, altclip_dir):
        embedder = _load(folder)
        short, long = embedder.token_counts(["a dog", "sunset " * 90])
        assert short <= embedder.max_text_tokens < long


# --- strict loading -------------------------------------------------------------------------------------------


def _without_tensor(src: Path, dest: Path, drop: str) -> Path:
    from safetensors.torch import load_file, save_file

    shutil.copytree(src, dest)
    tensors = load_file(dest / "model.safetensors")
    name = next(k for k in tensors if drop in k)
    del tensors[name]
    save_file(tensors, dest / "model.safetensors", metadata={"format": "pt"})
    return dest


@pytest.mark.parametrize("family_dir", [*FAMILY_DIRS, "tiny_model_dir"])
def test_a_missing_tensor_is_refused_not_initialised(request, family_dir, tmp_path) -> None:
    folder = _without_tensor(_folder(request, family_dir), tmp_path / "damaged", ".1.mlp.fc2.weight")
    with pytest.raises(ModelFormatError, match="is missing"):
        _load(folder)


def test_altclip_weights_under_a_clip_config_are_refused(altclip_dir, tiny_model_dir, tmp_path) -> None:
    """What happened before families: an AltCLIP checkpoint loaded as CLIPModel with half its weights random."""
    folder = tmp_path / "mislabelled"
    shutil.copytree(altclip_dir, folder)
    shutil.copyfile(tiny_model_dir / "config.json", folder / "config.json")
    with pytest.raises(ModelFormatError, match="not complete"):
        _load(folder)


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "photoclip", *args], cwd=REPO, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


def _unsupported_architecture(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    config = json.loads((dest / "config.json").read_text())
    config.update(model_type="chinese_clip", architectures=["ChineseCLIPModel"])
    (dest / "config.json").write_text(json.dumps(config))
    return dest


@pytest.mark.parametrize("damage", ["missing-tensor", "unsupported"])
def test_the_cli_refuses_a_bad_model_folder_in_one_line_and_indexes_nothing(siglip2_dir, tiny_model_dir, tmp_path,
                                                                             damage) -> None:
    if damage == "missing-tensor":
        folder = _without_tensor(siglip2_dir, tmp_path / "model", "text_model.head")
        expected = "is missing"
    else:
        folder = _unsupported_architecture(tiny_model_dir, tmp_path / "model")
        expected = "photoclip supports"
    photos = tmp_path / "Pictures"
    write_photo(photos / "red.png", "red")
    env = {"PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_MODEL": str(folder),
           "PHOTOCLIP_BACKEND": "fp32", "PHOTOCLIP_THREADS": "1", "PHOTOCLIP_OFFLINE": "1"}
    result = _cli(env, "index", str(photos))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert expected in result.stderr
    status = json.loads(_cli(env, "status", "--json").stdout or "{}")
    assert status.get("counts", {}).get("indexed", 0) == 0


def test_a_siglip2_library_indexes_and_finds_photos_in_any_language(siglip2_dir, tmp_path) -> None:
    """The whole CLI path on SigLIP 2: index, then queries in English, French, Japanese and with +/- terms."""
    photos = tmp_path / "Pictures"
    for colour in ("red", "green", "blue"):
        write_photo(photos / f"{colour}.png", colour)
    env = {"PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_MODEL": str(siglip2_dir),
           "PHOTOCLIP_BACKEND": "fp32", "PHOTOCLIP_THREADS": "1", "PHOTOCLIP_OFFLINE": "1"}
    indexed = _cli(env, "index", str(photos), "--json")
    assert indexed.returncode == 0, indexed.stderr
    assert json.loads(indexed.stdout)["embedded"] == 3
    scores = {}
    for query in ("a photo of a dog", "chien sur la plage", "写真 犬", "海 -猫"):
        result = _cli(env, "search", query, "--json", "--all")  # every photo, not only the matches
        assert result.returncode == 0, result.stderr
        scores[query] = {Path(h["path"]).name: h["score"] for h in json.loads(result.stdout)}
    assert all(len(scores[q]) == 3 for q in ("a photo of a dog", "chien sur la plage", "写真 犬"))
    assert scores["chien sur la plage"] != scores["写真 犬"]  # CJK reaches the model as its own tokens
    assert 0 < len(scores["海 -猫"]) <= 3


def test_sharded_safetensors_load_like_one_file(tiny_model_dir, tmp_path) -> None:
    """laion's H/14 and bigG/14 ship their weights in shards with an index; nothing may be left out."""
    import transformers

    from photoclip.core.embed.registry import import_model

    sharded = tmp_path / "sharded"
    shutil.copytree(tiny_model_dir, sharded, ignore=shutil.ignore_patterns("*.safetensors"))
    model = transformers.CLIPModel.from_pretrained(tiny_model_dir, use_safetensors=True)
    model.save_pretrained(sharded, safe_serialization=True, max_shard_size="4MB")
    shards = sorted(p.name for p in sharded.glob("*.safetensors"))
    assert len(shards) > 1 and (sharded / "model.safetensors.index.json").is_file()
    imported, _ = import_model(sharded, tmp_path / "models", name="laion/tiny-sharded")
    texts = ["a photo of a dog", "写真"]
    assert np.abs(_load(imported).embed_texts(texts) - _load(tiny_model_dir).embed_texts(texts)).max() < 1e-6
    (imported / shards[-1]).unlink()  # a shard lost on the way
    with pytest.raises(ModelFormatError):
        _load(imported)
