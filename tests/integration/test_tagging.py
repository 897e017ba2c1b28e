"""Zero-shot tagging over a real catalog with the deterministic colour embedder: suggestions, calibration,
thresholds, negative prompts, the review queue and its persistence, user tags, label sets."""

from __future__ import annotations

import numpy as np
import pytest

from photoclip.core.errors import TaggingError
from photoclip.core.tagging import Label, LabelSet, Scope
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import open_indexed, open_library, write_photo

COLOURS = LabelSet("colours", (Label("red"), Label("white"), Label("blue"), Label("dog"),
                               Label("orange", negatives=("purple",))))


def make_photos(root):
    photos = root / "Pictures"
    write_photo(photos / "a" / "red.jpg", "red")
    write_photo(photos / "a" / "mostly-red.png", "red", second="white", share=0.3)
    write_photo(photos / "a" / "snow.png", "white")
    write_photo(photos / "b" / "snow-red-hat.png", "white", second="red", share=0.2)
    write_photo(photos / "b" / "sea.webp", "blue")
    write_photo(photos / "b" / "sunset.jpg", "orange", second="purple", share=0.4)
    write_photo(photos / "b" / "violet.png", "purple", second="orange", share=0.4)
    write_photo(photos / "b" / "grass.png", "green")
    return photos


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """Read-only tests share one indexed library."""
    root = tmp_path_factory.mktemp("tagging")
    photos = make_photos(root)
    lib = open_indexed(root, photos)
    yield lib
    lib.close()


@pytest.fixture
def fresh(tmp_path):
    """Tests that accept, reject or add photos get their own library."""
    photos = make_photos(tmp_path)
    lib = open_indexed(tmp_path, photos)
    yield lib
    lib.close()


def pairs(suggestions):
    return {(s.tag, s.path.rsplit("/", 1)[1]) for s in suggestions}


def test_label_set_yields_exactly_the_expected_suggestions(shared):
    suggestions = shared.tags.run(COLOURS).suggestions()
    assert pairs(suggestions) == {
        ("red", "red.jpg"), ("red", "mostly-red.png"), ("red", "snow-red-hat.png"),
        ("white", "snow.png"), ("white", "snow-red-hat.png"), ("white", "mostly-red.png"),
        ("blue", "sea.webp"),
        ("orange", "sunset.jpg"),  # violet.png matches "purple" (a negative) better than "orange"
    }
    # best first within a label, each with its calibrated score and the prompt that matched best
    reds = [s for s in suggestions if s.tag == "red"]
    assert [s.path.rsplit("/", 1)[1] for s in reds] == ["red.jpg", "mostly-red.png", "snow-red-hat.png"]
    assert all(s.score >= 3.0 and s.margin > 0 for s in suggestions)
    assert reds[0].prompt == "a photo of red"


def test_a_label_the_model_cannot_see_suggests_nothing(shared):
    run = shared.tags.run(["dog"])
    assert run.suggestions() == []
    assert np.all(run.margin <= 1e-6)  # no better than the neutral background prompts
    assert run.count("dog", threshold=-100.0) == 0  # the margin gate holds at any threshold


def test_thresholds_per_label_and_overrides(shared):
    tagger = shared.tags
    strict = LabelSet("s", (Label("red", threshold=5.0), Label("white", threshold=10.0)))
    assert pairs(tagger.run(strict).suggestions()) == {
        ("red", "red.jpg"), ("red", "mostly-red.png"), ("white", "snow.png"), ("white", "snow-red-hat.png"),
    }
    run = tagger.run(["red"])
    assert run.counts() == {"red": 3}
    assert run.count("red", 3.0) == 3
    assert run.count("red", 5.0) == 2
    assert [s.path.rsplit("/", 1)[1] for s in run.preview("red", 5.0)] == ["red.jpg", "mostly-red.png"]
    assert pairs(run.suggestions({"red": 100.0})) == set()


def test_negative_prompts_block_photos_that_match_them_better(shared):
    tagger = shared.tags
    plain = pairs(tagger.run(["orange"]).suggestions())
    assert plain == {("orange", "sunset.jpg"), ("orange", "violet.png")}
    with_negative = pairs(tagger.run([Label("orange", negatives=("purple",))]).suggestions())
    assert with_negative == {("orange", "sunset.jpg")}


def test_each_suggestion_says_which_prompt_matched(shared):
    warm = Label("Warm", prompts=("red", "orange"), threshold=0.9)
    why = {s.path.rsplit("/", 1)[1]: s.prompt for s in shared.tags.run([warm]).suggestions()}
    assert why == {"red.jpg": "red", "mostly-red.png": "red", "sunset.jpg": "orange"}


def test_exclusive_sets_give_one_label_per_photo(shared):
    exclusive = LabelSet("e", (Label("red"), Label("white")), exclusive=True)
    assert pairs(shared.tags.run(exclusive).suggestions()) == {
        ("red", "red.jpg"), ("red", "mostly-red.png"), ("white", "snow.png"), ("white", "snow-red-hat.png"),
    }


def test_folder_scope_keeps_library_wide_calibration(shared):
    tagger = shared.tags
    everything = {s.path: s.score for s in tagger.run(["red"]).suggestions()}
    folder = str(shared.photos_root / "b")
    scoped = tagger.run(["red"], Scope(folder=folder)).suggestions()
    assert [s.path.rsplit("/", 1)[1] for s in scoped] == ["snow-red-hat.png"]
    assert scoped[0].score == pytest.approx(everything[scoped[0].path])


def test_prompt_vectors_are_cached_in_the_catalog(shared, tmp_path):
    shared.tags.run(COLOURS)

    class NoText(ColorEmbedder):
        def embed_texts(self, texts):
            raise AssertionError(f"re-embedded {texts}")

    from photoclip.core.library import Library

    again = Library.open(shared.settings, embedder=NoText())
    try:
        assert pairs(again.tags.run(COLOURS).suggestions()) == pairs(shared.tags.run(COLOURS).suggestions())
    finally:
        again._catalog.db.close()


def test_tagging_needs_indexed_photos(tmp_path):
    lib = open_library(tmp_path)
    try:
        with pytest.raises(TaggingError):
            lib.tags.run(["red"])
    finally:
        lib.close()


def test_review_queue_accept_reject_persist(fresh):
    tagger = fresh.tags
    tagger.suggest(COLOURS)
    pending = {(r.tag, r.path.rsplit("/", 1)[1]) for r in tagger.pending()}
    assert ("red", "snow-red-hat.png") in pending and len(pending) == 8
    hat = fresh.photo_at(fresh.photos_root / "b" / "snow-red-hat.png")
    assert tagger.reject([hat.id], "red") == 1
    assert tagger.accept_all("red") == 2  # the two left
    assert {r.path.rsplit("/", 1)[1] for r in tagger.photos_with("red")} == {"red.jpg", "mostly-red.png"}

    # a new run never re-suggests what the user decided
    again = tagger.suggest(COLOURS)
    assert {s.tag for s in again} == {"white", "blue", "orange"}
    assert not [r for r in tagger.pending("red")]

    # decisions survive closing the catalog
    fresh.close()
    reopened = open_library(fresh.root)
    try:
        tagger = reopened.tags
        states = {(r.path.rsplit("/", 1)[1], r.state) for r in tagger.store.rows(tag="red")}
        assert states == {("red.jpg", "accepted"), ("mostly-red.png", "accepted"), ("snow-red-hat.png", "rejected")}
        assert "red" not in {s.tag for s in tagger.suggest(COLOURS)}
    finally:
        reopened.close()


def test_bulk_accept_above_a_score(fresh):
    tagger = fresh.tags
    tagger.suggest(["white"])
    assert tagger.accept_all("white", min_score=10.0) == 2
    assert [r.path.rsplit("/", 1)[1] for r in tagger.pending("white")] == ["mostly-red.png"]
    assert tagger.reject_all("white") == 1
    assert tagger.pending() == []


def test_user_tags_are_kept_apart_from_model_tags(fresh):
    tagger = fresh.tags
    red = fresh.photo_at(fresh.photos_root / "a" / "red.jpg")
    tagger.suggest(["red"])
    tagger.add_tags([red.id], ["red", "Trips|Rome"])
    rows = {(r.tag, r.source, r.state) for r in tagger.tags_of(red.id)}
    assert rows == {("red", "zero-shot", "suggested"), ("red", "user", "accepted"), ("Trips|Rome", "user", "accepted")}
    tagger.reject([red.id], "red")  # the model's opinion, not the user's own tag
    assert ("red", "user", "accepted") in {(r.tag, r.source, r.state) for r in tagger.tags_of(red.id)}
    counts = {c.name: c for c in tagger.tag_counts()}
    assert (counts["red"].user, counts["red"].rejected, counts["red"].suggested) == (1, 1, 2)
    tagger.remove_tags([red.id], ["Trips|Rome"])
    assert "Trips|Rome" not in {r.tag for r in tagger.tags_of(red.id)}


def test_label_sets_save_import_export(fresh, tmp_path):
    tagger = fresh.tags
    tagger.save_label_set(COLOURS)
    assert tagger.label_set("colours") == COLOURS
    assert "colours" in tagger.label_set_names()["saved"]
    assert "scenes" in tagger.label_set_names()["presets"]
    for suffix in (".json", ".txt"):
        path = tmp_path / f"exported{suffix}"
        tagger.export_label_set("colours", path)
        imported = tagger.import_label_set(path)
        assert imported.labels == COLOURS.labels
    assert tagger.label_set("scenes").labels  # a preset


def test_vector_cache_file_is_only_a_cache(fresh):
    expected = pairs(fresh.tags.run(COLOURS).suggestions())
    vectors = fresh.settings.cache_dir / "vectors"
    assert len(list(vectors.glob("*.f32"))) == 1 and len(list(vectors.glob("*.json"))) == 1
    for damage in ("sidecar", "sidecar-empty", "data", "data-empty"):
        target = next(vectors.glob("*.json" if damage.startswith("sidecar") else "*.f32"))
        target.write_bytes(b"" if damage.endswith("empty") else b"not what it should be")
        reopened = open_library(fresh.root)
        try:
            assert pairs(reopened.tags.run(COLOURS).suggestions()) == expected  # rebuilt from the catalog
        finally:
            reopened.close()
    # a cache written for another catalog (ids that do not match) is refused, not trusted
    other = open_library(fresh.root / "other")
    try:
        write_photo(fresh.root / "other-photos" / "blue.jpg", "blue")
        other.index_folders([fresh.root / "other-photos"])
        other.tags.run(["blue"])
        other_cache = other.settings.cache_dir / "vectors"
        for path in vectors.iterdir():
            path.unlink()
        for path in other_cache.iterdir():  # the same model: the same file names
            (vectors / path.name).write_bytes(path.read_bytes())
    finally:
        other.close()
    reopened = open_library(fresh.root)
    try:
        assert pairs(reopened.tags.run(COLOURS).suggestions()) == expected
    finally:
        reopened.close()


def test_sensitive_sets_mark_photos_to_blur(fresh):
    tagger = fresh.tags
    private = LabelSet("private", (Label("Private|Red", prompts=("red",), threshold=10.0),), sensitive=True)
    tagger.save_label_set(private)
    assert "Private|Red" in tagger.sensitive_tags()
    assert {"Sensitive|Nudity"} <= tagger.sensitive_tags()  # the shipped preset
    tagger.suggest(private)
    blurred = {p.path.rsplit("/", 1)[1] for p in fresh.photos(sorted(tagger.photos_to_blur()))}
    assert blurred == {"red.jpg", "mostly-red.png"}
    red = fresh.photo_at(fresh.photos_root / "a" / "red.jpg")
    tagger.reject([red.id], "Private|Red")
    assert red.id not in tagger.photos_to_blur()


def test_a_model_change_before_reindexing_is_a_clear_error(fresh):
    fresh.close()

    class ColorEmbedderV2(ColorEmbedder):
        model_id = "test/colors@v2"

    relib = open_library(fresh.root, embedder=ColorEmbedderV2())
    try:
        with pytest.raises(TaggingError, match="re-index"):
            relib.tags.run(["red"])  # prompts need the model, which is no longer the vectors' model
        with pytest.raises(TaggingError, match="No photo has a vector"):
            relib.tags.run(["red"])
        relib.index_folders()
        assert {s.tag for s in relib.tags.run(["red"]).suggestions()} == {"red"}
    finally:
        relib.close()


def test_exclusive_sets_respect_decisions(fresh):
    tagger = fresh.tags
    kinds = LabelSet("kinds", (Label("red"), Label("white")), exclusive=True)
    hat = fresh.photo_at(fresh.photos_root / "b" / "snow-red-hat.png")
    mostly_red = fresh.photo_at(fresh.photos_root / "a" / "mostly-red.png")
    tagger.reject([hat.id], "white")  # not white: the runner-up competes instead
    tagger.accept([mostly_red.id], "white")  # the user chose its kind: nothing else for it
    suggested = pairs(tagger.run(kinds).suggestions())
    assert ("red", "snow-red-hat.png") in suggested
    assert not {p for p in suggested if p[1] == "mostly-red.png"}


def test_a_v2_catalog_gains_the_tagging_tables(tmp_path):
    import sqlite3

    from photoclip.core.store.schema import MIGRATIONS, SCHEMA_VERSION
    from tests.support.library_fixtures import make_settings

    path = make_settings(tmp_path).catalog_path
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path, isolation_level=None)
    for number, migration in enumerate(MIGRATIONS[:2], 1):
        migration(db)
        db.execute(f"PRAGMA user_version = {number}")
    db.close()
    lib = open_library(tmp_path)
    try:
        tables = {r[0] for r in lib._catalog.db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"tags", "photo_tags", "albums", "album_photos", "label_sets", "text_vectors"} <= tables
        assert path.with_name(f"{path.name}.before-v{SCHEMA_VERSION}.bak").exists()
    finally:
        lib.close()


def test_vector_matrix_follows_indexing_in_one_session(fresh):
    space = fresh.tags.space
    model_id = space.model_id()
    first = space.library_vectors()
    write_photo(fresh.photos_root / "c" / "new-blue.png", "blue", second="yellow", share=0.5)
    write_photo(fresh.photos_root / "c" / "new-black.png", "black")
    fresh.index_folders()
    grown = space.library_vectors()
    assert len(grown.embedding_ids) == len(first.embedding_ids) + 2
    for embedding_id, vector in zip(grown.embedding_ids, grown.matrix, strict=True):
        row = fresh._catalog.db.conn.execute("SELECT vector FROM embeddings WHERE id = ?", (int(embedding_id),))
        assert np.array_equal(np.frombuffer(row.fetchone()[0], np.float32), vector)
    assert {s.path.rsplit("/", 1)[1] for s in fresh.tags.run(["black"]).suggestions()} == {"new-black.png"}
    assert model_id == space.model_id()


def test_preview_is_best_first_with_ties_by_path_and_cut_at_the_limit(tmp_path):
    photos = make_photos(tmp_path)
    write_photo(photos / "c" / "zz-red.png", "red")
    lib = open_indexed(tmp_path, photos)
    try:
        # the same pixels in other file formats: other vector rows with exactly the same score; the last indexed
        # comes first by path
        write_photo(photos / "a" / "0-red.webp", "red")
        lib.index_folders()
        run = lib.tags.run(["red"])
        names = [s.path.rsplit("/", 1)[1] for s in run.preview("red", 3.0)]
        assert names == ["0-red.webp", "red.jpg", "zz-red.png", "mostly-red.png"]
        assert [s.path.rsplit("/", 1)[1] for s in run.preview("red", 3.0, limit=1)] == ["0-red.webp"]
        assert [s.path.rsplit("/", 1)[1] for s in run.suggestions()] == names
    finally:
        lib.close()
