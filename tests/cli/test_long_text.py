"""Text longer than the model reads: the search still runs, and stderr says what was cut (stdout stays JSON)."""

from __future__ import annotations

import json

import pytest

from photoclip.cli.main import main
from tests.support.library_fixtures import write_photo

pytestmark = pytest.mark.model


@pytest.fixture
def env(tmp_path, tiny_model_dir, monkeypatch):
    for key, value in {"PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_MODEL": str(tiny_model_dir),
                       "PHOTOCLIP_BACKEND": "fp32", "PHOTOCLIP_THREADS": "1", "PHOTOCLIP_OFFLINE": "1"}.items():
        monkeypatch.setenv(key, value)
    photos = tmp_path / "Pictures"
    write_photo(photos / "red.png", "red")
    write_photo(photos / "blue.png", "blue")
    assert main(["index", str(photos), "--json"]) == 0
    return photos


def test_a_query_longer_than_77_tokens_is_searched_and_the_cut_is_named(env, capsys):
    capsys.readouterr()
    long_term = "a red sled on the snow " * 20
    assert main(["search", f"dog +{json.dumps(long_term)}", "--json", "--all"]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)) == 2
    notes = err.strip().splitlines()
    assert len(notes) == 1 and "reads 77 tokens" in notes[0] and "the rest of it was not used" in notes[0]
    assert main(["search", "dog", "--json", "--all"]) == 0
    assert capsys.readouterr().err == ""


def test_a_label_prompt_longer_than_the_model_reads_is_named(env, capsys):
    capsys.readouterr()
    prompt = "a photo of " + "a very large red sled " * 20
    assert main(["tag", f"Sled: {prompt}", "--json"]) == 0
    out, err = capsys.readouterr()
    json.loads(out)
    assert "reads 77 tokens" in err and err.count("\n") == 1
