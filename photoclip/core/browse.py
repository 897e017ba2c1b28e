"""Browsing the library by date: what the grid and ``photoclip list`` show when nothing is searched.

Photos come newest first by their effective date — EXIF DateTimeOriginal, else the file's modification time —
then by id, so the order is total and stable. ``Library.browse`` pages through it with a (date, id) cursor
(keyset pagination over the ``photos_timeline`` index, schema v6); ``Library.timeline`` gives a grid every
photo's id and day at once (8 bytes and a day string per photo), and the grid reads rows only for what it
paints.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

import numpy as np

from photoclip.core.records import PhotoRow

#: a position in the browse order: (effective date, photo id) of the last photo seen
Cursor = tuple[str, int]


@dataclass(frozen=True)
class DatedPhoto:
    photo: PhotoRow
    #: the date it is shown under (ISO, local time): EXIF's, else the file's modification time
    taken: str

    @property
    def date_source(self) -> str:
        return "exif" if self.photo.taken_at else "file"

    def as_dict(self) -> dict[str, Any]:
        p = self.photo
        return {"id": p.id, "path": p.path, "taken": self.taken, "date_source": self.date_source,
                "width": p.width, "height": p.height, "camera": p.camera, "status": p.status}


@dataclass(frozen=True)
class BrowsePage:
    photos: list[DatedPhoto]
    #: pass it as ``after`` for the next page; None when this page was the last
    next: Cursor | None


@dataclass(frozen=True)
class Day:
    """One day of the timeline: its date and where its photos sit in the browse order."""

    date: str  # YYYY-MM-DD
    start: int
    count: int

    @property
    def month(self) -> str:
        return self.date[:7]


class Timeline:
    """Every photo of a scope in browse order, as ids, grouped into days (newest first)."""

    def __init__(self, ids: np.ndarray, days: list[tuple[str, int]]) -> None:
        self.ids = ids
        self.days: list[Day] = []
        start = 0
        for date, n in days:
            self.days.append(Day(date, start, n))
            start += n

    def __len__(self) -> int:
        return len(self.ids)

    def row_of(self, photo_id: int) -> int | None:
        """Where a photo is in this timeline (None: not in it); one vectorised pass, ~0.1 ms at 100k."""
        found = np.flatnonzero(self.ids == photo_id)
        return int(found[0]) if len(found) else None

    def day_index(self, row: int) -> int:
        """The index in ``days`` of the day holding ``row``."""
        return max(0, bisect.bisect_right(self.days, row, key=lambda d: d.start) - 1)
