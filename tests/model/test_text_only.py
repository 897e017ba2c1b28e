"""A text query in a cold process: the cached OpenVINO text tower and a light tokenizer (no transformers, no
torch) give the same vectors as the whole model, for every family; a tokenizer that changed since it was
checked is not trusted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from photoclip.core.embed import fast_tokenizer
from photoclip.core.embed.backend_choice import LoadRequest, load_embedder, load_text_embedder
from photoclip.core.embed.openvino_backend import TEXT_MIN_COSINE, OpenVinoTextEmbedder, tokenizer_entry
from tests.support.images import photo_like

pytest.importorskip("openvino")
pytestmark = pytest.mark.model
REPO = Path(__file__).resolve().parents[2]
TEXTS = ["a photo of a cat", "Dog", "café au lait, naïve über straße", "写真 犬", "🐶 + 🌅!", "",
         "sunset over the sea " * 40]


def request(model_dir: Path, cache: Path, backend: str = "openvino-fp32") -> LoadRequest:
    return LoadRequest(model_dir, "m@1", backend, "cpu", 1, cache)


@pytest.fixture(params=["clip", "siglip2", "altclip"])
def model_dir(request, tiny_model_dir, siglip2_dir, altclip_dir) -> Path:
    return {"clip": tiny_model_dir, "siglip2": siglip2_dir, "altclip": altclip_dir}[request.param]


def test_text_only_gives_the_whole_models_vectors(model_dir, tmp_path):
    assert load_text_embedder(request(model_dir, tmp_path)) is None  # nothing converted or checked yet
    full = load_embedder(request(model_dir, tmp_path))
    want, counts = full.embed_texts(TEXTS), full.token_counts(TEXTS)
    text = load_text_embedder(request(model_dir, tmp_path, "auto"))
    assert isinstance(text, OpenVinoTextEmbedder)
    np.testing.assert_allclose(text.embed_texts(TEXTS), want, atol=1e-6)
    assert text.token_counts(TEXTS) == counts and text.max_text_tokens == full.max_text_tokens
    assert (text.model_id, text.dim, text.input_size) == (full.model_id, full.dim, full.input_size)


def test_the_token_table_is_kept_out_of_the_text_tower_and_changes_nothing(model_dir, tmp_path):
    from photoclip.core.embed import openvino_ir as ir

    full = load_embedder(request(model_dir, tmp_path))
    entry = ir.cache_dir(tmp_path, "m@1", "fp32")
    assert ir.manifest(entry)["text_split"] and (entry / ir.TOKEN_TABLE).is_file()
    torch_fp32 = load_embedder(request(model_dir, tmp_path, "fp32"))
    assert np.abs(full.embed_texts(TEXTS) - torch_fp32.embed_texts(TEXTS)).max() < 1e-4


def test_a_torch_backend_by_choice_keeps_torch(tiny_model_dir, tmp_path):
    load_embedder(request(tiny_model_dir, tmp_path)).embed_texts(["dog"])
    assert load_text_embedder(request(tiny_model_dir, tmp_path, "auto")) is not None
    assert load_text_embedder(request(tiny_model_dir, tmp_path, "fp32")) is None


def test_a_changed_tokenizer_is_checked_again(tiny_model_dir, tmp_path):
    import shutil

    model = shutil.copytree(tiny_model_dir, tmp_path / "model")
    load_embedder(request(model, tmp_path)).embed_texts(["dog"])
    assert fast_tokenizer.load_verified(model, tokenizer_entry(tmp_path, "m@1")) is not None
    config = model / "tokenizer_config.json"
    config.write_text(config.read_text())  # same content, new time: not the file that was checked
    os.utime(config, ns=(1, 1))
    assert load_text_embedder(request(model, tmp_path)) is None


def test_a_light_tokenizer_that_disagrees_is_not_kept(siglip2_dir):
    from photoclip.core.embed.clip_hf import load_tokenizer
    from photoclip.core.embed.families import read_spec

    reference = load_tokenizer(siglip2_dir)
    light = fast_tokenizer.FastTokenizer.from_transformers(reference)
    spec = read_spec(siglip2_dir)
    assert fast_tokenizer.agrees(spec, reference, light)
    left = fast_tokenizer.FastTokenizer(light._backend, **{**light.settings(), "padding_side": "left"})
    assert not fast_tokenizer.agrees(spec, reference, left)


def test_a_cold_search_and_an_unchanged_index_import_neither_torch_nor_transformers(tiny_model_dir, tmp_path):
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    for i in range(4):
        photo_like((320, 240), seed=i).save(pictures / f"IMG_{i}.jpg", quality=90)
    env = {**os.environ, "PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_MODEL": str(tiny_model_dir),
           "PHOTOCLIP_BACKEND": "openvino-fp32", "PHOTOCLIP_DEVICE": "cpu", "PHOTOCLIP_OFFLINE": "1",
           "PYTHONPATH": str(REPO)}
    script = """
import json, sys
from photoclip.core.library import Library
with Library.open() as library:
    summary = library.index_folders([sys.argv[1]])
    hits = library.search("a photo of a dog", limit=3)
    print(json.dumps({"embedded": summary.embedded, "hits": len(hits), "torch": "torch" in sys.modules,
                      "transformers": "transformers" in sys.modules, "loaded": library.loaded_embedder is not None,
                      "text": library.text_embedder.backend}))
"""
    runs = [json.loads(subprocess.run([sys.executable, "-c", script, str(pictures)], env=env, cwd=REPO, check=True,
                                      capture_output=True, text=True, timeout=300).stdout) for _ in range(2)]
    assert runs[0]["embedded"] == 4 and runs[0]["loaded"]  # the first run loads (and converts) the model
    again = runs[1]
    assert again == {"embedded": 0, "hits": 3, "torch": False, "transformers": False, "loaded": False,
                     "text": "openvino-fp32 (text only)"}


def test_a_one_shot_query_makes_the_text_cache_rather_than_load_the_whole_model(tiny_model_dir, tmp_path):
    assert load_text_embedder(request(tiny_model_dir, tmp_path, "fp32"), make=True) is None  # torch by choice
    text = load_text_embedder(request(tiny_model_dir, tmp_path, "auto"), make=True)
    assert isinstance(text, OpenVinoTextEmbedder)
    full = load_embedder(request(tiny_model_dir, tmp_path))  # openvino-fp32: the text reference
    want = full.embed_texts(TEXTS)
    # auto runs texts on the int8-weight tower where it passed its check against fp32 (made here too)
    assert float(np.min(np.sum(text.embed_texts(TEXTS) * want, axis=1))) >= TEXT_MIN_COSINE
    assert text.token_counts(TEXTS) == full.token_counts(TEXTS)
    reference = load_text_embedder(request(tiny_model_dir, tmp_path, "openvino-fp32"), make=True)
    np.testing.assert_allclose(reference.embed_texts(TEXTS), want, atol=1e-6)


def test_cold_searches_under_auto_never_run_its_check_or_race(tiny_model_dir, tmp_path):
    """A library indexed with torch has no recorded ``auto`` race: a cold search under ``auto`` makes the text
    tower's cache once (torch for the conversion), the next imports neither torch nor transformers, and neither
    loads the whole model, checks int8 or races the backends."""
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    for i in range(4):
        photo_like((320, 240), seed=i).save(pictures / f"IMG_{i}.jpg", quality=90)
    env = {**os.environ, "PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_MODEL": str(tiny_model_dir),
           "PHOTOCLIP_CACHE_DIR": str(tmp_path / "cache"), "PHOTOCLIP_BACKEND": "fp32", "PHOTOCLIP_DEVICE": "cpu",
           "PHOTOCLIP_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    index = "import sys\nfrom photoclip.core.library import Library\nLibrary.open().index_folders([sys.argv[1]])"
    subprocess.run([sys.executable, "-c", index, str(pictures)], env=env, cwd=REPO, check=True, timeout=300)
    script = """
import json, sys
from photoclip.core.library import Library
with Library.open() as library:
    library.one_shot = True
    hits = library.search("a photo of a dog", limit=3)
    print(json.dumps({"hits": len(hits), "torch": "torch" in sys.modules, "loaded": library.loaded_embedder is not None,
                      "transformers": "transformers" in sys.modules, "text": library.text_embedder.backend,
                      "guard": bool(library._catalog.meta_with_prefix("quality_guard"))}))
"""
    env["PHOTOCLIP_BACKEND"] = "auto"
    runs = [json.loads(subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, check=True,
                                      capture_output=True, text=True, timeout=300).stdout) for _ in range(2)]
    assert runs[0]["loaded"] is False and runs[0]["text"] == "openvino-fp32 (text only)" and runs[0]["hits"] == 3
    assert runs[1] == {"hits": 3, "torch": False, "loaded": False, "transformers": False,
                       "text": "openvino-fp32 (text only)", "guard": False}
    assert not list((tmp_path / "cache").rglob("speed-threads-*.json"))  # no race ran
