"""Turn a photo file's bytes into an upright RGB image for the model and a thumbnail, in one decode.

Decoding is the indexing bottleneck, so each format takes its cheapest route to "big enough":
JPEG decodes DCT-scaled (``Image.draft``), HEIC uses an embedded thumbnail when one is big enough, and
every other format decodes normally and is box-reduced only when very large. Every per-file failure
becomes a :class:`DecodeError` whose ``reason`` is a short phrase for users and the catalog.

Thread-safe: no module state is mutated after import; each call owns its ``Image`` objects.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image, UnidentifiedImageError

from photoclip.core.errors import DecodeError
from photoclip.core.imaging.exif import orientation, read_exif_fields

# Registers the "HEIF" Pillow plugin once; its draft() picks an embedded thumbnail (see _apply_draft).
pillow_heif.register_heif_opener()

SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".tif", ".tiff", ".bmp", ".gif", ".avif"}
)

# Pillow plugins tried on open. An allow-list keeps exotic plugins (EPS, TGA, SPIDER...) from claiming
# random bytes and from running on files we do not support. JPEG also yields MPO (multi-picture JPEG).
_PILLOW_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF", "AVIF", "TIFF", "BMP", "GIF")
_DRAFT_FORMATS = frozenset({"JPEG", "MPO", "HEIF"})  # formats whose draft() makes decoding cheaper

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_WHITE = (255, 255, 255)
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
_MAX_REASON_DETAIL = 160


@dataclass(frozen=True)
class DecodedPhoto:
    image: Image.Image  # RGB, upright; short side >= min_side when the original is that big
    thumbnail: Image.Image  # RGB, upright, fits inside thumb_size x thumb_size
    width: int  # full-resolution upright size of the original
    height: int
    taken_at: str | None  # 'YYYY-MM-DDTHH:MM:SS' from EXIF
    camera: str | None  # "Make Model"


def decode_photo(
    data: bytes,
    *,
    min_side: int = 224,
    thumb_size: int = 256,
    max_pixels: int = 250_000_000,
    name: str = "",
) -> DecodedPhoto:
    """Decode a whole file's bytes. ``name`` is used only to word error reasons.

    Raises DecodeError (and nothing else) for any file that cannot be decoded.
    """
    if not data:
        raise DecodeError("empty file (0 bytes)")
    fmt = _sniff_format(data)
    try:
        return _decode(data, min_side=min_side, thumb_size=thumb_size, max_pixels=max_pixels)
    except DecodeError:
        raise
    except Image.DecompressionBombError as exc:
        raise DecodeError(_too_large_from_pillow(str(exc), max_pixels)) from exc
    except UnidentifiedImageError as exc:
        raise DecodeError(_unidentified_reason(data, fmt, name)) from exc
    except MemoryError as exc:
        raise DecodeError("out of memory while decoding") from exc
    except Exception as exc:  # the boundary: a raw OSError/ValueError/SyntaxError must never escape
        raise DecodeError(_failure_reason(exc, fmt)) from exc


def _decode(data: bytes, *, min_side: int, thumb_size: int, max_pixels: int) -> DecodedPhoto:
    with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS) as img:
        # Image.open only parsed the header: check the pixel count before any pixel is decoded.
        width, height = img.size
        if width * height > max_pixels:
            raise DecodeError(_too_large(width * height, max_pixels))
        if img.format in _DRAFT_FORMATS:
            _apply_draft(img, min_side, thumb_size)
        # Load before reading EXIF: PNG's getexif() would load anyway and swallow a truncation error.
        img.load()  # first frame for GIF/animated WebP; raises on truncated data
        # libheif already applied HEIF's irot/imir (and pillow_heif reset the EXIF tag to 1); applying
        # the EXIF orientation there would turn the picture twice.
        turn = 1 if img.format == "HEIF" else orientation(img)
        if turn >= 5:
            width, height = height, width
        taken_at, camera = read_exif_fields(img)
        image = _to_rgb(img)
    if turn in _TRANSPOSE:
        image = image.transpose(_TRANSPOSE[turn])
    image = _shrink_if_huge(image, min_side, thumb_size)
    return DecodedPhoto(
        image=image,
        thumbnail=_thumbnail(image, thumb_size),
        width=width,
        height=height,
        taken_at=taken_at,
        camera=camera,
    )


def _apply_draft(img: Image.Image, min_side: int, thumb_size: int) -> None:
    """Decode at the smallest scale that still serves both the model and the thumbnail.

    draft() guarantees a result >= the requested size in both dimensions. JPEG: libjpeg DCT-scales by
    1/2, 1/4 or 1/8 while decoding (~4x faster for 12 MP). HEIF: pillow_heif substitutes the smallest
    embedded thumbnail that is a true scaled copy (same orientation and crop), skipping a ~1 s decode.
    """
    if img.format == "HEIF":
        # Ask for (long, short) in the stored orientation so a typical 320x240 HEIC thumbnail qualifies:
        # its short side feeds the model (>= min_side), its long side the thumbnail (>= thumb_size).
        long_side, short_side = max(thumb_size, min_side), min_side
        w, h = img.size
        img.draft("RGB", (long_side, short_side) if w >= h else (short_side, long_side))
    else:
        side = max(min_side, thumb_size)
        img.draft("RGB", (side, side))


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> a new RGB image; transparency is flattened onto white (as viewers show it)."""
    mode = img.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _high_depth_gray_to_rgb(img)
    if mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in img.info:
        return _flatten_on_white(img.convert("RGBA"))
    # RGB (copied, detached from the file), L, 1, P, CMYK (Adobe-inverted handled by the JPEG plugin)...
    return img.convert("RGB")


def _flatten_on_white(rgba: Image.Image) -> Image.Image:
    background = Image.new("RGB", rgba.size, _WHITE)
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _high_depth_gray_to_rgb(img: Image.Image) -> Image.Image:
    """16-bit / 32-bit / float grayscale -> 8-bit RGB by scaling; Pillow's convert() would clip to 255."""
    arr = np.asarray(img)
    if img.mode.startswith("I;16"):
        gray = (arr.astype(np.uint32) >> 8).astype(np.uint8)
    elif img.mode == "F":
        scale = 255.0 if float(np.nanmax(arr, initial=0.0)) <= 1.0 else 1.0
        gray = np.nan_to_num(arr * scale).clip(0, 255).astype(np.uint8)
    else:  # "I": 16-bit data widened by Pillow unless it already fits in 8 bits
        wide = int(arr.max(initial=0)) > 255
        gray = ((arr.clip(0, 65535) >> 8) if wide else arr.clip(0, 255)).astype(np.uint8)
    return Image.fromarray(gray, mode="L").convert("RGB")


def _shrink_if_huge(image: Image.Image, min_side: int, thumb_size: int) -> Image.Image:
    """Box-reduce only images whose short side exceeds 4 * min_side.

    Smaller images are kept as decoded on purpose: the model preprocessing resizes the shortest edge to
    224 (bicubic) and centre-crops, and for PNG/WebP that must give results bit-identical to HF's
    CLIPProcessor on the original file. For huge images reduce() by an integer factor is cheap, keeps
    quality (box average) and leaves the short side >= 2 * min_side, so the later bicubic still
    downsamples by at least 2x with plenty of detail.
    """
    short = min(image.size)
    if short <= 4 * min_side:
        return image
    factor = short // max(2 * min_side, thumb_size)
    return image.reduce(factor) if factor >= 2 else image


def _thumbnail(image: Image.Image, thumb_size: int) -> Image.Image:
    thumb = image.copy()
    thumb.thumbnail((thumb_size, thumb_size), Image.Resampling.LANCZOS)  # never enlarges
    return thumb


# --- error reasons -------------------------------------------------------------------------------


# Formats recognised only to say "unsupported format: X" instead of "not an image".
_OTHER_MAGIC = (
    (b"8BPS", "PSD"),
    (b"%PDF", "PDF"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"qoif", "QOI"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"%!PS", "PostScript"),
    (b"<svg", "SVG"),
)
_TRUNCATION_WORDS = ("truncated", "end of file", "premature end", "insufficient input")
_SUPPORTED_SNIFFED = frozenset({"JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "AVIF", "HEIC"})


def _sniff_format(data: bytes) -> str | None:
    """Format named by the magic bytes, for error messages when Pillow cannot even open the file."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    if head.startswith(b"BM"):
        return "BMP"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in _HEIF_BRANDS:
            return "HEIC"
        return None
    for magic, label in _OTHER_MAGIC:
        if head.startswith(magic):
            return label
    return None


def _unidentified_reason(data: bytes, fmt: str | None, name: str) -> str:
    if fmt is not None and fmt not in _SUPPORTED_SNIFFED:
        return f"unsupported format: {fmt}"
    if _looks_like_text(data):  # before the weak magics: a text file may start with "BM"
        return "not an image (text file)"
    if fmt == "HEIC":
        return _heif_reason(data)
    if fmt is not None:
        return f"corrupt or truncated {fmt} (header unreadable)"
    if name.lower().endswith((".heic", ".heif")) and data[4:8] == b"ftyp":
        return _heif_reason(data)
    return "not an image (unrecognised format)"


def _heif_reason(data: bytes) -> str:
    """Ask libheif directly why the Pillow plugin refused the file: its message names the variant."""
    try:
        heif = pillow_heif.open_heif(io.BytesIO(data))
        _ = heif.size
    except Exception as exc:
        detail = _detail(exc)
        if _is_truncation(exc, detail):
            return "truncated HEIC"
        if "unsupported" in detail.lower():
            return f"unsupported HEIC variant: {detail}"
        return f"corrupt HEIC: {detail}"
    return "unsupported HEIC variant"


def _looks_like_text(data: bytes) -> bool:
    head = data[:512]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # a cut inside a multi-byte character at byte 512 is still text
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return all(ch >= 0x20 or ch in b"\t\r\n\f" for ch in head)


def _failure_reason(exc: BaseException, fmt: str | None) -> str:
    label = fmt or "image"
    if _is_truncation(exc, str(exc)):
        return f"truncated {label}"
    if isinstance(exc, OSError) and label in ("WEBP", "AVIF", "HEIC"):
        return f"corrupt or truncated {label}: {_detail(exc)}"
    return f"corrupt {label}: {_detail(exc)}"


def _is_truncation(exc: BaseException, message: str) -> bool:
    lowered = message.lower()
    return isinstance(exc, EOFError) or any(word in lowered for word in _TRUNCATION_WORDS)


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= _MAX_REASON_DETAIL else text[: _MAX_REASON_DETAIL - 1] + "…"


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.3g}"


def _too_large(pixels: int, limit: int) -> str:
    return f"image too large: {_megapixels(pixels)} megapixels (limit {_megapixels(limit)})"


def _too_large_from_pillow(message: str, max_pixels: int) -> str:
    # Pillow's own guard (2 x Image.MAX_IMAGE_PIXELS, global, not ours to change) fires inside open().
    match = re.search(r"\((\d+) pixels\)", message)
    limit = min(max_pixels, 2 * (Image.MAX_IMAGE_PIXELS or max_pixels))
    if match is None:
        return f"image too large (limit {_megapixels(limit)} megapixels)"
    return _too_large(int(match.group(1)), limit)
