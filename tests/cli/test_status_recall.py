"""``photoclip status --recall``: the search index checked against an exact search, from the catalog alone (the
model is never loaded). Real catalog, real hnswlib index, colour embedder for the indexing."""

from __future__ import annotations

import json

import pytest

from photoclip.cli.main import main
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import write_photo


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PHOTOCLIP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PHOTOCLIP_MODEL", str(tmp_path / "no-model-here"))  # loading a model would fail
    monkeypatch.setenv("PHOTOCLIP_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))


def test_status_recall_reports_the_index_against_exact_search(env, tmp_path, capsys):
    code = main(["status", "--recall", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["recall"] is None  # nothing indexed yet
    for colour in ("red", "green", "blue", "yellow", "white"):
        write_photo(tmp_path / "Pictures" / f"{colour}.png", colour)
    with Library.open(Settings.from_env(), embedder=ColorEmbedder()) as library:
        library.index_folders([tmp_path / "Pictures"])
    assert main(["status", "--recall", "--json"]) == 0
    recall = json.loads(capsys.readouterr().out)["recall"]
    assert recall["size"] == 5 and recall["ok"] is True
    assert recall["text_mean"] == recall["photo_mean"] == recall["text_min"] == 1.0
    assert main(["status", "--recall"]) == 0
    line = next(li for li in capsys.readouterr().out.splitlines() if li.startswith("Recall:"))
    assert "text-like 1.000" in line and line.endswith(": ok")
