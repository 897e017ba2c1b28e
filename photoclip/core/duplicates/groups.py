"""Near-duplicate groups as the CLI and the app show them, and which photo of a group to keep.

A group is photos whose stored vectors are linked at the chosen similarity (bursts, re-saves, resized or
lightly edited copies) plus exact copies: photos with the same content hash share one vector, so they are a
group of their own even when nothing else is near them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from photoclip.core.records import PhotoRow
from photoclip.core.store.catalog import effective_date

LARGEST, SHARPEST, OLDEST = "largest", "sharpest", "oldest"
#: how a keeper is picked: most pixels (then bytes), the sharpest (variance of the Laplacian of the thumbnail,
#: see sharpness.py), or the earliest date taken (EXIF, else file time); the user may override per group
KEEP_RULES = (LARGEST, SHARPEST, OLDEST)


@dataclass(frozen=True)
class DuplicatePhoto:
    photo_id: int
    path: str
    content_hash: str
    embedding_id: int
    width: int | None
    height: int | None
    size: int
    mtime_ns: int
    #: EXIF date taken, else the file's modification time (ISO)
    taken: str

    @classmethod
    def of(cls, row: PhotoRow, embedding_id: int) -> DuplicatePhoto:
        return cls(row.id, row.path, row.content_hash or "", embedding_id, row.width, row.height, row.size,
                   row.mtime_ns, effective_date(row))

    @property
    def pixels(self) -> int:
        return (self.width or 0) * (self.height or 0)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "width": self.width, "height": self.height, "bytes": self.size,
                "taken": self.taken, "content_hash": self.content_hash}


#: sharpness of (content hash, path); None when unreadable
SharpnessOf = Callable[[str, str], "float | None"]


@dataclass(frozen=True)
class DuplicateGroup:
    #: in the order they were taken (a burst reads left to right)
    photos: tuple[DuplicatePhoto, ...]
    #: the lowest similarity (cosine) of the links that hold the group together; 1.0 for exact copies only
    similarity: float

    @property
    def exact(self) -> bool:
        """Every photo is a byte-identical copy of the others."""
        return len({p.content_hash for p in self.photos}) == 1

    def copies_of(self, photo: DuplicatePhoto) -> int:
        """How many other photos of the group have exactly this photo's bytes."""
        return sum(p.content_hash == photo.content_hash for p in self.photos) - 1

    def keeper(self, rule: str, sharpness: SharpnessOf | None = None) -> DuplicatePhoto:
        """The photo ``rule`` keeps. Ties go to the larger, then the older photo, then the path, so the
        choice is the same on every run."""
        if rule not in KEEP_RULES:
            raise ValueError(f"unknown keep rule {rule!r}")
        return min(self.photos, key=_ranking(rule, sharpness))

    def others(self, keeper: DuplicatePhoto) -> list[DuplicatePhoto]:
        return [p for p in self.photos if p.photo_id != keeper.photo_id]

    def as_dict(self, keeper: DuplicatePhoto | None = None) -> dict[str, Any]:
        return {
            "similarity": round(self.similarity, 4),
            "exact": self.exact,
            "photos": [p.as_dict() | ({"keep": p.photo_id == keeper.photo_id} if keeper else {})
                       for p in self.photos],
        }


def _ranking(rule: str, sharpness: SharpnessOf | None) -> Callable[[DuplicatePhoto], tuple[Any, ...]]:
    def tie(p: DuplicatePhoto) -> tuple[Any, ...]:
        return (-p.pixels, -p.size, p.taken, p.mtime_ns, p.path)

    if rule == LARGEST:
        return tie
    if rule == OLDEST:
        return lambda p: (p.taken, p.mtime_ns, *tie(p))
    if sharpness is None:
        raise ValueError("the sharpest rule needs a sharpness measure")

    def sharpest(p: DuplicatePhoto) -> tuple[Any, ...]:
        value = sharpness(p.content_hash, p.path)
        return (value is None, -(value or 0.0), *tie(p))

    return sharpest


def build_groups(components: list[tuple[list[int], float]], photos: dict[int, list[DuplicatePhoto]],
                 exact_embeddings: list[int]) -> list[DuplicateGroup]:
    """Groups from components of embedding ids (with their weakest link) and the photos behind each
    embedding; an embedding with several photos (exact copies) is a group even when linked to nothing."""
    groups: list[DuplicateGroup] = []
    linked: set[int] = set()
    for embedding_ids, weakest in components:
        linked.update(int(e) for e in embedding_ids)
        members = [p for e in embedding_ids for p in photos.get(int(e), ())]
        if len(members) > 1:
            groups.append(DuplicateGroup(_in_order(members), weakest))
    for embedding_id in exact_embeddings:
        members = photos.get(embedding_id, [])
        if embedding_id not in linked and len(members) > 1:
            groups.append(DuplicateGroup(_in_order(members), 1.0))
    # the biggest groups first (most to gain), then by the first photo's date, newest first
    groups.sort(key=lambda g: (-len(g.photos), _newest_first(g.photos[0].taken), g.photos[0].path))
    return groups


def _in_order(photos: list[DuplicatePhoto]) -> tuple[DuplicatePhoto, ...]:
    return tuple(sorted(photos, key=lambda p: (p.taken, p.mtime_ns, p.path)))


def _newest_first(iso: str) -> float:
    try:
        return -datetime.fromisoformat(iso).timestamp()
    except (ValueError, OverflowError, OSError):
        return 0.0
