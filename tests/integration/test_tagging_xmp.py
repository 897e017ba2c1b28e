"""Accepted tags written to XMP sidecars, read back by an independent reader (exiftool), merged with what
other programs wrote."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from photoclip.core.tagging import Label
from tests.support import xmp_sidecars
from tests.support.library_fixtures import open_indexed, write_photo

pytest.importorskip("pyexiv2", reason="XMP write-back needs pyexiv2 (pip install pyexiv2)")
EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(
    EXIFTOOL is None, reason="exiftool not installed (Debian: apt-get install libimage-exiftool-perl)"
)

FOREIGN_SIDECAR = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
   xmp:Rating="4"
   photoshop:City="Lisbon">
   <dc:subject><rdf:Bag><rdf:li>Holiday</rdf:li></rdf:Bag></dc:subject>
   <digiKam:TagsList><rdf:Seq><rdf:li>Trips/Holiday</rdf:li></rdf:Seq></digiKam:TagsList>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"""


def exiftool(path) -> dict:
    out = subprocess.run([EXIFTOOL, "-j", "-struct", "-XMP:all", str(path)], capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(out.stdout)[0]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.fixture
def library(tmp_path):
    photos = tmp_path / "Pictures"
    write_photo(photos / "red.jpg", "red")
    write_photo(photos / "snow.png", "white")
    write_photo(photos / "sea.webp", "blue")
    write_photo(photos / "grass.png", "green")
    lib = open_indexed(tmp_path, photos)
    yield lib
    lib.close()


def photo_id(library, name):
    return library.photo_at(library.photos_root / name).id


def test_write_back_is_off_by_default(library):
    tagger = library.tags
    tagger.suggest([Label("Colours|Red", prompts=("red",))])
    tagger.accept_all()
    assert not list(library.photos_root.glob("*.xmp"))


@needs_exiftool
def test_accepted_tags_land_in_a_new_sidecar(library):
    tagger = library.tags
    tagger.set_xmp_writeback(True)
    tagger.suggest([Label("Colours|Red", prompts=("red",)), Label("blue")])
    tagger.accept_all()
    tagger.add_tags([photo_id(library, "red.jpg")], ["Trips|Rome"])
    red = exiftool(library.photos_root / "red.jpg.xmp")  # digiKam's default naming
    assert sorted(as_list(red["Subject"])) == ["Red", "Rome"]
    assert sorted(as_list(red["HierarchicalSubject"])) == ["Colours|Red", "Trips|Rome"]
    sea = exiftool(library.photos_root / "sea.webp.xmp")
    assert as_list(sea["Subject"]) == ["blue"] and "HierarchicalSubject" not in sea
    assert not (library.photos_root / "snow.png.xmp").exists()  # suggested nothing, accepted nothing
    # the two keyword arrays are rdf:Bag, as the XMP and Lightroom specifications have them
    text = (library.photos_root / "red.jpg.xmp").read_text()
    assert "<dc:subject>\n    <rdf:Bag>" in text and "<lr:hierarchicalSubject>\n    <rdf:Bag>" in text


@needs_exiftool
def test_existing_sidecar_keeps_other_programs_fields(library):
    sidecar = library.photos_root / "red.xmp"  # Lightroom-style name, written by another program
    sidecar.write_text(FOREIGN_SIDECAR, encoding="utf-8")
    tagger = library.tags
    tagger.set_xmp_writeback(True)
    tagger.suggest([Label("Colours|Red", prompts=("red",))])
    tagger.accept_all()
    assert not (library.photos_root / "red.jpg.xmp").exists()  # the existing sidecar is the one updated
    data = exiftool(sidecar)
    assert data["Rating"] == 4 and data["City"] == "Lisbon"
    assert as_list(data["TagsList"]) == ["Trips/Holiday", "Colours/Red"]  # digiKam's list, its separator
    assert as_list(data["Subject"]) == ["Holiday", "Red"]
    assert as_list(data["HierarchicalSubject"]) == ["Colours|Red"]

    # un-accepting removes only our keyword
    tagger.reject([photo_id(library, "red.jpg")], "Colours|Red")
    data = exiftool(sidecar)
    assert as_list(data["Subject"]) == ["Holiday"] and "HierarchicalSubject" not in data
    assert as_list(data["TagsList"]) == ["Trips/Holiday"]
    assert data["City"] == "Lisbon"


@needs_exiftool
def test_photo_xmp_naming_and_write_all(library):
    tagger = library.tags
    tagger.suggest(["white"])
    tagger.accept_all()  # accepted while write-back was off
    tagger.set_xmp_writeback(True, naming="replace")
    assert tagger.write_all_sidecars() == 1
    assert as_list(exiftool(library.photos_root / "snow.xmp")["Subject"]) == ["white"]


def test_sidecar_naming_prefers_an_existing_file(tmp_path):
    from photoclip.core.tagging import xmp

    photo = tmp_path / "a.jpg"
    assert xmp.sidecar_path(photo) == tmp_path / "a.jpg.xmp"
    assert xmp.sidecar_path(photo, xmp.REPLACE) == tmp_path / "a.xmp"
    (tmp_path / "a.xmp").write_text("x")
    assert xmp.sidecar_path(photo) == tmp_path / "a.xmp"
    assert xmp.keywords(["Places|Beach", "dog"]) == (["Beach", "dog"], ["Places|Beach"])


def test_an_unwritable_sidecar_does_not_undo_the_accept(library):
    from photoclip.core.errors import XmpError

    tagger = library.tags
    tagger.set_xmp_writeback(True)
    (library.photos_root / "sea.webp.xmp").mkdir()  # a folder where the sidecar should be: cannot be written
    tagger.suggest(["red", "blue"])  # "blue" (the failing one) comes first in the queue
    with pytest.raises(XmpError, match="saved in the catalog"):
        tagger.accept_all()
    assert {r.tag for r in tagger.store.rows(states=("accepted",))} == {"red", "blue"}
    assert (library.photos_root / "red.jpg.xmp").is_file()  # the other tag was still written


# --- photoclip removes only what photoclip added ------------------------------------------------------------
# (sidecar, photo, tag the program already has, a tag new to it, properties of its own that must survive)
PROGRAMS = {
    "digiKam": (xmp_sidecars.DIGIKAM, "red.jpg.xmp", "Bob", "Places|Sintra",
                ("RegionInfo", "RegionInfoMP", "TagsList")),
    "Lightroom": (xmp_sidecars.LIGHTROOM, "red.xmp", "Trips|Holiday", "Places|Sintra",
                  ("ToneCurvePV2012", "Exposure2012", "CropTop", "History")),
    "darktable": (xmp_sidecars.DARKTABLE, "red.jpg.xmp", "Holiday", "Places|Sintra", ("History", "History_end")),
}


@needs_exiftool
@pytest.mark.parametrize("program", PROGRAMS)
def test_adding_and_removing_a_tag_leaves_other_programs_keywords_as_they_were(library, program):
    packet, name, theirs, new, own_properties = PROGRAMS[program]
    sidecar = library.photos_root / name
    sidecar.write_text(packet, encoding="utf-8")
    sidecar.chmod(0o640)
    before = exiftool(sidecar)
    tagger = library.tags
    tagger.set_xmp_writeback(True)
    red = photo_id(library, "red.jpg")

    tagger.add_tags([red], [theirs, new])
    added = exiftool(sidecar)
    leaf = new.rsplit("|", 1)[-1]
    assert added["Subject"] == before["Subject"] + [leaf]  # theirs was there already: not added twice
    assert added["HierarchicalSubject"] == before["HierarchicalSubject"] + [new]

    tagger.remove_tags([red], [theirs, new])
    after = exiftool(sidecar)
    for field in ("Subject", "HierarchicalSubject", "TagsList", "LastKeywordXMP", "CatalogSets"):
        assert after.get(field) == before.get(field), field
    for prop in own_properties:
        assert after[prop] == before[prop], prop
    assert {k: v for k, v in after.items() if k != "XMPToolkit"} == {
        k: v for k, v in before.items() if k != "XMPToolkit"}  # nothing else lost or changed either
    assert sidecar.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in library.photos_root.iterdir() if "photoclip" in p.name] == []  # no temp file left


@needs_exiftool
def test_a_tag_the_sidecar_already_has_in_every_field_leaves_the_file_untouched(library):
    sidecar = library.photos_root / "red.jpg.xmp"
    sidecar.write_text(xmp_sidecars.DIGIKAM, encoding="utf-8")
    original = sidecar.read_bytes()
    tagger = library.tags
    tagger.set_xmp_writeback(True)
    red = photo_id(library, "red.jpg")
    tagger.add_tags([red], ["People|Bob"])  # dc:subject Bob, People|Bob, People/Bob: all there
    tagger.remove_tags([red], ["People|Bob"])
    assert sidecar.read_bytes() == original


@needs_exiftool
def test_a_keyword_another_program_removed_is_no_longer_photoclips(library):
    """The rule: a keyword is photoclip's from when photoclip adds it (it was not in the field) until it leaves
    the field. Once another program took it out, the same word put back there later is that program's."""
    sidecar = library.photos_root / "red.jpg.xmp"
    sidecar.write_text(xmp_sidecars.DARKTABLE, encoding="utf-8")
    tagger = library.tags
    tagger.set_xmp_writeback(True)
    red = photo_id(library, "red.jpg")
    tagger.add_tags([red], ["Sintra"])
    other_program(sidecar, "-XMP-dc:Subject-=Sintra")  # the user removes it in darktable ...
    tagger.remove_tags([red], ["Sintra"])  # ... and in photoclip: nothing of ours left in the file
    other_program(sidecar, "-XMP-dc:Subject+=Sintra")  # then adds it again in darktable
    tagger.add_tags([red], ["beach"])
    tagger.remove_tags([red], ["beach"])
    assert exiftool(sidecar)["Subject"] == ["Holiday", "beach", "darktable", "format", "nef", "places", "Sintra"]


@needs_exiftool
def test_a_keyword_photoclip_added_stays_photoclips_while_it_is_in_the_file(library):
    """The file cannot tell the same word from two programs apart: a tag the user also gives in another program
    after photoclip wrote it goes when the tag is removed in photoclip (docs/tagging.md says so)."""
    sidecar = library.photos_root / "red.jpg.xmp"
    tagger = library.tags
    tagger.set_xmp_writeback(True)
    red = photo_id(library, "red.jpg")
    tagger.add_tags([red], ["Sintra", "beach"])
    other_program(sidecar, "-XMP-dc:Subject-=Sintra", "-XMP-dc:Subject+=Sintra")  # digiKam: there already
    tagger.remove_tags([red], ["Sintra"])
    assert as_list(exiftool(sidecar)["Subject"]) == ["beach"]


NOT_XMP = {
    "cut short": xmp_sidecars.DIGIKAM.encode()[:-200],  # as a full disk leaves it
    "empty": b"",
    "XML, not XMP": b'<?xml version="1.0"?><html><body>sidecar</body></html>',
    "bad RDF": xmp_sidecars.DARKTABLE.replace("<rdf:Bag>", "text<rdf:Bag>", 1).encode(),
    "binary": bytes(range(256)) * 4,
}


@needs_exiftool
@pytest.mark.parametrize("content", NOT_XMP.values(), ids=NOT_XMP)
def test_an_invalid_sidecar_is_left_byte_identical_and_the_others_are_written(library, content):
    from photoclip.core.errors import SidecarsSkippedError

    broken = library.photos_root / "snow.png.xmp"
    broken.write_bytes(content)
    original, mtime = broken.read_bytes(), broken.stat().st_mtime_ns
    tagger = library.tags
    tagger.set_xmp_writeback(True)
    ids = [photo_id(library, n) for n in ("red.jpg", "snow.png", "sea.webp")]
    with pytest.raises(SidecarsSkippedError) as caught:
        tagger.add_tags(ids, ["Bob"])
    assert caught.value.user_message == (
        f"Tags are saved in the catalog, but the sidecar {broken} is not valid XMP; photoclip left it unchanged.")
    assert [s.path for s in caught.value.skipped] == [broken]
    assert (broken.read_bytes(), broken.stat().st_mtime_ns) == (original, mtime)
    assert as_list(exiftool(library.photos_root / "red.jpg.xmp")["Subject"]) == ["Bob"]
    assert as_list(exiftool(library.photos_root / "sea.webp.xmp")["Subject"]) == ["Bob"]
    assert {r.photo_id for r in tagger.photos_with("Bob")} == set(ids)

    reported = []
    library.tags.reporting(reported.append).remove_tags(ids, ["Bob"])  # reported, not raised
    assert [s.path for s in reported] == [broken] and broken.read_bytes() == original
    assert "Subject" not in exiftool(library.photos_root / "red.jpg.xmp")


def test_a_sidecar_that_is_not_a_regular_file_is_never_opened(library, tmp_path):
    import os

    from photoclip.core.errors import SidecarsSkippedError

    fifo = library.photos_root / "red.jpg.xmp"
    os.mkfifo(fifo)  # reading it would block forever
    tagger = library.tags
    tagger.set_xmp_writeback(True)
    with pytest.raises(SidecarsSkippedError, match="is not a regular file; photoclip left it unchanged"):
        tagger.add_tags([photo_id(library, "red.jpg")], ["Bob"])
    assert fifo.is_fifo()


def other_program(sidecar, *args: str) -> None:
    """exiftool stands in for digiKam or darktable editing the sidecar."""
    subprocess.run([EXIFTOOL, "-overwrite_original", *args, str(sidecar)], check=True, capture_output=True,
                   timeout=60)


@needs_exiftool
def test_write_all_removes_keywords_of_tags_removed_while_write_back_was_off(library):
    sidecar = library.photos_root / "red.jpg.xmp"
    sidecar.write_text(xmp_sidecars.DARKTABLE, encoding="utf-8")
    before = exiftool(sidecar)
    tagger = library.tags
    tagger.set_xmp_writeback(True)
    red = photo_id(library, "red.jpg")
    tagger.add_tags([red], ["Holiday", "Sintra"])
    tagger.set_xmp_writeback(False)
    tagger.remove_tags([red], ["Holiday", "Sintra"])  # the file is not touched while write-back is off
    assert "Sintra" in exiftool(sidecar)["Subject"]
    tagger.set_xmp_writeback(True)
    assert tagger.write_all_sidecars() == 1  # no accepted tag left, but a keyword of ours in the file
    assert exiftool(sidecar)["Subject"] == before["Subject"]
