"""Photos whose file names are hard for text: what old cameras, Windows shares and zip archives produce.

Each name is given as the exact bytes the file system holds; ``write_odd_photos`` returns colour → the ``str``
Python uses for the path (``os.fsdecode``, with surrogates for bytes that are not UTF-8).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.library_fixtures import write_photo

#: the longest name Linux allows (NAME_MAX): 255 bytes
LONGEST = b"g" * (255 - len(b".jpg")) + b".jpg"

ODD_NAMES: dict[str, bytes] = {
    "red": b"caf\xe9 au lait.jpg",  # Latin-1 "é": not UTF-8
    "blue": b"first line\nsecond line.png",  # a newline
    "green": LONGEST,
    "yellow": "\u00e9t\u00e9.jpg".encode(),  # "été" composed (NFC)
    "purple": "e\u0301te\u0301.jpg".encode(),  # "été" decomposed (NFD): another file, the same to the eye
    "orange": b"Ferien \xe0 Roma/sunset.jpg",  # a folder whose name is Latin-1
}


def exact(folder: Path, name: bytes) -> str:
    return os.fsdecode(os.path.join(os.fsencode(folder), name))


def write_odd_photos(folder: Path) -> dict[str, str]:
    """One photo of each colour under its odd name; colour → path as Python holds it."""
    paths = {}
    for colour, name in ODD_NAMES.items():
        path = exact(folder, name)
        write_photo(Path(path), colour)
        paths[colour] = path
    return paths


#: The real ``photoclip`` entry point with the colour test embedder injected (no CLIP model on test machines):
#: ``python -c COLOR_CLI index …``. Arguments may be bytes, as a shell passes a name that is not UTF-8.
COLOR_CLI = """
import sys
from photoclip.cli.main import main
from photoclip.core.library import Library
from tests.support.color_embedder import ColorEmbedder

real_open = Library.open.__func__
Library.open = classmethod(lambda cls, settings=None, embedder=None: real_open(cls, settings, embedder=ColorEmbedder()))
sys.exit(main(sys.argv[1:]))
"""
