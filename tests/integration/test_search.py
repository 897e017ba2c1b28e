"""Search behaviour a user relies on: ranking, +/- terms, filters, photo→photo (deterministic colour embedder)."""

from __future__ import annotations

import threading

import pytest

from photoclip.core.errors import QueryError
from photoclip.core.search import Filters, parse_query
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import open_indexed, write_photo


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    photos = root / "Pictures"
    write_photo(photos / "2021" / "red-car.jpg", "red", taken_at="2021:06:01 10:00:00")
    write_photo(photos / "2021" / "mostly-red.png", "red", second="white", share=0.3, taken_at="2021:07:01 10:00:00")
    write_photo(photos / "2022" / "snow.png", "white", taken_at="2022:01:15 09:00:00")
    write_photo(photos / "2022" / "snow-red-hat.png", "white", second="red", share=0.2,
                taken_at="2022:02:01 09:00:00")
    write_photo(photos / "2022" / "sea.webp", "blue", taken_at="2022:08:01 12:00:00")
    write_photo(photos / "2023" / "sunset.jpg", "orange", second="purple", share=0.4, taken_at="2023:05:05 20:00:00")
    lib = open_indexed(root, photos)
    yield lib
    lib.close()


def names(hits):
    return [h.path.rsplit("/", 1)[1] for h in hits]


def test_best_match_first_with_cosine_scores(library):
    hits = library.search("red", limit=6)
    assert names(hits)[:2] == ["red-car.jpg", "mostly-red.png"]
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert 0.99 <= scores[0] <= 1.0001  # a pure red photo is (nearly) colinear with the word "red"


def test_limit_is_respected(library):
    assert len(library.search("white", limit=3)) == 3


def test_minus_term_excludes_photos_that_match_it_better(library):
    plain = names(library.search("white", limit=6))
    assert "mostly-red.png" in plain
    excluded = names(library.search("white -red", limit=6))
    assert excluded[0] == "snow.png"
    assert "red-car.jpg" not in excluded and "mostly-red.png" not in excluded
    assert "snow-red-hat.png" in excluded  # mostly white: it stays, ranked below the plain snow photo


def test_plus_term_combines_concepts(library):
    hits = names(library.search("orange +purple", limit=1))
    assert hits == ["sunset.jpg"]


def test_folder_filter(library):
    folder = str(library.photos_root / "2022")
    hits = library.search("red", limit=10, filters=Filters(folder=folder))
    assert hits and all(h.path.startswith(folder + "/") for h in hits)
    assert names(hits)[0] == "snow-red-hat.png"


def test_date_filter_uses_exif_dates(library):
    hits = library.search("red", limit=10, filters=Filters(date_from="2022-01-01", date_to="2022-12-31"))
    assert set(names(hits)) == {"snow.png", "snow-red-hat.png", "sea.webp"}
    day = library.search("blue", limit=10, filters=Filters(date_from="2022-08-01", date_to="2022-08-01"))
    assert names(day) == ["sea.webp"]


def test_similar_to_a_library_photo_excludes_itself(library):
    target = library.photos_root / "2022" / "snow.png"
    hits = library.similar(target, limit=3)
    assert str(target) not in [h.path for h in hits]
    assert names(hits)[0] == "snow-red-hat.png"


def test_similar_to_a_photo_outside_the_library(library, tmp_path):
    outside = write_photo(tmp_path / "query.jpg", "blue", second="white", share=0.1)
    assert names(library.similar(outside, limit=1)) == ["sea.webp"]


def test_similar_to_a_non_image_is_a_query_error(library, tmp_path):
    bad = tmp_path / "x.jpg"
    bad.write_text("nope")
    with pytest.raises(QueryError):
        library.similar(bad)


@pytest.mark.parametrize(
    ("text", "positive", "negative"),
    [
        ("beach -people +sunset", ["beach", "sunset"], ["people"]),
        ('kids on a red sled -"snow man"', ["kids on a red sled"], ["snow man"]),
        ("t-shirt with e-mail", ["t-shirt with e-mail"], []),
        ("-cats", [], ["cats"]),
    ],
)
def test_query_grammar(text, positive, negative):
    parsed = parse_query(text)
    assert (parsed.positive, parsed.negative) == (positive, negative)


def test_empty_query_is_refused():
    with pytest.raises(QueryError):
        parse_query("   ")


class ModelHeldEmbedder(ColorEmbedder):
    """The model stays busy on an image batch until the test lets it finish (an indexing batch on a CPU)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_batch = threading.Event()
        self.finish = threading.Event()

    def embed_prepared(self, batch):
        self.in_batch.set()
        self.finish.wait(30)
        return super().embed_prepared(batch)


def test_a_query_run_again_skips_the_text_tower_and_never_waits_for_indexing(tmp_path):
    photos = tmp_path / "Pictures"
    for colour in ("red", "green", "blue"):
        write_photo(photos / f"{colour}.png", colour)
    embedder = ModelHeldEmbedder()
    embedder.finish.set()
    with open_indexed(tmp_path, photos, embedder) as lib:
        first = names(lib.search("red -blue", limit=3))
        calls = embedder.text_calls
        assert names(lib.search("red -blue", limit=3)) == first  # same words: same results
        assert embedder.text_calls == calls  # and no pass through the text tower
        lib.search("blue +red", limit=3)  # the same words in another query: nothing new to embed
        assert embedder.text_calls == calls

        # indexing holds the model (a batch in the model); the open search re-runs meanwhile
        embedder.finish.clear()
        write_photo(photos / "yellow.png", "yellow")
        indexing = threading.Thread(target=lib.index_folders)
        indexing.start()
        assert embedder.in_batch.wait(10)
        again: list = []
        query = threading.Thread(target=lambda: again.extend(lib.search("red -blue", limit=3)))
        query.start()
        query.join(10)
        finished = not query.is_alive()
        embedder.finish.set()
        indexing.join(30)
        query.join(30)
        assert finished, "a query seen before waited for the indexing batch"
        assert names(again) == first


def test_a_result_page_of_64k_ids_is_looked_up_without_hitting_sqlites_variable_limit(library):
    """The grid's scroll-to-load asks for 1k, 4k, 16k, 64k results; SQLite binds at most 32,766 variables."""
    model_id = library.embedder.model_id
    real = [eid for eid, _ in library._catalog.searchable_photos(model_id, list(range(1, 100)))]
    assert real  # the library's photos, among the first ids
    found = library._catalog.searchable_photos(model_id, list(range(64_000, 0, -1)))  # spread over several chunks
    assert sorted(eid for eid, _ in found) == sorted(real)
