"""Reclaiming space at library scale: real SQLite catalog, real hnswlib index, 512-d random unit vectors.

Fills a catalog with N photos for the model in use plus the same N vectors of an old model, builds the HNSW
index, deletes a share of the photos, then measures in one run: the survey (what ``photoclip status`` adds),
deleting photo rows (with the v4 triggers), reclaiming the orphans (catalog delete, HNSW mark_deleted + save,
VACUUM), reopening the index afterwards (loaded, not rebuilt) against a rebuild, reopening an index file saved
before the cleanup (a kill mid-cleanup, or the app's copy: repaired in place), and removing the old model.
Bytes freed are measured from file sizes.

    .venv/bin/python -m benchmarks.reclaim_space [--photos 100000] [--delete 0.1] [--dim 512] [--old-pages]

--old-pages makes the catalog as photoclip did before 16 KiB pages (4 KiB): the first reclaim then also
rewrites it with 16 KiB pages.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks.tagging_speed import RandomTextEmbedder, fill_catalog
from photoclip.core.index.hnsw import VectorIndex
from photoclip.core.library import Library
from photoclip.core.settings import Settings

OLD_MODEL = "bench/old-model@512"


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def timed(label: str, work):
    start = time.perf_counter()
    value = work()
    print(f"{label:<58} {time.perf_counter() - start:8.2f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--delete", type=float, default=0.1, help="share of photos deleted (default 0.1)")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--old-pages", action="store_true", help="start from a 4 KiB-page catalog")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", cache_dir=Path(tmp) / "cache")
        if args.old_pages:
            settings.catalog_path.parent.mkdir(parents=True)
            with sqlite3.connect(settings.catalog_path) as db:
                db.execute("PRAGMA page_size=4096")
                db.execute("PRAGMA journal_mode=WAL")
        embedder = RandomTextEmbedder(args.dim)
        library = Library.open(settings, embedder=embedder)
        fill_catalog(library, args.photos, args.dim, embedder.model_id)
        with library._catalog.transaction() as db:  # the model used before kept vectors of the same photos
            db.execute("""INSERT INTO embeddings(content_hash, model_id, vector, created_at)
                          SELECT content_hash, ?, vector, created_at FROM embeddings""", (OLD_MODEL,))
        library._catalog.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # measure the settled file
        print(f"{args.photos} photos, {args.dim}-d, current + old model; catalog "
              f"{mb(library._catalog.files_size())}, {library._catalog.page_size()} B pages")
        timed("setup: HNSW build from the catalog (= a rebuild)", lambda: library.index)
        library.index.save()

        timed("survey, nothing deleted (status / dry run)", library.reclaimable)
        doomed = [r[0] for r in library._catalog.db.conn.execute(
            "SELECT id FROM photos ORDER BY id LIMIT ?", (int(args.photos * args.delete),))]
        timed(f"delete {len(doomed)} photo rows (triggers record the time)",
              lambda: library._catalog.delete_photos(doomed))
        report = timed("survey with orphans", lambda: library.reclaimable(older_than_days=0))
        print(f"  due orphans {report.due_orphans} ({mb(report.due_orphan_bytes)}), old model "
              f"{report.old_models[0].vectors} vectors ({mb(report.old_model_bytes)}), larger pages "
              f"{mb(report.repack_bytes)}")
        before = {path: path.read_bytes() for path in settings.index_dir.iterdir()}  # what a kill would leave
        result = timed("reclaim orphans (delete, HNSW mark_deleted + save, VACUUM)",
                       lambda: library.reclaim(older_than_days=0))
        print(f"  removed {result.orphans_removed}, repacked {result.repacked}, index {result.indexes}, catalog "
              f"{mb(result.catalog_bytes_before)} -> {mb(result.catalog_bytes_after)} "
              f"(freed {mb(result.bytes_freed)})")
        index_file = VectorIndex(settings.index_dir, embedder.model_id, args.dim)
        action = timed("reopen the index after the reclaim", lambda: index_file.sync(library._catalog))
        print(f"  {action}, {len(index_file)} live vectors")
        for path, data in before.items():
            path.write_bytes(data)
        stale = VectorIndex(settings.index_dir, embedder.model_id, args.dim)
        action = timed("reopen an index saved before the cleanup (load + repair)", lambda: stale.sync(library._catalog))
        print(f"  {action}, {len(stale)} live vectors (a rebuild is the setup line above)")
        stale.save()
        result = timed("remove the old model (--old-models) + VACUUM",
                       lambda: library.reclaim(older_than_days=0, old_models=True))
        print(f"  removed {result.model_vectors_removed} vectors, catalog {mb(result.catalog_bytes_before)} -> "
              f"{mb(result.catalog_bytes_after)} (freed {mb(result.bytes_freed)})")
        library.close()


if __name__ == "__main__":
    main()
