"""The first run on a computer indexes on torch's fast path at once while OpenVINO int8 is converted,
calibrated and guarded in the background, then switches between two batches: every photo is embedded exactly
once, the vectors of both backends rank alike, and the next run starts on OpenVINO."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from photoclip.core.embed import backend_choice
from photoclip.core.embed import openvino_ir as ir
from photoclip.core.embed.background_upgrade import BackgroundUpgrade
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from tests.support.images import photo_like

pytest.importorskip("openvino")
pytest.importorskip("nncf")
pytestmark = pytest.mark.model
PHOTOS = 40
SWITCH_AFTER = 8


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("Pictures")
    for i in range(PHOTOS):
        photo_like((320, 240), seed=i).save(root / f"IMG_{i:02}.jpg", quality=90)
    return root


def settings(tmp_path: Path, model: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", model=str(model), backend="auto",
                    threads=1, batch_size=4, allow_download=False)


def test_indexing_switches_to_openvino_mid_run_and_embeds_each_photo_once(tiny_model_dir, pictures, tmp_path,
                                                                           monkeypatch):
    # The speed race is a measurement (on a tiny model either may win): this computer's record says OpenVINO
    # int8 won, as after a race whose int8 model was since deleted, so the switch itself is what is tested.
    library = Library.open(settings(tmp_path, tiny_model_dir))
    library.optimise_in_background = True  # as the command line does
    record = ir.cache_dir(tmp_path / "cache", library.model.model_id, "auto") / "speed-threads-1.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"winner": "openvino-int8", "images_per_second": {}, "int8": True}))

    # Hold the background until SWITCH_AFTER photos were embedded on torch, and the indexing until it is ready,
    # so the switch falls in the middle of the run. Gated on the model thread itself (progress events are
    # throttled and can arrive only at the end of a short run on a busy machine).
    enough, real = threading.Event(), backend_choice._faster_than
    monkeypatch.setattr(backend_choice, "_faster_than", lambda *a: enough.wait(60) and real(*a))
    backends: list[str] = []
    embedded = [0]
    real_embed = BackgroundUpgrade.embed_prepared

    def embed_prepared(self, batch):
        if embedded[0] >= SWITCH_AFTER and not enough.is_set():
            enough.set()
            assert library.finish_optimising(timeout=600)
        vectors = real_embed(self, batch)
        embedded[0] += len(batch)
        backends.append(self._current.backend)
        return vectors

    monkeypatch.setattr(BackgroundUpgrade, "embed_prepared", embed_prepared)
    with library:
        summary = library.index_folders([pictures])
        upgrade = library.loaded_embedder
        assert isinstance(upgrade, BackgroundUpgrade) and upgrade.error is None
        assert upgrade.backend == "openvino-int8"
    assert summary.embedded == PHOTOS and summary.failed == 0
    assert "int8" in backends and backends[-1] == "openvino-int8"  # torch's fast path first, then OpenVINO

    # every photo has one vector, whichever backend made it, close to what the fp32 reference makes of the
    # same input: the two kinds of vectors live in one space (the guard's own bound)
    from photoclip.core.embed.clip_hf import ClipEmbedder
    from photoclip.core.embed.quality_guard import THRESHOLDS

    with Library.open(settings(tmp_path, tiny_model_dir)) as again:
        rows = again._catalog.photos_in_folder(again.folders()[0].id)
        assert len(rows) == PHOTOS and len({r.content_hash for r in rows.values()}) == PHOTOS
        model = again.model
        reference = ClipEmbedder.load(tiny_model_dir, model_id=model.model_id, backend="fp32", device="cpu",
                                      threads=1)
        paths = sorted(rows)
        want = reference.embed_prepared(np.stack([prepared(p, model) for p in paths]))
        got = np.stack([again._catalog.vector_for_hash(rows[p].content_hash, model.model_id) for p in paths])
        assert np.sum(want * got, axis=1).min() >= THRESHOLDS.min_cosine
        # the next run starts on OpenVINO at once: nothing left to prepare
        assert again.embedder.backend == "openvino-int8" and not again.optimising


def prepared(path: str, model) -> np.ndarray:
    """The photo as the pipeline gives it to the model."""
    from photoclip.core.imaging.decode import decode_photo
    from photoclip.core.imaging.source import open_photo

    with open_photo(path) as source:
        return model.preprocess_config(decode_photo(source.data, min_side=model.input_size).image)
