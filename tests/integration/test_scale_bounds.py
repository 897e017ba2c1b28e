"""What keeps a million-photo library cheap must give the same answers as the full passes it replaced: the rescan
from compact arrays plans what the row-by-row reconcile planned, an unchanged rescan opens neither the model nor
the search index, the memory-mapped vector matrix holds exactly the catalog's vectors through appends and
deletions, and the status counts read from the index and orphan records equal full scans."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np

from photoclip.core.events import IndexFinished
from photoclip.core.library import Library
from photoclip.core.records import IndexSummary
from photoclip.core.scan.reconcile import Plan, reconcile
from photoclip.core.scan.walker import walk
from photoclip.core.tagging.matrix_cache import MatrixCache
from photoclip.core.tagging.store import TagStore
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings, open_library, write_photo

COLOURS = ("red", "green", "blue", "yellow", "purple", "orange")


class CountingFactory:
    """The model as the library loads a real one: on demand, each load counted."""

    def __init__(self) -> None:
        self.loads = 0

    def describe(self, settings):
        from photoclip.core.embed.model_info import ModelInfo

        return ModelInfo.of(ColorEmbedder())

    def __call__(self, settings, bus) -> ColorEmbedder:
        self.loads += 1
        return ColorEmbedder()


def library_of(tmp_path, count: int = 12):
    photos = tmp_path / "Pictures"
    for i in range(count):
        write_photo(photos / f"sub{i % 3}" / f"p{i:02d}.jpg", COLOURS[i % len(COLOURS)], size=(320 + i, 240))
    library = open_library(tmp_path)
    library.index_folders([photos])
    return library, photos


def old_plan(library, folder) -> Plan:
    """The plan as it was made before: every row of the folder as a PhotoRow, every known hash in a set."""
    plan = Plan()
    known = library._catalog.known_hashes(ColorEmbedder.model_id)
    reconcile(plan, folder.id, list(walk(Path(folder.path))), library._catalog.photos_in_folder(folder.id), known)
    return plan


def summary_of(plan: Plan) -> tuple:
    return (plan.unchanged, sorted((i.entry.path, i.existing.id if i.existing else None) for i in plan.todo),
            sorted(plan.missing))


def test_the_rescan_from_compact_arrays_plans_what_the_full_reconcile_planned(tmp_path):
    library, photos = library_of(tmp_path)
    with library:
        write_photo(photos / "sub0" / "p00.jpg", "blue", size=(300, 240))  # changed content and size
        stamp = time.time_ns() - 10**9
        os.utime(photos / "sub1" / "p01.jpg", ns=(stamp, stamp))  # touched only
        (photos / "sub2" / "p02.jpg").unlink()  # gone
        write_photo(photos / "sub2" / "new.jpg", "red")  # new
        folder = library.folders()[0]
        new = library._indexer().plan([folder], IndexSummary())
        old = old_plan(library, folder)
        assert summary_of(new) == summary_of(old)
        assert new.unchanged == 9 and len(new.todo) == 3 and len(new.missing) == 1


def test_an_unchanged_rescan_opens_neither_the_model_nor_the_search_index(tmp_path):
    library, photos = library_of(tmp_path)
    index_file = next((tmp_path / "data" / "index").glob("*.hnsw"))
    library.close()
    index_file.write_bytes(b"not an index")  # opening it would rebuild it and save a real one
    factory = CountingFactory()
    finished = []
    with Library.open(make_settings(tmp_path), embedder_factory=factory, describe=factory.describe) as library:
        library.events.subscribe(lambda e: finished.append(e) if isinstance(e, IndexFinished) else None)
        summary = library.index_folders([photos])
    assert (summary.unchanged, summary.embedded, summary.removed) == (12, 0, 0) and len(finished) == 1
    assert factory.loads == 0
    assert index_file.read_bytes() == b"not an index"  # never opened, so never rebuilt
    with Library.open(make_settings(tmp_path), embedder_factory=factory, describe=factory.describe) as library:
        (photos / "sub0" / "p03.jpg").unlink()  # a removal alone: still nothing to embed
        assert library.index_folders([photos]).removed == 1
        assert index_file.read_bytes() == b"not an index"
        write_photo(photos / "sub0" / "extra.jpg", "green", second="red", share=0.3)  # new content
        assert library.index_folders([photos]).embedded == 1
        assert "extra.jpg" in {Path(h.path).name for h in library.search("green", limit=20)}
    assert index_file.read_bytes() != b"not an index"  # opened (rebuilt) for the photo it had to add


def catalog_matrix(library) -> tuple[np.ndarray, np.ndarray]:
    parts = list(library._catalog.embeddings_after(ColorEmbedder.model_id, 0))
    return np.concatenate([i for i, _ in parts]), np.concatenate([v for _, v in parts])


def test_the_mapped_matrix_holds_exactly_the_catalogs_vectors(tmp_path):
    library, photos = library_of(tmp_path)
    directory = tmp_path / "cache" / "vectors"
    with library:
        store = TagStore(library._catalog)
        cache = MatrixCache(directory, ColorEmbedder.model_id)
        ids, matrix = cache.load(store)
        assert not matrix.flags.owndata and not matrix.flags.writeable  # a mapped file, not the heap
        expected = catalog_matrix(library)
        assert np.array_equal(ids, expected[0]) and np.array_equal(matrix, expected[1])
        data = next(directory.glob("*.f32"))
        for i in range(3):  # new photos are appended to the same file
            write_photo(photos / f"more{i}.jpg", COLOURS[i])
        library.index_folders([photos])
        ids, matrix = cache.load(store)
        expected = catalog_matrix(library)
        assert np.array_equal(ids, expected[0]) and np.array_equal(matrix, expected[1])
        assert next(directory.glob("*.f32")) == data and data.stat().st_size == matrix.nbytes
        # another process (a fresh cache object) takes the file as it is, then sees vectors deleted
        other = MatrixCache(directory, ColorEmbedder.model_id)
        assert np.array_equal(other.load(store)[1], expected[1])
        for path in photos.glob("sub1/*.jpg"):
            path.unlink()
        library.index_folders([photos])
        library.reclaim(older_than_days=0)
        ids, matrix = cache.load(store)
        expected = catalog_matrix(library)
        assert np.array_equal(ids, expected[0]) and np.array_equal(matrix, expected[1])
        assert len(list(directory.glob("*.f32"))) == 1  # the rebuilt generation replaced the old one
        in_memory = MatrixCache(None, ColorEmbedder.model_id).load(store)
        assert np.array_equal(in_memory[0], ids) and np.array_equal(in_memory[1], matrix)


def test_tag_and_album_counts_from_the_mapped_matrix_equal_those_from_memory(tmp_path):
    library, _ = library_of(tmp_path)
    with library:
        mapped = library.tags.run(["red", "blue"]).counts()
        album = library_albums_count(library)
    vectors = tmp_path / "cache" / "vectors"
    assert list(vectors.glob("*.f32"))
    shutil.rmtree(vectors)
    vectors.write_bytes(b"")  # a cache folder that cannot be made: the matrix is read into memory instead
    with open_library(tmp_path) as library:
        assert library.tags.run(["red", "blue"]).counts() == mapped
        assert library_albums_count(library) == album
    assert sum(mapped.values()) > 0 and album > 0


def library_albums_count(library) -> int:

    albums = library.albums
    if "reds" not in [a.name for a in albums.list()]:
        albums.create_smart("reds", "red")
    return albums.count("reds")


def full_scan_orphans(library, cutoff: float) -> dict:
    rows = library._catalog.db.conn.execute(
        """SELECT e.model_id, COUNT(*), COALESCE(SUM(o.orphaned_at <= ?), 0), MIN(o.orphaned_at)
           FROM embeddings e LEFT JOIN orphaned_hashes o ON o.content_hash = e.content_hash
           WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE p.content_hash = e.content_hash)
           GROUP BY e.model_id""", (cutoff,)).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_status_and_reclaimable_counts_equal_full_scans(tmp_path):
    library, photos = library_of(tmp_path)
    with library:
        (photos / "sub0" / "p00.jpg").unlink()
        write_photo(photos / "sub1" / "p01.jpg", "purple", size=(300, 200))  # its old content is orphaned
        (photos / "broken.jpg").write_bytes(b"not a photo")
        library.index_folders([photos])
        for cutoff in (0.0, time.time() + 1):
            fast = {m: (c.vectors, c.due, c.oldest) for m, c in library._catalog.orphan_counts(cutoff).items()}
            assert fast == full_scan_orphans(library, cutoff) and fast[ColorEmbedder.model_id][0] == 2
        status = library.status()
        conn = library._catalog.db.conn
        by_status = dict(conn.execute("SELECT status, COUNT(*) FROM photos NOT INDEXED GROUP BY status"))
        assert status.counts == by_status and by_status["failed"] == 1
        per_folder = {}
        for folder_id, state, n in conn.execute(
                "SELECT folder_id, status, COUNT(*) FROM photos NOT INDEXED GROUP BY folder_id, status"):
            per_folder.setdefault(folder_id, {})[state] = n
        assert status.folder_counts == per_folder
        assert [f.path for f in status.failures] == [str(photos / "broken.jpg")]
        assert library.reclaimable(now=time.time() + 400 * 86_400).due_orphans == 2


def test_catalog_rows_sharing_a_path_key_are_not_taken_for_missing(tmp_path):
    """Paths whose 64-bit keys collide (forced here: every path hashes alike): the walk saw them all, so no
    row is deleted as missing, and a file gone is still found missing."""
    from photoclip.core.scan.reconcile import FolderTable, reconcile_walk
    from photoclip.core.scan.walker import FileEntry, Listing

    class Colliding(str):
        def __hash__(self) -> int:
            return 42

    library, photos = library_of(tmp_path, count=4)
    with library:
        (photos / "sub0" / "p03.jpg").unlink()
        folder = library.folders()[0]
        ids, keys, sizes, mtimes, current = library._catalog.folder_fingerprints(folder.id, ColorEmbedder.model_id)
        keys[:] = 42
        walked = Listing()
        for e in walk(Path(folder.path)):
            walked.add(FileEntry(Colliding(e.path), e.size, e.mtime_ns))
        plan = Plan()
        reconcile_walk(plan, folder.id, [walked], FolderTable.of(ids, keys, sizes, mtimes, current),
                       library._catalog.photo_by_path, library._catalog.photos_by_ids)
        assert [Path(r.path).name for r in plan.missing.values()] == ["p03.jpg"]
        assert len(plan.todo) + plan.unchanged == 3


def test_a_rescan_sees_a_file_rewritten_in_place_and_a_photo_whose_vector_is_gone(tmp_path):
    """The unchanged rescan skips the per-photo vector lookup while the counts say every shown photo has a
    vector, and walks ahead in a thread: a file rewritten in place (same folder, same name and size: the
    folder's mtime does not change) and a photo whose vector was taken away are still read again."""
    library, photos = library_of(tmp_path)
    with library:
        target = photos / "sub1" / "p04.jpg"
        folder_mtime = (photos / "sub1").stat().st_mtime_ns
        size = target.stat().st_size
        with open(target, "r+b") as fh:  # new pixels, same length, written into the same file
            data = bytearray(fh.read())
            data[-200:-100] = bytes(100)
            fh.seek(0)
            fh.write(data)
        stamp = time.time_ns() + 10**9
        os.utime(target, ns=(stamp, stamp))
        assert target.stat().st_size == size and (photos / "sub1").stat().st_mtime_ns == folder_mtime
        before = library._catalog.photo_by_path(str(target)).content_hash
        summary = library.index_folders([photos])
        assert (summary.unchanged, len(library._catalog.failures())) == (11, 0)
        assert library._catalog.photo_by_path(str(target)).content_hash != before

        other = library._catalog.photo_by_path(str(photos / "sub2" / "p05.jpg"))
        with library._catalog.transaction() as db:  # its vector gone (as a reclaim racing a crash could leave)
            db.execute("DELETE FROM embeddings WHERE content_hash = ?", (other.content_hash,))
        done, shown = library._catalog.vector_coverage(ColorEmbedder.model_id)
        assert done < shown
        summary = library.index_folders([photos])
        assert summary.unchanged == 12 - done_again(library, other)
        assert library._catalog.vector_coverage(ColorEmbedder.model_id) == (12, 12)


def done_again(library, row) -> int:
    """Photos sharing ``row``'s content (each needed its vector again)."""
    return sum(1 for p in library._catalog.photos_in_folder(row.folder_id).values()
               if p.content_hash == row.content_hash)


def test_the_walk_ahead_hands_over_its_errors_and_stops_with_its_caller(tmp_path):
    from photoclip.core.scan.walker import Listing, WalkedAhead

    def listings(fail: bool):
        for i in range(1000):
            if fail and i == 3:
                raise PermissionError("unreadable")
            yield Listing([f"/p/{i}.jpg"], [1], [1])

    with WalkedAhead(listings(fail=False), max_files=10) as ahead:
        assert [x.paths[0] for x in ahead] == [f"/p/{i}.jpg" for i in range(1000)]
    got = []
    try:
        with WalkedAhead(listings(fail=True), max_files=10) as ahead:
            got.extend(x.paths[0] for x in ahead)
    except PermissionError:
        pass
    else:
        raise AssertionError("the walk's error was lost")
    assert got == ["/p/0.jpg", "/p/1.jpg", "/p/2.jpg"]
    with WalkedAhead(listings(fail=False), max_files=10) as ahead:  # the caller stops early: so does the thread
        next(iter(ahead))
    assert not ahead._thread.is_alive()
