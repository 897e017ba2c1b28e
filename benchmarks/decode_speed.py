"""Decode cost per 12 MP photo: a plain full decode versus decode_photo (draft / embedded thumbnail).

Run: .venv/bin/python -m benchmarks.decode_speed   (under a minute; prints ms per photo)
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pillow_heif
from PIL import Image

from photoclip.core.imaging.decode import decode_photo
from photoclip.testing import images as ti

SIZE = (4032, 3024)  # 12.2 MP, a phone's sensor


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _full_decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB")


def _full_decode_to_224(data: bytes) -> Image.Image:
    img = _full_decode(data)
    scale = 224 / min(img.size)
    return img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BICUBIC)


def _without_heif_thumbnails(data: bytes) -> object:
    """decode_photo as on a HEIC that has no embedded thumbnail (a global switch: fine in this script)."""
    pillow_heif.options.THUMBNAILS = False
    try:
        return decode_photo(data)
    finally:
        pillow_heif.options.THUMBNAILS = True


def _warm_up(folder: Path) -> None:
    """Pay the lazy plugin imports and library set-up outside the timings."""
    small = ti.photo_like((64, 48))
    for path in (
        ti.write_jpeg(folder / "w.jpg", image=small),
        ti.write_heic(folder / "w.heic", image=small, with_thumbnail=False),
        ti.write_png(folder / "w.png", image=small),
    ):
        _full_decode(path.read_bytes())
        decode_photo(path.read_bytes())


def main() -> None:
    photo = ti.photo_like(SIZE)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _warm_up(folder)
        jpeg = ti.write_jpeg(folder / "a.jpg", image=photo, quality=90).read_bytes()
        # x265's default preset takes ~35 s for 12 MP on 2 cores; "ultrafast" streams decode about as fast.
        heic = ti.write_heic(folder / "b.heic", image=photo, thumbnail_box=320, preset="ultrafast").read_bytes()
        png = ti.write_png(folder / "d.png", image=photo).read_bytes()
        rows = [
            ("JPEG q90: full decode", lambda: _full_decode(jpeg), 7),
            ("JPEG q90: full decode + bicubic to 224", lambda: _full_decode_to_224(jpeg), 7),
            ("JPEG q90: decode_photo (draft)", lambda: decode_photo(jpeg), 7),
            ("HEIC: full decode", lambda: _full_decode(heic), 3),
            ("HEIC, thumbnail ignored: decode_photo", lambda: _without_heif_thumbnails(heic), 3),
            ("HEIC + 320 px thumbnail: decode_photo", lambda: decode_photo(heic), 7),
            ("PNG: full decode", lambda: _full_decode(png), 3),
            ("PNG: decode_photo (reduce)", lambda: decode_photo(png), 3),
        ]
        print(f"{SIZE[0]}x{SIZE[1]} photo-like image; median ms per photo, one call at a time")
        print("(libheif decodes with its own threads; the others use one core)")
        for label, fn, runs in rows:
            print(f"  {label:<42}{_median_ms(fn, runs):>8.0f} ms")
        print("decode_photo's figure includes the 256 px thumbnail made from the same decode.")


if __name__ == "__main__":
    main()
