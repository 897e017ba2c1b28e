"""The CLI contract scripts rely on: JSON shapes, scores, exit codes, one-line errors. Real catalog, real HNSW
index; what needs a real model's numbers runs the real model-loading path (a tiny random CLIP in the hub's
layout, marked ``model``), the rest the built-in colour test model (``PHOTOCLIP_MODEL=test:colors``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from photoclip.cli.main import main
from tests.support.library_fixtures import write_photo

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path, tiny_model_dir, monkeypatch):
    values = {
        "PHOTOCLIP_DATA_DIR": str(tmp_path / "data"),
        "PHOTOCLIP_MODEL": str(tiny_model_dir),
        "PHOTOCLIP_BACKEND": "fp32",
        "PHOTOCLIP_THREADS": "1",
        "PHOTOCLIP_OFFLINE": "1",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "Pictures"
    write_photo(root / "red.png", "red", size=(300, 260))
    write_photo(root / "blue.png", "blue", second="white", share=0.3, size=(260, 300))
    write_photo(root / "sub" / "green.webp", "green", size=(400, 240))
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    return root


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_index_json_contract_and_incremental_rerun(color_cli, photos, capsys):
    code, out, _ = run(capsys, "index", str(photos), "--json")
    summary = json.loads(out)
    assert code == 0
    assert {"added", "unchanged", "moved", "removed", "failed", "embedded", "seconds"} <= set(summary)
    assert (summary["added"], summary["failed"], summary["embedded"]) == (3, 1, 3)
    code, out, _ = run(capsys, "index", str(photos), "--json")
    again = json.loads(out)
    assert (again["unchanged"], again["embedded"], again["added"]) == (4, 0, 0)


@pytest.mark.model
def test_search_scores_are_cosines_of_the_reference_model(env, photos, capsys, tiny_model_dir):
    """score = cosine(query embedding, photo embedding), checked against transformers' own CLIP output."""
    import torch
    from PIL import Image
    from transformers import CLIPModel, CLIPProcessor

    run(capsys, "index", str(photos), "--json")
    code, out, _ = run(capsys, "search", "a red square", "--json", "--limit", "10", "--all")  # every photo
    hits = json.loads(out)
    assert code == 0 and [set(h) for h in hits] == [{"path", "score", "match", "calibrated"}] * 3
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    model = CLIPModel.from_pretrained(tiny_model_dir).eval()
    processor = CLIPProcessor.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        text = model.get_text_features(**processor(text=["a red square"], return_tensors="pt")).pooler_output[0]
        for hit in hits:
            pixels = processor(images=Image.open(hit["path"]).convert("RGB"), return_tensors="pt")
            image = model.get_image_features(**pixels).pooler_output[0]
            cosine = float(torch.nn.functional.cosine_similarity(text, image, dim=0))
            assert hit["score"] == pytest.approx(cosine, abs=1e-4)


def test_similar_and_filters(color_cli, photos, capsys):
    run(capsys, "index", str(photos), "--json")
    code, out, _ = run(capsys, "similar", str(photos / "red.png"), "--json", "--all")
    hits = json.loads(out)
    assert code == 0 and str(photos / "red.png") not in [h["path"] for h in hits] and len(hits) == 2
    code, out, _ = run(capsys, "search", "green", "--folder", str(photos / "sub"), "--json", "--all")
    assert [h["path"] for h in json.loads(out)] == [str(photos / "sub" / "green.webp")]


@pytest.mark.model
def test_status_json_lists_failures_with_reasons(env, photos, capsys):
    run(capsys, "index", str(photos), "--json")
    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert code == 0
    assert status["counts"] == {"indexed": 3, "failed": 1}
    assert status["model"].startswith("tiny-clip@") and status["index_size"] == 3
    assert status["failed"] == [{"path": str(photos / "broken.jpg"), "reason": status["failed"][0]["reason"]}]
    assert status["failed"][0]["reason"]


def test_user_errors_exit_non_zero_with_one_line(color_cli, tmp_path, capsys):
    code, out, err = run(capsys, "index", str(tmp_path / "missing"))
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and "not a folder" in err
    code, _, err = run(capsys, "search", "   ")
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_no_model_and_no_network_is_one_clear_paragraph(tmp_path, photos):
    """Through ``python -m photoclip``, as a user runs it: no traceback, says how to get a model."""
    env = {
        **os.environ, "PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf"), "PHOTOCLIP_MODEL": "openai/clip-vit-base-patch32",
    }
    result = subprocess.run([sys.executable, "-m", "photoclip", "index", str(photos)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "photoclip model download" in result.stderr and "photoclip model import" in result.stderr


@pytest.mark.model
def test_stored_vectors_are_unit_length_float32(env, photos, capsys):
    import sqlite3

    run(capsys, "index", str(photos), "--json")
    db = sqlite3.connect(Path(env["PHOTOCLIP_DATA_DIR"]) / "catalog.sqlite3")
    vectors = [np.frombuffer(v, np.float32) for (v,) in db.execute("SELECT vector FROM embeddings")]
    assert len(vectors) == 3 and all(abs(np.linalg.norm(v) - 1) < 1e-5 for v in vectors)
