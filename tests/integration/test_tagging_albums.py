"""Smart albums follow the library: new photos, removed photos, a model change; manual albums hold photos."""

from __future__ import annotations

import pytest

from photoclip.core.errors import AlbumError, QueryError
from photoclip.core.library import Library
from photoclip.core.tagging import Scope
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import make_settings, open_indexed, write_photo


@pytest.fixture
def library(tmp_path):
    photos = tmp_path / "Pictures"
    write_photo(photos / "red.jpg", "red")
    write_photo(photos / "mostly-red.png", "red", second="white", share=0.3)
    write_photo(photos / "snow.png", "white")
    write_photo(photos / "snow-red-hat.png", "white", second="red", share=0.2)
    write_photo(photos / "sea.webp", "blue")
    write_photo(photos / "grass.png", "green")
    write_photo(photos / "night.png", "black")
    write_photo(photos / "lemon.png", "yellow")
    write_photo(photos / "plum.png", "purple")
    lib = open_indexed(tmp_path, photos)
    yield lib
    lib.close()


def names(members):
    return [m.path.rsplit("/", 1)[1] for m in members]


def test_smart_album_membership_follows_new_photos(library):
    albums = library.albums
    albums.create_smart("Reds", "red")
    assert names(albums.members("Reds")) == ["red.jpg", "mostly-red.png", "snow-red-hat.png"]
    write_photo(library.photos_root / "2024" / "fire-truck.jpg", "red", second="black", share=0.1)
    library.index_folders()
    assert "fire-truck.jpg" in names(albums.members("Reds"))
    assert albums.count("Reds") == 4


def test_smart_album_drops_removed_photos(library):
    albums = library.albums
    albums.create_smart("Reds", "red")
    (library.photos_root / "red.jpg").unlink()
    library.index_folders()
    assert "red.jpg" not in names(albums.members("Reds"))


def test_minus_terms_threshold_and_filters(library):
    albums = library.albums
    albums.create_smart("Snow", "white -red")
    assert names(albums.members("Snow")) == ["snow.png", "snow-red-hat.png"]  # mostly-red is more red than white
    # uniform non-red photos give a tiny spread (floored at MIN_SCALE), so scores run high here
    albums.create_smart("Very red", "red", threshold=50.0)
    assert names(albums.members("Very red")) == ["red.jpg", "mostly-red.png"]
    assert names(albums.members("Very red", threshold=100)) == []
    albums.update("Very red", threshold=10.0)
    assert albums.count("Very red") == 3
    albums.update("Very red", name="Reds")  # rename: 'name' is both the album and the new name
    assert albums.count("Reds") == 3
    with pytest.raises(QueryError):
        albums.create_smart("Empty", "   ")
    with pytest.raises(AlbumError):
        albums.create_smart("Snow", "blue")


def test_smart_album_after_a_model_change(library):
    albums = library.albums
    albums.create_smart("Blues", "blue")
    assert names(albums.members("Blues")) == ["sea.webp"]
    library.close()

    class ColorEmbedderV2(ColorEmbedder):
        model_id = "test/colors@v2"

    relib = Library.open(make_settings(library.root), embedder=ColorEmbedderV2())
    try:
        relib.index_folders()  # re-embeds everything under the new model id
        assert relib.albums.space.model_id() == "test/colors@v2"
        assert names(relib.albums.members("Blues")) == ["sea.webp"]
        assert relib._catalog.get_meta("model_id") == "test/colors@v2"
    finally:
        relib.close()


def test_manual_albums_and_album_scope_for_tagging(library):
    albums = library.albums
    red = library.photo_at(library.photos_root / "red.jpg")
    snow = library.photo_at(library.photos_root / "snow.png")
    albums.create_manual("Trip", [red.id, snow.id])
    assert names(albums.members("Trip")) == ["red.jpg", "snow.png"]
    suggestions = library.tags.run(["red", "white"], Scope(album="Trip")).suggestions()
    assert {(s.tag, s.path.rsplit("/", 1)[1]) for s in suggestions} == {("red", "red.jpg"), ("white", "snow.png")}
    albums.create_smart("Reds", "red")
    in_smart = library.tags.run(["white"], Scope(album="Reds")).suggestions()
    assert {s.path.rsplit("/", 1)[1] for s in in_smart} == {"snow-red-hat.png", "mostly-red.png"}
    albums.remove("Trip", [snow.id])
    assert names(albums.members("Trip")) == ["red.jpg"]
    with pytest.raises(AlbumError):
        albums.add("Reds", [snow.id])
    albums.delete("Trip")
    assert [a.name for a in albums.list()] == ["Reds"]


def test_a_preview_counts_the_album_at_any_threshold(library):
    albums = library.albums
    scored = albums.preview_smart("red")
    scores = [m.score for m in scored]
    assert scores == sorted(scores, reverse=True)  # best first
    assert names(scored) == ["red.jpg", "mostly-red.png", "snow-red-hat.png"]  # the others: margin <= 0
    for threshold in (90.0, 50.0, 3.0, -1.0):  # the album at T holds exactly the preview's photos scoring >= T
        albums.create_smart(f"at {threshold}", "red", threshold=threshold)
        assert names(albums.members(f"at {threshold}")) == [n for n, s in zip(names(scored), scores, strict=True)
                                                             if s >= threshold]
    assert names(albums.preview_smart("white -red")) == ["snow.png", "snow-red-hat.png"]  # as the album's rule
    assert albums.preview_smart("red", folder=str(library.photos_root / "nowhere")) == []


def test_the_proposed_threshold_keeps_every_photo_seen():
    from photoclip.core.tagging import AlbumMember, threshold_keeping

    scored = [AlbumMember(1, "/a.jpg", 5.0), AlbumMember(2, "/b.jpg", 2.37), AlbumMember(3, "/c.jpg", -0.42)]
    assert threshold_keeping(scored, [1, 2]) == 2.3  # the lowest seen, down to a 0.1 step
    assert threshold_keeping(scored, [1, 2, 3]) == -0.5
    assert threshold_keeping(scored, [1]) == 3.0  # never above the labels' default
    assert threshold_keeping(scored, []) == 3.0
    assert threshold_keeping(scored, [1, 99]) == 3.0  # a seen photo no album can hold does not pull it down
    assert threshold_keeping([AlbumMember(1, "/a.jpg", 2.3)], [1]) <= 2.3  # 2.3 * 10 is 22.999…: still kept
