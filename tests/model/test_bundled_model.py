"""A model an installer ships next to the app is found with no network and becomes the default."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from photoclip.core.embed.registry import find_local_model, model_fingerprint, resolve_model
from photoclip.core.errors import ModelNotAvailableError
from photoclip.core.settings import DEFAULT_MODEL, Settings, bundled_models_dir

pytestmark = pytest.mark.model


@pytest.fixture
def bundle(tiny_model_dir: Path, tmp_path: Path) -> Path:
    """An installed app's models/ folder holding the tiny CLIP under a hub-style name."""
    models = tmp_path / "opt" / "photoclip" / "models"
    shutil.copytree(tiny_model_dir, models / "acme--tiny-clip")
    return models


@pytest.fixture
def empty_hf_cache(tmp_path: Path) -> Path:
    folder = tmp_path / "hf-cache"
    folder.mkdir()
    return folder


def test_bundled_model_resolves_with_downloads_off(bundle: Path, tmp_path: Path, empty_hf_cache: Path) -> None:
    own = tmp_path / "data" / "models"
    folder, model_id = resolve_model("acme/tiny-clip", own, allow_download=False, hf_cache_dir=empty_hf_cache,
                                     bundled_dir=bundle)
    assert folder == bundle / "acme--tiny-clip"
    assert model_id == f"acme/tiny-clip@{model_fingerprint(folder)}"
    assert not own.exists()  # read in place: nothing copied into the user's data folder


def test_without_the_bundle_the_same_spec_is_missing(tmp_path: Path, empty_hf_cache: Path) -> None:
    own = tmp_path / "data" / "models"
    assert find_local_model("acme/tiny-clip", own, hf_cache_dir=empty_hf_cache) is None
    with pytest.raises(ModelNotAvailableError):
        resolve_model("acme/tiny-clip", own, allow_download=False, hf_cache_dir=empty_hf_cache)


def test_users_own_copy_wins_over_the_bundled_one(bundle: Path, tiny_model_dir: Path, tmp_path: Path,
                                                  empty_hf_cache: Path) -> None:
    own = tmp_path / "data" / "models"
    shutil.copytree(tiny_model_dir, own / "acme--tiny-clip")
    assert find_local_model("acme/tiny-clip", own, hf_cache_dir=empty_hf_cache, bundled_dir=bundle) == (
        own / "acme--tiny-clip")


def test_the_only_bundled_model_is_the_default(bundle: Path, tmp_path: Path, tiny_model_dir: Path) -> None:
    env = {"PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_BUNDLED_MODELS_DIR": str(bundle)}
    assert Settings.from_env(env).model == "acme/tiny-clip"
    assert Settings.from_env({**env, "PHOTOCLIP_MODEL": "org/other"}).model == "org/other"  # the user's choice wins
    shutil.copytree(tiny_model_dir, bundle / "acme--second")
    assert Settings.from_env(env).model == DEFAULT_MODEL  # two bundled: no guessing


def test_frozen_app_looks_next_to_its_real_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = tmp_path / "opt" / "photoclip"
    app.mkdir(parents=True)
    (app / "photoclip").write_bytes(b"")
    link = tmp_path / "usr-bin-photoclip"
    link.symlink_to(app / "photoclip")  # /usr/bin/photoclip -> /opt/photoclip/photoclip
    assert bundled_models_dir() is None  # run from source: no bundle
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(link))
    assert bundled_models_dir() == app.resolve() / "models"
