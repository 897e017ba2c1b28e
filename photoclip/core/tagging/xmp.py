"""Accepted tags written to XMP sidecars, merged into what other programs already wrote there.

Naming: ``photo.jpg.xmp`` (digiKam's default, darktable's only form) unless the library chooses
``photo.xmp`` (Lightroom / Capture One / digiKam's "compatible" option); an existing sidecar of either name is
updated rather than a second one created. Keywords: ``dc:subject`` gets each tag's last level ("Beach"),
``lr:hierarchicalSubject`` the full path ("Places|Beach") for tags with a hierarchy — what digiKam and
Lightroom both read. Both are rdf:Bag as the XMP and Lightroom specifications say.

pyexiv2 (bundled exiv2) parses and rewrites the packet, which keeps every property of other namespaces;
we only add our keywords to the two arrays (or remove ones the user un-accepted) and never clear them.
"""

from __future__ import annotations

import re
from pathlib import Path

from photoclip.core.errors import XmpError

APPEND, REPLACE = "append", "replace"  # photo.jpg.xmp | photo.xmp
SUBJECT, HIERARCHICAL = "Xmp.dc.subject", "Xmp.lr.hierarchicalSubject"
DIGIKAM = "Xmp.digiKam.TagsList"

_EMPTY_PACKET = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""/>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"""


def sidecar_path(photo: Path, naming: str = APPEND) -> Path:
    """The sidecar to write: an existing one of either naming wins, else the library's naming."""
    appended = photo.with_name(photo.name + ".xmp")
    replaced = photo.with_suffix(".xmp")
    for candidate in ((appended, replaced) if naming == APPEND else (replaced, appended)):
        if candidate.is_file():
            return candidate
    return appended if naming == APPEND else replaced


def keywords(tags: list[str]) -> tuple[list[str], list[str]]:
    """(dc:subject values, lr:hierarchicalSubject values) for tag names like 'Places|Beach'."""
    subject = [t.rsplit("|", 1)[-1] for t in tags]
    hierarchical = [t for t in tags if "|" in t]
    return subject, hierarchical


def update_sidecar(photo: Path, add: list[str], remove: list[str] = (), naming: str = APPEND) -> Path:
    """Add tags to (and remove tags from) the photo's sidecar, creating it if needed. Returns its path."""
    pyexiv2 = _pyexiv2()
    path = sidecar_path(photo, naming)
    try:
        if not path.exists():
            path.write_text(_EMPTY_PACKET, encoding="utf-8")
        with pyexiv2.Image(str(path)) as image:
            current = image.read_xmp()
            subject = _as_list(current.get(SUBJECT))
            hierarchical = _as_list(current.get(HIERARCHICAL))
            add_subject, add_hier = keywords(list(add))
            remove_subject, remove_hier = keywords(list(remove))
            # a leaf another accepted tag still needs stays ("Beach" from both "Places|Beach" and "Beach")
            remove_subject = [s for s in remove_subject if s not in add_subject]
            subject = _merged(subject, add_subject, remove_subject)
            hierarchical = _merged(hierarchical, add_hier, remove_hier)
            changes = {SUBJECT: subject or None, HIERARCHICAL: hierarchical or None}
            if DIGIKAM in current:
                # digiKam reads its own list first when it is there, so ours must be in it too ('/' levels)
                changes[DIGIKAM] = _merged(_as_list(current[DIGIKAM]), [t.replace("|", "/") for t in add],
                                           [t.replace("|", "/") for t in remove]) or None
            image.modify_xmp(changes)
            # exiv2 writes every array as rdf:Seq; the specs (and Lightroom) use rdf:Bag for these two
            raw = image.read_raw_xmp()
            fixed = _as_bag(raw, ("dc:subject", "lr:hierarchicalSubject"))
            if fixed != raw:
                image.modify_raw_xmp(fixed)
    except (OSError, RuntimeError, ValueError) as exc:
        raise XmpError(f"Cannot write the XMP sidecar {path}: {exc}.", "Check that the folder is writable.") from exc
    return path


def read_keywords(photo: Path, naming: str = APPEND) -> tuple[list[str], list[str]]:
    """(dc:subject, lr:hierarchicalSubject) of the photo's sidecar; empty lists when there is none."""
    path = sidecar_path(photo, naming)
    if not path.is_file():
        return [], []
    with _pyexiv2().Image(str(path)) as image:
        current = image.read_xmp()
    return _as_list(current.get(SUBJECT)), _as_list(current.get(HIERARCHICAL))


def available() -> bool:
    try:
        _pyexiv2()
    except XmpError:
        return False
    return True


def _pyexiv2():
    try:
        import pyexiv2
    except ImportError as exc:
        hint = "Install it with 'pip install pyexiv2'."
        raise XmpError("Writing XMP sidecars needs the pyexiv2 package.", hint) from exc
    return pyexiv2


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _merged(current: list[str], add: list[str], remove: list[str]) -> list[str]:
    out = [v for v in current if v not in remove]
    out += [v for v in dict.fromkeys(add) if v not in out]
    return out


def _as_bag(packet: str, properties: tuple[str, ...]) -> str:
    for prop in properties:
        packet = re.sub(
            rf"(<{re.escape(prop)}>\s*<)rdf:Seq>(.*?</)rdf:Seq>(\s*</{re.escape(prop)}>)",
            r"\1rdf:Bag>\2rdf:Bag>\3", packet, flags=re.S,
        )
    return packet
