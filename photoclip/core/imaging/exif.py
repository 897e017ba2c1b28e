"""The few EXIF fields photoclip catalogues: capture time, camera and orientation.

Camera EXIF is often malformed (NUL padding, blank dates, zeroed clocks, broken IFD offsets); a bad field
yields None (or orientation 1) and never fails the photo.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from PIL import Image

_TAG_ORIENTATION = 0x0112
_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110
_TAG_DATETIME = 0x0132  # IFD0: last modification, the least reliable fallback
_IFD_EXIF = 0x8769
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_DATETIME_DIGITIZED = 0x9004

# "YYYY:MM:DD HH:MM:SS" per the EXIF spec; writers also use '-' or '/' in the date, 'T' as separator,
# omit seconds, or append sub-seconds / a zone, which are ignored here.
_DATETIME_RE = re.compile(r"(\d{4})[:\-/](\d{1,2})[:\-/](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?")
_MIN_YEAR = 1800  # scans of old prints can carry early dates; anything before is garbage


def _get_exif(img: Image.Image) -> Image.Exif | None:
    try:
        return img.getexif()
    except Exception:  # a corrupt EXIF block must not fail the decode
        return None


def orientation(img: Image.Image) -> int:
    """EXIF orientation 1..8 of ``img``; 1 when absent or invalid."""
    exif = _get_exif(img)
    if exif is None:
        return 1
    value: Any = exif.get(_TAG_ORIENTATION)
    if isinstance(value, tuple | list) and value:
        value = value[0]
    try:
        value = int(value)
    except (TypeError, ValueError):
        return 1
    return value if 1 <= value <= 8 else 1


def _text(value: object) -> str:
    """An EXIF ASCII value as clean text: bytes decoded, NUL padding and surrounding blanks removed."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return ""
    return " ".join(value.replace("\x00", " ").split())


def parse_exif_datetime(value: object) -> str | None:
    """'YYYY:MM:DD HH:MM:SS' -> 'YYYY-MM-DDTHH:MM:SS'; None for blank, zeroed or impossible dates."""
    match = _DATETIME_RE.match(_text(value))
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    if year < _MIN_YEAR:
        return None
    try:
        stamp = datetime(year, month, day, hour, minute, second)
    except ValueError:  # "0000:00:00 00:00:00", month 13, Feb 30, hour 24 ...
        return None
    return stamp.isoformat(timespec="seconds")


def camera_name(make: object, model: object) -> str | None:
    """'Make Model' without the make repeated at the start of the model ("Canon Canon EOS 5D")."""
    make_s, model_s = _text(make), _text(model)
    if not model_s:
        return make_s or None
    if not make_s:
        return model_s
    model_l = model_s.lower()
    # "NIKON CORPORATION" + "NIKON D750": the model already names the brand by its first word.
    if model_l.startswith(make_s.lower()) or model_l.startswith(make_s.split()[0].lower() + " "):
        return model_s
    return f"{make_s} {model_s}"


def read_exif_fields(img: Image.Image) -> tuple[str | None, str | None]:
    """``(taken_at, camera)`` of an opened image; the capture time falls back from DateTimeOriginal to
    DateTimeDigitized to IFD0 DateTime, skipping any that is blank or invalid."""
    exif = _get_exif(img)
    if exif is None or not exif:
        return None, None
    try:
        exif_ifd = exif.get_ifd(_IFD_EXIF)
    except Exception:  # broken IFD pointer
        exif_ifd = {}
    taken_at = None
    for value in (
        exif_ifd.get(_TAG_DATETIME_ORIGINAL),
        exif_ifd.get(_TAG_DATETIME_DIGITIZED),
        exif.get(_TAG_DATETIME),
    ):
        taken_at = parse_exif_datetime(value)
        if taken_at is not None:
            break
    return taken_at, camera_name(exif.get(_TAG_MAKE), exif.get(_TAG_MODEL))
