"""Folder watcher: delay from "file complete" to "searchable", and how a copied-in burst is handled.

    .venv/bin/python -m benchmarks.watch_latency [--files 40] [--burst 2000] [--settle 1.5] [--json]

Uses the deterministic colour embedder (no CLIP model), so the figures are the watcher's own cost: settle
time, queueing, decode of a 64x48 PNG, the catalog commit. A real CLIP model adds its per-image time
(docs/benchmarks.md). "Searchable" means the photo's row is committed as indexed with its vector, which is
when a search can return it; the benchmark polls the catalog through a second connection to see that.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from photoclip.core.scan.watcher import Watcher, WatchOptions
from photoclip.testing.color_embedder import ColorEmbedder
from photoclip.testing.library_fixtures import open_library
from photoclip.testing.watching import make_sources, photo_bytes, wait_for


class IndexedTimes:
    """Polls the catalog for newly indexed paths and stamps when each was first seen."""

    def __init__(self, catalog: Path, interval: float = 0.005) -> None:
        self.seen: dict[str, float] = {}
        self._db = sqlite3.connect(catalog, check_same_thread=False, timeout=5)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            with self._db:
                rows = self._db.execute("SELECT path FROM photos WHERE status = 'indexed'").fetchall()
            for (path,) in rows:
                self.seen.setdefault(path, now)
            self._stop.wait(self._interval)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._db.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure_latency(root: Path, files: int, settle: float, spacing: float) -> dict:
    """Write photos one by one; delay from each file's close to its row being searchable."""
    pics = root / "latency"
    pics.mkdir()
    lib = open_library(root / "lat-lib", ColorEmbedder())
    lib.add_folder(pics)
    with Watcher(lib, options=WatchOptions(settle=settle)) as watcher:
        wait_for(watcher.idle, 30)
        times = IndexedTimes(lib.settings.catalog_path)
        completed: dict[str, float] = {}
        for i in range(files):
            path = pics / f"shot_{i:04}.png"
            with open(path, "wb") as out:
                out.write(photo_bytes(i))
            completed[str(path)] = time.monotonic()
            time.sleep(spacing)
        wait_for(lambda: len(times.seen) >= files, 60 + files * settle)
        times.close()
    lib.close()
    delays = [times.seen[p] - t for p, t in completed.items() if p in times.seen]
    return {
        "files": files, "settle_s": settle, "indexed": len(delays),
        "p50_s": round(statistics.median(delays), 3), "p95_s": round(percentile(delays, 0.95), 3),
        "max_s": round(max(delays), 3),
    }


def measure_burst(root: Path, count: int, settle: float) -> dict:
    """Copy ``count`` photos in as fast as possible; check each is embedded exactly once."""
    sources = make_sources(root / "camera", count)
    pics = root / "burst"
    pics.mkdir()
    embedder = ColorEmbedder()
    lib = open_library(root / "burst-lib", embedder)
    lib.add_folder(pics)
    with Watcher(lib, options=WatchOptions(settle=settle)) as watcher:
        wait_for(watcher.idle, 30)
        started = time.monotonic()
        for src in sources:
            shutil.copyfile(src, pics / src.name)
        copied = time.monotonic()
        ok = wait_for(lambda: lib._catalog.status_counts().get("indexed", 0) == count, 120 + count / 5, 0.05)
        done = time.monotonic()
        wait_for(watcher.idle, 30)
        time.sleep(settle * 2)
    counts = lib._catalog.status_counts()
    lib.close()
    return {
        "files": count, "all_indexed": ok, "indexed": counts.get("indexed", 0), "embedded": embedder.images_embedded,
        "copy_s": round(copied - started, 2), "last_copy_to_all_searchable_s": round(done - copied, 2),
        "files_per_s": round(count / (done - started), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=40, help="photos for the latency measurement")
    parser.add_argument("--spacing", type=float, default=0.25, help="seconds between them")
    parser.add_argument("--settle", type=float, default=1.5, help="settle time (the default of the app)")
    parser.add_argument("--burst", type=int, default=2000, help="photos copied in at once")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="photoclip-watch-bench-") as tmp:
        root = Path(tmp)
        result = {
            "latency": measure_latency(root, args.files, args.settle, args.spacing),
            "burst": measure_burst(root, args.burst, args.settle),
        }
    if args.json:
        print(json.dumps(result))
        return 0
    lat, burst = result["latency"], result["burst"]
    print(f"file complete → searchable (settle {lat['settle_s']} s, {lat['indexed']}/{lat['files']} files): "
          f"p50 {lat['p50_s']} s, p95 {lat['p95_s']} s, max {lat['max_s']} s")
    print(f"burst of {burst['files']} copied in ({burst['copy_s']} s): all searchable "
          f"{burst['last_copy_to_all_searchable_s']} s after the last copy, {burst['files_per_s']} files/s; "
          f"indexed {burst['indexed']}, embedded {burst['embedded']} (exactly once: "
          f"{burst['embedded'] == burst['files'] == burst['indexed']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
