"""Model resolution, import, download and the offline error message, on a tiny real-format CLIP."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from photoclip.core.embed.registry import (
    ModelDownloadCancelledError,
    download_model,
    import_model,
    model_fingerprint,
    model_name_for_folder,
    resolve_model,
)
from photoclip.core.errors import ModelFormatError, ModelNotAvailableError
from tests.support.fake_hub import FakeHub, serve_fake_hub

pytestmark = pytest.mark.model

UNREACHABLE = "http://127.0.0.1:9"  # discard port: connection refused at once


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "models"


@pytest.fixture
def empty_hf_cache(tmp_path: Path) -> Path:
    # Never look at the developer's real ~/.cache/huggingface.
    folder = tmp_path / "hf-cache"
    folder.mkdir()
    return folder


# --- identity ---------------------------------------------------------------------------------------------


def test_fingerprint_is_stable_across_copies(tiny_model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "renamed"
    shutil.copytree(tiny_model_dir, copy)
    fp = model_fingerprint(tiny_model_dir)
    assert len(fp) == 12 and int(fp, 16) >= 0
    assert model_fingerprint(copy) == fp


def test_fingerprint_differs_for_different_weights(tiny_model_dir: Path, tmp_path: Path, clip_vocab_files) -> None:
    from tests.support.tiny_model import build_tiny_clip

    other = build_tiny_clip(tmp_path / "seed1", seed=1, vocab_dir=clip_vocab_files[0].parent)
    assert model_fingerprint(other) != model_fingerprint(tiny_model_dir)


def test_fingerprint_sees_changes_past_the_header(tiny_model_dir: Path, tmp_path: Path) -> None:
    # A fine-tune that only changes late tensors must not share an id with its base.
    copy = tmp_path / "tuned"
    shutil.copytree(tiny_model_dir, copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert model_fingerprint(copy) != model_fingerprint(tiny_model_dir)


def test_model_names_follow_the_hub_id(tmp_path: Path) -> None:
    assert model_name_for_folder(tmp_path / "openai--clip-vit-base-patch32") == "openai/clip-vit-base-patch32"
    snapshot = tmp_path / "models--openai--clip-vit-base-patch32" / "snapshots" / "3d74acf9"
    assert model_name_for_folder(snapshot) == "openai/clip-vit-base-patch32"
    assert model_name_for_folder(tmp_path / "my-clip") == "my-clip"


def test_clone_folder_is_named_by_its_recorded_hub_id(tiny_model_dir: Path, tmp_path: Path,
                                                      models_dir: Path, empty_hf_cache: Path) -> None:
    clone = tmp_path / "clip-vit-base-patch32"
    shutil.copytree(tiny_model_dir, clone)
    config = json.loads((clone / "config.json").read_text())
    config["_name_or_path"] = "openai/clip-vit-base-patch32"
    (clone / "config.json").write_text(json.dumps(config))
    assert model_name_for_folder(clone) == "openai/clip-vit-base-patch32"
    folder, model_id = import_model(clone, models_dir)
    assert folder == models_dir / "openai--clip-vit-base-patch32"
    assert resolve_model("openai/clip-vit-base-patch32", models_dir, allow_download=False,
                         hf_cache_dir=empty_hf_cache) == (folder, model_id)
    # A fine-tune that only records its base is named by its own folder.
    tuned = tmp_path / "my-tuned-clip"
    shutil.copytree(clone, tuned)
    assert model_name_for_folder(tuned) == "my-tuned-clip"


# --- resolution -------------------------------------------------------------------------------------------


def test_local_folder_spec_is_used_as_is(tiny_model_dir: Path, models_dir: Path) -> None:
    folder, model_id = resolve_model(str(tiny_model_dir), models_dir, allow_download=False)
    assert folder == tiny_model_dir
    assert model_id == f"tiny-clip@{model_fingerprint(tiny_model_dir)}"


def test_hub_id_found_in_models_dir(tiny_model_dir: Path, models_dir: Path, empty_hf_cache: Path) -> None:
    shutil.copytree(tiny_model_dir, models_dir / "acme--tiny-clip")
    folder, model_id = resolve_model("acme/tiny-clip", models_dir, allow_download=False,
                                     hf_cache_dir=empty_hf_cache)
    assert folder == models_dir / "acme--tiny-clip"
    assert model_id == f"acme/tiny-clip@{model_fingerprint(tiny_model_dir)}"
    # The same folder given by path gets the same id, so stored vectors stay valid.
    assert resolve_model(str(folder), models_dir, allow_download=False)[1] == model_id


def test_incomplete_models_dir_copy_is_skipped(tiny_model_dir: Path, models_dir: Path, empty_hf_cache: Path) -> None:
    partial = models_dir / "acme--tiny-clip"
    shutil.copytree(tiny_model_dir, partial)
    (partial / "model.safetensors").unlink()
    with pytest.raises(ModelNotAvailableError):
        resolve_model("acme/tiny-clip", models_dir, allow_download=False, hf_cache_dir=empty_hf_cache)


def test_hub_id_found_in_hugging_face_cache(tiny_model_dir: Path, models_dir: Path, empty_hf_cache: Path) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    repo = empty_hf_cache / "models--acme--tiny-clip"
    shutil.copytree(tiny_model_dir, repo / "snapshots" / sha)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(sha)
    folder, model_id = resolve_model("acme/tiny-clip", models_dir, allow_download=False,
                                     hf_cache_dir=empty_hf_cache)
    assert folder == repo / "snapshots" / sha
    assert model_id == f"acme/tiny-clip@{model_fingerprint(tiny_model_dir)}"


def _assert_one_clear_paragraph(error: ModelNotAvailableError, hub_id: str, models_dir: Path) -> str:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text
    assert hub_id in error.user_message
    assert str(models_dir / hub_id.replace("/", "--")) in error.user_message  # where we looked
    assert "Hugging Face cache" in error.user_message
    for way in ("photoclip model download", "photoclip model import DIR", "PHOTOCLIP_MODEL"):
        assert way in error.hint
    return text


def test_missing_model_without_download(models_dir: Path, empty_hf_cache: Path) -> None:
    with pytest.raises(ModelNotAvailableError) as info:
        resolve_model("acme/absent", models_dir, allow_download=False, hf_cache_dir=empty_hf_cache)
    text = _assert_one_clear_paragraph(info.value, "acme/absent", models_dir)
    assert "downloads are turned off" in text


def test_unreachable_hub_ends_in_model_not_available(models_dir: Path, empty_hf_cache: Path) -> None:
    start = time.monotonic()
    with pytest.raises(ModelNotAvailableError) as info:
        resolve_model("acme/absent", models_dir, allow_download=True, hf_cache_dir=empty_hf_cache,
                      endpoint=UNREACHABLE)
    assert time.monotonic() - start < 30
    text = _assert_one_clear_paragraph(info.value, "acme/absent", models_dir)
    assert "no connection" in text
    assert not (models_dir / "acme--absent").exists()


def test_offline_mode_ends_in_model_not_available(models_dir: Path, empty_hf_cache: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelNotAvailableError) as info:
        download_model("acme/absent", models_dir)
    assert "offline" in info.value.user_message


def test_missing_local_path_spec(models_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="does not exist") as info:
        resolve_model(str(tmp_path / "no" / "such" / "model"), models_dir, allow_download=True)
    assert "PHOTOCLIP_MODEL" in info.value.hint


def test_pickle_only_local_folder_is_refused(tiny_model_dir: Path, tmp_path: Path, models_dir: Path) -> None:
    from tests.support.tiny_model import write_bin_only_copy

    bin_only = write_bin_only_copy(tiny_model_dir, tmp_path / "bin-only")
    with pytest.raises(ModelFormatError, match="safetensors"):
        resolve_model(str(bin_only), models_dir, allow_download=False)


# --- import -----------------------------------------------------------------------------------------------


def test_import_copies_and_resolves_afterwards(tiny_model_dir: Path, models_dir: Path, empty_hf_cache: Path) -> None:
    folder, model_id = import_model(tiny_model_dir, models_dir, name="acme/tiny-clip")
    assert folder == models_dir / "acme--tiny-clip"
    assert model_id == f"acme/tiny-clip@{model_fingerprint(tiny_model_dir)}"
    assert resolve_model("acme/tiny-clip", models_dir, allow_download=False,
                         hf_cache_dir=empty_hf_cache) == (folder, model_id)
    assert not list(models_dir.glob(".import-*"))


def test_import_keeps_hub_name_of_copied_folder(tiny_model_dir: Path, tmp_path: Path, models_dir: Path) -> None:
    usb = tmp_path / "usb" / "openai--clip-vit-base-patch32"
    shutil.copytree(tiny_model_dir, usb)
    (usb / "pytorch_model.bin").write_bytes(b"not copied")  # only json/txt/safetensors are imported
    folder, model_id = import_model(usb, models_dir)
    assert folder == models_dir / "openai--clip-vit-base-patch32"
    assert model_id.startswith("openai/clip-vit-base-patch32@")
    assert not (folder / "pytorch_model.bin").exists()
    again, again_id = import_model(usb, models_dir)  # re-import replaces in place
    assert (again, again_id) == (folder, model_id)


def test_import_rejects_pickle_only(tiny_model_dir: Path, tmp_path: Path, models_dir: Path) -> None:
    from tests.support.tiny_model import write_bin_only_copy

    bin_only = write_bin_only_copy(tiny_model_dir, tmp_path / "bin-only")
    with pytest.raises(ModelFormatError) as info:
        import_model(bin_only, models_dir)
    assert "safetensors" in info.value.user_message
    assert not models_dir.exists() or not any(models_dir.iterdir())


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("tokenizer", "tokenizer"),
        ("config", "config.json"),
        ("not-clip", "photoclip supports"),
    ],
)
def test_import_rejects_broken_folders(tiny_model_dir: Path, tmp_path: Path, models_dir: Path,
                                       damage: str, message: str) -> None:
    src = tmp_path / "src"
    shutil.copytree(tiny_model_dir, src)
    if damage == "tokenizer":
        for name in ("tokenizer.json", "vocab.json", "merges.txt"):
            (src / name).unlink(missing_ok=True)
    elif damage == "config":
        (src / "config.json").unlink()
    else:
        (src / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelFormatError, match=message):
        import_model(src, models_dir)


def test_import_of_missing_folder(tmp_path: Path, models_dir: Path) -> None:
    with pytest.raises(ModelFormatError, match="not a folder"):
        import_model(tmp_path / "nothing", models_dir)


# --- download through a local stand-in for the hub --------------------------------------------------------


@pytest.fixture
def fake_hub(tiny_model_dir: Path) -> Iterator[tuple[FakeHub, str]]:
    with serve_fake_hub("acme/tiny-clip", tiny_model_dir) as served:
        yield served


def test_download_reports_bytes_and_renames_into_place(fake_hub, tiny_model_dir: Path, models_dir: Path,
                                                       empty_hf_cache: Path) -> None:
    hub, endpoint = fake_hub
    calls: list[tuple[int, int]] = []
    folder, model_id = resolve_model("acme/tiny-clip", models_dir, allow_download=True, hf_cache_dir=empty_hf_cache,
                                     endpoint=endpoint, progress=lambda done, total: calls.append((done, total)))
    assert folder == models_dir / "acme--tiny-clip"
    assert model_id == f"acme/tiny-clip@{model_fingerprint(tiny_model_dir)}"
    assert sorted(p.name for p in folder.iterdir()) == sorted(n for n in hub.files if not n.endswith(".bin"))
    assert not any("pytorch_model.bin" in r for r in hub.requested)
    assert not list(models_dir.glob(".partial-*"))
    total = sum(len(d) for n, d in hub.files.items() if not n.endswith(".bin"))
    assert calls and calls[-1] == (total, total)
    assert all(t == total for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    # Found locally the next time, without the network.
    assert resolve_model("acme/tiny-clip", models_dir, allow_download=False,
                         hf_cache_dir=empty_hf_cache) == (folder, model_id)


def test_download_of_pickle_only_repo_is_refused(fake_hub, models_dir: Path) -> None:
    hub, endpoint = fake_hub
    del hub.files["model.safetensors"]
    with pytest.raises(ModelFormatError) as info:
        download_model("acme/tiny-clip", models_dir, endpoint=endpoint)
    assert "acme/tiny-clip" in info.value.user_message and "safetensors" in info.value.user_message
    assert not any(models_dir.iterdir())


def test_download_can_be_cancelled(fake_hub, models_dir: Path) -> None:
    hub, endpoint = fake_hub
    hub.delay = 0.05
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done > 1 << 20:
            cancel.set()

    with pytest.raises(ModelDownloadCancelledError) as info:
        download_model("acme/tiny-clip", models_dir, progress=progress, cancel=cancel, endpoint=endpoint)
    assert isinstance(info.value, ModelNotAvailableError)
    assert not (models_dir / "acme--tiny-clip").exists()


def test_cancel_before_start(models_dir: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ModelDownloadCancelledError):
        download_model("acme/tiny-clip", models_dir, cancel=cancel, endpoint=UNREACHABLE)
