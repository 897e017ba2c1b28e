"""The SQL of near-duplicate finding: which vectors belong to photos on disk, the photos behind vectors, exact
copies, manual album membership. Only indexed photos take part: an offline folder's photos cannot be looked
at or moved, and a failed photo has no vector."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import numpy as np

from photoclip.core.records import PhotoRow
from photoclip.core.store.catalog import Catalog, _photo

_CHUNK = 500  # SQLite's bound-variable limit


class DuplicateStore:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.catalog.db.conn

    def live_embedding_ids(self, model_id: str) -> np.ndarray:
        """Embedding ids of the model that at least one indexed photo holds, sorted."""
        rows = self._conn.execute(
            """SELECT e.id FROM embeddings e WHERE e.model_id = ? AND EXISTS
                 (SELECT 1 FROM photos p WHERE p.content_hash = e.content_hash AND p.status = 'indexed')
               ORDER BY e.id""",
            (model_id,),
        )
        return np.fromiter((r[0] for r in rows), np.int64)

    def exact_copy_embeddings(self, model_id: str) -> list[int]:
        """Embedding ids whose content two or more indexed photos hold (byte-identical copies)."""
        rows = self._conn.execute(
            """SELECT e.id FROM embeddings e JOIN
                 (SELECT content_hash FROM photos WHERE status = 'indexed' AND content_hash IS NOT NULL
                  GROUP BY content_hash HAVING COUNT(*) > 1) c ON c.content_hash = e.content_hash
               WHERE e.model_id = ? ORDER BY e.id""",
            (model_id,),
        )
        return [r[0] for r in rows]

    def photos_of(self, model_id: str, embedding_ids: Iterable[int]) -> dict[int, list[PhotoRow]]:
        """The indexed photos behind each embedding id (several for copies), by embedding id."""
        ids = [int(i) for i in embedding_ids]
        out: dict[int, list[PhotoRow]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            rows = self._conn.execute(
                f"""SELECT e.id AS embedding_id, p.* FROM embeddings e
                      JOIN photos p ON p.content_hash = e.content_hash
                    WHERE e.model_id = ? AND e.id IN ({",".join("?" * len(chunk))}) AND p.status = 'indexed'
                    ORDER BY p.id""",
                (model_id, *chunk),
            ).fetchall()
            for row in rows:
                out.setdefault(row["embedding_id"], []).append(_photo(row))
        return out

    def manual_albums_of(self, photo_ids: Iterable[int]) -> set[int]:
        """Ids of the manual albums holding any of these photos (smart albums hold no photos: their query
        decides, so a keeper with the same vector is in them already)."""
        ids = [int(i) for i in photo_ids]
        albums: set[int] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            rows = self._conn.execute(
                f"""SELECT DISTINCT ap.album_id FROM album_photos ap JOIN albums a ON a.id = ap.album_id
                    WHERE a.kind = 'manual' AND ap.photo_id IN ({",".join("?" * len(chunk))})""",
                chunk,
            )
            albums.update(r[0] for r in rows)
        return albums
