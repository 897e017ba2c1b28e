"""Browsing the library by date (``Library.browse`` / ``timeline``, ``photoclip list``): newest first by the EXIF
date taken, else the file's time; pages that join up exactly; folder, date and album scopes; the v6 migration
of an older catalog. Real JPEG/PNG files with real EXIF dates, real SQLite, the colour test embedder."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from photoclip.cli.main import main
from photoclip.core.search import Filters
from photoclip.core.store.catalog import effective_date
from photoclip.core.store.db import Database
from photoclip.core.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.support.library_fixtures import make_settings, open_indexed, write_photo

#: (path under Pictures, colour, EXIF DateTimeOriginal or None)
PHOTOS = [
    ("2019/old-sea.jpg", "blue", "2019:03:03 09:00:00"),
    ("2021/red-car.jpg", "red", "2021:06:01 10:00:00"),
    ("2021/lawn.jpg", "green", "2021:06:01 18:00:00"),
    ("2021/lemon.jpg", "yellow", "2021:06:01 18:00:00"),  # the same second as lawn.jpg: the id decides
    ("trip/snow.jpg", "white", "2022:01:15 09:30:00"),
    ("trip/sunset.jpg", "orange", "2022:01:15 19:45:00"),
    ("screenshot.png", "purple", None),  # no EXIF: its file time, set below
]
#: the file time of screenshot.png (local time), between 2021 and 2022
SCREENSHOT_TIME = "2021-11-20T08:15:00"


def local_epoch(iso: str) -> float:
    return time.mktime(time.strptime(iso, "%Y-%m-%dT%H:%M:%S"))


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("browse")
    photos = root / "Pictures"
    for name, colour, taken in PHOTOS:
        write_photo(photos / name, colour, taken_at=taken)
    stamp = local_epoch(SCREENSHOT_TIME)
    os.utime(photos / "screenshot.png", (stamp, stamp))
    lib = open_indexed(root, photos)
    yield lib
    lib.close()


def names(items) -> list[str]:
    return [Path(i.photo.path).name for i in items]


def everything(library, filters=None, page=2) -> list:
    out, after = [], None
    while True:
        result = library.browse(filters, after, page)
        out += result.photos
        if result.next is None:
            return out
        after = result.next


def test_newest_first_by_exif_date_else_file_time(library):
    listed = library.browse(limit=100).photos
    lawn, lemon = (library.photo_at(library.photos_root / "2021" / n) for n in ("lawn.jpg",
                                                                                                   "lemon.jpg"))
    same_second = ["lemon.jpg", "lawn.jpg"] if lemon.id > lawn.id else ["lawn.jpg", "lemon.jpg"]
    assert names(listed) == ["sunset.jpg", "snow.jpg", "screenshot.png", *same_second, "red-car.jpg", "old-sea.jpg"]
    by_name = {Path(i.photo.path).name: i for i in listed}
    assert by_name["screenshot.png"].taken == SCREENSHOT_TIME
    assert by_name["screenshot.png"].date_source == "file"
    assert by_name["sunset.jpg"].taken == "2022-01-15T19:45:00"
    assert by_name["sunset.jpg"].date_source == "exif"
    assert all(i.taken == effective_date(i.photo) for i in listed)  # SQL and Python agree on the date


def test_pages_join_up_exactly_through_photos_taken_in_the_same_second(library):
    whole = library.browse(limit=100)
    assert whole.next is None
    for size in (1, 2, 3, 4):
        assert names(everything(library, page=size)) == names(whole.photos)
    first = library.browse(limit=4)
    assert first.next == (first.photos[-1].taken, first.photos[-1].photo.id)


def test_timeline_has_every_photo_as_ids_and_days_in_browse_order(library):
    timeline = library.timeline()
    listed = library.browse(limit=100).photos
    assert timeline.ids.tolist() == [i.photo.id for i in listed]
    assert [(d.date, d.start, d.count) for d in timeline.days] == [
        ("2022-01-15", 0, 2), ("2021-11-20", 2, 1), ("2021-06-01", 3, 3), ("2019-03-03", 6, 1)]
    assert timeline.row_of(listed[4].photo.id) == 4
    assert timeline.day_index(4) == 2 and timeline.day_index(6) == 3
    assert timeline.row_of(10**9) is None


def test_folder_dates_and_album_narrow_the_list(library):
    trip = str(library.photos_root / "trip")
    assert names(everything(library, Filters(folder=trip))) == ["sunset.jpg", "snow.jpg"]
    june = Filters(date_from="2021-06-01", date_to="2021-06-01")  # a bare upper date: the whole day
    assert sorted(names(everything(library, june))) == ["lawn.jpg", "lemon.jpg", "red-car.jpg"]
    assert names(everything(library, Filters(date_from="2021-11-01", date_to="2021-12-31"))) == ["screenshot.png"]
    assert len(library.timeline(june)) == 3

    albums = library.albums
    picked = [library.photo_at(library.photos_root / n).id for n in ("2019/old-sea.jpg",
                                                                                       "trip/snow.jpg")]
    albums.create_manual("Picked", picked)
    assert names(everything(library, Filters(album="Picked"))) == ["snow.jpg", "old-sea.jpg"]
    assert names(everything(library, Filters(album="Picked", folder=trip))) == ["snow.jpg"]
    # a search scoped to the album finds only its photos, best first
    hits = library.search("white", limit=10, filters=Filters(album="Picked"))
    assert [Path(h.path).name for h in hits] == ["snow.jpg", "old-sea.jpg"]
    # a smart album scopes by its members now
    albums.create_smart("Reds", "red")
    assert names(everything(library, Filters(album="Reds"))) == ["red-car.jpg"]


def test_a_new_date_moves_the_photo(tmp_path):
    photos = tmp_path / "Pictures"
    write_photo(photos / "a.jpg", "red", taken_at="2020:01:01 10:00:00")
    write_photo(photos / "b.jpg", "blue", taken_at="2021:01:01 10:00:00")
    library = open_indexed(tmp_path, photos)
    try:
        assert names(library.browse().photos) == ["b.jpg", "a.jpg"]
        write_photo(photos / "a.jpg", "red", taken_at="2024:01:01 10:00:00")  # re-saved with a new date
        library.index_folders()
        assert names(library.browse().photos) == ["a.jpg", "b.jpg"]
        assert library.browse().photos[0].taken == "2024-01-01T10:00:00"
    finally:
        library.close()


def test_a_version_5_catalog_gets_its_dates_on_opening(tmp_path):
    path = tmp_path / "catalog.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    for migrate in MIGRATIONS[:5]:
        migrate(db)
    db.execute("PRAGMA user_version = 5")
    db.execute("INSERT INTO folders(id, path, added_at) VALUES (1, '/p', 0)")
    rows = [(1, "/p/exif.jpg", "2020-02-02T02:02:02"), (2, "/p/plain.png", None)]
    mtime_ns = int(local_epoch("2021-03-04T05:06:07") * 1e9)
    for pid, p, taken in rows:
        db.execute("INSERT INTO photos(id, folder_id, path, size, mtime_ns, taken_at, status, updated_at) "
                   "VALUES (?, 1, ?, 1, ?, ?, 'indexed', 0)", (pid, p, mtime_ns, taken))
    db.close()
    migrated = Database(path)
    assert migrated.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    dates = migrated.conn.execute("SELECT path, effective_at FROM photos ORDER BY id").fetchall()
    assert [tuple(r) for r in dates] == [("/p/exif.jpg", "2020-02-02T02:02:02"),
                                         ("/p/plain.png", "2021-03-04T05:06:07")]
    assert (tmp_path / f"catalog.sqlite.before-v{SCHEMA_VERSION}.bak").is_file()  # the backup before migrating
    migrated.close()


# --- the command line -----------------------------------------------------------------------------------------
@pytest.fixture
def cli(library, capsys, monkeypatch):
    monkeypatch.setenv("PHOTOCLIP_DATA_DIR", str(make_settings(library.root).data_dir))
    return lambda *argv: run(capsys, *argv)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["list", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_prints_dates_and_paths_newest_first(library, cli):
    code, out, err = cli()
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == len(PHOTOS)
    assert lines[0] == f"2022-01-15 19:45:00  {library.photos_root / 'trip' / 'sunset.jpg'}"
    assert lines[2] == f"2021-11-20 08:15:00  {library.photos_root / 'screenshot.png'}  (file date)"
    assert lines[-1].endswith("old-sea.jpg")


def test_cli_list_filters_and_json(library, cli):
    code, out, _ = cli("--folder", str(library.photos_root / "trip"), "--json")
    entries = json.loads(out)
    assert code == 0
    assert [Path(e["path"]).name for e in entries] == ["sunset.jpg", "snow.jpg"]
    assert set(entries[0]) == {"id", "path", "taken", "date_source", "width", "height", "camera", "status"}
    assert (entries[0]["taken"], entries[0]["date_source"], entries[0]["width"]) == ("2022-01-15T19:45:00", "exif", 320)

    code, out, _ = cli("--from", "2021-06-01", "--to", "2021-11-30", "--json")
    assert sorted(Path(e["path"]).name for e in json.loads(out)) == ["lawn.jpg", "lemon.jpg", "red-car.jpg",
                                                                     "screenshot.png"]
    code, out, _ = cli("--limit", "3")
    assert len(out.splitlines()) == 3

    code, out, err = cli("--from", "2030-01-01")
    assert (code, out, err) == (0, "", "No photos.\n")
    code, out, _ = cli("--from", "2030-01-01", "--json")
    assert json.loads(out) == []


def test_cli_list_album_and_a_missing_album(library, cli):
    ids = [library.photo_at(library.photos_root / "2021" / "lawn.jpg").id]
    library.albums.create_manual("Lawns", ids)
    code, out, _ = cli("--album", "Lawns")
    assert code == 0 and out.splitlines()[0].endswith("lawn.jpg") and len(out.splitlines()) == 1
    code, out, err = cli("--album", "Nope")
    assert code == 1 and out == ""
    assert err.startswith("photoclip: No album named 'Nope'.")
