"""The first run on a computer, as a user runs it: ``photoclip index`` indexes on torch at once while a child
process converts and calibrates OpenVINO int8. When that child fails (here: the cache folder it must write is
taken by a file), the photos are indexed and searchable all the same, the command says what failed, and the
next run tries again; once it succeeded, a later run starts on OpenVINO int8."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from photoclip.core.embed import openvino_ir as ir
from photoclip.core.embed.registry import resolve_model
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from tests.support.images import photo_like

pytest.importorskip("openvino")
pytest.importorskip("nncf")
pytestmark = pytest.mark.model
REPO = Path(__file__).resolve().parents[2]


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "photoclip", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=900)


def test_a_failed_optimisation_leaves_the_photos_indexed_on_torch_and_the_next_run_upgrades(tiny_model_dir,
                                                                                           tmp_path):
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    for i in range(24):
        photo_like((320, 240), seed=i).save(pictures / f"IMG_{i:02}.jpg", quality=90)
    data, cache = tmp_path / "data", tmp_path / "cache"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")},
           "PYTHONPATH": str(REPO), "PHOTOCLIP_DATA_DIR": str(data), "PHOTOCLIP_CACHE_DIR": str(cache),
           "PHOTOCLIP_MODEL": str(tiny_model_dir), "PHOTOCLIP_OFFLINE": "1", "PHOTOCLIP_BACKEND": "auto",
           "PHOTOCLIP_THREADS": "1"}
    _, model_id = resolve_model(str(tiny_model_dir), tmp_path / "models", allow_download=False)
    # which backend is faster is a measurement (on a tiny model either may win): this computer's record says
    # OpenVINO int8 won, so what is tested is the switch, not the race
    record = ir.cache_dir(cache, model_id, "auto") / "speed-threads-1.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"winner": "openvino-int8", "images_per_second": {}, "int8": True}))
    blocked = ir.cache_dir(cache, model_id, "fp32")
    blocked.write_text("not a folder")  # the conversion cannot write its model here

    first = cli(env, "index", str(pictures))
    assert first.returncode == 0, first.stderr
    assert "optimising the model for this computer failed" in first.stderr
    assert "Traceback" not in first.stderr
    assert "24 added" in first.stdout
    status = cli(env, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["embedded"] == 24  # nothing lost: every photo has its vector (torch's)
    assert not ir.is_cached(ir.cache_dir(cache, model_id, "int8"))

    blocked.unlink()  # the next run (one new photo, so the model loads) tries again, and succeeds
    photo_like((320, 240), seed=99).save(pictures / "IMG_99.jpg", quality=90)
    second = cli(env, "index", str(pictures))
    assert second.returncode == 0, second.stderr
    assert "failed" not in second.stderr and "1 added" in second.stdout
    assert ir.is_cached(ir.cache_dir(cache, model_id, "int8"))

    settings = Settings(data_dir=data, cache_dir=cache, model=str(tiny_model_dir), backend="auto", threads=1,
                        allow_download=False)
    with Library.open(settings) as later:  # a later run starts on OpenVINO int8, nothing left to prepare
        assert later.embedder.backend == "openvino-int8" and not later.optimising
        assert len(later.search("a photo", 100)) == 25
