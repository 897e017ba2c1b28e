"""On-disk thumbnail cache keyed by content hash, so a moved or renamed photo keeps its thumbnail."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from PIL import Image

from photoclip.core.imaging.decode import decode_photo
from photoclip.core.imaging.source import open_photo

_HASH_RE = re.compile(r"[0-9a-f]{3,128}")
_JPEG_QUALITY = 85


class ThumbnailCache:
    """``root/ab/abcdef....jpg``: sharded by the first two hex characters so no folder grows huge.

    Writes are atomic (temp file in the same folder + ``os.replace``), so a concurrent reader or a crash
    never sees half a JPEG, and any number of threads may save at once. There is no fsync: a thumbnail
    lost to a power cut is simply made again.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, content_hash: str) -> Path:
        key = content_hash.lower()
        if not _HASH_RE.fullmatch(key):  # the hash becomes a path: refuse anything that is not hex
            raise ValueError(f"not a hex content hash: {content_hash!r}")
        return self.root / key[:2] / f"{key}.jpg"

    def has(self, content_hash: str) -> bool:
        return self.path_for(content_hash).is_file()

    def save(self, content_hash: str, image: Image.Image) -> Path:
        target = self.path_for(content_hash)
        target.parent.mkdir(parents=True, exist_ok=True)
        rgb = image if image.mode == "RGB" else image.convert("RGB")  # JPEG has no alpha/palette
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem[:16]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                rgb.save(handle, format="JPEG", quality=_JPEG_QUALITY)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return target

    def load(self, content_hash: str) -> Image.Image | None:
        """The cached thumbnail, or None when missing or unreadable (the caller then makes it again)."""
        path = self.path_for(content_hash)
        try:
            with Image.open(path, formats=("JPEG",)) as img:
                img.load()
                return img.convert("RGB")
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            return None


def make_thumbnail(path: Path, thumb_size: int = 256) -> Image.Image:
    """Thumbnail of a file that is not in the cache (e.g. a GUI fallback). Raises DecodeError."""
    path = Path(path)
    with open_photo(path) as source:  # never opens a pipe or a device; large files are streamed
        return decode_photo(source.data, thumb_size=thumb_size, name=path.name).thumbnail
