"""``photoclip remove``: forget a library folder (its files are not touched)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from photoclip.cli.runtime import EXIT_OK
from photoclip.core.filenames import display

if TYPE_CHECKING:
    from photoclip.core.settings import Settings

COMMANDS = ("remove",)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("remove", help="remove a folder from the library (files are not touched)")
    p.add_argument("path", type=Path)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.library import Library

    with Library.open(settings) as library:
        removed = library.remove_folder(args.path)
    print(f"Removed {display(args.path)} from the library ({removed} photos forgotten; files untouched).")
    return EXIT_OK
