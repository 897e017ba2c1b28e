"""Near-duplicates over a real library: generated bursts and copies written as real JPEGs, indexed by the
deterministic colour embedder into a real catalog and HNSW index; the trash is send2trash's real freedesktop
trash inside the test's tmp folder (tests/support/trash.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from photoclip.core.duplicates import DEFAULT_THRESHOLD, KeepChoice, Sharpness
from photoclip.core.errors import DuplicatesError
from tests.support.bursts import COPIES, MIXES, write_burst
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import open_indexed, write_photo
from tests.support.trash import trash_dir, trashed  # noqa: F401  (fixture)


def names(group) -> set[str]:
    return {Path(p.path).name for p in group.photos}


@pytest.fixture(scope="module")
def burst_files(tmp_path_factory):
    """Four scenes, each saved in every kind of copy (written once per module: JPEG encoding is the slow part)."""
    folder = tmp_path_factory.mktemp("bursts")
    for i in range(4):
        write_burst(folder / f"day{i}", f"scene{i}", MIXES[i], seed=i)
    return folder


@pytest.fixture
def bursts(tmp_path, burst_files):
    """The four scenes' copies, plus a byte-identical copy of one and two lone photos, in this test's tmp."""
    folder = tmp_path / "Pictures"
    shutil.copytree(burst_files, folder)
    scenes = {f"scene{i}": {how: folder / f"day{i}" / f"scene{i}-{how}.jpg" for how in COPIES} for i in range(4)}
    shutil.copy(scenes["scene0"]["original"], folder / "backup-of-scene0.jpg")
    write_photo(folder / "lone-orange.jpg", "orange")  # colours no scene is made of (a red-and-yellow photo
    write_photo(folder / "lone-purple.png", "purple")  # would be 0.92 alike to scene1 for the colour embedder)
    return folder, scenes


@pytest.fixture
def library(tmp_path, bursts):
    lib = open_indexed(tmp_path, bursts[0])
    yield lib
    lib.close()


def test_every_copy_of_a_scene_groups_together_and_apart_from_other_scenes(library, bursts):
    _, scenes = bursts
    groups = library.find_duplicates().groups()
    expected = [{f"{name}-{how}.jpg" for how in COPIES} for name in scenes]
    expected[0].add("backup-of-scene0.jpg")
    assert sorted(map(names, groups), key=sorted) == sorted(expected, key=sorted)
    assert not any(g.exact for g in groups) and all(g.similarity >= DEFAULT_THRESHOLD for g in groups)


def test_the_default_threshold_separates_copies_from_other_scenes_with_room_to_spare(library, bursts):
    """Every pair the index returns, classified by scene: copies of a scene are far above the threshold, the
    closest two different scenes far below it (with the colour embedder: colour mixes)."""
    candidates = library.find_duplicates(floor=0.0)
    paths = {p.embedding_id: Path(p.path).name for photos in candidates.photos.values() for p in photos}
    pairs = candidates.pairs
    same = [s for a, b, s in zip(pairs.first, pairs.second, pairs.similarity, strict=True)
            if paths[a].split("-")[0] == paths[b].split("-")[0]]
    other = [s for a, b, s in zip(pairs.first, pairs.second, pairs.similarity, strict=True)
             if paths[a].split("-")[0] != paths[b].split("-")[0] and "backup" not in paths[a] + paths[b]]
    assert len(same) >= 4 * 5 and len(other) >= 10  # each copy found its siblings; other scenes were seen too
    assert min(same) >= 0.99 > DEFAULT_THRESHOLD > 0.6 > max(other)


def test_exact_copies_group_by_content_hash_even_when_nothing_else_is_near(tmp_path):
    folder = tmp_path / "Pictures"
    write_photo(folder / "a" / "beach.jpg", "blue", second="yellow", share=0.4)
    (folder / "b").mkdir()
    shutil.copy(folder / "a" / "beach.jpg", folder / "b" / "beach copy.jpg")
    write_photo(folder / "forest.png", "green", second="black", share=0.2)
    with open_indexed(tmp_path, folder) as lib:
        candidates = lib.find_duplicates()
        for threshold in (DEFAULT_THRESHOLD, 1.0):
            [group] = candidates.groups(threshold)
            assert names(group) == {"beach.jpg", "beach copy.jpg"}
            assert group.exact and group.similarity == 1.0 and group.copies_of(group.photos[0]) == 1
        assert len(candidates.pairs) == 0  # two files, one content, one vector: no pair needed


def test_the_threshold_slider_regroups_without_asking_the_index_again(library, bursts):
    candidates = library.find_duplicates()
    index = library.vector_index()
    calls = []
    original = index.query_many
    index.query_many = lambda *a, **k: calls.append(a) or original(*a, **k)
    try:
        loose, strict = candidates.groups(0.9), candidates.groups(1.0)
    finally:
        del index.query_many
    assert calls == []
    assert len(loose) == 4 and sum(len(g.photos) for g in loose) == 4 * len(COPIES) + 1
    # at 1.0 only identical vectors group: the exact copy, and copies the colour embedder cannot tell apart
    assert ({"scene0-original.jpg", "backup-of-scene0.jpg"} <= set().union(*map(names, strict)))
    assert sum(len(g.photos) for g in strict) < sum(len(g.photos) for g in loose)
    with pytest.raises(DuplicatesError, match=r"between 0\.85 and 1"):
        candidates.groups(0.5)


def test_keeper_rules_pick_the_largest_the_sharpest_and_the_oldest(tmp_path):
    folder = tmp_path / "Pictures"
    write_burst(folder, "pier", MIXES[0], seed=7, copies=("blurred", "enlarged", "original"))
    write_photo(folder / "other.jpg", "red")
    with open_indexed(tmp_path, folder) as lib:
        [group] = lib.find_duplicates().groups()
        sharpness = Sharpness(lib.thumbnails)
        picked = {rule: Path(group.keeper(rule, sharpness).path).name for rule in ("largest", "sharpest", "oldest")}
    assert picked == {"largest": "pier-enlarged.jpg", "sharpest": "pier-original.jpg", "oldest": "pier-blurred.jpg"}


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_finding_and_choosing_keepers_moves_deletes_and_forgets_nothing(library, bursts, trash_dir):  # noqa: F811
    folder, _ = bursts
    before, rows = snapshot(folder), library.status().counts
    groups = library.find_duplicates().groups(0.85)
    sharpness = Sharpness(library.thumbnails)
    for group in groups:
        for rule in ("largest", "sharpest", "oldest"):
            group.keeper(rule, sharpness)
    assert snapshot(folder) == before and library.status().counts == rows
    assert not trash_dir.exists()


def test_trashing_moves_the_others_to_the_trash_and_the_keeper_takes_their_tags_and_albums(
        library, bursts, trash_dir):  # noqa: F811
    _, scenes = bursts
    catalog = library._catalog
    photo = {how: catalog.photo_by_path(str(path)) for how, path in scenes["scene1"].items()}
    tagger, albums = library.tags, library.albums
    tagger.add_tags([photo["resized"].id], ["Trips|Lisbon"])  # typed on a copy
    tagger.accept([photo["cropped"].id], "yellow")  # a suggestion accepted on another copy
    tagger.reject([photo["brighter"].id], "black")  # a rejection stays with its photo
    albums.create_manual("Best of", [photo["next-frame"].id])
    albums.create_manual("Untouched", [catalog.photo_by_path(str(scenes["scene2"]["original"])).id])
    sidecar = Path(str(scenes["scene1"]["recompressed"]) + ".xmp")
    sidecar.write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")

    candidates = library.find_duplicates()
    [group] = [g for g in candidates.groups() if "scene1-original.jpg" in names(g)]
    keeper = group.keeper("oldest")
    assert Path(keeper.path).name == "scene1-original.jpg"
    result = library.trash_duplicates([KeepChoice(keeper, tuple(group.others(keeper)))])

    others = [str(p) for how, p in scenes["scene1"].items() if how != "original"]
    assert sorted(result.trashed) == sorted(others) and result.skipped == []
    assert set(trashed(trash_dir)) == {*others, str(sidecar)}  # the sidecar went with its photo
    assert all(not Path(p).exists() for p in others) and scenes["scene1"]["original"].exists()
    assert all((trash_dir / "files" / Path(p).name).is_file() for p in others)
    assert all(catalog.photo_by_path(p) is None for p in others)  # forgotten, as a rescan would
    assert set(tagger.store.accepted_names(keeper.photo_id)) == {"Trips|Lisbon", "yellow"}
    assert sorted(result.tags_carried) == [(keeper.path, "Trips|Lisbon"), (keeper.path, "yellow")]
    assert keeper.photo_id in {m.photo_id for m in albums.members("Best of")}
    assert len(albums.members("Untouched")) == 1 and len(result.albums_carried) == 1
    # the rest of the library is as it was, and a rescan finds nothing to change
    assert all(p.exists() for name, burst in scenes.items() if name != "scene1" for p in burst.values())
    summary = library.index_folders()
    assert (summary.added, summary.removed, summary.updated) == (0, 0, 0)
    again = library.find_duplicates()
    assert [names(g) for g in again.groups() if "scene1-original.jpg" in names(g)] == []
    # what the app shows after the move without asking the index again is what a new scan finds
    for threshold in (0.85, DEFAULT_THRESHOLD, 1.0):
        assert [names(g) for g in candidates.without(set(result.trashed_ids)).groups(threshold)] == [
            names(g) for g in again.groups(threshold)]


def test_a_photo_back_from_the_trash_is_found_again_without_embedding(library, bursts, trash_dir):  # noqa: F811
    _, scenes = bursts
    [group] = [g for g in library.find_duplicates().groups() if "scene2-original.jpg" in names(g)]
    keeper = group.keeper("oldest")
    library.trash_duplicates([KeepChoice(keeper, tuple(group.others(keeper)))])
    restored = scenes["scene2"]["resized"]
    os.rename(trash_dir / "files" / restored.name, restored)  # what "Restore" in a file manager does
    embedded = library.embedder.images_embedded
    library.index_folders()
    assert library.embedder.images_embedded == embedded  # its vector waited out the grace period
    assert library.photo_at(restored) is not None


def test_nothing_is_moved_when_the_keeper_is_gone_or_a_copy_changed_since(library, bursts, trash_dir):  # noqa: F811
    _, scenes = bursts
    groups = {Path(g.keeper("oldest").path).name: g for g in library.find_duplicates().groups()}
    first, second = groups["scene0-original.jpg"], groups["scene3-original.jpg"]
    keeper, keeper3 = first.keeper("oldest"), second.keeper("oldest")
    os.remove(keeper.path)  # the photo to keep went away after the groups were shown
    edited = scenes["scene3"]["cropped"]
    edited.write_bytes(edited.read_bytes() + b"\0")  # a copy edited after indexing

    result = library.trash_duplicates([KeepChoice(keeper, tuple(first.others(keeper))),
                                       KeepChoice(keeper3, tuple(second.others(keeper3)))])
    reasons = dict(result.skipped)
    assert all(Path(p.path).exists() for p in first.others(keeper))
    assert {reasons[p.path] for p in first.others(keeper)} == {"the photo to keep (scene0-original.jpg) is no "
                                                               "longer there"}
    assert reasons[str(edited)] == "the file changed since it was indexed; look at it again" and edited.exists()
    assert sorted(result.trashed) == sorted(p.path for p in second.others(keeper3) if p.path != str(edited))


def test_a_photo_the_trash_refuses_stays_with_the_reason(library, bursts, trash_dir):  # noqa: F811
    _, scenes = bursts
    [group] = [g for g in library.find_duplicates().groups() if "scene1-original.jpg" in names(g)]
    keeper = group.keeper("oldest")
    locked = scenes["scene1"]["resized"]
    trash_dir.write_text("not a folder")  # no trash can be made there (even root cannot get past this)
    result = library.trash_duplicates([KeepChoice(keeper, tuple(group.others(keeper)))])
    assert result.trashed == [] and locked.exists()
    assert all(reason.startswith("could not be moved to the trash") for _, reason in result.skipped)
    assert library.photo_at(locked) is not None


def test_nothing_indexed_is_a_clear_error(tmp_path):
    from tests.support.library_fixtures import open_library

    with open_library(tmp_path) as lib, pytest.raises(DuplicatesError, match="Nothing is indexed yet"):
        lib.find_duplicates()


def test_grouping_finds_the_neighbours_a_brute_force_comparison_finds(tmp_path):
    """The HNSW neighbour queries against an exact all-pairs comparison of the same stored vectors."""
    folder = tmp_path / "Pictures"
    for i, mix in enumerate(MIXES):
        write_burst(folder, f"s{i}", mix, seed=20 + i, copies=("original", "resized", "cropped", "next-frame"))
    with open_indexed(tmp_path, folder, ColorEmbedder()) as lib:
        candidates = lib.find_duplicates()
        ids, vectors = next(lib._catalog.embeddings_after(ColorEmbedder.model_id, 0))
    sims = vectors @ vectors.T
    a, b = np.nonzero(np.triu(sims >= 0.85, k=1))
    assert {(int(ids[i]), int(ids[j])) for i, j in zip(a, b, strict=True)} == set(
        zip(candidates.pairs.first.tolist(), candidates.pairs.second.tolist(), strict=True))


def test_photos_on_an_unplugged_drive_are_left_out(library, bursts):
    """Offline photos stay searchable but cannot be looked at or moved: no groups from them."""
    for folder in library.folders():
        library._catalog.set_photos_status(folder.id, "offline")
    candidates = library.find_duplicates()
    assert candidates.vectors == 0 and candidates.groups() == []


def test_batch_queries_for_every_vector_fall_back_to_an_exact_scan_where_hnswlib_cannot_answer(tmp_path):
    """As for a single query (test_index_cache.py): hnswlib may not reach k = every vector of many near-equal
    ones; query_many then answers each row from one scan of the catalog, best first."""
    import io

    from PIL import Image

    from photoclip.core.index.hnsw import VectorIndex
    from tests.support.library_fixtures import open_library
    from tests.support.watching import photo_bytes

    embedder = ColorEmbedder()
    images = [Image.open(io.BytesIO(photo_bytes(10_000 + i))) for i in range(1500)]
    vectors = embedder.embed_prepared(np.stack([embedder.prepare(image) for image in images]))
    with open_library(tmp_path) as lib:
        with lib._catalog.transaction() as db:
            db.executemany("INSERT INTO embeddings(content_hash, model_id, vector, created_at) VALUES (?,?,?,0)",
                           [(f"{i:032x}", ColorEmbedder.model_id, v.tobytes()) for i, v in enumerate(vectors)])
        index = VectorIndex(lib.settings.index_dir, ColorEmbedder.model_id, ColorEmbedder.dim)
        index.sync(lib._catalog)
        ids, scores = index.query_many(vectors[:3], 1500)
    assert ids.shape == (3, 1500) and all(sorted(row.tolist()) == list(range(1, 1501)) for row in ids)
    np.testing.assert_allclose(scores, np.take_along_axis(vectors[:3] @ vectors.T, ids - 1, 1), rtol=1e-5)
    assert np.all(np.diff(scores, axis=1) <= 1e-6)
