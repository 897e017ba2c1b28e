"""ThumbnailCache on a real folder, and make_thumbnail on real files."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoclip.core.errors import DecodeError
from photoclip.core.imaging.thumbnails import ThumbnailCache, make_thumbnail
from tests.support import images as ti

HASH = hashlib.sha256(b"some photo").hexdigest()


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_path_is_sharded_by_first_two_hex_chars(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path)
    assert cache.path_for(HASH) == tmp_path / HASH[:2] / f"{HASH}.jpg"
    assert cache.path_for("ABCDEF") == tmp_path / "ab" / "abcdef.jpg"  # one spelling per hash


@pytest.mark.parametrize("bad", ["", "ab", "../../etc/passwd", "abc/def", "xyz123", "ab cd"])
def test_non_hex_hash_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        ThumbnailCache(tmp_path).path_for(bad)


def test_save_then_load_round_trip(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")  # root does not exist yet
    assert not cache.has(HASH)
    assert cache.load(HASH) is None

    saved = cache.save(HASH, ti.solid((256, 192), (200, 50, 20)))

    assert saved == cache.path_for(HASH)
    assert cache.has(HASH)
    loaded = cache.load(HASH)
    assert loaded is not None
    assert loaded.mode == "RGB"
    assert loaded.size == (256, 192)
    assert np.abs(np.asarray(loaded, dtype=int) - (200, 50, 20)).max() <= 4  # JPEG q85
    with Image.open(saved) as raw:
        assert raw.format == "JPEG"


def test_save_leaves_no_temp_files_and_overwrites(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path)
    cache.save(HASH, ti.solid((64, 64), (0, 0, 0)))
    cache.save(HASH, ti.solid((64, 64), (255, 255, 255)))
    assert _files(tmp_path) == [cache.path_for(HASH)]
    loaded = cache.load(HASH)
    assert loaded is not None and loaded.getpixel((5, 5))[0] > 250


def test_failed_save_removes_its_temp_file(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path)
    with pytest.raises((OSError, ValueError)):
        cache.save(HASH, Image.new("RGB", (0, 0)))  # JPEG cannot encode an empty image
    assert _files(tmp_path) == []
    assert not cache.has(HASH)


def test_save_converts_alpha_and_palette(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path)
    cache.save(HASH, Image.new("RGBA", (32, 32), (10, 20, 30, 255)))
    other = hashlib.sha256(b"other").hexdigest()
    cache.save(other, Image.new("P", (32, 32), 0))
    assert cache.load(HASH) is not None
    assert cache.load(other) is not None


def test_corrupt_cached_file_loads_as_none(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path)
    path = cache.save(HASH, ti.solid((64, 64)))
    path.write_bytes(path.read_bytes()[:100])
    assert cache.load(HASH) is None


def test_concurrent_saves_are_safe(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path)
    hashes = [hashlib.sha256(str(i % 6).encode()).hexdigest() for i in range(48)]  # many writers per hash

    def save(i: int) -> Path:
        return cache.save(hashes[i], ti.solid((128, 96), (i * 5 % 256, 0, 0)))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(save, range(len(hashes))))

    assert _files(tmp_path) == sorted({cache.path_for(h) for h in hashes})
    for h in set(hashes):
        loaded = cache.load(h)
        assert loaded is not None and loaded.size == (128, 96)


def test_make_thumbnail_from_file(tmp_path: Path) -> None:
    upright = ti.marker_image((1600, 1200))
    path = ti.write_jpeg(tmp_path / "p.jpg", image=ti.stored_for_orientation(upright, 6), exif_orientation=6)
    thumb = make_thumbnail(path)
    assert thumb.size == (256, 192)
    assert thumb.mode == "RGB"
    assert ti.red_quadrant(thumb) == "tl"
    assert make_thumbnail(path, thumb_size=128).size == (128, 96)


def test_make_thumbnail_errors_are_decode_errors(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="cannot read this file: it is gone"):
        make_thumbnail(tmp_path / "missing.jpg")
    with pytest.raises(DecodeError, match="not an image"):
        make_thumbnail(ti.write_garbage(tmp_path / "g.jpg"))
