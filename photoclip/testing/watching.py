"""Helpers for the folder-watcher tests: unique small photos, waiting, and a watcher child process.

Run as ``python -m photoclip.testing.watching DATA_ROOT FOLDER [options]`` it watches FOLDER in a library under
DATA_ROOT and prints one JSON line per watcher warning, plus ``READY`` once it is watching.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from photoclip.testing.color_embedder import PALETTE

COLOURS = list(PALETTE)


def photo_bytes(i: int, size: tuple[int, int] = (64, 48), fmt: str = "PNG") -> bytes:
    """A small photo with content unique to ``i`` (its colour plus i written into the first pixels)."""
    image = Image.new("RGB", size, PALETTE[COLOURS[i % len(COLOURS)]])
    for k, byte in enumerate(i.to_bytes(4, "big")):
        image.putpixel((k, 0), (byte, 255 - byte, byte))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def make_sources(folder: Path, count: int, start: int = 0) -> list[Path]:
    """``count`` unique PNGs in a folder outside the library, to be copied in."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + count):
        path = folder / f"IMG_{i:05}.png"
        path.write_bytes(photo_bytes(i))
        paths.append(path)
    return paths


def copy_in(sources: list[Path], target: Path) -> None:
    """Copy files in the way ``cp`` does (created, written, closed), as fast as possible."""
    target.mkdir(parents=True, exist_ok=True)
    for src in sources:
        shutil.copyfile(src, target / src.name)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def db_count(catalog: Path, sql: str) -> int:
    """A count from the catalog through a separate connection (works while another process writes)."""
    try:
        db = sqlite3.connect(catalog, timeout=5)
        try:
            return db.execute(sql).fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return -1


def indexed(catalog: Path) -> int:
    return db_count(catalog, "SELECT COUNT(*) FROM photos WHERE status = 'indexed'")


# child process ---------------------------------------------------------------------------------------------
def _child(argv: list[str]) -> None:
    from photoclip.core.events import WatchStatus, WatchWarning
    from photoclip.core.scan.watcher import Watcher, WatchOptions
    from photoclip.testing.color_embedder import ColorEmbedder
    from photoclip.testing.library_fixtures import open_library

    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--settle", type=float, default=0.3)
    parser.add_argument("--poll-interval", type=float, default=0.3)
    parser.add_argument("--embed-delay", type=float, default=0.0, help="seconds per embedded batch")
    parser.add_argument("--wait-go", action="store_true", help="read a line from stdin before starting")
    parser.add_argument("--watch-check", type=float, default=60.0, help="seconds between checks of the watches")
    parser.add_argument("--quiet-watchdog", action="store_true",
                        help="watchdog logs nothing (as where an application silenced it, or a version that doesn't)")
    parser.add_argument("--no-events-lost", action="store_true",
                        help="drop watchdog's EventsLostEvent (as a watchdog older than 7.1.1, which only logs)")
    args = parser.parse_args(argv)
    if args.quiet_watchdog:
        import logging

        for name in ("watchdog.observers.inotify", "watchdog.observers.inotify_c"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    if args.no_events_lost:
        from photoclip.core.scan import watcher as watcher_module

        handle = watcher_module._Handler.on_any_event
        watcher_module._Handler.on_any_event = lambda self, event: (
            None if event.event_type == "events_lost" else handle(self, event))

    class Slow(ColorEmbedder):
        def embed_prepared(self, batch):
            time.sleep(args.embed_delay)
            return super().embed_prepared(batch)

    lib = open_library(args.root, Slow())
    lib.add_folder(args.folder)
    ready = []

    def report(event) -> None:
        if isinstance(event, WatchWarning):
            print(json.dumps(event.__dict__), flush=True)
        elif isinstance(event, WatchStatus) and event.state == "watching" and not ready:
            ready.append(True)
            print("READY", flush=True)

    lib.events.subscribe(report)
    print("IMPORTED", flush=True)
    if args.wait_go:
        sys.stdin.readline()
    watcher = Watcher(lib, options=WatchOptions(settle=args.settle, poll_interval=args.poll_interval,
                                                health_interval=0.2, watch_check_interval=args.watch_check))
    watcher.start()
    while watcher.running:
        time.sleep(0.2)


if __name__ == "__main__":
    _child(sys.argv[1:])
