"""Albums: manual ones hold chosen photos; smart ones are a saved query evaluated on read.

A smart album is a search (text, ``+term``, ``-term``, folder and date filters) plus a threshold on the same
calibrated score labels use. Membership is computed from stored vectors each time it is read (cached until the
library changes), so it follows new photos as they are indexed and the new vectors after a model change,
with nothing to refresh.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from photoclip.core.calibration import DEFAULT_THRESHOLD, MIN_MARGIN
from photoclip.core.errors import AlbumError, QueryError
from photoclip.core.matrix_blocks import product
from photoclip.core.records import AlbumRow
from photoclip.core.search import compose, parse_query
from photoclip.core.tagging.space import VectorSpace

MANUAL, SMART = "manual", "smart"


@dataclass(frozen=True)
class AlbumMember:
    photo_id: int
    path: str
    #: calibrated score for smart albums, None for manual ones
    score: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "score": None if self.score is None else round(self.score, 4)}


def threshold_keeping(members: list[AlbumMember], photo_ids: Iterable[int], most: float = DEFAULT_THRESHOLD) -> float:
    """The highest threshold in 0.1 steps, at most ``most``, at which an album of these scored ``members``
    (``Albums.preview_smart``) still holds every one of ``photo_ids`` it can hold: a search saved as an album
    keeps the photos the user saw. A photo that says nothing beyond the neutral prompts is in no album at any
    threshold, so it does not pull the threshold down; with none of them among the members, ``most``."""
    wanted = set(photo_ids)
    scores = [m.score for m in members if m.photo_id in wanted and m.score is not None]
    if not scores:
        return most
    return round(min(most, math.floor(min(scores) * 10) / 10), 1)


class Albums:
    def __init__(self, space: VectorSpace) -> None:
        """``space``: the library's (``library.albums`` builds it)."""
        self.space = space
        self.store = space.store

    def create_smart(self, name: str, query: str, *, folder: str | None = None, date_from: str | None = None,
                     date_to: str | None = None, threshold: float = DEFAULT_THRESHOLD) -> AlbumRow:
        parse_query(query)  # refuse an empty query now, not at every read
        folder = str(Path(folder).expanduser().resolve()) if folder else None
        return self._create(name, SMART, query=query, folder=folder, date_from=date_from, date_to=date_to,
                            threshold=float(threshold))

    def create_manual(self, name: str, photo_ids: Iterable[int] = ()) -> AlbumRow:
        album = self._create(name, MANUAL)
        self.store.add_to_album(album.id, photo_ids)
        return album

    def _create(self, name: str, kind: str, **fields) -> AlbumRow:
        name = name.strip()
        if not name:
            raise AlbumError("An album needs a name.", "")
        if self.store.album(name) is not None:
            raise AlbumError(f"An album named {name!r} exists already.", "Pick another name or delete that one.")
        return self.store.create_album(name, kind, **fields)

    def get(self, name: str) -> AlbumRow:
        album = self.store.album(name)
        if album is None:
            raise AlbumError(f"No album named {name!r}.", "Run 'photoclip album list' to see the albums.")
        return album

    def list(self) -> list[AlbumRow]:
        return self.store.albums()

    def update(self, name: str, /, **fields) -> AlbumRow:
        """Rename, or change a smart album's query, filters or threshold."""
        album = self.get(name)
        if "query" in fields:
            parse_query(fields["query"])
        self.store.update_album(album.id, **fields)
        return self.get(fields.get("name", name))

    def delete(self, name: str) -> None:
        self.store.delete_album(self.get(name).id)

    def add(self, name: str, photo_ids: Iterable[int]) -> None:
        album = self._manual(name)
        self.store.add_to_album(album.id, photo_ids)

    def remove(self, name: str, photo_ids: Iterable[int]) -> None:
        self.store.remove_from_album(self._manual(name).id, photo_ids)

    def _manual(self, name: str) -> AlbumRow:
        album = self.get(name)
        if album.kind != MANUAL:
            raise AlbumError(f"{name!r} is a smart album: its query decides what is in it.", "Edit its query.")
        return album

    def members(self, name: str, threshold: float | None = None) -> list[AlbumMember]:
        """The album's photos, best score first for smart albums (``threshold`` overrides the saved one,
        e.g. for a slider preview)."""
        album = self.get(name)
        if album.kind == MANUAL:
            ids = self.store.album_photo_ids(album.id)
            photos = [p for start in range(0, len(ids), 500)  # SQLite caps the parameters of one query
                      for p in self.store.catalog.photos_by_ids(ids[start:start + 500])]
            return sorted((AlbumMember(p.id, p.path, None) for p in photos), key=lambda m: m.path)
        return self._smart_members(album, album.threshold if threshold is None else threshold)

    def photo_ids(self, name: str) -> frozenset[int]:
        """Ids of the album's photos: what scoping a search or the library view to the album needs (a manual
        album's are read as they are; a smart album's are its members now)."""
        album = self.get(name)
        if album.kind == MANUAL:
            return frozenset(self.store.album_photo_ids(album.id))
        return frozenset(m.photo_id for m in self.members(name))

    def count(self, name: str) -> int:
        return len(self.members(name))

    def preview_smart(self, query: str, *, folder: str | None = None, date_from: str | None = None,
                      date_to: str | None = None) -> list[AlbumMember]:
        """What a smart album of this search would hold at any threshold: every photo of the scope that says
        more than the neutral prompts (and is not dropped by a ``-term``) with its score, best first. The
        album at threshold T holds those scoring at least T (the Save search dialog counts them live)."""
        parse_query(query)
        folder = str(Path(folder).expanduser().resolve()) if folder else None
        return self._score_smart(query, folder, date_from, date_to, float("-inf"))

    def _smart_members(self, album: AlbumRow, threshold: float | None) -> list[AlbumMember]:
        threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        return self._score_smart(album.query or "", album.folder, album.date_from, album.date_to, threshold)

    def _score_smart(self, query_text: str, folder: str | None, date_from: str | None, date_to: str | None,
                     threshold: float) -> list[AlbumMember]:
        space = self.space
        model_id = space.model_id()
        parsed = parse_query(query_text)
        vectors = space.library_vectors(model_id)
        rows_of_scope = space.scope_rows(model_id, folder, date_from, date_to)
        if not len(rows_of_scope.photo_ids):
            return []
        dim = vectors.matrix.shape[1]
        pos = space.text_vectors(parsed.positive, model_id) if parsed.positive else np.zeros((0, dim), np.float32)
        neg = space.text_vectors(parsed.negative, model_id) if parsed.negative else np.zeros((0, dim), np.float32)
        try:
            query = compose(pos, neg)
        except QueryError:
            return []
        background = space.background(model_id)
        key = ("album-query", query_text)
        cal, library_margins, _ = space.calibrate(key, query[None], background, vectors)
        rows = vectors.rows_of(rows_of_scope.embedding_ids)
        margin = library_margins[rows, 0]
        z = cal.z(library_margins[rows])[:, 0]
        keep = (z >= threshold) & (margin > MIN_MARGIN)
        if len(neg) and len(pos):
            # as in search: a '-term' drops photos that match it better than they match the positive words
            # (products over the whole matrix, then the scope's rows: no copy of the vectors)
            best_negative = product(vectors.matrix, neg.T).max(axis=1)[rows]
            keep &= best_negative <= product(vectors.matrix, pos.mean(axis=0))[rows]
        members = [AlbumMember(int(rows_of_scope.photo_ids[i]), rows_of_scope.paths[i], float(z[i]))
                   for i in np.flatnonzero(keep)]
        return sorted(members, key=lambda m: (-m.score, m.path))
