"""Fixtures every test directory shares: a library on the colour test model, the photo folder most tests use,
and the environment that makes a real ``photoclip`` run use the colour test model.

A test module that needs something else (other photos, a library opened differently) defines a fixture of the
same name, which replaces this one for that module (or asks for this one and adds to it).
"""

from __future__ import annotations

import pytest

from photoclip.testing.color_embedder import ColorEmbedder
from photoclip.testing.library_fixtures import color_model_env, open_library, write_photo

#: one photo of each of these colours (JPEG) in the ``photos`` folder, plus ``trip/mostly-red.png``
COLOURS = ("red", "green", "blue", "yellow", "white", "orange", "purple")


@pytest.fixture
def embedder():
    """The model the ``library`` fixture runs: the colour test model (deterministic, no torch)."""
    return ColorEmbedder()


@pytest.fixture
def libraries():
    """Libraries a test opens (``library`` among them); closed at the end, after whatever uses them (windows,
    watchers) has stopped its threads, since those fixtures depend on this one."""
    opened = []
    yield opened
    for library in opened:
        library.close()


@pytest.fixture
def library(tmp_path, embedder, libraries):
    """A new library under ``tmp_path`` (real SQLite catalog, real HNSW index) running ``embedder``."""
    lib = open_library(tmp_path, embedder)
    libraries.append(lib)
    return lib


@pytest.fixture
def photos(tmp_path):
    """``tmp_path/Pictures``: one JPEG per colour of ``COLOURS`` and ``trip/mostly-red.png`` (red, a third white)."""
    root = tmp_path / "Pictures"
    for colour in COLOURS:
        write_photo(root / f"{colour}.jpg", colour)
    write_photo(root / "trip" / "mostly-red.png", "red", second="white", share=0.35)
    return root


@pytest.fixture
def color_cli(tmp_path, monkeypatch):
    """The real ``photoclip`` command, in this process or a child, on the built-in colour test model
    (``PHOTOCLIP_MODEL=test:colors``) with its data under ``tmp_path``; returns the variables set."""
    values = color_model_env(tmp_path)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values
