"""`photoclip model use` as a user runs it, on real tiny models in the hub's layout (CLIP -> SigLIP 2): searches
keep answering from the old model, a kill -9 mid-switch loses nothing, the next run resumes without re-embedding,
the switch completes, `cleanup --old-models` frees the old model. And the catalog: `model list`, `model compare`."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photoclip.cli.main import main
from photoclip.core.embed import model_catalog
from tests.support.library_fixtures import write_photo

pytestmark = pytest.mark.model
REPO = Path(__file__).resolve().parents[2]
COLOURS = ("red", "green", "blue", "yellow", "white", "orange", "purple", "black")
PHOTOS = 96


@pytest.fixture
def library_env(tmp_path, tiny_model_dir):
    photos = tmp_path / "Pictures"
    for i in range(PHOTOS):
        write_photo(photos / f"{i:03d}.jpg", COLOURS[i % len(COLOURS)], size=(300 + i, 200))
    env = {**os.environ, "PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_BACKEND": "fp32",
           "PHOTOCLIP_THREADS": "1", "PHOTOCLIP_OFFLINE": "1"}
    env.pop("PHOTOCLIP_MODEL", None)
    first = run_cli({**env, "PHOTOCLIP_MODEL": str(tiny_model_dir)}, "index", str(photos), "--json")
    assert json.loads(first.stdout)["embedded"] == PHOTOS
    return env, photos


def run_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "photoclip", *args], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


def vectors(env: dict, prefix: str) -> set[int]:
    db = sqlite3.connect(Path(env["PHOTOCLIP_DATA_DIR"]) / "catalog.sqlite3", timeout=30)
    try:
        rows = db.execute("SELECT id FROM embeddings WHERE model_id LIKE ?", (prefix + "%",)).fetchall()
    finally:
        db.close()
    return {r[0] for r in rows}


def test_a_switch_killed_midway_resumes_without_re_embedding_and_completes(library_env, siglip2_dir):
    env, _photos = library_env
    before = run_cli(env, "search", "red", "--all", "--json").stdout
    switch = subprocess.Popen([sys.executable, "-m", "photoclip", "model", "use", str(siglip2_dir)], cwd=REPO,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not vectors(env, "tiny-siglip2@") and switch.poll() is None:  # the first batch is committed
        assert time.monotonic() < deadline
        time.sleep(0.01)
    switch.send_signal(signal.SIGKILL)
    switch.wait(30)
    kept = vectors(env, "tiny-siglip2@")
    assert 0 < len(kept) < PHOTOS, "the switch finished before it could be killed; use more photos"

    status = json.loads(run_cli(env, "status", "--json").stdout)
    assert status["model"].startswith("tiny-clip@")
    assert status["model_switch"]["done"] == len(kept) and status["model_switch"]["total"] == PHOTOS
    assert run_cli(env, "search", "red", "--all", "--json").stdout == before  # still the old model's answers

    resumed = run_cli(env, "model", "use")
    assert "now uses" in resumed.stdout
    after = vectors(env, "tiny-siglip2@")
    assert kept <= after and len(after) == PHOTOS  # nothing re-embedded: the kept rows are the same rows
    status = json.loads(run_cli(env, "status", "--json").stdout)
    assert status["model"].startswith("tiny-siglip2@") and status["model_switch"] is None
    assert status["index_size"] == PHOTOS
    assert run_cli(env, "search", "red", "--all", "--json").stdout != before

    run_cli(env, "cleanup", "--old-models")
    assert vectors(env, "tiny-clip@") == set() and len(vectors(env, "tiny-siglip2@")) == PHOTOS


def test_compare_shows_both_models_side_by_side(library_env, siglip2_dir, capsys, monkeypatch):
    env, _photos = library_env
    for key in ("PHOTOCLIP_DATA_DIR", "PHOTOCLIP_BACKEND", "PHOTOCLIP_THREADS", "PHOTOCLIP_OFFLINE"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("PHOTOCLIP_MODEL", raising=False)
    assert main(["model", "compare", "red", "--with", str(siglip2_dir), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["compared_on"] == {"photos": 0, "of": PHOTOS}  # nothing built for it yet: it has no photos
    assert len(shown[str(siglip2_dir)]) == 0 and len(next(v for k, v in shown.items() if "tiny-clip" in k)) == 10
    status = json.loads(run_cli(env, "status", "--json").stdout)
    assert status["model"].startswith("tiny-clip@")  # trying a model does not make it the library's


def test_model_list_marks_the_model_in_use_and_the_recommendation_for_this_computer(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PHOTOCLIP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PHOTOCLIP_MODEL", "openai/clip-vit-base-patch32")
    monkeypatch.setattr(model_catalog, "detect_hardware", lambda: model_catalog.Hardware(True, 24.0))
    assert main(["model", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["hub_id"] for r in rows} == set(model_catalog.BY_ID)
    assert [r["hub_id"] for r in rows if r["in_use"]] == ["openai/clip-vit-base-patch32"]
    assert [r["hub_id"] for r in rows if r["recommended"]] == ["google/siglip2-so400m-patch16-384"]
    fields = {"family", "params_m", "dim", "image_size", "max_text_tokens", "languages", "licence", "download_mb",
              "quality"}
    assert all(fields <= set(r) for r in rows)
    assert all(r["quality"]["source"] for r in rows if r["quality"]["imagenet_top1"] is not None)
    assert all(r["measured_here"] is None for r in rows)  # no model on this computer has run yet
    monkeypatch.setattr(model_catalog, "detect_hardware", lambda: model_catalog.Hardware())
    assert main(["model", "list"]) == 0
    table = capsys.readouterr().out
    assert " + google/siglip2-base-patch32-256" in table and "*  openai/clip-vit-base-patch32" in table


def test_model_list_shows_speeds_measured_on_this_computer(tmp_path, monkeypatch, capsys, tiny_model_dir):
    from photoclip.core.embed import openvino_ir, registry

    monkeypatch.setenv("PHOTOCLIP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PHOTOCLIP_MODEL", raising=False)
    _, model_id = registry.import_model(tiny_model_dir, tmp_path / "data" / "models",
                                        name="openai/clip-vit-base-patch32")
    speeds = openvino_ir.cache_dir(tmp_path / "data" / "cache", model_id, "auto") / "speed-threads-1.json"
    speeds.parent.mkdir(parents=True)
    speeds.write_text(json.dumps({"winner": "openvino-int8", "images_per_second": {"int8": 9.5,
                                                                                   "openvino-int8": 71.2}}))
    assert main(["model", "list", "--json"]) == 0
    rows = {r["hub_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["openai/clip-vit-base-patch32"]["measured_here"] == {"int8": 9.5, "openvino-int8": 71.2}
    assert main(["model", "list"]) == 0
    assert "here 71 img/s (openvino-int8)" in capsys.readouterr().out
