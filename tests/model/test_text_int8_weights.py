"""The int8-weight text tower (a cold SigLIP 2 query held 0.79 GB with fp32 text weights): made with the int8
image tower where nncf is installed, used only where it passed its check against fp32, by the full model and
the cold text-only load alike; backends named for a float precision keep the fp32 text reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from photoclip.core.embed import openvino_backend as ovb
from photoclip.core.embed import openvino_ir as ir
from photoclip.core.embed.backend_choice import LoadRequest, load_embedder, load_text_embedder
from tests.model.conftest import MetaDict
from tests.support.images import photo_like

pytest.importorskip("openvino")
pytest.importorskip("nncf")
pytestmark = pytest.mark.model
TEXTS = ["a photo of a cat", "Dog", "café au lait", "", "sunset over the sea " * 40]


@pytest.fixture(scope="module")
def photos() -> list:
    return [photo_like((320, 240), seed=i) for i in range(40)]


def request(model_dir: Path, cache: Path, backend: str, photos: list | None = None) -> LoadRequest:
    def sample(prepare, _side: int, count: int) -> np.ndarray:  # the library's photos, as the model takes them
        return np.stack([prepare(photo) for photo in (photos or [])[:count]])

    return LoadRequest(model_dir, "m@1", backend, "cpu", 1, cache, sample=sample, store=MetaDict())


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)  # unit rows


@pytest.mark.parametrize("family", ["clip", "siglip2"])
def test_int8_text_weights_are_checked_then_used_by_full_and_cold_loads(family, tiny_model_dir, siglip2_dir,
                                                                        tmp_path, photos):
    model_dir = {"clip": tiny_model_dir, "siglip2": siglip2_dir}[family]
    full = load_embedder(request(model_dir, tmp_path, "openvino-int8", photos))
    verdict = ir.manifest(ir.cache_dir(tmp_path, "m@1", ovb.TEXT_INT8W))
    assert verdict["passed"] is True and verdict["min_cosine"] >= ovb.TEXT_MIN_COSINE
    reference = load_embedder(request(model_dir, tmp_path, "openvino-fp32")).embed_texts(TEXTS)
    cold = load_text_embedder(request(model_dir, tmp_path, "auto"))
    in_process = full.embed_texts(TEXTS)
    # the app, `photoclip search --index` and a cold `photoclip search` embed a query identically
    np.testing.assert_allclose(cold.embed_texts(TEXTS), in_process, atol=1e-6)
    assert cosines(in_process, reference).min() >= ovb.TEXT_MIN_COSINE
    assert not np.array_equal(in_process, reference)  # it is the int8-weight tower that answered
    # a float backend asked for by name keeps the fp32 text reference, cold too
    named = load_text_embedder(request(model_dir, tmp_path, "openvino-fp32"))
    np.testing.assert_allclose(named.embed_texts(TEXTS), reference, atol=1e-6)


def test_a_text_tower_that_fails_its_check_is_never_used(tiny_model_dir, tmp_path, photos, monkeypatch):
    monkeypatch.setattr(ovb, "TEXT_MIN_COSINE", 1.01)  # no tower can pass
    full = load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", photos))
    assert ir.manifest(ir.cache_dir(tmp_path, "m@1", ovb.TEXT_INT8W))["passed"] is False
    reference = load_embedder(request(tiny_model_dir, tmp_path, "openvino-fp32")).embed_texts(TEXTS)
    np.testing.assert_allclose(full.embed_texts(TEXTS), reference, atol=1e-6)
    np.testing.assert_allclose(load_text_embedder(request(tiny_model_dir, tmp_path, "auto")).embed_texts(TEXTS),
                               reference, atol=1e-6)
