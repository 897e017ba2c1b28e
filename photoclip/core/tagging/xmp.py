"""Accepted tags written to XMP sidecars, merged into what other programs already wrote there.

Naming: ``photo.jpg.xmp`` (digiKam's default, darktable's only form) unless the library chooses
``photo.xmp`` (Lightroom / Capture One / digiKam's "compatible" option); an existing sidecar of either name is
updated rather than a second one created. Keywords: ``dc:subject`` gets each tag's last level ("Beach"),
``lr:hierarchicalSubject`` the full path ("Places|Beach") for tags with a hierarchy — what digiKam and
Lightroom both read. Both are rdf:Bag as the XMP and Lightroom specifications say. A sidecar that already has
``digiKam:TagsList`` gets the tags there too ("Places/Beach").

Ownership: photoclip removes only keywords it added itself. The caller passes what photoclip added to this
sidecar before (``owned``, kept in the catalog) and stores what comes back. A keyword that was already in a
field when photoclip wanted it is someone else's and is never removed; one of ours that another program took
out is no longer ours.

pyexiv2 (bundled exiv2) parses and rewrites the packet in memory, which keeps every property of other
namespaces; the new bytes replace the file atomically. A sidecar that cannot be parsed is left byte-identical.
"""

from __future__ import annotations

import contextlib
import os
import re
import xml.parsers.expat
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers.expat import ExpatError

from photoclip.core.errors import SidecarSkipped, XmpError

APPEND, REPLACE = "append", "replace"  # photo.jpg.xmp | photo.xmp
SUBJECT, HIERARCHICAL = "Xmp.dc.subject", "Xmp.lr.hierarchicalSubject"
DIGIKAM = "Xmp.digiKam.TagsList"
FIELDS = (SUBJECT, HIERARCHICAL, DIGIKAM)
MAX_SIDECAR_BYTES = 64 * 1024 * 1024  # darktable sidecars with long mask histories reach a few MB

_EMPTY_PACKET = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""/>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"""


@dataclass(frozen=True)
class SidecarUpdate:
    path: Path
    owned: dict[str, list[str]]  # field -> keywords photoclip added that the sidecar holds now
    written: bool  # False: nothing to change, the file was not touched


def sidecar_path(photo: Path, naming: str = APPEND) -> Path:
    """The sidecar to write: an existing one of either naming wins, else the library's naming."""
    appended = photo.with_name(photo.name + ".xmp")
    replaced = photo.with_suffix(".xmp")
    for candidate in ((appended, replaced) if naming == APPEND else (replaced, appended)):
        if _is_file(candidate):
            return candidate
    return appended if naming == APPEND else replaced


def _is_file(path: Path) -> bool:
    """``Path.is_file`` that answers False where the name cannot exist: a 255-byte photo name plus ".xmp" is too
    long for the file system (pathlib raises ENAMETOOLONG, which would end a bulk write-back)."""
    try:
        return path.is_file()
    except OSError:
        return False


def keywords(tags: list[str]) -> tuple[list[str], list[str]]:
    """(dc:subject values, lr:hierarchicalSubject values) for tag names like 'Places|Beach'."""
    subject = [t.rsplit("|", 1)[-1] for t in tags]
    hierarchical = [t for t in tags if "|" in t]
    return subject, hierarchical


def update_sidecar(photo: Path, tags: list[str], owned: dict[str, list[str]] | None = None,
                   naming: str = APPEND) -> SidecarUpdate:
    """Bring the photo's sidecar in line with its accepted ``tags``: add the keywords they need, remove the
    ones photoclip added (``owned``) that no tag needs any more. Creates the sidecar only to add something.
    Raises ``SidecarSkipped`` (file unchanged) when it cannot be read, parsed or written."""
    pyexiv2 = _pyexiv2()
    path = sidecar_path(photo, naming)
    original = _read(path)
    try:
        if original is not None:
            _check_well_formed(original)
        image = pyexiv2.ImageData(original if original is not None else _EMPTY_PACKET.encode())
    except (ExpatError, RuntimeError, ValueError) as exc:  # exiv2: "XMP Toolkit error 201", "unknown image type"
        raise _not_xmp(path) from exc
    try:
        current = image.read_xmp()
        changes, now_owned = _plan(current, tags, owned or {})
        if not changes:
            return SidecarUpdate(path, now_owned, written=False)
        data = _rewritten(image, changes)
    except (RuntimeError, ValueError) as exc:
        raise _not_xmp(path) from exc
    finally:
        image.close()
    expected = {k: v for k, v in {**current, **changes}.items() if v is not None}
    if _properties(pyexiv2, data) != expected:  # never write a packet that lost or changed anything else
        raise SidecarSkipped(path, f"photoclip could not update the sidecar {path} without changing what other "
                                   "programs wrote there; it left it unchanged.")
    _replace(path, data)
    return SidecarUpdate(path, now_owned, written=True)


def _rewritten(image, changes: dict[str, Any]) -> bytes:
    """The packet with ``changes`` applied, as bytes."""
    _forget_mirrors(image)
    image.modify_xmp(changes)
    if not image.read_xmp():  # nothing left: exiv2 would keep the old bytes rather than write an empty packet
        return _EMPTY_PACKET.encode()
    # exiv2 writes every array as rdf:Seq; the specs (and Lightroom) use rdf:Bag for these two
    raw = image.read_raw_xmp()
    fixed = _as_bag(raw, ("dc:subject", "lr:hierarchicalSubject"))
    if fixed != raw:
        _forget_mirrors(image)
        image.modify_raw_xmp(fixed)
    return image.get_bytes()


def _properties(pyexiv2, data: bytes) -> dict[str, Any] | None:
    try:
        with pyexiv2.ImageData(data) as image:
            return image.read_xmp()
    except (RuntimeError, ValueError):
        return None


def _plan(current: dict[str, Any], tags: list[str], owned: dict[str, list[str]]) -> tuple[dict, dict[str, list[str]]]:
    """(pyexiv2 changes, keywords photoclip owns afterwards) per field."""
    subject, hierarchical = keywords(list(tags))
    wanted = {SUBJECT: subject, HIERARCHICAL: hierarchical}
    if DIGIKAM in current:  # digiKam reads its own list first when it is there, so ours must be in it too
        wanted[DIGIKAM] = [t.replace("|", "/") for t in tags]
    changes: dict[str, Any] = {}
    now_owned: dict[str, list[str]] = {}
    for field in FIELDS:
        before = _as_list(current.get(field))
        want = list(dict.fromkeys(wanted.get(field, ())))
        mine = [v for v in owned.get(field, ()) if v in before]  # ours unless another program took it out
        after = [v for v in before if v in want or v not in mine]
        added = [v for v in want if v not in after]
        after += added
        if after != before:
            changes[field] = after or None  # None deletes the property
        if kept := [v for v in mine if v in after] + added:
            now_owned[field] = kept
    return changes, now_owned


def _forget_mirrors(image) -> None:
    """Drop the Exif and IPTC values exiv2 derives from a sidecar's XMP when it reads it (dc:subject ->
    Iptc.Application2.Keywords, xmp:Rating -> Exif.Image.Rating, ...). It copies them back into the XMP when it
    writes, which would restore a property we delete (the last keyword of dc:subject) and re-format others."""
    image.clear_exif()
    image.clear_iptc()


def _not_xmp(path: Path) -> SidecarSkipped:
    return SidecarSkipped(path, f"The sidecar {path} is not valid XMP; photoclip left it unchanged.",
                          "Repair or delete it in the program that wrote it.")


def _check_well_formed(data: bytes) -> None:
    """Raise ExpatError unless ``data`` is well-formed XML. exiv2 reports a packet it cannot parse only through
    its log handler; should that ever be muted, it would hand back an empty packet that we would then write
    over the file. This check does not depend on it."""
    xml.parsers.expat.ParserCreate().Parse(data, True)


def _read(path: Path) -> bytes | None:
    """The sidecar's bytes; None when there is none yet."""
    try:
        if not os.path.lexists(path):
            return None
        if not path.is_file():  # a folder, a FIFO, a dangling link: never opened, never replaced
            raise SidecarSkipped(path, f"The sidecar {path} is not a regular file; photoclip left it unchanged.")
        size = path.stat().st_size
        if size > MAX_SIDECAR_BYTES:
            raise SidecarSkipped(path, f"The sidecar {path} is {size / 2**20:.0f} MB, too large for an XMP "
                                       "sidecar; photoclip left it unchanged.")
        return path.read_bytes()
    except OSError as exc:
        raise SidecarSkipped(path, f"photoclip could not read the sidecar {path} ({exc.strerror or exc}); "
                                   "it is unchanged.", "Check that the file is readable.") from exc


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over: a crash leaves the old sidecar
    or the new one, never half of one. Keeps the old file's permissions; follows a symbolic link."""
    temp = None
    try:  # is_symlink too: a 255-byte photo name + ".xmp" is too long for the file system (ENAMETOOLONG)
        target = path.resolve() if path.is_symlink() else path
        temp = target.with_name(f".{target.name}.photoclip-{os.getpid()}.tmp")
        mode = target.stat().st_mode & 0o7777 if target.exists() else None
        # 0o666: the umask applies, as for any new file
        with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666), "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise SidecarSkipped(path, f"photoclip could not write the sidecar {path} ({exc.strerror or exc}); "
                                   "it is unchanged.", "Check that the folder is writable.") from exc


def read_keywords(photo: Path, naming: str = APPEND) -> tuple[list[str], list[str]]:
    """(dc:subject, lr:hierarchicalSubject) of the photo's sidecar; empty lists when there is none."""
    path = sidecar_path(photo, naming)
    if not _is_file(path):
        return [], []
    with _pyexiv2().ImageData(path.read_bytes()) as image:
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
    # errors only: exiv2 would print "[warn] Failed to decode XMP metadata" itself. Not 4 (mute): pyexiv2 turns
    # exiv2's error messages into the exceptions that tell us a packet could not be parsed
    pyexiv2.set_log_level(3)
    return pyexiv2


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _as_bag(packet: str, properties: tuple[str, ...]) -> str:
    for prop in properties:
        packet = re.sub(
            rf"(<{re.escape(prop)}>\s*<)rdf:Seq>(.*?</)rdf:Seq>(\s*</{re.escape(prop)}>)",
            r"\1rdf:Bag>\2rdf:Bag>\3", packet, flags=re.S,
        )
    return packet
