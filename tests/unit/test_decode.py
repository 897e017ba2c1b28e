"""decode_photo on real files written to disk: orientation, draft scaling, formats, modes, bad files."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoclip.core.errors import DecodeError
from photoclip.core.imaging.decode import SUPPORTED_EXTENSIONS, DecodedPhoto, decode_photo
from tests.support import images as ti


def _decode(path: Path, **kwargs: object) -> DecodedPhoto:
    return decode_photo(path.read_bytes(), name=path.name, **kwargs)


def _clip_view(img: Image.Image, side: int = 224) -> np.ndarray:
    """What the model sees: shortest edge to ``side`` (bicubic), centre crop."""
    w, h = img.size
    scale = side / min(w, h)
    resized = img.resize((max(side, round(w * scale)), max(side, round(h * scale))), Image.Resampling.BICUBIC)
    left, top = (resized.width - side) // 2, (resized.height - side) // 2
    return np.asarray(resized.crop((left, top, left + side, top + side)), dtype=np.float32)


def _assert_rgb(photo: DecodedPhoto) -> None:
    assert photo.image.mode == "RGB"
    assert photo.thumbnail.mode == "RGB"


@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "IMG_0001.JPG"
    return ti.write_jpeg(path, image=ti.photo_like((4000, 3000)), quality=92)


def test_supported_extensions_are_lower_case_with_dot() -> None:
    assert {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".tif", ".tiff", ".bmp", ".gif", ".avif"} == set(
        SUPPORTED_EXTENSIONS
    )


# --- orientation --------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_every_exif_orientation_ends_upright(tmp_path: Path, orientation: int) -> None:
    upright = ti.marker_image((320, 240))
    stored = ti.stored_for_orientation(upright, orientation)
    path = ti.write_jpeg(tmp_path / "o.jpg", image=stored, exif_orientation=orientation)

    photo = _decode(path)

    assert ti.red_quadrant(photo.image) == "tl"
    assert ti.red_quadrant(photo.thumbnail) == "tl"
    assert photo.image.size == (320, 240)
    assert (photo.width, photo.height) == (320, 240)
    if orientation >= 5:  # the stored pixels are portrait; the reported size is the upright one
        assert stored.size == (240, 320)
    _assert_rgb(photo)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_draft_decoded_jpeg_is_turned_upright_with_swapped_full_size(tmp_path: Path, orientation: int) -> None:
    upright = ti.marker_image((2400, 1600))
    stored = ti.stored_for_orientation(upright, orientation)
    path = ti.write_jpeg(tmp_path / "o.jpg", image=stored, exif_orientation=orientation)

    photo = _decode(path)

    assert (photo.width, photo.height) == (2400, 1600)
    assert photo.image.width > photo.image.height  # landscape again
    assert photo.image.size == (600, 400)  # decoded at 1/4
    assert ti.red_quadrant(photo.image) == "tl"


def test_png_exif_orientation_is_applied(tmp_path: Path) -> None:
    upright = ti.marker_image((200, 100))
    stored = ti.stored_for_orientation(upright, 6)
    path = ti.write_png(tmp_path / "o.png", image=stored, exif=ti.make_exif(orientation=6))

    photo = _decode(path)

    assert photo.image.size == (200, 100)
    assert (photo.width, photo.height) == (200, 100)
    assert ti.red_quadrant(photo.image) == "tl"


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_avif_orientation_is_applied(tmp_path: Path, orientation: int) -> None:
    """Pillow maps AVIF's irot/imir boxes to the EXIF tag instead of applying them: we apply it."""
    upright = ti.marker_image((240, 160))
    stored = ti.stored_for_orientation(upright, orientation)
    exif = ti.make_exif(orientation=orientation).tobytes()
    path = ti.write_image(tmp_path / "o.avif", stored, "AVIF", exif=exif)

    photo = _decode(path)

    assert (photo.width, photo.height) == (240, 160)
    assert photo.image.size == (240, 160)
    assert ti.red_quadrant(photo.image) == "tl"


# --- JPEG draft ---------------------------------------------------------------------------------


def test_jpeg_draft_decodes_small_but_reports_full_size(big_jpeg: Path) -> None:
    photo = _decode(big_jpeg)

    assert (photo.width, photo.height) == (4000, 3000)
    assert 256 <= min(photo.image.size) <= 512
    assert photo.image.size == (500, 375)  # DCT-scaled 1/8
    assert max(photo.thumbnail.size) == 256
    assert photo.thumbnail.size == (256, 192)
    _assert_rgb(photo)


def test_jpeg_draft_is_close_to_full_decode_at_model_size(big_jpeg: Path) -> None:
    with Image.open(big_jpeg) as full:
        full_rgb = full.convert("RGB")
    photo = _decode(big_jpeg)

    diff = np.abs(_clip_view(full_rgb) - _clip_view(photo.image))
    print(f"draft vs full decode at 224 px: mean abs diff {diff.mean():.2f}, p99 {np.percentile(diff, 99):.1f}")
    assert diff.mean() < 3.0


def test_small_jpeg_is_not_scaled(tmp_path: Path) -> None:
    path = ti.write_jpeg(tmp_path / "s.jpg", size=(300, 200))
    photo = _decode(path)
    assert photo.image.size == (300, 200)
    assert photo.thumbnail.size == (256, 171)


def test_thumbnail_never_enlarges(tmp_path: Path) -> None:
    photo = _decode(ti.write_jpeg(tmp_path / "tiny.jpg", size=(100, 60)))
    assert photo.image.size == (100, 60)
    assert photo.thumbnail.size == (100, 60)


def test_custom_min_side_and_thumb_size_are_both_served(big_jpeg: Path) -> None:
    photo = _decode(big_jpeg, min_side=336, thumb_size=128)
    assert min(photo.image.size) >= 336
    assert max(photo.thumbnail.size) == 128


# --- non-JPEG formats ---------------------------------------------------------------------------


def test_moderate_png_is_kept_pixel_identical(tmp_path: Path) -> None:
    """Model preprocessing later must match HF CLIPProcessor on the original file exactly."""
    original = ti.photo_like((800, 600), seed=1)
    path = ti.write_png(tmp_path / "p.png", image=original)

    photo = _decode(path)

    assert photo.image.size == (800, 600)
    assert np.array_equal(np.asarray(photo.image), np.asarray(original))
    assert photo.thumbnail.size == (256, 192)


def test_huge_png_is_box_reduced_keeping_twice_min_side(tmp_path: Path) -> None:
    path = ti.write_png(tmp_path / "p.png", image=ti.photo_like((2400, 1000), seed=2))
    photo = _decode(path)
    assert (photo.width, photo.height) == (2400, 1000)
    assert photo.image.size == (1200, 500)  # 1000 > 4 * 224 -> reduce(2), short side 500 >= 448


def test_webp_decodes(tmp_path: Path) -> None:
    original = ti.photo_like((300, 200), seed=4)
    photo = _decode(ti.write_webp(tmp_path / "w.webp", image=original))
    assert np.array_equal(np.asarray(photo.image), np.asarray(original))  # lossless


@pytest.mark.parametrize(("fmt", "suffix"), [("TIFF", ".tif"), ("BMP", ".bmp"), ("AVIF", ".avif")])
def test_other_formats_decode(tmp_path: Path, fmt: str, suffix: str) -> None:
    path = ti.write_image(tmp_path / f"x{suffix}", ti.marker_image((120, 80)), fmt)
    photo = _decode(path)
    assert photo.image.size == (120, 80)
    assert ti.red_quadrant(photo.image) == "tl"
    _assert_rgb(photo)


def test_png_named_jpg_decodes_by_content(tmp_path: Path) -> None:
    path = ti.write_png(tmp_path / "actually_png.png", size=(50, 40), color=(10, 200, 30))
    renamed = path.rename(tmp_path / "holiday.jpg")
    photo = _decode(renamed)
    assert photo.image.size == (50, 40)
    assert photo.image.getpixel((5, 5)) == (10, 200, 30)


def test_animated_gif_gives_first_frame(tmp_path: Path) -> None:
    photo = _decode(ti.write_animated_gif(tmp_path / "a.gif", colors=(ti.RED, ti.BLUE)))
    assert photo.image.getpixel((10, 10)) == ti.RED


# --- colour modes -------------------------------------------------------------------------------


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    cmyk = Image.new("CMYK", (64, 64), (0, 255, 255, 0))  # pure red in ink
    photo = _decode(ti.write_jpeg(tmp_path / "c.jpg", image=cmyk))
    _assert_rgb(photo)
    r, g, b = photo.image.getpixel((32, 32))
    assert r > 230 and g < 25 and b < 25


def test_grayscale_jpeg_becomes_rgb(tmp_path: Path) -> None:
    photo = _decode(ti.write_jpeg(tmp_path / "g.jpg", image=Image.new("L", (64, 64), 128)))
    _assert_rgb(photo)
    r, g, b = photo.image.getpixel((32, 32))
    assert r == g == b and abs(r - 128) <= 2


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (32, 1))
    path = ti.write_png(tmp_path / "16.png", image=Image.fromarray(ramp))
    with Image.open(path) as check:
        assert check.mode.startswith("I")  # really a 16-bit file

    photo = _decode(path)

    arr = np.asarray(photo.image)
    assert arr.shape == (32, 256, 3)
    assert arr[0, 0, 0] == 0 and arr[0, -1, 0] == 255
    assert abs(int(arr[0, 128, 0]) - 128) <= 2  # mid-grey stays mid-grey (Pillow's convert clips to white)


def test_palette_png_transparency_becomes_white(tmp_path: Path) -> None:
    pal = Image.new("P", (20, 20), 0)
    pal.putpalette([0, 0, 0, 255, 0, 0])
    pal.paste(1, (10, 0, 20, 20))
    pal.info["transparency"] = 0  # the black half is transparent
    photo = _decode(ti.write_png(tmp_path / "p.png", image=pal))
    assert photo.image.getpixel((2, 2)) == (255, 255, 255)
    assert photo.image.getpixel((15, 2)) == (255, 0, 0)


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_alpha_is_flattened_on_white(tmp_path: Path, mode: str) -> None:
    img = Image.new(mode, (20, 20), (0,) * len(mode))  # fully transparent black
    img.paste((0,) * (len(mode) - 1) + (255,), (10, 0, 20, 20))  # opaque black half
    photo = _decode(ti.write_png(tmp_path / "a.png", image=img))
    assert photo.image.getpixel((2, 2)) == (255, 255, 255)
    assert photo.image.getpixel((15, 2)) == (0, 0, 0)


def test_transparent_webp_is_flattened(tmp_path: Path) -> None:
    img = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    photo = _decode(ti.write_webp(tmp_path / "t.webp", image=img))
    assert photo.image.getpixel((5, 5)) == (255, 255, 255)


# --- HEIC ---------------------------------------------------------------------------------------


def test_heic_uses_embedded_thumbnail_when_big_enough(tmp_path: Path) -> None:
    path = ti.write_heic(tmp_path / "t.heic", image=ti.marker_image((1600, 1200)), thumbnail_box=320)
    photo = _decode(path)
    assert (photo.width, photo.height) == (1600, 1200)
    assert photo.image.size == (320, 240)  # the 320x240 thumbnail, not the primary image
    assert photo.thumbnail.size == (256, 192)
    assert ti.red_quadrant(photo.image) == "tl"
    _assert_rgb(photo)


def test_heic_without_thumbnail_decodes_primary(tmp_path: Path) -> None:
    path = ti.write_heic(tmp_path / "n.heic", image=ti.marker_image((640, 480)), with_thumbnail=False)
    photo = _decode(path)
    assert photo.image.size == (640, 480)
    assert photo.thumbnail.size == (256, 192)
    assert ti.red_quadrant(photo.image) == "tl"


def test_heic_thumbnail_too_small_is_not_used(tmp_path: Path) -> None:
    path = ti.write_heic(tmp_path / "s.heic", image=ti.marker_image((640, 480)), thumbnail_box=160)
    photo = _decode(path)
    assert photo.image.size == (640, 480)


@pytest.mark.parametrize("with_thumbnail", [True, False])
@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_heic_orientation_is_applied_once(tmp_path: Path, orientation: int, with_thumbnail: bool) -> None:
    upright = ti.marker_image((1200, 900))
    stored = ti.stored_for_orientation(upright, orientation)
    path = ti.write_heic(tmp_path / "o.heic", image=stored, orientation=orientation, with_thumbnail=with_thumbnail)

    photo = _decode(path)

    assert (photo.width, photo.height) == (1200, 900)
    assert photo.image.width > photo.image.height
    assert ti.red_quadrant(photo.image) == "tl"
    assert ti.red_quadrant(photo.thumbnail) == "tl"
    # without a thumbnail: the primary image, then reduce(2) as its short side 900 > 4 * 224
    assert photo.image.size == ((320, 240) if with_thumbnail else (600, 450))


def test_heic_exif_fields(tmp_path: Path) -> None:
    path = ti.write_heic(
        tmp_path / "m.heic", taken_at="2022:12:24 18:30:00", make="Apple", model="iPhone 13", orientation=6
    )
    photo = _decode(path)
    assert photo.taken_at == "2022-12-24T18:30:00"
    assert photo.camera == "Apple iPhone 13"


# --- metadata through decode_photo ----------------------------------------------------------------


def test_jpeg_exif_fields(tmp_path: Path) -> None:
    path = ti.write_jpeg(
        tmp_path / "e.jpg", taken_at="2019:07:14 09:15:30", make="Canon", model="Canon EOS 5D Mark III"
    )
    photo = _decode(path)
    assert photo.taken_at == "2019-07-14T09:15:30"
    assert photo.camera == "Canon EOS 5D Mark III"


def test_no_exif_gives_none(tmp_path: Path) -> None:
    photo = _decode(ti.write_png(tmp_path / "n.png"))
    assert photo.taken_at is None
    assert photo.camera is None


# --- bad files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("writer", "reason"),
    [
        (lambda p: ti.write_truncated_jpeg(p / "cut.jpg"), "incomplete JPEG file"),
        (lambda p: ti.write_truncated_jpeg(p / "cut.jpg", keep=0.01), "JPEG"),
        (lambda p: ti.write_garbage(p / "noise.jpg"), "not an image: the contents are not a photo format"),
        (lambda p: ti.write_text(p / "notes.jpg"), "not an image"),
        (lambda p: ti.write_png_bomb(p / "bomb.png"), "too large: 900 megapixels (photoclip reads photos up to 250"),
        (lambda p: _write_bytes(p / "empty.jpg", b""), "empty file (0 bytes)"),
        (lambda p: _write_bytes(p / "x.psd", b"8BPS" + bytes(200)), "format not supported: PSD"),
        (lambda p: _write_cut(p / "cut.png", "PNG", 0.5), "incomplete PNG file"),
        (lambda p: _write_cut(p / "cut.webp", "WEBP", 0.5), "WebP"),
        (lambda p: _write_cut(p / "cut.gif", "GIF", 0.5), "incomplete GIF file"),
        (lambda p: _write_cut(p / "cut.heic", "HEIF", 0.5), "incomplete HEIC file"),
        (lambda p: _write_cut(p / "cut.avif", "AVIF", 0.5), "AVIF"),
    ],
    ids=[
        "truncated-jpeg",
        "jpeg-header-only",
        "random-bytes",
        "text",
        "bomb",
        "empty",
        "psd",
        "truncated-png",
        "truncated-webp",
        "truncated-gif",
        "truncated-heic",
        "truncated-avif",
    ],
)
def test_bad_files_raise_decode_error_with_reason(tmp_path: Path, writer, reason: str) -> None:
    path = writer(tmp_path)
    with pytest.raises(DecodeError) as info:
        _decode(path)
    print(f"{path.name}: {info.value.reason}")
    assert reason in info.value.reason
    assert len(info.value.reason) < 200


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _write_cut(path: Path, fmt: str, keep: float) -> Path:
    buffer = io.BytesIO()
    ti.photo_like((400, 300), seed=5).save(buffer, fmt)
    data = buffer.getvalue()
    return _write_bytes(path, data[: int(len(data) * keep)])


def test_pixel_guard_uses_our_limit_before_decoding(tmp_path: Path) -> None:
    path = ti.write_jpeg(tmp_path / "p.jpg", size=(200, 100))
    with pytest.raises(DecodeError, match=r"too large: 0\.02 megapixels \(photoclip reads photos up to 0\.01 megapix"):
        _decode(path, max_pixels=10_000)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pixel_guard_rejects_large_header_below_pillows_limit(tmp_path: Path) -> None:
    path = ti.write_png_bomb(tmp_path / "big.png", 12_000, 12_000)  # 144 MP: Pillow only warns
    with pytest.raises(DecodeError, match=r"too large: 144 megapixels \(photoclip reads photos up to 100 megapixels\)"):
        _decode(path, max_pixels=100_000_000)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about the corrupt EXIF it skips
def test_corrupted_files_never_leak_raw_exceptions(tmp_path: Path) -> None:
    """Flip bytes in (mostly the headers of) real files and cut them anywhere: every outcome is a
    photo or a DecodeError, never a raw OSError/ValueError/SyntaxError."""
    rng = np.random.default_rng(7)
    photo = ti.photo_like((160, 120))
    originals = [
        ti.write_jpeg(tmp_path / "a.jpg", image=photo, taken_at="2020:01:01 00:00:00", exif_orientation=6),
        ti.write_png(tmp_path / "b.png", image=photo),
        ti.write_heic(tmp_path / "c.heic", image=photo, thumbnail_box=100),
        ti.write_image(tmp_path / "d.tif", photo, "TIFF"),
        ti.write_webp(tmp_path / "e.webp", image=photo, lossless=False),
        ti.write_image(tmp_path / "f.gif", photo, "GIF"),
    ]
    outcomes = {"ok": 0, "error": 0}
    for path in originals:
        data = path.read_bytes()
        variants = [data[: int(rng.integers(1, len(data)))] for _ in range(8)]
        for _ in range(16):
            corrupt = bytearray(data)
            span = min(len(data), 600)  # headers and metadata are where parsers break
            for pos in rng.integers(0, span, size=int(rng.integers(1, 6))):
                corrupt[pos] = int(rng.integers(0, 256))
            variants.append(bytes(corrupt))
        for variant in variants:
            try:
                decode_photo(variant, name=path.name)
                outcomes["ok"] += 1
            except DecodeError as exc:
                assert exc.reason
                outcomes["error"] += 1
    print(outcomes)
    assert outcomes["error"] > 0


def test_concurrent_decodes_match_sequential(tmp_path: Path) -> None:
    paths = [
        ti.write_jpeg(tmp_path / f"{i}.jpg", image=ti.photo_like((1200, 900), seed=i), exif_orientation=1 + i % 8)
        for i in range(8)
    ]
    sequential = [np.asarray(_decode(p).image) for p in paths]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = [np.asarray(photo.image) for photo in pool.map(_decode, paths)]
    for a, b in zip(sequential, parallel, strict=True):
        assert np.array_equal(a, b)
