"""``photoclip index``: add folders and index their photos, with a progress bar on a terminal; Ctrl-C cancels
cleanly. The core is imported inside the command so building the parser stays cheap."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from photoclip.cli.arguments import emit_json
from photoclip.cli.progress import TerminalProgress
from photoclip.cli.runtime import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, run_in_thread
from photoclip.core.filenames import display
from photoclip.formatting import count

if TYPE_CHECKING:
    from photoclip.core.library import Library
    from photoclip.core.records import FolderPlacement, IndexSummary
    from photoclip.core.settings import Settings

COMMANDS = ("index",)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="add folders and index their photos")
    p.add_argument("paths", nargs="*", type=Path, help="folders (default: every folder already in the library)")
    p.add_argument("--json", action="store_true", help="print one JSON object with the counts")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.library import Library

    with Library.open(settings) as library:
        for placement in [library.place_folder(p) for p in args.paths or []]:
            tell_placed(placement)
        summary, failures = index_with_progress(library, args.paths or None, quiet=args.json)
    if args.json:
        emit_json(summary.as_dict())
    else:
        print_summary(summary, failures if not summary.model_missing else [], sys.stdout)
    if summary.cancelled:
        return EXIT_INTERRUPTED
    if summary.model_missing:
        tell_model_missing(summary)
        return EXIT_ERROR
    return EXIT_OK


def tell_model_missing(summary: IndexSummary) -> None:
    """Catalogued, not searchable: one line on stderr (with the error code: the contract)."""
    skipped = f", {summary.failed} skipped: 'photoclip status' says why" if summary.failed else ""
    print(f"photoclip: photos catalogued without a model ({count(summary.catalogued, 'photo')} read now{skipped}; "
          f"dates and thumbnails, shown by date in the app); search needs the model. {summary.model_missing}",
          file=sys.stderr)


def tell_placed(placement: FolderPlacement) -> None:
    """Library folders never nest: say so when a folder named is inside one, or took some in (stderr: stdout
    stays the result)."""
    if placement.outcome == "inside":
        print(f"{display(placement.path)} is inside the library folder {display(placement.root.path)}: "
              "indexing it as part of that folder.", file=sys.stderr)
    for folded in placement.folded:
        print(f"{display(folded)} is now a sub-folder of the library folder {display(placement.root.path)} "
              "(its photos, tags and albums kept).", file=sys.stderr)


def index_with_progress(library: Library, paths: list | None, quiet: bool) -> tuple[IndexSummary, list]:
    """Index ``paths`` (None: every folder) with a progress bar on a terminal (none when ``quiet``); Ctrl-C
    cancels cleanly. Returns the summary and the files skipped."""
    from photoclip.core.control import JobControl

    progress = TerminalProgress(enabled=False if quiet else None, notices=not quiet)
    control = JobControl()
    library.optimise_in_background = True  # a first run indexes at once; this command waits for it at the end
    library.events.subscribe(progress)
    try:
        summary = run_in_thread(lambda: library.index_folders(paths, control), control.cancel)
    finally:
        progress.close()
    if library.optimising and not summary.cancelled:
        _finish_optimising(library, quiet)
    return summary, progress.failures


def _finish_optimising(library: Library, quiet: bool) -> None:
    """The photos are indexed (on torch) and searchable; OpenVINO's conversion and int8 calibration, started
    beside them in a child process, is finished so that the next run (and the next cold search, which needs
    its text tower) starts on it: a command that returns with work still running behind it would surprise.
    The torch model is set aside meanwhile (the child holds the memory). Ctrl-C leaves it for the next run."""
    if not quiet:
        print("Photos indexed. Finishing the model's optimisation for this computer (once; Ctrl-C leaves it for "
              "next time)…", file=sys.stderr, flush=True)
    try:
        while not library.finish_optimising(timeout=0.2, idle=True):
            pass
    except KeyboardInterrupt:
        return
    if library.optimise_error is not None:
        print(f"photoclip: optimising the model for this computer failed ({library.optimise_error}); the photos "
              "are indexed and searchable, on torch. The next run tries again.", file=sys.stderr)


def print_summary(summary: IndexSummary, failures: list, stream: TextIO) -> None:
    print(
        f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged, {summary.moved} moved, "
        f"{summary.removed} removed, {summary.failed} failed ({summary.embedded} embedded in "
        f"{summary.seconds:.1f} s)", file=stream
    )
    for folder in summary.offline_folders:
        print(f"offline (kept, not rescanned): {display(folder)}", file=stream)
    for failure in failures:
        print(f"skipped {display(failure.path)}: {failure.reason}", file=sys.stderr)
