"""OpenVINO backend on the tiny real-format CLIP: conversion and its cache, parity with torch, static int8 with
the quality guard, fallbacks (no openvino, guard failing) and what `status` shows."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from photoclip.core import balance
from photoclip.core.embed import openvino_ir as ir
from photoclip.core.embed import quality_guard as guard
from photoclip.core.embed.backend_choice import LoadRequest, load_embedder
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from tests.model.conftest import MetaDict, better_quality_backend
from tests.support.images import photo_like

pytest.importorskip("openvino")
pytest.importorskip("nncf")
pytestmark = pytest.mark.model

#: fp32 OpenVINO vs fp32 torch: same graph, different kernels; float32 rounding only.
PARITY_ATOL = 1e-4
TEXTS = ["a photo of a cat", "dog", "A dog's birthday party at the beach, 2019!", "", "sunset " * 100]


@pytest.fixture(scope="module")
def photos() -> np.ndarray:
    """40 prepared photo-like images (what the library sample gives the guard)."""
    from photoclip.core.embed.preprocess import PreprocessConfig

    prep = PreprocessConfig()
    return np.stack([prep(photo_like((320, 240), seed=i)) for i in range(40)])


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory, tiny_model_dir, photos) -> Path:
    """A cache holding the tiny model's fp32 and int8 IR, converted and quantised once for the module."""
    root = tmp_path_factory.mktemp("ov-cache")
    load_embedder(request(tiny_model_dir, root, "openvino-int8", sample=lambda *a: photos, store=MetaDict()))
    return root


def seed(cache_root: Path, target: Path, *precisions: str) -> Path:
    """Copy cached entries into ``target`` (a fresh cache), so a test converts only what it is about."""
    for precision in precisions:
        shutil.copytree(ir.cache_dir(cache_root, "tiny@1", precision), ir.cache_dir(target, "tiny@1", precision))
    return target


def request(model_dir: Path, cache_root: Path, backend: str, **kw) -> LoadRequest:
    return LoadRequest(model_dir, "tiny@1", backend, "cpu", 1, cache_root, **kw)


def counting(monkeypatch, module, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_converts_once_then_loads_from_the_cache(tiny_model_dir, tmp_path, monkeypatch):
    conversions = counting(monkeypatch, ir, "convert_towers")
    first = load_embedder(request(tiny_model_dir, tmp_path, "openvino-fp32"))
    entry = ir.cache_dir(tmp_path, "tiny@1", "fp32")
    stamps = {p.name: p.stat().st_mtime_ns for p in entry.iterdir()}
    assert {"image.xml", "image.bin", "text.xml", "text.bin", "manifest.json"} <= set(stamps)
    second = load_embedder(request(tiny_model_dir, tmp_path, "openvino-fp32"))
    assert len(conversions) == 1
    assert {p.name: p.stat().st_mtime_ns for p in entry.iterdir()} == stamps
    assert first.backend == second.backend == "openvino-fp32"
    assert first.model_id == "tiny@1"  # same vector space as torch: stored vectors stay valid


def test_a_damaged_cache_is_rebuilt(tiny_model_dir, cache_root, tmp_path, photos, monkeypatch):
    seed(cache_root, tmp_path, "fp32")
    good = load_embedder(request(tiny_model_dir, tmp_path, "openvino-fp32")).embed_prepared(photos[:4])
    entry = ir.cache_dir(tmp_path, "tiny@1", "fp32")
    (entry / "image.bin").write_bytes((entry / "image.bin").read_bytes()[:1000])
    conversions = counting(monkeypatch, ir, "convert_towers")
    again = load_embedder(request(tiny_model_dir, tmp_path, "openvino-fp32")).embed_prepared(photos[:4])
    assert len(conversions) == 1
    np.testing.assert_allclose(again, good, atol=1e-6)
    assert not [p for p in entry.parent.iterdir() if p.name.startswith(".")]  # no temp folder left behind


def test_the_compiled_tower_is_kept_reused_with_identical_vectors_and_bounded(tiny_model_dir, cache_root, tmp_path,
                                                                              photos):
    from photoclip.core.embed import openvino_backend as ovb

    seed(cache_root, tmp_path, "fp32", "int8")
    first = load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", store=MetaDict()))
    compiled = ir.cache_dir(tmp_path, "tiny@1", ovb.COMPILED) / "image"
    blobs = list(compiled.glob("*.blob"))
    assert len(blobs) == 1
    stamp = blobs[0].stat().st_mtime_ns
    second = load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", store=MetaDict()))
    assert [(b, b.stat().st_mtime_ns) for b in compiled.glob("*.blob")] == [(blobs[0], stamp)]  # imported, not redone
    np.testing.assert_array_equal(second.embed_prepared(photos[:4]), first.embed_prepared(photos[:4]))
    for i in range(4):  # blobs of other settings (precisions, an older OpenVINO): only the newest few stay
        old = compiled / f"{i}.blob"
        old.write_bytes(b"old")
        os.utime(old, (1e9 + i, 1e9 + i))
    third = load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", store=MetaDict()))
    kept = list(compiled.glob("*.blob"))
    assert blobs[0] in kept and len(kept) <= ovb.COMPILED_KEPT and compiled / "0.blob" not in kept
    np.testing.assert_array_equal(third.embed_prepared(photos[:4]), first.embed_prepared(photos[:4]))


def test_a_batch_runs_split_over_streams_with_the_same_vectors_in_order(tiny_model_dir, cache_root, tmp_path,
                                                                        photos, monkeypatch):
    """The image tower is one stream of one thread per core: the pipeline changes how many run at once from
    batch to batch (``set_threads``) without compiling anything again, and a batch split over them gives each
    photo its own vector, in order."""
    from photoclip.core.embed import openvino_backend as ovb

    seed(cache_root, tmp_path, "fp32", "int8")
    embedder = load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", store=MetaDict()))
    cores = balance.available_cores()  # OpenVINO makes no more streams than there are cores
    if cores < 2:
        pytest.skip("one core: one stream")
    assert embedder._compiled.get_property("NUM_STREAMS") == embedder.streams == min(cores, ovb.MAX_STREAMS)
    assert embedder.threads == 1  # as asked at load
    one = embedder.embed_prepared(photos[:7])
    blobs = sorted(ir.cache_dir(tmp_path, "tiny@1", ovb.COMPILED).glob("image/*.blob"))
    for threads in range(2, cores + 2):
        assert embedder.set_threads(threads) and embedder.threads == min(threads, embedder.streams)
        np.testing.assert_allclose(embedder.embed_prepared(photos[:7]), one, atol=1e-5)
    assert len(embedder._requests) == min(7, embedder.streams)  # the batch's parts ran on as many requests
    assert sorted(ir.cache_dir(tmp_path, "tiny@1", ovb.COMPILED).glob("image/*.blob")) == blobs  # none compiled
    np.testing.assert_allclose(embedder.embed_prepared(photos[:2]), one[:2], atol=1e-5)  # fewer photos than streams
    with pytest.raises(Exception):  # noqa: B017 -- OpenVINO's own error: a photo of the wrong size
        embedder.embed_prepared(photos[:7, :, :100, :100])
    np.testing.assert_allclose(embedder.embed_prepared(photos[:7]), one, atol=1e-5)  # no request left busy


def test_many_cores_give_each_stream_more_threads(monkeypatch):
    from photoclip.core.embed import openvino_backend as ovb

    for cores, streams, threads in ((2, 2, 2), (8, 8, 8), (12, 6, 12), (32, 8, 32), (13, 6, 12)):
        monkeypatch.setattr(balance, "available_cores", lambda c=cores: c)
        config = ovb.image_config(1, "fp32")
        assert (config["NUM_STREAMS"], config["INFERENCE_NUM_THREADS"]) == (streams, threads)
        assert "PERFORMANCE_HINT" not in config  # a hint would override the streams


def test_towers_are_not_bound_to_the_first_cores_and_int8_uses_native_bf16(tiny_model_dir, cache_root, tmp_path,
                                                                          photos, native_bf16):
    """OpenVINO binds a process's inference threads to the first cores unless told not to: two processes (the
    window's text tower beside the indexing process, a terminal's search beside the app) then ran on one core
    at half speed each while the other idled. What int8 leaves in float runs in bf16 where the CPU has it."""
    from openvino import Core, Type

    seed(cache_root, tmp_path, "fp32", "int8")
    embedder = load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", store=MetaDict()))
    embedder.embed_texts(["a dog"])
    image, text = embedder._compiled, embedder._text._request.get_compiled_model()
    for compiled in (image, text):
        assert compiled.get_property("ENABLE_CPU_PINNING") is False
    # (told bf16 on a CPU without it, OpenVINO runs f32: the CI's CPUs differ)
    has_bf16 = "BF16" in Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    assert image.get_property("INFERENCE_PRECISION_HINT") == (Type.bf16 if native_bf16 and has_bf16 else Type.f32)
    assert text.get_property("INFERENCE_PRECISION_HINT") == Type.f32  # fp32 text tower: the reference


def test_openvino_fp32_matches_the_torch_reference(tiny_model_dir, cache_root, photos):
    from photoclip.core.embed.clip_hf import ClipEmbedder

    torch_ref = ClipEmbedder.load(tiny_model_dir, model_id="tiny@1", backend="fp32", device="cpu", threads=1)
    ov = load_embedder(request(tiny_model_dir, cache_root, "openvino-fp32"))
    image_diff = np.abs(ov.embed_prepared(photos[:8]) - torch_ref.embed_prepared(photos[:8])).max()
    text_diff = np.abs(ov.embed_texts(TEXTS) - torch_ref.embed_texts(TEXTS)).max()
    assert image_diff < PARITY_ATOL and text_diff < PARITY_ATOL
    assert ov.embed_prepared(photos[:0]).shape == (0, ov.dim)


def test_text_is_padded_to_the_longest_prompt_not_77(tiny_model_dir, cache_root):
    ov = load_embedder(request(tiny_model_dir, cache_root, "openvino-fp32"))
    tokens = ov.tokenize(["a cat", "a photo of a dog"])
    assert tokens["input_ids"].shape == (2, 7)  # <bos> a photo of a dog <eos>
    assert ov.tokenize(["sunset " * 100])["input_ids"].shape[1] == 77  # truncated, not longer


def test_int8_is_calibrated_guarded_and_the_verdict_is_kept(tiny_model_dir, cache_root, tmp_path, photos,
                                                            monkeypatch):
    seed(cache_root, tmp_path, "fp32")
    store, sampled = MetaDict(), []

    def sample(prepare, min_side, count):
        sampled.append(count)
        return photos

    first = load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", sample=sample, store=store))
    assert first.backend == "openvino-int8"
    result = guard.GuardResult.from_json(store[guard.meta_key("tiny@1", "openvino-int8")])
    assert result.passed and result.reference == "openvino-fp32"
    assert result.photos == len(photos) - 16  # checked on photos held out from the 16 calibration ones
    assert 0.995 <= result.cosine_mean <= 1 and result.cosine_min <= result.cosine_mean
    assert 0.8 <= result.recall_at_k <= 1 and result.k == 10
    assert (ir.cache_dir(tmp_path, "tiny@1", "int8") / "image.xml").exists()
    quantisations = counting(monkeypatch, ir, "quantize_image_tower")
    again = load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", sample=sample, store=store))
    assert again.backend == "openvino-int8" and sampled == [48] and not quantisations  # nothing redone


def test_a_failing_guard_falls_back_to_better_quality_and_stays_failed(tiny_model_dir, cache_root, tmp_path, photos,
                                                                       monkeypatch, native_bf16):
    seed(cache_root, tmp_path, "fp32", "int8")
    monkeypatch.setattr(guard, "THRESHOLDS", guard.Thresholds(min_mean_cosine=1.01))  # impossible
    store = MetaDict()
    embedder = load_embedder(request(tiny_model_dir, tmp_path, "openvino", sample=lambda *a: photos, store=store))
    assert embedder.backend == better_quality_backend(native_bf16)
    result = guard.GuardResult.from_json(store[guard.meta_key("tiny@1", "openvino-int8")])
    assert not result.passed and result.reference == "openvino-fp32"  # always checked against fp32
    assert "failed, openvino-int8 is not used" in result.summary()
    # next time: the recorded verdict is enough, no photos needed
    again = load_embedder(request(tiny_model_dir, tmp_path, "openvino", sample=None, store=store))
    assert again.backend == better_quality_backend(native_bf16)


def test_too_few_photos_for_the_guard_means_better_quality_for_now(tiny_model_dir, cache_root, photos, native_bf16):
    store = MetaDict()
    embedder = load_embedder(request(tiny_model_dir, cache_root, "openvino-int8", sample=lambda *a: photos[:3],
                                     store=store))
    assert embedder.backend == better_quality_backend(native_bf16) and not store


def test_openvino_bf16_runs_only_where_the_cpu_has_it(tiny_model_dir, cache_root, photos, native_bf16):
    embedder = load_embedder(request(tiny_model_dir, cache_root, "openvino-bf16"))
    assert embedder.backend == better_quality_backend(native_bf16)
    reference = load_embedder(request(tiny_model_dir, cache_root, "openvino-fp32")).embed_prepared(photos[:4])
    cosines = np.sum(embedder.embed_prepared(photos[:4]) * reference, axis=1)
    assert cosines.min() > 0.99  # bf16 (f32 where the CPU lacks it) stays in the fp32 vector space


def test_without_openvino_installed_torch_is_used(tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openvino", None)  # `import openvino` now raises ImportError
    assert not ir.openvino_available()
    for backend, expected in (("openvino-int8", "int8"), ("openvino-fp32", "int8"), ("auto", "int8")):
        embedder = load_embedder(request(tiny_model_dir, tmp_path, backend))
        assert type(embedder).__name__ == "ClipEmbedder" and embedder.backend == expected
    assert not (tmp_path / "openvino").exists()


def test_auto_measures_once_and_remembers_the_winner(tiny_model_dir, cache_root, tmp_path, photos, monkeypatch,
                                                    native_bf16):
    seed(cache_root, tmp_path, "fp32", "int8")
    store = MetaDict()
    first = load_embedder(request(tiny_model_dir, tmp_path, "auto", sample=lambda *a: photos, store=store))
    record = json.loads((ir.cache_dir(tmp_path, "tiny@1", "auto") / "speed-threads-1.json").read_text())
    assert set(record["images_per_second"]) == {"int8", "openvino-int8"}
    assert first.backend == record["winner"] or (record["winner"] == "torch" and first.backend == "int8")
    from photoclip.core.embed import backend_choice

    timings = counting(monkeypatch, backend_choice, "images_per_second")
    again = load_embedder(request(tiny_model_dir, tmp_path, "auto", sample=lambda *a: photos, store=store))
    assert again.backend == first.backend and not timings


def test_library_status_shows_the_guard(tiny_model_dir, cache_root, tmp_path, monkeypatch, capsys, native_bf16):
    seed(cache_root, tmp_path / "cache", "fp32", "int8")
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    for i in range(12):
        photo_like((320, 240), seed=i).save(pictures / f"IMG_{i:02}.jpg", quality=90)
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", model=str(tiny_model_dir),
                        backend="openvino-int8", threads=1, allow_download=False)
    with Library.open(settings) as library:
        summary = library.index_folders([pictures])
        status = library.status().as_dict()
    assert summary.embedded == 12
    assert status["backend"] == "openvino-int8"
    [result] = status["quality_guard"]
    assert result["backend"] == "openvino-int8" and result["photos"] == 12 and result["passed"]

    from photoclip.cli.main import main

    for key, value in {"PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_CACHE_DIR": str(tmp_path / "cache"),
                       "PHOTOCLIP_MODEL": str(tiny_model_dir), "PHOTOCLIP_OFFLINE": "1"}.items():
        monkeypatch.setenv(key, value)
    assert main(["status"]) == 0
    assert "Quality guard: openvino-int8 vs openvino-fp32 on 12 of your photos" in capsys.readouterr().out
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["quality_guard"][0]["recall_at_k"] == result["recall_at_k"]


@pytest.fixture(scope="module")
def sample48(photos) -> np.ndarray:
    """A full library sample: 16 photos calibrate int8, 32 are checked (enough for other libraries to adopt)."""
    from photoclip.core.embed.preprocess import PreprocessConfig

    prep = PreprocessConfig()
    return np.concatenate([photos, np.stack([prep(photo_like((320, 240), seed=100 + i)) for i in range(8)])])


def test_a_new_library_adopts_this_computers_verdict_until_it_is_large(tiny_model_dir, cache_root, tmp_path,
                                                                       sample48):
    from photoclip.core.embed.backend_choice import OWN_CHECK_PHOTOS

    seed(cache_root, tmp_path, "fp32")
    key = guard.meta_key("tiny@1", "openvino-int8")
    first = MetaDict()
    load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", sample=lambda *a: sample48, store=first))
    assert guard.GuardResult.from_json(first[key]).photos == 32
    sampled: list[int] = []

    def sample(prepare, min_side, count):
        sampled.append(count)
        return sample48

    second = MetaDict()  # another library on the same computer, small: no photos read, no check run
    embedder = load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", sample=sample, store=second,
                                     library_photos=lambda: 40))
    adopted = guard.GuardResult.from_json(second[key])
    assert embedder.backend == "openvino-int8" and not sampled
    assert adopted.adopted and adopted.passed and adopted.photos == 32
    assert "photos of another library on this computer" in adopted.summary()
    # large enough now: the library's own photos decide, once
    load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", sample=sample, store=second,
                          library_photos=lambda: OWN_CHECK_PHOTOS))
    own = guard.GuardResult.from_json(second[key])
    assert sampled == [48] and own.passed and not own.adopted
    load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", sample=sample, store=second,
                          library_photos=lambda: OWN_CHECK_PHOTOS))
    assert sampled == [48]


def test_a_verdict_that_failed_here_is_adopted_too(tiny_model_dir, cache_root, tmp_path, sample48, monkeypatch):
    seed(cache_root, tmp_path, "fp32", "int8")
    monkeypatch.setattr(guard, "THRESHOLDS", guard.Thresholds(min_mean_cosine=1.01))  # impossible
    load_embedder(request(tiny_model_dir, tmp_path, "openvino", sample=lambda *a: sample48, store=MetaDict()))
    other = MetaDict()
    embedder = load_embedder(request(tiny_model_dir, tmp_path, "openvino", sample=None, store=other))
    result = guard.GuardResult.from_json(other[guard.meta_key("tiny@1", "openvino-int8")])
    assert embedder.backend != "openvino-int8" and result.adopted and not result.passed


def test_a_verdict_on_few_photos_is_not_adopted(tiny_model_dir, cache_root, tmp_path, photos):
    seed(cache_root, tmp_path, "fp32")
    load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", sample=lambda *a: photos, store=MetaDict()))
    sampled: list[int] = []
    other = MetaDict()
    load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", store=other,
                          sample=lambda *a: sampled.append(1) or photos))
    assert sampled == [1] and not guard.GuardResult.from_json(other[guard.meta_key("tiny@1", "openvino-int8")]).adopted


def test_without_nncf_auto_races_openvinos_float_setting_and_again_once_int8_is_possible(
        tiny_model_dir, cache_root, tmp_path, photos, monkeypatch):
    from photoclip.core.embed.clip_hf import cpu_has_native_bf16

    seed(cache_root, tmp_path, "fp32")
    monkeypatch.setattr(ir, "nncf_available", lambda: False)  # openvino is installed, nncf is not
    quantisations = counting(monkeypatch, ir, "quantize_image_tower")
    first = load_embedder(request(tiny_model_dir, tmp_path, "auto", sample=lambda *a: photos, store=MetaDict()))
    record = json.loads((ir.cache_dir(tmp_path, "tiny@1", "auto") / "speed-threads-1.json").read_text())
    float_setting = "openvino-bf16" if cpu_has_native_bf16() else "openvino-fp32"
    assert set(record["images_per_second"]) == {"int8", float_setting} and record["int8"] is False
    assert first.backend in {"int8", float_setting} and not quantisations
    # openvino-int8 asked for explicitly: the float setting, no error
    assert load_embedder(request(tiny_model_dir, tmp_path, "openvino-int8", sample=lambda *a: photos,
                                 store=MetaDict())).backend == float_setting
    monkeypatch.setattr(ir, "nncf_available", lambda: True)  # installed since: int8 joins the race
    load_embedder(request(tiny_model_dir, tmp_path, "auto", sample=lambda *a: photos, store=MetaDict()))
    record = json.loads((ir.cache_dir(tmp_path, "tiny@1", "auto") / "speed-threads-1.json").read_text())
    assert record["int8"] is True and "openvino-int8" in record["images_per_second"] and quantisations
