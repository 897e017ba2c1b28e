"""Skip reasons a user can read: real damaged, cut and unusual files built here, decoded through decode_photo.

Each reason starts with plain words (damaged / incomplete / variant not supported / too large / not an
image); the decoder's own message, useful in a bug report, stays in parentheses at the end.
"""

from __future__ import annotations

import io
import struct

import pytest

from photoclip.core.errors import DecodeError
from photoclip.core.imaging.decode import DEFAULT_MAX_PIXELS, decode_photo
from tests.support import images as ti

_PLAIN_STARTS = ("damaged ", "incomplete ", "too large: ", "not an image", "empty file", "format not supported")


def _reason(data: bytes, name: str) -> str:
    with pytest.raises(DecodeError) as info:
        decode_photo(data, name=name)
    reason = info.value.reason
    print(f"{name}: {reason}")
    assert reason.startswith(_PLAIN_STARTS) or " variant not supported" in reason
    for jargon in ("corrupt", "e+0", "decoder error -2:"):
        assert jargon not in reason.split("(")[0]  # the plain part; details may be technical
    return reason


def _encoded(fmt: str, **options: object) -> bytearray:
    buffer = io.BytesIO()
    ti.photo_like((200, 150), seed=2).save(buffer, fmt, **options)
    return bytearray(buffer.getvalue())


def test_damaged_compressed_tiff_is_called_damaged_with_the_decoders_words_last():
    data = _encoded("TIFF", compression="tiff_adobe_deflate")
    for i in range(200, 2000):  # scramble the compressed picture data, keep the header
        data[i] ^= 0x5A
    reason = _reason(bytes(data), "scan.tif")
    assert reason == "damaged TIFF file: the picture data cannot be decoded (decoder error -2)"


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about the EXIF block the cut TIFF lost
def test_cut_tiffs_are_incomplete_or_damaged_never_corrupt():
    plain = _encoded("TIFF")
    assert _reason(bytes(plain[: len(plain) // 2]), "cut.tif").startswith("incomplete TIFF file: it ends too early")
    lzw = _encoded("TIFF", compression="tiff_lzw")
    assert _reason(bytes(lzw[: len(lzw) // 2]), "cut-lzw.tif").startswith("damaged TIFF file: its header")


def _bmp_with_bitfields(masks: tuple[int, int, int, int], width: int = 4, height: int = 2) -> bytes:
    """A BITMAPV4 BMP, 32 bits per pixel, BI_BITFIELDS with the given channel masks."""
    dib = struct.pack("<IiiHHIIiiII", 108, width, height, 1, 32, 3, width * height * 4, 2835, 2835, 0, 0)
    dib += struct.pack("<IIII", *masks) + b"sRGB" + bytes(36 + 12)
    pixels = bytes(width * height * 4)
    return b"BM" + struct.pack("<IHHI", 14 + len(dib) + len(pixels), 0, 0, 14 + len(dib)) + dib + pixels


def test_unsupported_bmp_layout_is_a_variant_not_damage():
    ten_bit = _bmp_with_bitfields((0x3FF00000, 0x000FFC00, 0x000003FF, 0))  # 10-bit colour: valid, rare
    assert _reason(ten_bit, "deep.bmp") == "BMP variant not supported (Unsupported BMP bitfields layout)"
    # the same file with the usual 8-bit layout decodes: the reason really is the layout
    photo = decode_photo(_bmp_with_bitfields((0xFF0000, 0xFF00, 0xFF, 0)), name="usual.bmp")
    assert photo.image.size == (4, 2)


def test_damaged_png_and_jpeg():
    png = _encoded("PNG")
    png[png.find(b"IDAT") + 10] ^= 0xFF
    assert _reason(bytes(png), "bad.png").startswith("damaged PNG file: the picture data cannot be decoded")
    jpeg = _encoded("JPEG")
    jpeg[jpeg.find(b"\xff\xdb") + 4] = 0x57  # a quantisation table that cannot be
    reason = _reason(bytes(jpeg), "bad.jpg")
    assert reason == "damaged JPEG file: its header cannot be read (bad quantization table marker)"


def test_cut_jpeg_and_png_are_incomplete():
    for fmt, name in (("JPEG", "cut.jpg"), ("PNG", "cut.png")):
        data = _encoded(fmt)
        assert _reason(bytes(data[: len(data) // 2]), name).startswith(f"incomplete {fmt} file: it ends too early")


def test_pixel_limits_are_plain_numbers(tmp_path):
    # a header claiming 524,288 x 524,288 (2.7e11 pixels) used to read "2.75e+05 megapixels"
    bomb = ti.write_png_bomb(tmp_path / "bomb.png", 524288, 524288)
    reason = _reason(bomb.read_bytes(), bomb.name)
    assert reason == "too large: 274,878 megapixels (photoclip reads photos up to 250 megapixels)"


def test_a_200_megapixel_phone_photo_is_read_decoded_reduced(tmp_path):
    """16,320 x 12,240 (a 200 MP phone sensor), a real baseline JPEG: indexed, decoded DCT-scaled."""
    path = ti.write_flat_gray_jpeg(tmp_path / "200mp.jpg", 16320, 12240)
    assert DEFAULT_MAX_PIXELS > 16320 * 12240
    photo = decode_photo(path.read_bytes(), name=path.name)
    assert (photo.width, photo.height) == (16320, 12240)
    assert max(photo.image.size) <= 2040  # never the full 200 MP in memory: 1/8 scale at most
    assert photo.image.getpixel((10, 10)) == (128, 128, 128)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_beyond_the_limit_the_reason_names_both_numbers(tmp_path):
    path = ti.write_flat_gray_jpeg(tmp_path / "panorama.jpg", 24000, 12000)  # 288 MP
    reason = _reason(path.read_bytes(), path.name)
    assert reason == "too large: 288 megapixels (photoclip reads photos up to 250 megapixels)"


@pytest.mark.slow
def test_a_200_megapixel_grid_heic_is_read_from_its_thumbnail(tmp_path):
    """Phones store 200 MP HEICs as a grid of 512 px tiles (x265 cannot encode one 200 MP frame) with a
    small thumbnail; that thumbnail is what gets decoded. Building the file takes ~20 s and ~2 GB."""
    import pillow_heif

    tile, pillow_heif.options.GRID_TILE_SIZE = pillow_heif.options.GRID_TILE_SIZE, 512
    try:
        path = ti.write_heic(tmp_path / "200mp.heic", size=(16320, 12240), quality=10, preset="ultrafast")
    finally:
        pillow_heif.options.GRID_TILE_SIZE = tile
    photo = decode_photo(path.read_bytes(), name=path.name)
    assert (photo.width, photo.height) == (16320, 12240)
    assert photo.image.size == (320, 240)  # the embedded thumbnail, not the 200 MP picture
