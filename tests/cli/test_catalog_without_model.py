"""`photoclip index` with no model on this computer and no network: the photos are catalogued (dates,
thumbnails), then one line says search needs the model and how to get it, with exit code 1 (the CLI contract);
`status` tells catalogued from embedded."""

from __future__ import annotations

import json

import pytest

from photoclip.cli.main import main
from tests.support.library_fixtures import write_photo


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PHOTOCLIP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PHOTOCLIP_MODEL", "acme/not-downloaded-yet")  # in no cache on any machine
    monkeypatch.setenv("PHOTOCLIP_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "Pictures"
    write_photo(root / "red.jpg", "red", taken_at="2022:06:01 12:00:00")
    write_photo(root / "blue.png", "blue")
    write_photo(root / "sub" / "green.webp", "green")
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    return root


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_index_without_a_model_catalogues_then_says_so_in_one_line(env, photos, capsys, tmp_path):
    code, out, err = run(capsys, "index", str(photos))
    assert code == 1
    assert out.startswith("3 added, 0 updated") and "1 failed (0 embedded" in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "photos catalogued without a model (3 photos read now, 1 skipped" in lines[0]
    assert "search needs the model" in lines[0] and "photoclip model download" in lines[0]
    assert len(list((tmp_path / "data").rglob("thumbnails/*/*.jpg"))) == 3

    code, out, _ = run(capsys, "status")
    assert code == 0 and "3 photos catalogued, 0 embedded (searchable); the rest wait for the model" in out
    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert (status["catalogued"], status["embedded"], status["model_available"]) == (3, 0, False)
    assert status["counts"] == {"indexed": 3, "failed": 1}

    code, out, err = run(capsys, "index", "--json")  # again: nothing to read, still no model
    summary = json.loads(out)
    assert code == 1 and (summary["unchanged"], summary["catalogued"]) == (4, 0)
    assert "not on this computer" in summary["model_missing"] and len(err.strip().splitlines()) == 1

    code, _, err = run(capsys, "search", "red")  # search says what it needs, in one line
    assert code == 1 and len(err.strip().splitlines()) == 1 and "photoclip model download" in err
