"""The ``tag``, ``tags`` and ``album`` sub-commands through ``main([...])``, on the built-in colour test model
(``PHOTOCLIP_MODEL=test:colors``: the CLI loads no CLIP model)."""

from __future__ import annotations

import json

import pytest

from photoclip.cli.main import main
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from tests.support.library_fixtures import write_photo


@pytest.fixture
def photos(tmp_path, color_cli):
    folder = tmp_path / "Pictures"
    write_photo(folder / "red.jpg", "red")
    write_photo(folder / "mostly-red.png", "red", second="white", share=0.3)
    write_photo(folder / "snow.png", "white")
    write_photo(folder / "sub" / "sea.webp", "blue")
    write_photo(folder / "sub" / "grass.png", "green")
    with Library.open(Settings.from_env()) as lib:
        lib.index_folders([folder])
    return folder


def run_json(capsys, *argv):
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_tag_prints_suggestions_and_apply_accepts(photos, capsys):
    out = run_json(capsys, "tag", "red", "Sea: blue ! green", "--json")
    assert {(s["tag"], s["path"].rsplit("/", 1)[1]) for s in out} == {
        ("red", "red.jpg"), ("red", "mostly-red.png"), ("Sea", "sea.webp"),
    }
    assert all(s["score"] >= 3 and s["prompt"] for s in out) and not any(s["accepted"] for s in out)

    out = run_json(capsys, "tag", "red", "--folder", str(photos), "--threshold", "50", "--apply", "--json")
    assert [s["path"].rsplit("/", 1)[1] for s in out] == ["red.jpg", "mostly-red.png"]
    listing = {t["name"]: t for t in run_json(capsys, "tags", "list", "--json")}
    assert listing["red"]["accepted"] == 2 and listing["Sea"]["suggested"] == 1

    assert main(["tag", "red", "--folder", str(photos / "sub")]) == 0
    assert "No suggestions" in capsys.readouterr().err


def test_review_commands(photos, capsys):
    main(["tag", "red", "white"])
    pending = run_json(capsys, "tags", "pending", "--json")
    assert {(p["tag"], p["path"].rsplit("/", 1)[1]) for p in pending} == {
        ("red", "red.jpg"), ("red", "mostly-red.png"), ("white", "snow.png"), ("white", "mostly-red.png"),
    }
    assert main(["tags", "reject", "white", str(photos / "mostly-red.png")]) == 0
    assert main(["tags", "accept", "white"]) == 0
    assert main(["tags", "add", "Trips|Rome", str(photos / "red.jpg")]) == 0
    shown = run_json(capsys, "tags", "show", str(photos / "mostly-red.png"), "--json")
    assert {(t["tag"], t["state"]) for t in shown} == {("red", "suggested"), ("white", "rejected")}
    assert {t["tag"] for t in run_json(capsys, "tags", "show", str(photos / "red.jpg"), "--json")} == {
        "red", "Trips|Rome"}
    assert main(["tags", "accept", "red", str(photos / "nowhere.jpg")]) == 1  # a typed error, not a crash


def test_label_set_files_and_presets(photos, tmp_path, capsys):
    path = tmp_path / "mine.txt"
    path.write_text("# my colours\nColours|Red: red\nColours|Blue: blue @ 2\n")
    out = run_json(capsys, "tag", "--set", str(path), "--json")
    assert {s["tag"] for s in out} == {"Colours|Red", "Colours|Blue"}
    assert main(["tags", "import", str(path)]) == 0
    assert main(["tags", "export", "mine", str(tmp_path / "mine.json")]) == 0
    assert json.loads((tmp_path / "mine.json").read_text())["labels"][1] == {
        "name": "Colours|Blue", "prompts": ["blue"], "threshold": 2.0}
    capsys.readouterr()
    assert main(["tags", "sets"]) == 0
    listed = capsys.readouterr().out
    assert "mine (saved)" in listed and "scenes (preset)" in listed
    assert main(["tag", "--set", "no-such-set"]) == 1


def test_album_commands(photos, capsys):
    assert main(["album", "create", "Reds", "red"]) == 0
    assert "2 photos" in capsys.readouterr().out
    listing = run_json(capsys, "album", "list", "--json")
    assert listing == [{"name": "Reds", "kind": "smart", "query": "red", "threshold": 3.0, "photos": 2}]
    shown = run_json(capsys, "album", "show", "Reds", "--json")
    assert [m["path"].rsplit("/", 1)[1] for m in shown] == ["red.jpg", "mostly-red.png"]

    write_photo(photos / "new" / "cherry.jpg", "red")
    with Library.open(Settings.from_env()) as lib:
        lib.index_folders()
    shown = run_json(capsys, "album", "show", "Reds", "--json")
    assert "cherry.jpg" in [m["path"].rsplit("/", 1)[1] for m in shown]
    assert main(["album", "show", "Nope"]) == 1
    assert main(["album", "delete", "Reds"]) == 0
    assert run_json(capsys, "album", "list", "--json") == []


def test_a_sidecar_that_is_not_valid_xmp_is_a_warning_not_a_failure(photos, capsys):
    pytest.importorskip("pyexiv2", reason="XMP write-back needs pyexiv2")
    from photoclip.core.tagging import xmp

    broken = photos / "snow.png.xmp"
    broken.write_bytes(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF")  # cut short by a crash elsewhere
    original = broken.read_bytes()
    assert main(["tags", "xmp", "on"]) == 0
    capsys.readouterr()
    assert main(["tags", "add", "Bob", str(photos / "red.jpg"), str(photos / "snow.png")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"photoclip: The sidecar {broken} is not valid XMP; photoclip left it unchanged.",
        "photoclip: 1 XMP sidecar skipped; the tags are saved in the catalog. "
        "Repair or delete it in the program that wrote it.",
    ]
    assert broken.read_bytes() == original
    assert xmp.read_keywords(photos / "red.jpg") == (["Bob"], [])
    assert {t["tag"] for t in run_json(capsys, "tags", "show", str(photos / "snow.png"), "--json")} == {"Bob"}

    assert main(["tags", "remove", "Bob", str(photos / "red.jpg"), str(photos / "snow.png")]) == 0
    assert "1 XMP sidecar skipped" in capsys.readouterr().err
    assert broken.read_bytes() == original and xmp.read_keywords(photos / "red.jpg") == ([], [])

    # --json output stays JSON; the warning goes to stderr
    assert main(["tag", "white", "--apply", "--json"]) == 0
    out, err = capsys.readouterr()
    assert {s["path"].rsplit("/", 1)[1] for s in json.loads(out)} == {"snow.png", "mostly-red.png"}
    assert f"The sidecar {broken} is not valid XMP" in err and broken.read_bytes() == original
