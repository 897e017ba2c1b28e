"""``photoclip watch``: keep folders indexed as photos arrive, change, move or go, in the foreground with a live
status line (cli/watch_status.py); Ctrl-C stops cleanly (queued files wait for next time)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from photoclip.cli.runtime import EXIT_OK

if TYPE_CHECKING:
    from photoclip.core.settings import Settings

COMMANDS = ("watch",)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("watch", help="keep folders indexed as photos arrive, change, move or go (Ctrl-C stops)")
    p.add_argument("paths", nargs="*", type=Path, help="folders (default: every folder already in the library)")
    p.add_argument("--poll", action="append", type=Path, default=[], metavar="PATH",
                   help="always poll this folder (remembered); for shares whose changes inotify cannot see")
    p.add_argument("--native", action="append", type=Path, default=[], metavar="PATH",
                   help="always use the system's change events for this folder (remembered)")
    p.add_argument("--settle", type=float, default=1.5, help="seconds a file must stay unchanged (default 1.5)")
    p.add_argument("--poll-interval", type=float, default=5.0, help="seconds between polls (default 5)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.cli.watch_status import WatchLine
    from photoclip.core.errors import FolderNotFoundError
    from photoclip.core.library import Library
    from photoclip.core.scan.watcher import WatchOptions

    with Library.open(settings) as library:
        chosen = [library.add_folder(p).path for p in args.paths]
        overrides = [library.add_folder(p).path for p in [*args.poll, *args.native]]
        paths = [*chosen, *overrides] if chosen else None  # --poll/--native alone keep watching everything
        if not library.folders():
            raise FolderNotFoundError("There are no folders to watch.", "Name one: photoclip watch ~/Pictures")
        watcher = library.watcher(paths, WatchOptions(settle=args.settle, poll_interval=args.poll_interval))
        for path, mode in [*((p, "poll") for p in args.poll), *((p, "native") for p in args.native)]:
            watcher.set_mode(path, mode)
        line = WatchLine(sys.stderr)
        library.events.subscribe(line)
        watcher.start()
        try:
            while watcher.running:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            watcher.stop()
            line.close()
        if watcher.error is not None:
            raise watcher.error
    return EXIT_OK
