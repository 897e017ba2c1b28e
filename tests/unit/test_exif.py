"""EXIF capture time, camera and orientation, read from real files with real EXIF blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from photoclip.core.imaging.exif import camera_name, orientation, parse_exif_datetime, read_exif_fields
from tests.support import images as ti


def _fields(path: Path) -> tuple[str | None, str | None]:
    with Image.open(path) as img:
        return read_exif_fields(img)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019:07:14 09:15:30", "2019-07-14T09:15:30"),
        ("2019:07:14 09:15:30\x00", "2019-07-14T09:15:30"),  # NUL-terminated, as cameras write it
        (b"2019:07:14 09:15:30", "2019-07-14T09:15:30"),
        ("  2019:07:14 09:15:30  ", "2019-07-14T09:15:30"),
        ("2019-07-14 09:15:30", "2019-07-14T09:15:30"),
        ("2019:07:14 09:15", "2019-07-14T09:15:00"),
        ("2019:07:14 09:15:30.123+02:00", "2019-07-14T09:15:30"),
        ("1999:12:31 23:59:59", "1999-12-31T23:59:59"),
        ("0000:00:00 00:00:00", None),
        ("    :  :     :  :  ", None),
        ("", None),
        ("garbage", None),
        ("2019:13:01 00:00:00", None),
        ("2019:02:30 10:00:00", None),
        ("2019:01:01 25:00:00", None),
        ("0001:01:01 00:00:00", None),
        (None, None),
        (12345, None),
    ],
)
def test_parse_exif_datetime(raw: object, expected: str | None) -> None:
    assert parse_exif_datetime(raw) == expected


@pytest.mark.parametrize(
    ("make", "model", "expected"),
    [
        ("Canon", "Canon EOS 5D", "Canon EOS 5D"),
        ("Canon\x00\x00", "Canon EOS 5D\x00", "Canon EOS 5D"),
        ("  SONY ", " ILCE-7M3  ", "SONY ILCE-7M3"),
        ("NIKON CORPORATION", "NIKON D750", "NIKON D750"),
        ("Apple", "iPhone 13", "Apple iPhone 13"),
        ("samsung", "SM-G991B", "samsung SM-G991B"),
        ("FUJIFILM", "X-T3", "FUJIFILM X-T3"),
        (b"Canon", b"Canon PowerShot G7", "Canon PowerShot G7"),
        ("Canon", None, "Canon"),
        (None, "EOS R5", "EOS R5"),
        ("\x00\x00", "  ", None),
        (None, None, None),
    ],
)
def test_camera_name(make: object, model: object, expected: str | None) -> None:
    assert camera_name(make, model) == expected


def test_reads_date_time_original_and_camera_from_jpeg(tmp_path: Path) -> None:
    path = ti.write_jpeg(
        tmp_path / "a.jpg",
        taken_at="2021:05:06 07:08:09",
        digitized="2021:05:07 00:00:00",
        modified="2023:01:01 00:00:00",
        make="Canon",
        model="Canon EOS 5D",
    )
    assert _fields(path) == ("2021-05-06T07:08:09", "Canon EOS 5D")


def test_falls_back_to_date_time_digitized(tmp_path: Path) -> None:
    path = ti.write_jpeg(tmp_path / "b.jpg", digitized="2018:02:03 04:05:06", modified="2023:01:01 00:00:00")
    assert _fields(path)[0] == "2018-02-03T04:05:06"


def test_falls_back_to_ifd0_date_time(tmp_path: Path) -> None:
    path = ti.write_jpeg(tmp_path / "c.jpg", modified="2017:01:02 03:04:05")
    assert _fields(path)[0] == "2017-01-02T03:04:05"


def test_garbage_original_falls_back_to_next_valid(tmp_path: Path) -> None:
    path = ti.write_jpeg(
        tmp_path / "d.jpg", taken_at="0000:00:00 00:00:00", digitized="garbage", modified="2016:06:07 08:09:10"
    )
    assert _fields(path)[0] == "2016-06-07T08:09:10"


def test_all_dates_invalid_gives_none(tmp_path: Path) -> None:
    path = ti.write_jpeg(tmp_path / "e.jpg", taken_at="0000:00:00 00:00:00", make="Canon")
    assert _fields(path) == (None, "Canon")


def test_no_exif_at_all(tmp_path: Path) -> None:
    path = ti.write_png(tmp_path / "f.png")
    assert _fields(path) == (None, None)
    with Image.open(path) as img:
        assert orientation(img) == 1


def test_png_exif_chunk_is_read(tmp_path: Path) -> None:
    exif = ti.make_exif(taken_at="2015:03:04 05:06:07", make="Google", model="Pixel 7")
    path = ti.write_png(tmp_path / "g.png", exif=exif)
    assert _fields(path) == ("2015-03-04T05:06:07", "Google Pixel 7")


@pytest.mark.parametrize(("value", "expected"), [(None, 1), (1, 1), (3, 3), (6, 6), (8, 8), (0, 1), (9, 1)])
def test_orientation(tmp_path: Path, value: int | None, expected: int) -> None:
    path = ti.write_jpeg(tmp_path / "o.jpg", exif_orientation=value)
    with Image.open(path) as img:
        assert orientation(img) == expected


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_corrupt_exif_block_yields_defaults_not_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad_exif.jpg"
    ti.solid((32, 32)).save(path, "JPEG", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7f" + b"\x01" * 20)
    with Image.open(path) as img:
        assert read_exif_fields(img) == (None, None)
        assert orientation(img) == 1
