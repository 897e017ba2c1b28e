"""Accepted tags written to XMP sidecars, read back by an independent reader (exiftool), merged with what
other programs wrote."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from photoclip.core.tagging import Label, Tagger
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
    return library.catalog.photo_by_path(str(library.photos_root / name)).id


def test_write_back_is_off_by_default(library):
    tagger = Tagger(library)
    tagger.suggest([Label("Colours|Red", prompts=("red",))])
    tagger.accept_all()
    assert not list(library.photos_root.glob("*.xmp"))


@needs_exiftool
def test_accepted_tags_land_in_a_new_sidecar(library):
    tagger = Tagger(library)
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
    tagger = Tagger(library)
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
    tagger = Tagger(library)
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

    tagger = Tagger(library)
    tagger.set_xmp_writeback(True)
    (library.photos_root / "sea.webp.xmp").mkdir()  # a folder where the sidecar should be: cannot be written
    tagger.suggest(["red", "blue"])  # "blue" (the failing one) comes first in the queue
    with pytest.raises(XmpError, match="saved in the catalog"):
        tagger.accept_all()
    assert {r.tag for r in tagger.store.rows(states=("accepted",))} == {"red", "blue"}
    assert (library.photos_root / "red.jpg.xmp").is_file()  # the other tag was still written
