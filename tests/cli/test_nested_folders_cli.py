"""``photoclip index`` of a folder inside a library folder indexes it within that folder (no second root, no
re-embedding), and of a folder holding library folders takes them in. The real CLI on the built-in colour test
model (``PHOTOCLIP_MODEL=test:colors``: what is tested is indexing, not a model), real catalog."""

from __future__ import annotations

import json

import pytest

from photoclip.cli.main import main
from tests.cli.test_cli_contract import run
from tests.support.library_fixtures import write_photo


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "Pictures"
    write_photo(root / "red.png", "red")
    write_photo(root / "Trip" / "blue.png", "blue")
    write_photo(root / "Trip" / "Day 2" / "green.png", "green")
    return root


def folders(capsys) -> list[dict]:
    code, out, _ = run(capsys, "status", "--json")
    assert code == 0
    return json.loads(out)["folders"]


def test_indexing_a_sub_folder_of_a_library_folder_indexes_it_there(color_cli, photos, capsys):
    assert main(["index", str(photos), "--json"]) == 0
    capsys.readouterr()
    write_photo(photos / "Trip" / "yellow.png", "yellow")
    code, out, err = run(capsys, "index", str(photos / "Trip"), "--json")
    summary = json.loads(out)
    assert code == 0
    assert f"is inside the library folder {photos}" in err
    assert (summary["added"], summary["unchanged"], summary["removed"], summary["embedded"]) == (1, 2, 0, 1)
    assert [(f["path"], f["counts"]) for f in folders(capsys)] == [(str(photos), {"indexed": 4})]

    code, _, err = run(capsys, "remove", str(photos / "Trip"))
    assert code != 0 and "only whole library folders can be removed" in err


def test_indexing_a_parent_takes_the_library_folders_in(color_cli, photos, capsys):
    assert main(["index", str(photos / "Trip"), "--json"]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "index", str(photos), "--json")
    summary = json.loads(out)
    assert code == 0
    assert f"{photos / 'Trip'} is now a sub-folder of the library folder {photos}" in err
    assert (summary["added"], summary["unchanged"], summary["embedded"]) == (1, 2, 1)
    assert [(f["path"], f["counts"]) for f in folders(capsys)] == [(str(photos), {"indexed": 3})]
