"""Turn a photo file's bytes into an upright RGB image for the model and a thumbnail, in one decode.

Decoding is the indexing bottleneck, so each format takes its cheapest route to "big enough":
JPEG decodes DCT-scaled (``Image.draft``), HEIC uses an embedded thumbnail when one is big enough, and
every other format decodes normally and is box-reduced only when very large. Every per-file failure
becomes a :class:`DecodeError` whose ``reason`` is a short phrase for users and the catalog, in plain words
first, with the decoder's own message (for a bug report) in parentheses at the end.

Input is the file's bytes or the open file itself (large files, see ``source.py``): Pillow reads a JPEG,
PNG, TIFF, BMP or GIF from the file as it decodes, so memory follows the picture's size, not the file's.

Thread-safe: no module state is mutated after import; each call owns its ``Image`` objects.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import BinaryIO

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
_MAX_REASON_DETAIL = 120

#: The decompression-bomb guard: images above this many pixels are refused from their header, before any
#: pixel is decoded. 200 MP phones (16,320 x 12,240) must pass; JPEGs decode DCT-scaled (1/8 in each
#: direction) and HEICs from their embedded thumbnail, so a 200 MP photo costs a few MB. Formats that can only
#: decode full size (PNG, TIFF, WebP...) cost 3-4 bytes per pixel: ~1 GB at this limit.
DEFAULT_MAX_PIXELS = 250_000_000
# Pillow's own guard (warn above MAX_IMAGE_PIXELS, refuse above twice that) defaults to ~89 MP / ~179 MP and
# would reject 200 MP phone photos inside Image.open. Ours runs on the header right after open, so Pillow's
# is raised to match; it still refuses anything past twice our limit for any other Pillow use in the process.
if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < DEFAULT_MAX_PIXELS:  # None: turned off
    Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class DecodedPhoto:
    image: Image.Image  # RGB, upright; short side >= min_side when the original is that big
    thumbnail: Image.Image  # RGB, upright, fits inside thumb_size x thumb_size
    width: int  # full-resolution upright size of the original
    height: int
    taken_at: str | None  # 'YYYY-MM-DDTHH:MM:SS' from EXIF
    camera: str | None  # "Make Model"


def decode_photo(
    data: bytes | BinaryIO,
    *,
    min_side: int = 224,
    thumb_size: int = 256,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    name: str = "",
) -> DecodedPhoto:
    """Decode a whole file's bytes, or an open binary file (read from its start; it is left open).
    ``name`` is used only to word error reasons.

    Raises DecodeError (and nothing else) for any file that cannot be decoded.
    """
    head = _head(data)
    if not head:
        raise DecodeError("empty file (0 bytes)")
    fmt = _sniff_format(head)
    try:
        return _decode(_as_file(data), min_side=min_side, thumb_size=thumb_size, max_pixels=max_pixels)
    except DecodeError:
        raise
    except Image.DecompressionBombError as exc:
        raise DecodeError(_too_large_from_pillow(str(exc), max_pixels)) from exc
    except UnidentifiedImageError as exc:
        raise DecodeError(_unidentified_reason(data, head, fmt, name)) from exc
    except MemoryError as exc:
        raise DecodeError(NOT_ENOUGH_MEMORY) from exc
    except Exception as exc:  # the boundary: a raw OSError/ValueError/SyntaxError must never escape
        raise DecodeError(_failure_reason(exc, fmt)) from exc


def _head(data: bytes | BinaryIO) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[:_HEAD_BYTES])
    data.seek(0)
    return data.read(_HEAD_BYTES)


def _as_file(data: bytes | BinaryIO) -> BinaryIO:
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(data)
    data.seek(0)
    return data


def _decode(source: BinaryIO, *, min_side: int, thumb_size: int, max_pixels: int) -> DecodedPhoto:
    with Image.open(source, formats=_PILLOW_FORMATS) as img:
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
        image = _to_rgb(_shrink_decoded(img, min_side, thumb_size))
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


#: modes whose box reduce() is a plain average of what will be shown (not palette indices, not a colour key)
_REDUCE_FIRST_MODES = frozenset({"RGB", "L", "RGBA", "LA"})


def _shrink_decoded(img: Image.Image, min_side: int, thumb_size: int) -> Image.Image:
    """Reduce a huge picture straight from the decoder, before the RGB copy: a 200 MP PNG then peaks at its
    decoded size (~800 MB) instead of twice that. The short side does not depend on the orientation."""
    if img.mode not in _REDUCE_FIRST_MODES or "transparency" in img.info:
        return img
    return _shrink_if_huge(img, min_side, thumb_size)


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
# Plain words first (what a user can act on), the decoder's own message in parentheses at the end.

NOT_ENOUGH_MEMORY = "not enough memory to decode this photo (close other programs and index again)"
_HEAD_BYTES = 512

# Formats recognised only to say "format not supported: X" instead of "not an image".
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
#: decoder messages that mean "a kind of this format we cannot read", not "damaged"
_VARIANT_WORDS = ("unsupported", "not supported", "not yet supported", "cannot handle", "unknown pixel mode",
                  "not available")
_SUPPORTED_SNIFFED = frozenset({"JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP", "AVIF", "HEIC"})
#: how a format is named to users
_LABELS = {"WEBP": "WebP"}
#: the Pillow plugin that reads each sniffed format, asked again to say why it refused a file
_PLUGIN = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "GIF", "TIFF": "TIFF", "BMP": "BMP", "AVIF": "AVIF"}
_READABLE = "JPEG, PNG, HEIC, WebP, AVIF, TIFF, BMP and GIF"


def _label(fmt: str | None) -> str:
    return _LABELS.get(fmt or "", fmt or "image")


def _sniff_format(head: bytes) -> str | None:
    """Format named by the magic bytes, for error messages when Pillow cannot even open the file."""
    head = head[:32]
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


def _unidentified_reason(data: bytes | BinaryIO, head: bytes, fmt: str | None, name: str) -> str:
    if fmt is not None and fmt not in _SUPPORTED_SNIFFED:
        return f"format not supported: {fmt} (photoclip reads {_READABLE})"
    if _looks_like_text(head):  # before the weak magics: a text file may start with "BM"
        return "not an image: this is a text file"
    if fmt == "HEIC":
        return _heif_reason(data)
    if fmt is not None:
        return _header_reason(data, fmt)
    if name.lower().endswith((".heic", ".heif")) and head[4:8] == b"ftyp":
        return _heif_reason(data)
    return "not an image: the contents are not a photo format photoclip knows"


def _header_reason(data: bytes | BinaryIO, fmt: str) -> str:
    """Pillow only says "cannot identify image file": ask the format's own plugin what it objected to."""
    detail = ""
    try:
        factory, _accept = Image.OPEN[_PLUGIN[fmt]]
        factory(_as_file(data), "").close()
    except Exception as exc:
        detail = _detail(exc)
        if _is_truncation(exc, detail):
            return _incomplete(fmt)
        if _is_variant(detail):
            return f"{_label(fmt)} variant not supported ({detail})"
    suffix = f" ({detail})" if detail else ""
    return f"damaged {_label(fmt)} file: its header cannot be read{suffix}"


def _heif_reason(data: bytes | BinaryIO) -> str:
    """Ask libheif directly why the Pillow plugin refused the file: its message names the variant."""
    try:
        heif = pillow_heif.open_heif(_as_file(data))
        _ = heif.size
    except Exception as exc:
        detail = _detail(exc)
        if _is_truncation(exc, detail):
            return _incomplete("HEIC")
        if _is_variant(detail):
            return f"HEIC variant not supported ({detail})"
        return f"damaged HEIC file ({detail})"
    return "HEIC variant not supported"


def _looks_like_text(head: bytes) -> bool:
    head = head[:_HEAD_BYTES]
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
    label, detail = _label(fmt), _detail(exc)
    if _is_truncation(exc, str(exc)):
        return _incomplete(fmt)
    if _is_variant(detail):
        return f"{label} variant not supported ({detail})"
    if isinstance(exc, OSError) and fmt in ("WEBP", "AVIF", "HEIC"):
        return f"damaged or incomplete {label} file ({detail})"
    return f"damaged {label} file: the picture data cannot be decoded ({detail})"


def _incomplete(fmt: str | None) -> str:
    return f"incomplete {_label(fmt)} file: it ends too early (an interrupted copy or download?)"


def _is_truncation(exc: BaseException, message: str) -> bool:
    lowered = message.lower()
    return isinstance(exc, EOFError) or any(word in lowered for word in _TRUNCATION_WORDS)


def _is_variant(detail: str) -> bool:
    lowered = detail.lower()
    return any(word in lowered for word in _VARIANT_WORDS)


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= _MAX_REASON_DETAIL else text[: _MAX_REASON_DETAIL - 1] + "…"


def plain_megapixels(pixels: int) -> str:
    """274_800_000_000 -> '274,800'; 20_000 -> '0.02' (no exponents: users read these)."""
    mp = pixels / 1e6
    if mp >= 10:
        return f"{mp:,.0f}"
    return f"{mp:.2f}".rstrip("0").rstrip(".") or "0"


def _too_large(pixels: int, limit: int) -> str:
    return (f"too large: {plain_megapixels(pixels)} megapixels "
            f"(photoclip reads photos up to {plain_megapixels(limit)} megapixels)")


def _too_large_from_pillow(message: str, max_pixels: int) -> str:
    # Pillow's own guard (2 x Image.MAX_IMAGE_PIXELS) fires inside open() past twice our limit.
    match = re.search(r"\((\d+) pixels\)", message)
    limit = min(max_pixels, 2 * (Image.MAX_IMAGE_PIXELS or max_pixels))
    if match is None:
        return f"too large (photoclip reads photos up to {plain_megapixels(limit)} megapixels)"
    return _too_large(int(match.group(1)), limit)
