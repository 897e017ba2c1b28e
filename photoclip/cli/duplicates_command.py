"""``photoclip duplicates``: near-duplicate groups (bursts, re-saves, resized or edited copies, exact copies)
from the stored vectors, and on request the photos not kept moved to the system trash.

Listing never touches a file. ``--trash`` is the one way this command changes anything: it asks first on a
terminal and needs ``--yes`` anywhere else (a script must say so). The core is imported inside the command so
building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TYPE_CHECKING

from photoclip.cli.runtime import EXIT_ERROR, EXIT_OK
from photoclip.core.errors import DuplicatesError
from photoclip.core.filenames import display, json_safe
from photoclip.formatting import count, file_size

if TYPE_CHECKING:
    from photoclip.core.duplicates import DuplicateGroup, DuplicatePhoto, TrashResult
    from photoclip.core.library import Library
    from photoclip.core.settings import Settings

COMMANDS = ("duplicates",)
EXIT_DECLINED = EXIT_ERROR  # the user answered no to --trash
# the core's constants, repeated so building the parser does not import numpy (a test checks they agree)
DEFAULT_THRESHOLD, MIN_THRESHOLD = 0.95, 0.85
KEEP_RULES = ("largest", "sharpest", "oldest")


def open_library(settings: Settings) -> Library:
    """How the command opens the library; tests replace it to inject a test embedder."""
    from photoclip.core.library import Library

    return Library.open(settings)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("duplicates", help="near-duplicate groups (bursts, copies, edits); --trash moves the extras")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, metavar="T",
                   help=f"similarity ({MIN_THRESHOLD:g}-1) two photos need to be grouped (default "
                        f"{DEFAULT_THRESHOLD:g}; 1 = identical only)")
    p.add_argument("--keep", choices=KEEP_RULES, default="largest",
                   help="which photo of a group to keep: most pixels (default), sharpest, or taken first")
    p.add_argument("--trash", action="store_true",
                   help="move every photo not kept to the system trash; the keeper gets their tags and albums")
    p.add_argument("--yes", "-y", action="store_true", help="with --trash: do not ask first")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.duplicates import KeepChoice, Sharpness
    from photoclip.core.duplicates.finder import check_threshold

    check_threshold(args.threshold)
    with open_library(settings) as library:
        groups = library.find_duplicates().groups(args.threshold)
        sharpness = Sharpness(library.thumbnails)
        keepers = [g.keeper(args.keep, sharpness) for g in groups]
        choices = [KeepChoice(k, tuple(g.others(k))) for g, k in zip(groups, keepers, strict=True)]
        extras = sum(len(c.others) for c in choices)
        result = None
        if args.trash and extras:
            if not (args.yes or _confirmed(extras, args.keep)):
                print("Nothing was moved.", file=sys.stderr)
                return EXIT_DECLINED
            result = library.trash_duplicates(choices)
    if args.json:
        out = {"threshold": args.threshold, "keep": args.keep,
               "groups": [g.as_dict(k) for g, k in zip(groups, keepers, strict=True)],
               "trash": result.as_dict() if result is not None else None}
        print(json.dumps(json_safe(out), ensure_ascii=False))
        return EXIT_OK
    for number, (group, keeper) in enumerate(zip(groups, keepers, strict=True), 1):
        _print_group(number, group, keeper)
    if not groups:
        print(f"No near-duplicates at similarity {args.threshold:g}.")
    elif result is None:
        print(f"{count(len(groups), 'group')}, {count(extras, 'photo')} not kept (keeping the {args.keep} of "
              f"each). Nothing was moved; --trash moves them to the system trash.")
    else:
        _print_result(result)
    return EXIT_OK


def _confirmed(extras: int, rule: str) -> bool:
    if not sys.stdin.isatty():
        raise DuplicatesError(f"--trash would move {count(extras, 'photo')} to the trash.",
                              "Add --yes to do it without being asked (nothing was moved).")
    answer = input(f"Move {count(extras, 'photo')} to the system trash, keeping the {rule} of each group? "
                   "Keepers get their tags and albums. [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _print_group(number: int, group: DuplicateGroup, keeper: DuplicatePhoto) -> None:
    # rounded down: "≥ 1.000" would claim identical vectors
    kind = "exact copies" if group.exact else f"similarity ≥ {math.floor(group.similarity * 1000) / 1000:.3f}"
    print(f"Group {number}: {count(len(group.photos), 'photo')}, {kind}")
    for photo in group.photos:
        mark = "keep" if photo.photo_id == keeper.photo_id else "    "
        size = f"{photo.width}×{photo.height}" if photo.width else "?"
        copy = "  (identical copy)" if group.copies_of(photo) and not group.exact else ""
        print(f"  {mark}  {display(photo.path)}  {size}  {file_size(photo.size)}  {photo.taken.replace('T', ' ')}"
              f"{copy}")


def _print_result(result: TrashResult) -> None:
    print(f"Moved {count(len(result.trashed), 'photo')} to the trash"
          + (f" (and {count(len(result.sidecars), 'sidecar')})" if result.sidecars else "")
          + f"; keepers got {count(len(result.tags_carried), 'tag')} and "
            f"{count(len(result.albums_carried), 'album membership')}.")
    for path, reason in result.skipped:
        print(f"left {display(path)}: {reason}", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {display(warning)}", file=sys.stderr)
