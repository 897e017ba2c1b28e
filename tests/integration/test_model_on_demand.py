"""The model loads only when something needs it: an index run with nothing new to embed never loads it, a text
query loads only what texts need, and a batch's first photo loads it before the library's writer lock."""

from __future__ import annotations

import shutil
from contextlib import contextmanager

import numpy as np
import pytest

from photoclip.core.embed.model_info import ModelInfo
from photoclip.core.library import Library
from photoclip.core.pipeline import Indexer
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings, write_photo


class CountingModel:
    """A model source as the library sees a real one: its identity told cheaply (``describe``), the model
    (``__call__``) and a text-only embedder (``load_text``) loaded on demand, every load counted."""

    def __init__(self) -> None:
        self.loads = 0
        self.text_loads = 0

    def describe(self, settings) -> ModelInfo:
        return ModelInfo.of(ColorEmbedder())

    def __call__(self, settings, bus) -> ColorEmbedder:
        self.loads += 1
        return ColorEmbedder()

    def load_text(self, settings, info: ModelInfo) -> ColorEmbedder:
        self.text_loads += 1
        return ColorEmbedder()


def photos(root):
    for colour in ("red", "green", "blue", "yellow"):
        write_photo(root / f"{colour}.jpg", colour)
    return root


def open_counting(tmp_path) -> tuple[Library, CountingModel]:
    model = CountingModel()
    return Library.open(make_settings(tmp_path), embedder_factory=model, describe=model.describe,
                        text_loader=model.load_text), model


def test_an_unchanged_reindex_loads_no_model(tmp_path):
    folder = photos(tmp_path / "Pictures")
    library, model = open_counting(tmp_path)
    with library:
        assert library.index_folders([folder]).embedded == 4
    assert model.loads == 1
    library, model = open_counting(tmp_path)  # a new process: `photoclip index` again
    with library:
        summary = library.index_folders([folder])
        status = library.status()
    assert (summary.unchanged, summary.embedded) == (4, 0)
    assert model.loads == 0 and model.text_loads == 0
    assert status.backend is None and status.model_id == ColorEmbedder.model_id


def test_moves_and_copies_of_known_photos_load_no_model(tmp_path):
    folder = photos(tmp_path / "Pictures")
    with open_counting(tmp_path)[0] as library:
        library.index_folders([folder])
    (folder / "trip").mkdir()
    shutil.move(folder / "red.jpg", folder / "trip" / "red.jpg")
    shutil.copy(folder / "blue.jpg", folder / "blue copy.jpg")
    library, model = open_counting(tmp_path)
    with library:
        summary = library.index_folders([folder])
    assert (summary.moved, summary.reused, summary.embedded) == (1, 1, 0)
    assert model.loads == 0


def test_a_new_photo_loads_the_model_once(tmp_path):
    folder = photos(tmp_path / "Pictures")
    with open_counting(tmp_path)[0] as library:
        library.index_folders([folder])
    write_photo(folder / "purple.jpg", "purple")
    write_photo(folder / "orange.jpg", "orange")
    library, model = open_counting(tmp_path)
    with library:
        assert library.index_folders([folder]).embedded == 2
        library.search("purple", limit=1)
    assert model.loads == 1 and model.text_loads == 0  # the loaded model answers the query


def test_a_text_query_loads_only_the_text_embedder(tmp_path):
    folder = photos(tmp_path / "Pictures")
    with open_counting(tmp_path)[0] as library:
        library.index_folders([folder])
    library, model = open_counting(tmp_path)
    with library:
        hits = library.search("red", limit=2)
        assert library.cut_query_terms("red") == []
        library.search("blue", limit=2)
        assert (model.loads, model.text_loads) == (0, 1)  # loaded once, kept for the next query
        assert library.loaded_embedder is None  # About and status: the model is not loaded
        # a library photo as the query: its stored vector, no model either
        similar = library.similar(folder / "green.jpg", limit=1)
        assert model.loads == 0
        # indexing a new photo loads the whole model, which then answers texts too
        write_photo(folder / "white.jpg", "white")
        library.index_folders([folder])
        library.search("green", limit=1)
    assert hits[0].path.endswith("red.jpg") and similar[0].path.endswith(".jpg")
    assert (model.loads, model.text_loads) == (1, 1)
    assert library._text_embedder is None  # the text-only embedder went when the whole model came


def test_the_first_photo_to_embed_loads_the_model_before_the_writer_lock(tmp_path):
    folder = photos(tmp_path / "Pictures")
    held: list[bool] = []
    seen_while_held: list[bool] = []

    @contextmanager
    def writer(on_wait):
        held.append(True)
        try:
            yield
        finally:
            held.pop()

    class Lazy(ColorEmbedder):
        loaded = False

        def ensure_loaded(self) -> None:
            seen_while_held.append(bool(held))
            self.loaded = True

        def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
            assert self.loaded
            return super().embed_prepared(batch)

    with Library.open(make_settings(tmp_path), embedder=ColorEmbedder()) as library:
        library.add_folder(folder)
        indexer = Indexer(library._catalog, library.index, Lazy(), library.thumbnails, library.events,
                          batch_size=2, writer=writer)
        summary = indexer.run(library.folders())
    assert summary.embedded == 4
    assert seen_while_held and not any(seen_while_held)


def test_open_takes_one_model_source_by_name(tmp_path):
    """An embedder, a factory and an importable name are told apart by their keyword, never by their
    attributes: a factory given as one is called when the model is first needed, and two sources are refused."""
    model = CountingModel()
    with Library.open(make_settings(tmp_path), embedder_factory=model, describe=model.describe) as library:
        assert library.model.model_id == ColorEmbedder.model_id and model.loads == 0
        assert library.embedder.model_id == ColorEmbedder.model_id and model.loads == 1
    with pytest.raises(ValueError, match="at most one"):
        Library.open(make_settings(tmp_path), embedder=ColorEmbedder(), embedder_factory=model)
