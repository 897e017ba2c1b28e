"""``photoclip list``: the library by date, newest first (EXIF date taken, else the file's time), as the app's
grid shows it with nothing searched. Reads the catalog only: never loads the model. Pages of the catalog are
read one after another (keyset pagination), so 100k photos stream without a sort or a big read."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from photoclip.cli.arguments import iso_date
from photoclip.cli.runtime import EXIT_OK

if TYPE_CHECKING:
    from photoclip.core.library import Library
    from photoclip.core.settings import Settings

COMMANDS = ("list",)
#: photos read from the catalog at a time
PAGE = 1000


def open_library(settings: Settings) -> Library:
    """How the command opens the library; tests may replace it."""
    from photoclip.core.library import Library

    return Library.open(settings)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list the library by date taken, newest first (no model needed)")
    p.add_argument("--folder", type=Path, help="only photos under this folder")
    p.add_argument("--album", help="only the photos of this album")
    p.add_argument("--from", dest="date_from", type=iso_date, help="taken on or after (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", type=iso_date, help="taken on or before (YYYY-MM-DD)")
    p.add_argument("--limit", "-k", type=int, default=None, help="at most this many photos (default: all)")
    p.add_argument("--json", action="store_true",
                   help='print [{"id", "path", "taken", "date_source", "width", "height", "camera", "status"}, ...]')


def run(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.errors import PhotoclipError
    from photoclip.core.filenames import display, json_safe
    from photoclip.core.search import Filters

    if args.limit is not None and args.limit < 1:
        raise PhotoclipError("--limit needs a number of photos, 1 or more.", "Leave it out to list them all.")
    folder = str(args.folder.expanduser().resolve()) if args.folder else None
    filters = Filters(folder=folder, date_from=args.date_from, date_to=args.date_to, album=args.album)
    listed = 0
    first = True
    with open_library(settings) as library:
        if args.json:
            sys.stdout.write("[")
        for item in _photos(library, filters, args.limit):
            listed += 1
            if args.json:  # one entry at a time: 100k photos never sit in memory as one JSON text
                sys.stdout.write(("" if first else ", ") + json.dumps(json_safe(item.as_dict()), ensure_ascii=False))
                first = False
            else:
                source = "" if item.date_source == "exif" else "  (file date)"
                print(f"{item.taken.replace('T', ' ')}  {display(item.photo.path)}{source}")
        if args.json:
            print("]")
    if not listed and not args.json:
        print("No photos.", file=sys.stderr)
    return EXIT_OK


def _photos(library: Library, filters, limit: int | None):
    after = None
    left = limit
    while True:
        page = library.browse(filters, after, PAGE if left is None else min(PAGE, left))
        yield from page.photos
        if left is not None:
            left -= len(page.photos)
        if page.next is None or left == 0:
            return
        after = page.next
