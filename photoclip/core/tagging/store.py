"""All SQL of tagging: tags, photo_tags, albums, album_photos, label_sets and text_vectors (schema v3), and
sidecar_keywords (v5)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from photoclip.core.filenames import from_db
from photoclip.core.records import AlbumRow, PhotoTagRow, TagCount
from photoclip.core.store.catalog import Catalog, _filter_sql

ZERO_SHOT, USER = "zero-shot", "user"
SUGGESTED, ACCEPTED, REJECTED = "suggested", "accepted", "rejected"


@dataclass(frozen=True)
class ScopeRows:
    """Searchable photos of a scope with their embedding id (copies of one file share an embedding), in
    embedding id order: the vector matrix's order, so a whole-library run needs no reordering copy."""

    photo_ids: np.ndarray
    paths: list[str]
    embedding_ids: np.ndarray


class TagStore:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    @property
    def _conn(self):
        return self.catalog.db.conn

    # scope -----------------------------------------------------------------------------------------------
    def scope(self, model_id: str, folder: str | None = None, date_from: str | None = None,
              date_to: str | None = None, album_id: int | None = None) -> ScopeRows:
        where, args = _filter_sql(folder, date_from, date_to)
        if album_id is not None:
            where += " AND p.id IN (SELECT photo_id FROM album_photos WHERE album_id = ?)"
            args.append(album_id)
        rows = self._conn.execute(
            f"""SELECT p.id, p.path, e.id FROM photos p JOIN embeddings e
                  ON e.content_hash = p.content_hash AND e.model_id = ?
                WHERE p.status IN ('indexed', 'offline') {where} ORDER BY e.id, p.path""",
            (model_id, *args),
        ).fetchall()
        return ScopeRows(
            np.fromiter((r[0] for r in rows), np.int64, len(rows)), [from_db(r[1]) for r in rows],
            np.fromiter((r[2] for r in rows), np.int64, len(rows)),
        )

    def embedding_hashes(self, model_id: str, ids: list[int]) -> dict[int, str]:
        """Content hash behind each of the given embedding ids (at most a few hundred)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._conn.execute(
            f"SELECT id, content_hash FROM embeddings WHERE model_id = ? AND id IN ({marks})", (model_id, *ids)
        )
        return {r[0]: r[1] for r in rows}

    # text vectors ----------------------------------------------------------------------------------------
    def text_vectors(self, model_id: str, texts: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(texts), 500):
            part = texts[start:start + 500]
            marks = ",".join("?" * len(part))
            rows = self._conn.execute(
                f"SELECT text, vector FROM text_vectors WHERE model_id = ? AND text IN ({marks})", (model_id, *part)
            ).fetchall()
            found.update({r[0]: np.frombuffer(r[1], np.float32).copy() for r in rows})
        return found

    def put_text_vectors(self, model_id: str, vectors: dict[str, np.ndarray]) -> None:
        with self.catalog.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO text_vectors(model_id, text, vector) VALUES (?, ?, ?)",
                [(model_id, t, np.asarray(v, np.float32).tobytes()) for t, v in vectors.items()],
            )

    # tags ------------------------------------------------------------------------------------------------
    def tag_ids(self, names: Iterable[str], create: bool = True) -> dict[str, int]:
        names = list(dict.fromkeys(names))
        if create:
            with self.catalog.transaction() as db:
                db.executemany(
                    "INSERT OR IGNORE INTO tags(name, created_at) VALUES (?, ?)", [(n, time.time()) for n in names]
                )
        out: dict[str, int] = {}
        for name in names:
            row = self._conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
            if row:
                out[name] = row[0]
        return out

    def decided(self, tag_ids: list[int]) -> dict[tuple[int, int], str]:
        """(photo id, tag id) -> 'accepted' | 'rejected' for pairs the user already decided: never suggested
        again."""
        if not tag_ids:
            return {}
        marks = ",".join("?" * len(tag_ids))
        rows = self._conn.execute(
            f"""SELECT photo_id, tag_id, state FROM photo_tags
                WHERE source = 'zero-shot' AND state != 'suggested' AND tag_id IN ({marks})""",
            tag_ids,
        )
        return {(r[0], r[1]): r[2] for r in rows}

    def replace_suggestions(self, model_id: str, photo_ids: np.ndarray, tag_ids: list[int],
                            rows: list[tuple[int, int, float, str]]) -> None:
        """A fresh run over a scope replaces earlier suggestions of those tags for those photos; the user's
        decisions (accepted, rejected) stay."""
        now = time.time()
        with self.catalog.transaction() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS _scope(photo_id INTEGER PRIMARY KEY)")
            db.execute("DELETE FROM _scope")
            db.executemany("INSERT INTO _scope VALUES (?)", [(int(p),) for p in photo_ids])
            marks = ",".join("?" * len(tag_ids))
            db.execute(
                # '+photo_id': walk the (tag, state) index; probing the primary key per scope photo and tag
                # is 10 M lookups for 100k photos x 100 labels
                f"""DELETE FROM photo_tags WHERE source = 'zero-shot' AND state = 'suggested'
                    AND tag_id IN ({marks}) AND +photo_id IN (SELECT photo_id FROM _scope)""",
                tag_ids,
            )
            db.executemany(
                """INSERT OR IGNORE INTO photo_tags(photo_id, tag_id, source, state, score, prompt, model_id,
                                                   updated_at) VALUES (?, ?, 'zero-shot', 'suggested', ?, ?, ?, ?)""",
                [(p, t, s, pr, model_id, now) for p, t, s, pr in rows],
            )
            db.execute("DELETE FROM _scope")

    def set_state(self, pairs: list[tuple[int, int]], state: str, source: str = ZERO_SHOT) -> int:
        """Accept or reject (photo id, tag id) pairs; a pair with no suggestion row gets one (a rejection
        made before any run still blocks later suggestions)."""
        now = time.time()
        with self.catalog.transaction() as db:
            changed = 0
            for photo_id, tag_id in pairs:
                cur = db.execute(
                    "UPDATE photo_tags SET state = ?, updated_at = ? WHERE photo_id = ? AND tag_id = ? AND source = ?",
                    (state, now, photo_id, tag_id, source),
                )
                if not cur.rowcount:
                    db.execute(
                        """INSERT INTO photo_tags(photo_id, tag_id, source, state, updated_at)
                           VALUES (?, ?, ?, ?, ?)""",
                        (photo_id, tag_id, source, state, now),
                    )
                changed += 1
        return changed

    def delete(self, pairs: list[tuple[int, int]], source: str) -> int:
        with self.catalog.transaction() as db:
            return db.executemany(
                "DELETE FROM photo_tags WHERE photo_id = ? AND tag_id = ? AND source = ?",
                [(p, t, source) for p, t in pairs],
            ).rowcount

    def rows(self, *, states: tuple[str, ...] = (), source: str | None = None, tag: str | None = None,
             photo_ids: Iterable[int] | None = None, min_score: float | None = None) -> list[PhotoTagRow]:
        clauses, args = [], []
        if states:
            clauses.append(f"pt.state IN ({','.join('?' * len(states))})")
            args += list(states)
        if source:
            clauses.append("pt.source = ?")
            args.append(source)
        if tag:
            clauses.append("t.name = ?")
            args.append(tag)
        if photo_ids is not None:
            ids = [int(i) for i in photo_ids]
            clauses.append(f"pt.photo_id IN ({','.join('?' * len(ids))})" if ids else "0")
            args += ids
        if min_score is not None:
            clauses.append("pt.score >= ?")
            args.append(min_score)
        where = " AND ".join(clauses) or "1"
        rows = self._conn.execute(
            f"""SELECT pt.photo_id, p.path, t.name, pt.source, pt.state, pt.score, pt.prompt, pt.model_id
                FROM photo_tags pt JOIN tags t ON t.id = pt.tag_id JOIN photos p ON p.id = pt.photo_id
                WHERE {where} ORDER BY t.name, pt.score DESC, p.path""",
            args,
        ).fetchall()
        return [PhotoTagRow(r[0], from_db(r[1]), *r[2:]) for r in rows]

    def counts(self) -> list[TagCount]:
        rows = self._conn.execute(
            """SELECT t.name,
                 SUM(pt.source = 'zero-shot' AND pt.state = 'suggested'),
                 SUM(pt.source = 'zero-shot' AND pt.state = 'accepted'),
                 SUM(pt.source = 'zero-shot' AND pt.state = 'rejected'),
                 SUM(pt.source = 'user' AND pt.state = 'accepted')
               FROM tags t JOIN photo_tags pt ON pt.tag_id = t.id GROUP BY t.id ORDER BY t.name"""
        ).fetchall()
        return [TagCount(r[0], r[1] or 0, r[2] or 0, r[3] or 0, r[4] or 0) for r in rows]

    def accepted_names(self, photo_id: int) -> list[str]:
        """Every tag the user stands behind for a photo: typed ones and accepted suggestions."""
        rows = self._conn.execute(
            """SELECT DISTINCT t.name FROM photo_tags pt JOIN tags t ON t.id = pt.tag_id
               WHERE pt.photo_id = ? AND pt.state = 'accepted' ORDER BY t.name""",
            (photo_id,),
        )
        return [r[0] for r in rows]

    # keywords photoclip added to sidecars (schema v5) -------------------------------------------------------
    def sidecar_keywords(self, photo_ids: list[int]) -> dict[int, dict[str, list[str]]]:
        """photo id -> field -> keywords photoclip added to that photo's sidecar (at most 500 ids)."""
        if not photo_ids:
            return {}
        marks = ",".join("?" * len(photo_ids))
        rows = self._conn.execute(
            f"SELECT photo_id, field, keyword FROM sidecar_keywords WHERE photo_id IN ({marks})", photo_ids
        )
        out: dict[int, dict[str, list[str]]] = {}
        for photo_id, field, keyword in rows:
            out.setdefault(photo_id, {}).setdefault(field, []).append(keyword)
        return out

    def set_sidecar_keywords(self, owned: dict[int, dict[str, list[str]]]) -> None:
        """Replace what is recorded for these photos (an empty dict clears a photo's record)."""
        if not owned:
            return
        with self.catalog.transaction() as db:
            db.executemany("DELETE FROM sidecar_keywords WHERE photo_id = ?", [(p,) for p in owned])
            db.executemany(
                "INSERT OR IGNORE INTO sidecar_keywords(photo_id, field, keyword) VALUES (?, ?, ?)",
                [(p, f, k) for p, fields in owned.items() for f, words in fields.items() for k in words],
            )

    def photos_with_sidecar_keywords(self) -> list[int]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT photo_id FROM sidecar_keywords ORDER BY 1")]

    # label sets --------------------------------------------------------------------------------------------
    def save_label_set(self, name: str, definition: dict[str, Any]) -> None:
        with self.catalog.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO label_sets(name, definition, updated_at) VALUES (?, ?, ?)",
                (name, json.dumps(definition, ensure_ascii=False), time.time()),
            )

    def label_set(self, name: str) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT definition FROM label_sets WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    def label_set_names(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT name FROM label_sets ORDER BY name")]

    def delete_label_set(self, name: str) -> bool:
        with self.catalog.transaction() as db:
            return db.execute("DELETE FROM label_sets WHERE name = ?", (name,)).rowcount > 0

    # albums ------------------------------------------------------------------------------------------------
    def create_album(self, name: str, kind: str, query: str | None = None, folder: str | None = None,
                     date_from: str | None = None, date_to: str | None = None,
                     threshold: float | None = None) -> AlbumRow:
        with self.catalog.transaction() as db:
            db.execute(
                """INSERT INTO albums(name, kind, query, folder, date_from, date_to, threshold, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (name, kind, query, folder, date_from, date_to, threshold, time.time()),
            )
        album = self.album(name)
        assert album is not None
        return album

    def album(self, name: str) -> AlbumRow | None:
        row = self._conn.execute(
            "SELECT id, name, kind, query, folder, date_from, date_to, threshold FROM albums WHERE name = ?", (name,)
        ).fetchone()
        return AlbumRow(*row) if row else None

    def albums(self) -> list[AlbumRow]:
        rows = self._conn.execute(
            "SELECT id, name, kind, query, folder, date_from, date_to, threshold FROM albums ORDER BY name"
        ).fetchall()
        return [AlbumRow(*r) for r in rows]

    def update_album(self, album_id: int, **fields) -> None:
        allowed = {"name", "query", "folder", "date_from", "date_to", "threshold"}
        assert set(fields) <= allowed, fields
        if not fields:
            return
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.catalog.transaction() as db:
            db.execute(f"UPDATE albums SET {sets} WHERE id = ?", (*fields.values(), album_id))

    def delete_album(self, album_id: int) -> None:
        with self.catalog.transaction() as db:
            db.execute("DELETE FROM albums WHERE id = ?", (album_id,))

    def add_to_album(self, album_id: int, photo_ids: Iterable[int]) -> None:
        now = time.time()
        with self.catalog.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO album_photos(album_id, photo_id, added_at) VALUES (?, ?, ?)",
                [(album_id, int(p), now) for p in photo_ids],
            )

    def remove_from_album(self, album_id: int, photo_ids: Iterable[int]) -> None:
        with self.catalog.transaction() as db:
            db.executemany(
                "DELETE FROM album_photos WHERE album_id = ? AND photo_id = ?", [(album_id, int(p)) for p in photo_ids]
            )

    def album_photo_ids(self, album_id: int) -> list[int]:
        rows = self._conn.execute("SELECT photo_id FROM album_photos WHERE album_id = ?", (album_id,))
        return [r[0] for r in rows]
