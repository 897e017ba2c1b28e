"""A big folder is walked by several processes: the same files as one walk, whatever names they have and
whatever cannot be read; a walking process that dies loses nothing and lists nothing twice; a walk stopped early
leaves no process behind; and a rescan through it finds what changed."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from photoclip.core.scan.parallel_walk import ParallelWalk
from photoclip.core.scan.walker import Listing, walk_listings
from tests.support.library_fixtures import write_photo
from tests.support.odd_names import write_odd_photos


def entries(listings: list[Listing]) -> list[tuple[str, int, int, str | None]]:
    found = (listing.entry(i) for listing in listings for i in range(len(listing)))
    return sorted((p.path, p.size, p.mtime_ns, p.problem) for p in found)


@pytest.fixture
def tree(tmp_path) -> Path:
    """Photos at the top and four levels down, odd names, a hidden folder, a broken link, a pipe."""
    root = tmp_path / "Pictures"
    write_photo(root / "top.jpg", "red")
    for year in ("2021", "2022", "2023"):
        for month in ("01", "02", "03"):
            for day in range(3):
                (root / year / month / f"day{day}").mkdir(parents=True)
                for n in range(3):
                    (root / year / month / f"day{day}" / f"IMG_{n}.jpg").write_bytes(b"x" * (n + 1))
    write_odd_photos(root / "2022" / "odd")
    write_photo(root / ".thumbnails" / "skip.jpg", "blue")
    (root / "2023" / "gone.jpg").symlink_to(root / "nowhere.jpg")
    os.mkfifo(root / "2021" / "pipe.jpg")
    return root


def test_several_processes_list_what_one_walk_lists(tree):
    one = entries(list(walk_listings(tree)))
    walk = ParallelWalk(tree, workers=2, units_per_worker=1)
    several = entries(list(walk))
    assert several == one
    assert len(several) == len(set(several))
    assert {p[3] is not None for p in several} == {True, False}  # the link and the pipe are listed with why
    assert not any(".thumbnails" in p[0] for p in several)


def test_a_walking_process_that_dies_loses_nothing(tree):
    one = entries(list(walk_listings(tree)))
    walk = ParallelWalk(tree, workers=2, units_per_worker=2)
    got: list[Listing] = []
    killed: list[int] = []
    for listing in walk:
        got.append(listing)
        if walk.pids and not killed:  # a first sub-folder came back: end both walking processes mid-walk
            killed = list(walk.pids)
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
    assert killed
    assert entries(got) == one  # the sub-folders they had left were walked here, none twice


def test_a_walk_stopped_early_ends_its_processes(tree):
    walk = ParallelWalk(tree, workers=2, units_per_worker=1)
    listings = iter(walk)
    while not walk.pids:
        next(listings)
    pids = list(walk.pids)
    listings.close()  # as a cancelled rescan does
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_rescan_walked_by_several_processes_finds_each_change(library, tmp_path, embedder, monkeypatch):
    monkeypatch.setattr("photoclip.core.pipeline.PARALLEL_WALK_MIN", 0)  # this small folder counts as big
    root = tmp_path / "Pictures"
    colours = ["red", "green", "blue", "yellow", "white", "purple"]
    for i, colour in enumerate(colours):
        write_photo(root / f"event-{i % 3}" / f"{colour}.jpg", colour)
    assert library.index_folders([root]).added == 6
    again = library.index_folders([root])
    assert (again.unchanged, again.added, again.embedded) == (6, 0, 0)

    write_photo(root / "event-0" / "red.jpg", "orange")  # changed in place
    write_photo(root / "event-3" / "new.jpg", "black")  # added
    (root / "event-1" / "green.jpg").unlink()  # deleted
    shutil.move(root / "event-2", root / "moved")  # moved
    summary = library.index_folders([root])
    assert (summary.updated, summary.added, summary.removed, summary.moved) == (1, 1, 1, 2)
    assert summary.unchanged == 2
    assert library.status().counts == {"indexed": 6}


def _walk_in_child(root: str, out) -> None:
    walk, listings, walkers = ParallelWalk(Path(root), workers=2, units_per_worker=1), [], set()
    for listing in walk:
        listings.append(listing)
        walkers.update(walk.pids)
    out.send((entries(listings), len(walkers)))


def test_the_apps_indexing_process_can_walk_with_processes_of_its_own(tree):
    """The app indexes in a spawned process: its walking processes are that process's children."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=_walk_in_child, args=(str(tree), theirs))
    child.start()
    found, walkers = ours.recv()
    child.join(30)
    assert child.exitcode == 0
    assert walkers == 2  # it started its own walking processes
    assert found == entries(list(walk_listings(tree)))


def one_process_plan(catalog, folder_id: int, model_id: str, root: Path):
    """The rescan's plan as one process makes it: every row of the folder against one walk."""
    from photoclip.core.scan.reconcile import FolderTable, Plan, reconcile_walk

    plan = Plan()
    table = FolderTable.of(*catalog.folder_fingerprints(folder_id, model_id))
    reconcile_walk(plan, folder_id, walk_listings(root), table, catalog.photo_by_path, catalog.photos_by_ids)
    return plan


def summary(plan) -> tuple:
    return (sorted(item.entry.path for item in plan.todo), plan.unchanged, sorted(plan.missing),
            sorted((item.entry.path, item.existing.id if item.existing else None) for item in plan.todo))


@pytest.fixture
def changed_library(library, tmp_path):
    """A library of a tree with odd names (some stored as bytes) and a broken file, indexed, then changed: a
    photo rewritten in place, one added, one deleted, one moved to another sub-folder, a sub-folder deleted."""
    root = tmp_path / "Pictures"
    for event in range(4):
        for n, colour in enumerate(("red", "green", "blue")):
            write_photo(root / f"event-{event}" / f"day-{n}" / f"{colour}.jpg", colour)
    write_photo(root / "top.jpg", "white")
    write_odd_photos(root / "event-1" / "odd")
    (root / "event-2" / "broken.jpg").write_bytes(b"not a jpeg")
    library.index_folders([root])
    write_photo(root / "event-0" / "day-0" / "red.jpg", "orange")
    write_photo(root / "event-3" / "new.jpg", "black")
    (root / "event-0" / "day-1" / "green.jpg").unlink()
    shutil.move(root / "event-1" / "day-2" / "blue.jpg", root / "event-3" / "blue.jpg")
    shutil.rmtree(root / "event-2" / "day-0")
    return library, root


def test_processes_comparing_their_own_sub_folders_plan_what_one_process_plans(changed_library):
    from photoclip.core.scan.parallel_walk import Comparison, ParallelRescan

    library, root = changed_library
    catalog, folder = library._catalog, library.folders()[0]
    model_id = library.embedder.model_id
    alone = one_process_plan(catalog, folder.id, model_id, root)
    rescan = ParallelRescan(root, 2, Comparison(str(catalog.db.path), folder.id, model_id), units_per_worker=1)
    assert summary(rescan.plan(catalog)) == summary(alone)
    # to do: the rewritten, the new, the moved; missing: the deleted, the moved, the one gone with its folder
    assert len(alone.todo) == 3 and len(alone.missing) == 3
    assert alone.unchanged > 10


def test_a_comparing_process_that_dies_loses_nothing(changed_library, monkeypatch):
    from photoclip.core.scan import parallel_walk
    from photoclip.core.scan.parallel_walk import Comparison, ParallelRescan

    library, root = changed_library
    catalog, folder = library._catalog, library.folders()[0]
    model_id = library.embedder.model_id
    rescan = ParallelRescan(root, 2, Comparison(str(catalog.db.path), folder.id, model_id), units_per_worker=2)
    handed = parallel_walk._hand_out

    def hand_out_then_end(conn, units, busy):  # each process dies as soon as it has its first sub-folder
        handed(conn, units, busy)
        for pid in rescan.pids:
            os.kill(pid, signal.SIGKILL)

    monkeypatch.setattr(parallel_walk, "_hand_out", hand_out_then_end)
    assert summary(rescan.plan(catalog)) == summary(one_process_plan(catalog, folder.id, model_id, root))
