"""``photoclip cleanup``: reclaim space (vectors of photos deleted long ago, data of models no longer used).

No confirmation prompt, like every photoclip command: ``--dry-run`` shows what would go. Old models' data is
removed only with ``--old-models`` (switching back would re-embed every photo). The core is imported inside
the command so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from photoclip.cli.runtime import EXIT_OK
from photoclip.formatting import file_size

if TYPE_CHECKING:
    from photoclip.core.library import Library
    from photoclip.core.reclaim import ReclaimReport, ReclaimResult
    from photoclip.core.settings import Settings

COMMANDS = ("cleanup",)
# the core's grace period, repeated so building the parser does not import the catalog and numpy (a test checks
# they agree)
GRACE_DAYS = 30


def open_library(settings: Settings) -> Library:
    """How the command opens the library; tests replace it to inject a test embedder."""
    from photoclip.core.library import Library

    return Library.open(settings)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cleanup", help="reclaim space: vectors of photos deleted long ago, old models' data")
    p.add_argument("--dry-run", action="store_true", help="show what would be freed; change nothing")
    p.add_argument("--older-than", type=float, default=GRACE_DAYS, metavar="DAYS",
                   help=f"only vectors whose photos went this many days ago (default {GRACE_DAYS}; 0 = all)")
    p.add_argument("--now", dest="older_than", action="store_const", const=0.0,
                   help="same as --older-than 0: do not wait for the grace period")
    p.add_argument("--old-models", action="store_true",
                   help="also remove everything of models other than the one in use (vectors, index, caches)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.older_than < 0:
        from photoclip.core.errors import PhotoclipError

        raise PhotoclipError("--older-than needs a number of days, 0 or more.", "Example: --older-than 7")
    with open_library(settings) as library:
        report = library.reclaimable(args.older_than)
        result = None if args.dry_run else _run(library, args)
    if args.json:
        out = {"dry_run": args.dry_run, "report": report.as_dict(),
               "would_free_bytes": would_free(report, args.old_models)}
        if result is not None:
            out["result"] = result.as_dict()
        print(json.dumps(out, ensure_ascii=False))
        return EXIT_OK
    for line in describe(report, args.old_models):
        print(line)
    if result is None:
        print(f"Dry run: nothing changed; about {file_size(would_free(report, args.old_models))} would be freed.")
    else:
        print(summary(result))
    return EXIT_OK


def _run(library: Library, args: argparse.Namespace) -> ReclaimResult:
    bar = _ReclaimBar(enabled=not args.json and sys.stderr.isatty())
    unsubscribe = library.events.subscribe(bar)
    try:
        return library.reclaim(args.older_than, old_models=args.old_models)
    finally:
        unsubscribe()
        bar.close()


def would_free(report: ReclaimReport, old_models: bool) -> int:
    return report.due_orphan_bytes + report.repack_bytes + (report.old_model_bytes if old_models else 0)


def describe(report: ReclaimReport, old_models: bool) -> list[str]:
    """What can be reclaimed, in words (also the 'Reclaimable' lines of ``photoclip status``)."""
    waiting = report.orphans - report.due_orphans
    lines = [
        f"Vectors of deleted photos: {report.due_orphans} older than {report.grace_days:g} days "
        f"({file_size(report.due_orphan_bytes)})"
        + (f", {waiting} kept until their grace period ends" if waiting else "")
    ]
    for model in report.old_models:
        what = f"{model.vectors} vectors, {model.text_vectors} text vectors, {len(model.files)} files"
        note = "" if old_models else " (--old-models removes it)"
        lines.append(f"Old model {model.model_id}: {what}, {file_size(model.bytes)}{note}")
    if report.repack_bytes:
        lines.append(f"Catalog with small pages: rewriting it with larger ones frees about "
                     f"{file_size(report.repack_bytes)} (needs photoclip closed elsewhere)")
    return lines


def summary(result: ReclaimResult) -> str:
    parts = [f"{result.orphans_removed} orphan vectors"]
    if result.models_removed:
        parts.append(f"{len(result.models_removed)} old models ({result.model_vectors_removed} vectors)")
    if result.repacked:
        parts.append("rewrote the catalog with larger pages")
    text = (f"Removed {', '.join(parts)}. Freed {file_size(result.bytes_freed)} (catalog "
            f"{file_size(result.catalog_bytes_before)} → {file_size(result.catalog_bytes_after)}, files "
            f"{file_size(result.file_bytes_freed)}) in {result.seconds:.1f} s.")
    if result.repack_pending:
        text += (" The catalog still has small pages: it was open elsewhere (the photoclip window, a watcher);"
                 " close it and run cleanup again to rewrite it.")
    return text


class _ReclaimBar:
    """One tqdm bar per stage on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar = None
        self._stage = ""

    def __call__(self, event) -> None:
        from photoclip.core.events import ReclaimProgress

        if not self.enabled or not isinstance(event, ReclaimProgress):
            return
        if event.stage != self._stage:
            self.close()
            from tqdm import tqdm

            self._stage = event.stage
            self._bar = tqdm(total=event.total, desc=event.stage, file=sys.stderr, leave=False)
        self._bar.total = event.total
        self._bar.n = event.done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
