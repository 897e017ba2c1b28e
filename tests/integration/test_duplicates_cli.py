"""``photoclip duplicates`` through ``main([...])`` on the built-in colour test model
(``PHOTOCLIP_MODEL=test:colors``); the confirmation prompt in a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from photoclip.cli import duplicates_command
from photoclip.cli.main import main
from photoclip.core import duplicates
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from tests.support.bursts import MIXES, write_burst
from tests.support.library_fixtures import write_photo
from tests.support.trash import trash_dir, trashed  # noqa: F401  (fixture)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def photos(tmp_path, color_cli):
    folder = tmp_path / "Pictures"
    write_burst(folder, "harbour", MIXES[0], seed=1, copies=("original", "resized", "cropped"))
    write_burst(folder, "market", MIXES[1], seed=2, copies=("recompressed", "original"))
    write_photo(folder / "lone.png", "purple")
    with Library.open(Settings.from_env()) as lib:
        lib.index_folders([folder])
    return folder


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def run_json(capsys, *argv) -> dict:
    capsys.readouterr()
    assert main(["duplicates", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_listing_shows_groups_and_keepers_and_moves_nothing(photos, capsys, trash_dir):  # noqa: F811
    before = files(photos)
    out = run_json(capsys, "--keep", "oldest")
    assert out["threshold"] == 0.95 and out["keep"] == "oldest" and out["trash"] is None
    groups = {tuple(sorted(Path(p["path"]).name for p in g["photos"])): g for g in out["groups"]}
    assert set(groups) == {("harbour-cropped.jpg", "harbour-original.jpg", "harbour-resized.jpg"),
                           ("market-original.jpg", "market-recompressed.jpg")}
    kept = {Path(p["path"]).name for g in out["groups"] for p in g["photos"] if p["keep"]}
    assert kept == {"harbour-original.jpg", "market-recompressed.jpg"}  # the first taken of each
    assert {"width", "height", "bytes", "taken"} <= set(out["groups"][0]["photos"][0])

    assert main(["duplicates"]) == 0
    text = capsys.readouterr().out
    assert "Group 1: 3 photos, similarity ≥ 0.99" in text and "  keep  " in text
    assert "2 groups, 3 photos not kept (keeping the largest of each). Nothing was moved" in text
    assert files(photos) == before and not trash_dir.exists()


def test_trash_needs_yes_outside_a_terminal(photos, capsys, trash_dir):  # noqa: F811
    before = files(photos)
    assert main(["duplicates", "--trash"]) == 1
    err = capsys.readouterr().err
    assert "--trash would move 3 photos to the trash. Add --yes" in err
    assert files(photos) == before and not trash_dir.exists()


def test_trash_yes_moves_the_photos_not_kept_to_the_trash(photos, capsys, trash_dir):  # noqa: F811
    out = run_json(capsys, "--trash", "--yes", "--keep", "largest")
    moved = {Path(p["path"]).name for p in out["trash"]["trashed"]}
    kept = {Path(p["path"]).name for g in out["groups"] for p in g["photos"] if p["keep"]}
    assert len(moved) == 3 and not moved & kept
    assert files(photos) == sorted({*kept, "lone.png"})
    assert {Path(p).name for p in trashed(trash_dir)} == moved
    assert run_json(capsys)["groups"] == []  # the catalog forgot them


def test_a_threshold_out_of_range_is_a_clear_error(capsys):
    assert main(["duplicates", "--threshold", "0.5"]) == 1
    assert "between 0.85 and 1" in capsys.readouterr().err


def test_the_parser_defaults_are_the_cores(capsys):
    assert duplicates_command.DEFAULT_THRESHOLD == duplicates.DEFAULT_THRESHOLD
    assert duplicates_command.MIN_THRESHOLD == duplicates.MIN_THRESHOLD
    assert duplicates_command.KEEP_RULES == duplicates.KEEP_RULES


@pytest.mark.parametrize("answer", ["n", "y"])
def test_on_a_terminal_trash_asks_first(photos, tmp_path, answer):
    """A real pseudo-terminal: the prompt, then the answer typed."""
    import pty

    home = tmp_path / "home"
    (home / "share").mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(home), "XDG_DATA_HOME": str(home / "share")}
    leader, follower = pty.openpty()
    # the real command; the fixture's PHOTOCLIP_MODEL=test:colors is inherited
    process = subprocess.Popen([sys.executable, "-m", "photoclip", "duplicates", "--trash"], stdin=follower,
                               stdout=follower, stderr=follower, env=env, cwd=REPO)
    os.close(follower)
    output = _read_until(leader, b"[y/N] ")
    os.write(leader, answer.encode() + b"\n")
    rest = _read_until(leader, None)
    os.close(leader)
    assert process.wait(timeout=60) == (0 if answer == "y" else 1)
    assert b"Move 3 photos to the system trash, keeping the largest of each group?" in output
    left = files(photos)
    if answer == "n":
        assert b"Nothing was moved." in rest and len(left) == 6
    else:
        assert b"Moved 3 photos to the trash" in rest and len(left) == 3
        assert len(list((home / "share" / "Trash" / "files").iterdir())) == 3


def _read_until(fd: int, marker: bytes | None, timeout: float = 60.0) -> bytes:
    import select
    import time

    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (marker is None or marker not in data):
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            data += chunk
    return data
