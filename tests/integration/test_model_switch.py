"""Switching a library to another model without downtime: the current model answers while the new one's vectors
are built by the normal pipeline; a paused build resumes without re-embedding; one step switches; old vectors stay
until a cleanup. Real catalog, real HNSW index, deterministic colour embedders as the two models."""

from __future__ import annotations

import threading

import pytest

from photoclip.core import model_switch
from photoclip.core.control import JobControl
from photoclip.core.embed.model_catalog import BY_ID, Hardware, recommended
from photoclip.core.library import Library
from tests.support.color_embedder import ColorEmbedder, GatedColorEmbedder
from tests.support.library_fixtures import gated_settings, make_settings, write_photo

COLOURS = ("red", "green", "blue", "yellow", "white", "orange", "purple", "black")


class NewColors(ColorEmbedder):
    """The "new model": the same colour space under another model id."""

    model_id = "test/colors@v2"


class GatedNewColors(GatedColorEmbedder):
    model_id = "test/colors@v2"


def factory(new):
    def make(settings, _bus):
        return new if settings.model == "v2" else old

    old = ColorEmbedder()
    return make


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "Pictures"
    for i, colour in enumerate(COLOURS * 2):
        write_photo(root / f"{i:02d}-{colour}.jpg", colour, size=(320 + i, 240))  # every file distinct
    return root


def open_lib(tmp_path, new, settings=None) -> Library:
    return Library.open(settings or make_settings(tmp_path), embedder_factory=factory(new))


def test_a_switch_builds_every_vector_then_moves_the_library_in_one_step(tmp_path, photos):
    new = NewColors()
    with open_lib(tmp_path, new) as lib:
        lib.index_folders([photos])
        assert lib.embedder.model_id == "test/colors@v1"
        outcome = lib.switch_model("v2")
        assert outcome.switched and new.images_embedded == len(COLOURS) * 2
        assert lib.embedder is new and lib._catalog.get_meta("model_id") == "test/colors@v2"
        assert lib.model_spec == "v2" and lib.switch_progress() is None
        assert lib.search("red", 1)[0].path.endswith("-red.jpg")
        report = lib.reclaimable()
        assert [m.model_id for m in report.old_models] == ["test/colors@v1"]  # kept until a cleanup
        lib.reclaim(old_models=True)
        assert lib._catalog.embedding_stats("test/colors@v1")[0] == 0
    with open_lib(tmp_path, NewColors()) as again:  # the next start runs the new model: it is the library's
        assert again.model_spec == "v2"


def test_a_paused_switch_keeps_the_old_model_answering_and_resumes_without_re_embedding(tmp_path, photos):
    new = GatedNewColors()
    with open_lib(tmp_path, new, gated_settings(tmp_path)) as lib:
        lib.index_folders([photos])
        control = JobControl()
        result = {}
        worker = threading.Thread(target=lambda: result.setdefault("outcome", lib.switch_model("v2", control)))
        worker.start()
        new.allow(6)
        wait_for(lambda: lib.vector_coverage("test/colors@v2")[0] >= 4)  # one batch committed
        control.cancel()  # what Ctrl-C or the app's Pause does
        new.allow(1000)
        worker.join(60)
        outcome = result["outcome"]
        assert not outcome.switched
        done, total = outcome.progress.done, outcome.progress.total
        assert 0 < done < total == len(COLOURS) * 2
        assert lib.embedder.model_id == "test/colors@v1" and lib.search("blue", 1)[0].path.endswith("-blue.jpg")
        status = lib.status().as_dict()
        assert status["model_switch"] == {"to": "v2", "model_id": "test/colors@v2", "done": done, "total": total}
    resumed = NewColors()
    with open_lib(tmp_path, resumed) as lib:  # a new process: the switch is remembered and goes on from there
        assert lib.switch_model().switched
        assert resumed.images_embedded == total - done
        assert lib.embedder is resumed


def wait_for(condition, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_search_is_not_held_up_while_the_new_model_builds(tmp_path, photos):
    new = GatedNewColors()
    with open_lib(tmp_path, new, gated_settings(tmp_path)) as lib:
        lib.index_folders([photos])
        result = {}
        worker = threading.Thread(target=lambda: result.setdefault("outcome", lib.switch_model("v2")))
        worker.start()
        try:
            new.allow(3)  # the build stands still after three photos
            hits = lib.search("green", 2)  # answered by the current model while the build waits
            assert [h.path.rsplit("-", 1)[1] for h in hits] == ["green.jpg", "green.jpg"]
            assert lib.embedder.model_id == "test/colors@v1"
        finally:
            new.allow(1000)
            worker.join(60)
        assert result["outcome"].switched and lib.embedder is new


def test_photos_added_during_the_switch_get_the_new_models_vector(tmp_path, photos):
    new = GatedNewColors()
    with open_lib(tmp_path, new, gated_settings(tmp_path)) as lib:
        lib.index_folders([photos])
        worker = threading.Thread(target=lambda: lib.switch_model("v2"))
        worker.start()
        new.allow(2)
        write_photo(photos / "late-red.jpg", "red")  # a photo arrives while the build runs
        lib.index_paths([str(photos / "late-red.jpg")])  # the watcher indexes it with the current model
        new.allow(1000)
        worker.join(60)
        assert lib.embedder is new
        assert lib.vector_coverage("test/colors@v2") == (len(COLOURS) * 2 + 1, len(COLOURS) * 2 + 1)


def test_cancelling_a_switch_keeps_the_current_model(tmp_path, photos):
    with open_lib(tmp_path, NewColors()) as lib:
        lib.index_folders([photos])
        model_switch.begin(lib._catalog, "v2", "test/colors@v2")
        lib.cancel_switch()
        assert lib.switch_progress() is None and lib.model_spec != "v2"


def test_which_model_a_library_runs(tmp_path):
    settings = make_settings(tmp_path)
    with Library.open(settings, embedder=ColorEmbedder()) as lib:
        catalog = lib._catalog
        settings.model = "google/siglip2-base-patch32-256"
        assert model_switch.library_model(settings, catalog) == settings.model  # a new library: the default
        catalog.set_meta("model_id", "openai/clip-vit-base-patch32@0123456789ab")
        # a catalog from before the record: the model it last ran, not the new default
        assert model_switch.library_model(settings, catalog) == "openai/clip-vit-base-patch32"
        model_switch.remember_model(catalog, "google/siglip2-base-patch16-224")
        assert model_switch.library_model(settings, catalog) == "google/siglip2-base-patch16-224"
        settings.model, settings.model_explicit = "/models/mine", True  # PHOTOCLIP_MODEL for this run wins
        assert model_switch.library_model(settings, catalog) == "/models/mine"


@pytest.mark.parametrize(("hardware", "expected"), [
    (Hardware(), "google/siglip2-base-patch32-256"),
    (Hardware(cuda=True, gpu_memory_gb=4), "google/siglip2-base-patch16-224"),
    (Hardware(cuda=True, gpu_memory_gb=24), "google/siglip2-so400m-patch16-384"),
])
def test_the_recommendation_follows_the_hardware(hardware, expected):
    assert recommended(hardware).hub_id == expected
    assert BY_ID[expected].quality.source  # a recommended model's figures name where they were published
