"""Write real image files for tests: every format, real EXIF, and the broken files users really have.

All writers return the path written. Colours are RGB tuples. EXIF date strings are passed through as
given (``"2021:05:06 07:08:09"``, or garbage on purpose).
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
_TAG_ORIENTATION = 0x0112
_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110
_TAG_DATETIME = 0x0132
_IFD_EXIF = 0x8769
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_DATETIME_DIGITIZED = 0x9004

# Displayed = stored.transpose(_DISPLAY[o]); the inverse takes an upright picture to the stored pixels.
_TO_STORED = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # stored is rotated 90° CCW; the viewer turns it 90° CW
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def solid(size: tuple[int, int], color: tuple[int, int, int] = (120, 140, 160)) -> Image.Image:
    return Image.new("RGB", size, color)


def marker_image(size: tuple[int, int], marker: tuple[int, int, int] = RED) -> Image.Image:
    """Blue picture with its top-left quadrant in ``marker``: shows where "up" and "left" ended up."""
    img = Image.new("RGB", size, BLUE)
    img.paste(marker, (0, 0, size[0] // 2, size[1] // 2))
    return img


def photo_like(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """Smooth colour gradients, soft shapes and sensor-like noise: compresses and scales like a photo."""
    w, h = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    x /= w
    y /= h
    r = 90 + 110 * x + 30 * np.sin(6.0 * y)
    g = 70 + 120 * y + 25 * np.cos(9.0 * x + 2.0 * y)
    b = 160 - 90 * x * y + 40 * np.sin(14.0 * (x + y))
    # a few soft blobs (the "objects") and some fine texture
    for cx, cy, rad, amp in rng.uniform([0, 0, 0.05, -80], [1, 1, 0.2, 80], size=(6, 4)):
        blob = amp * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * rad * rad))
        r += blob
        g += 0.5 * blob
    rgb = np.stack([r, g, b], axis=-1)
    rgb += 8.0 * np.sin(40.0 * x * np.pi)[..., None] * np.sin(30.0 * y * np.pi)[..., None]
    rgb += rng.normal(0.0, 6.0, size=rgb.shape).astype(np.float32)
    return Image.fromarray(rgb.clip(0, 255).astype(np.uint8), "RGB")


def stored_for_orientation(upright: Image.Image, orientation: int) -> Image.Image:
    """The pixels a camera stores so that applying EXIF ``orientation`` shows ``upright``."""
    method = _TO_STORED[orientation]
    return upright.copy() if method is None else upright.transpose(method)


def make_exif(
    *,
    orientation: int | None = None,
    taken_at: str | bytes | None = None,
    digitized: str | bytes | None = None,
    modified: str | bytes | None = None,
    make: str | bytes | None = None,
    model: str | bytes | None = None,
) -> Image.Exif:
    """Real EXIF: orientation, make, model and DateTime in IFD0; the capture dates in the Exif IFD."""
    exif = Image.Exif()
    if orientation is not None:
        exif[_TAG_ORIENTATION] = orientation
    if make is not None:
        exif[_TAG_MAKE] = make
    if model is not None:
        exif[_TAG_MODEL] = model
    if modified is not None:
        exif[_TAG_DATETIME] = modified
    if taken_at is not None or digitized is not None:
        ifd = exif.get_ifd(_IFD_EXIF)
        if taken_at is not None:
            ifd[_TAG_DATETIME_ORIGINAL] = taken_at
        if digitized is not None:
            ifd[_TAG_DATETIME_DIGITIZED] = digitized
    return exif


def _image(image: Image.Image | None, size: tuple[int, int], color: tuple[int, int, int]) -> Image.Image:
    return image if image is not None else solid(size, color)


def write_jpeg(
    path: Path,
    size: tuple[int, int] = (640, 480),
    color: tuple[int, int, int] = (120, 140, 160),
    *,
    image: Image.Image | None = None,
    exif_orientation: int | None = None,
    taken_at: str | bytes | None = None,
    digitized: str | bytes | None = None,
    modified: str | bytes | None = None,
    make: str | bytes | None = None,
    model: str | bytes | None = None,
    quality: int = 90,
) -> Path:
    """A JPEG of ``image`` (any mode JPEG takes: RGB, L, CMYK) or of a solid ``size`` x ``color``."""
    exif = make_exif(
        orientation=exif_orientation,
        taken_at=taken_at,
        digitized=digitized,
        modified=modified,
        make=make,
        model=model,
    )
    _image(image, size, color).save(path, "JPEG", quality=quality, exif=exif.tobytes())
    return Path(path)


def write_png(
    path: Path,
    size: tuple[int, int] = (64, 48),
    color: tuple[int, int, int] = (120, 140, 160),
    *,
    image: Image.Image | None = None,
    exif: Image.Exif | None = None,
) -> Path:
    kwargs = {"exif": exif.tobytes()} if exif is not None else {}
    _image(image, size, color).save(path, "PNG", **kwargs)
    return Path(path)


def write_webp(
    path: Path,
    size: tuple[int, int] = (64, 48),
    color: tuple[int, int, int] = (120, 140, 160),
    *,
    image: Image.Image | None = None,
    lossless: bool = True,
) -> Path:
    _image(image, size, color).save(path, "WEBP", lossless=lossless, quality=90)
    return Path(path)


def write_image(path: Path, image: Image.Image, fmt: str, **options: object) -> Path:
    """Any other format Pillow writes (TIFF, BMP, GIF, AVIF...)."""
    image.save(path, fmt, **options)
    return Path(path)


def write_heic(
    path: Path,
    size: tuple[int, int] = (640, 480),
    color: tuple[int, int, int] = (120, 140, 160),
    *,
    image: Image.Image | None = None,
    orientation: int | None = None,
    with_thumbnail: bool = True,
    thumbnail_box: int = 320,
    taken_at: str | None = None,
    make: str | None = None,
    model: str | None = None,
    quality: int = 80,
    preset: str | None = None,
) -> Path:
    """A real HEIC (x265 via pillow-heif). ``orientation`` goes into EXIF and pillow-heif turns it into
    HEIF irot/imir boxes, like a phone does; the thumbnail's long side is ``thumbnail_box``.
    ``preset="ultrafast"`` encodes 12 MP in ~3 s instead of ~35 s here (x265 preset)."""
    exif = make_exif(orientation=orientation, taken_at=taken_at, make=make, model=model)
    heif = pillow_heif.from_pillow(_image(image, size, color))
    options: dict[str, object] = {"quality": quality, "exif": exif.tobytes()}
    if preset is not None:
        options["enc_params"] = {"preset": preset}
    if with_thumbnail:
        options["thumbnails"] = [thumbnail_box]
    heif.save(path, **options)
    return Path(path)


def write_animated_gif(path: Path, colors: tuple[tuple[int, int, int], ...] = (RED, BLUE)) -> Path:
    frames = [solid((40, 30), c) for c in colors]
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return Path(path)


def write_truncated_jpeg(path: Path, size: tuple[int, int] = (800, 600), keep: float = 0.5) -> Path:
    """A noisy JPEG cut after ``keep`` of its bytes, like an interrupted copy."""
    buffer = io.BytesIO()
    photo_like(size, seed=3).save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    Path(path).write_bytes(data[: int(len(data) * keep)])
    return Path(path)


def write_garbage(path: Path, n_bytes: int = 4096, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, n_bytes, dtype=np.uint8).tobytes()
    if data[:3] == b"\xff\xd8\xff":  # astronomically unlikely, but keep it garbage
        data = b"\x00" + data[1:]
    Path(path).write_bytes(data)
    return Path(path)


def write_text(path: Path, text: str = "This is not a photo.\nJust some notes.\n") -> Path:
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)


def write_png_bomb(path: Path, width: int = 30000, height: int = 30000) -> Path:
    """A ~70-byte PNG whose IHDR claims ``width`` x ``height``: a decompression bomb's header, cheaply."""
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    # signature (8) | length (4) | b"IHDR" (4) | width, height (4 each) ... | CRC over type + data
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    ihdr_length = struct.unpack(">I", data[8:12])[0]
    crc_at = 16 + ihdr_length
    data[crc_at : crc_at + 4] = struct.pack(">I", zlib.crc32(bytes(data[12:crc_at])))
    Path(path).write_bytes(bytes(data))
    return Path(path)


def quadrant_means(img: Image.Image) -> dict[str, tuple[float, float, float]]:
    """Mean RGB of each quadrant (inner half of each, away from JPEG edge ringing)."""
    arr = np.asarray(img.convert("RGB"), dtype=np.float32)
    h, w = arr.shape[:2]
    qh, qw = h // 2, w // 2
    out = {}
    for name, (y0, x0) in {"tl": (0, 0), "tr": (0, qw), "bl": (qh, 0), "br": (qh, qw)}.items():
        block = arr[y0 + qh // 4 : y0 + qh - qh // 4, x0 + qw // 4 : x0 + qw - qw // 4]
        out[name] = tuple(float(v) for v in block.reshape(-1, 3).mean(axis=0))
    return out


def red_quadrant(img: Image.Image) -> str:
    """Which quadrant ("tl", "tr", "bl", "br") is the red marker in."""
    means = quadrant_means(img)
    return max(means, key=lambda q: means[q][0] - means[q][2])


def write_flat_gray_jpeg(path: Path, width: int, height: int) -> Path:
    """A valid baseline JPEG of any size in ~width*height/256 bytes, written without holding its pixels.

    One grey component, 8x8 blocks, Huffman tables with a single 1-bit code each (DC difference 0, end of
    block): every block is two 0 bits, so a 200 MP photo is a 780 KB file that libjpeg decodes as mid-grey.
    """
    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    one_code = bytes([1] + [0] * 15)  # one code of length 1
    header = b"".join([
        b"\xff\xd8",
        segment(0xDB, b"\x00" + bytes([1] * 64)),  # quantisation table 0: all ones
        segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
        segment(0xC4, b"\x00" + one_code + b"\x00"),  # DC table 0: symbol 0 (difference 0)
        segment(0xC4, b"\x10" + one_code + b"\x00"),  # AC table 0: symbol 0x00 (end of block)
        segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
    ])
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    with open(path, "wb") as out:
        out.write(header)
        remaining = (blocks * 2 + 7) // 8
        chunk = bytes(1 << 20)
        while remaining:
            out.write(chunk[: min(remaining, len(chunk))])
            remaining -= min(remaining, len(chunk))
        out.write(b"\xff\xd9")
    return Path(path)
