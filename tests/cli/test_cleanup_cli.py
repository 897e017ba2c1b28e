"""``photoclip cleanup`` and the reclaimable lines of ``photoclip status``: real catalog, index and files.

The library is filled with the colour embedder; the commands themselves open it the way a user's run does
(the model is never loaded: reclaiming needs none).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from photoclip.cli.main import main
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from photoclip.core.store import catalog as catalog_module
from tests.support.color_embedder import ColorEmbedder, WideColorEmbedder
from tests.support.library_fixtures import small_page_catalog, write_photo


class OtherModel(ColorEmbedder):
    model_id = "test/colors@v2"


@pytest.fixture
def env(tmp_path, monkeypatch):
    values = {
        "PHOTOCLIP_DATA_DIR": str(tmp_path / "data"),
        "PHOTOCLIP_MODEL": str(tmp_path / "no-model-here"),  # nothing configured on disk: meta decides
        "PHOTOCLIP_OFFLINE": "1",
        "HF_HUB_CACHE": str(tmp_path / "hf"),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "Pictures"
    for colour in ("red", "green", "blue", "yellow"):
        write_photo(root / f"{colour}.png", colour)
    return root


def index_with(embedder, folder) -> None:
    with Library.open(Settings.from_env(), embedder=embedder) as lib:
        lib.index_folders([folder])


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_changes_nothing_then_cleanup_frees_what_it_said(env, photos, capsys):
    index_with(ColorEmbedder(), photos)
    (photos / "red.png").unlink()
    index_with(ColorEmbedder(), photos)

    code, out, _ = run(capsys, "cleanup", "--dry-run", "--json")
    dry = json.loads(out)
    assert code == 0 and dry["dry_run"] and "result" not in dry
    assert dry["report"]["orphans"] == {"vectors": 1, "due": 0, "due_bytes": 0, "oldest_days": 0.0}
    code, out, _ = run(capsys, "cleanup", "--now", "--dry-run", "--json")
    row = json.loads(out)["would_free_bytes"]
    assert ColorEmbedder.dim * 4 < row < 4096  # one small row of a page

    code, out, _ = run(capsys, "cleanup", "--now", "--dry-run")
    assert f"Vectors of deleted photos: 1 older than 0 days ({row} B)" in out
    assert "Dry run: nothing changed" in out

    code, out, _ = run(capsys, "cleanup", "--now", "--json")
    done = json.loads(out)
    assert code == 0 and done["result"]["orphans_removed"] == 1
    assert done["result"]["bytes_freed"] == (done["result"]["catalog_bytes_before"]
                                             - done["result"]["catalog_bytes_after"])
    code, out, _ = run(capsys, "cleanup", "--now", "--json")
    assert json.loads(out)["result"]["orphans_removed"] == 0


def test_default_grace_period_keeps_recent_orphans_and_says_so(env, photos, capsys):
    index_with(ColorEmbedder(), photos)
    (photos / "blue.png").unlink()
    index_with(ColorEmbedder(), photos)
    code, out, _ = run(capsys, "cleanup")
    assert code == 0
    assert "0 older than 30 days (0 B), 1 kept until their grace period ends" in out
    assert "Removed 0 orphan vectors" in out


def test_the_parser_s_grace_period_is_the_core_s():
    """The command repeats the core's default so that building the parser stays cheap; they must agree."""
    from photoclip.cli import cleanup_command
    from photoclip.core import reclaim

    assert cleanup_command.GRACE_DAYS == reclaim.GRACE_DAYS


def test_old_models_are_listed_by_status_and_removed_only_with_old_models(env, photos, capsys):
    index_with(ColorEmbedder(), photos)
    index_with(OtherModel(), photos)  # the user switched models

    code, out, _ = run(capsys, "status")
    assert f"Reclaimable: Old model {ColorEmbedder.model_id}: 4 vectors" in out
    assert "photoclip cleanup" in out
    code, out, _ = run(capsys, "status", "--json")
    reclaimable = json.loads(out)["reclaimable"]
    assert reclaimable["models_in_use"] == [OtherModel.model_id]
    assert [m["model"] for m in reclaimable["old_models"]] == [ColorEmbedder.model_id]

    code, out, _ = run(capsys, "cleanup")
    assert "(--old-models removes it)" in out
    code, out, _ = run(capsys, "cleanup", "--old-models", "--json")
    result = json.loads(out)["result"]
    assert result["models_removed"] == [ColorEmbedder.model_id] and result["model_vectors_removed"] == 4
    assert result["file_bytes_freed"] > 0
    code, out, _ = run(capsys, "status", "--json")
    assert code == 0 and json.loads(out)["reclaimable"]["old_models"] == []
    with Library.open(Settings.from_env(), embedder=OtherModel()) as lib:
        assert lib.search("green", limit=1)[0].path.endswith("green.png")


def test_a_negative_grace_period_is_a_one_line_user_error(env, capsys):
    code, _, err = run(capsys, "cleanup", "--older-than", "-1")
    assert code == 1 and err.startswith("photoclip: --older-than") and err.count("\n") == 1


@pytest.mark.model
def test_the_configured_model_is_in_use_even_before_it_ever_ran(env, photos, capsys, monkeypatch,
                                                                 tiny_model_dir):
    from photoclip.core.embed.registry import resolve_model

    index_with(ColorEmbedder(), photos)
    _, configured = resolve_model(str(tiny_model_dir), tiny_model_dir.parent, allow_download=False)
    with Library.open(Settings.from_env(), embedder=ColorEmbedder()) as lib:
        lib._catalog.db.conn.execute(
            "INSERT INTO embeddings(content_hash, model_id, vector, created_at) VALUES ('h', ?, zeroblob(8), 0)",
            (configured,),
        )
    monkeypatch.setenv("PHOTOCLIP_MODEL", str(tiny_model_dir))
    code, out, _ = run(capsys, "cleanup", "--old-models", "--dry-run", "--json")
    report = json.loads(out)["report"]
    assert code == 0
    assert set(report["models_in_use"]) == {ColorEmbedder.model_id, configured}
    assert report["old_models"] == []


def test_an_old_small_page_catalog_is_offered_and_rewritten(env, tmp_path, photos, capsys, monkeypatch):
    monkeypatch.setattr(catalog_module, "REPACK_MIN_BYTES", 0)  # 4 photos stand for a library of thousands
    small_page_catalog(tmp_path)  # data dir = tmp_path / "data", as make_settings lays it out
    index_with(WideColorEmbedder(), photos)

    code, out, _ = run(capsys, "cleanup", "--dry-run")
    assert code == 0 and "Catalog with small pages: rewriting it with larger ones frees about" in out
    code, out, _ = run(capsys, "status")
    assert "Catalog with small pages" in out

    other = sqlite3.connect(env["PHOTOCLIP_DATA_DIR"] + "/catalog.sqlite3")  # the app, open meanwhile
    other.execute("SELECT COUNT(*) FROM photos").fetchone()
    code, out, _ = run(capsys, "cleanup")
    other.close()
    assert code == 0 and "still has small pages" in out and "close it and run cleanup again" in out

    code, out, _ = run(capsys, "cleanup")
    assert code == 0 and "rewrote the catalog with larger pages" in out and "still has" not in out
    code, out, _ = run(capsys, "cleanup", "--dry-run", "--json")
    assert json.loads(out)["report"]["repack_bytes"] == 0
