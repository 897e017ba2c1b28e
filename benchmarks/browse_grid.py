"""The library view at scale: time to first paint and event-loop lateness while scrolling 100k photos.

A synthetic catalog of ``--photos`` rows is written through the real catalog API (``Catalog.commit_batch``,
schema v6 triggers fill each photo's effective date): dates spread over eight years, one photo in five with no
EXIF date (dated by its file time), ``--distinct`` different contents whose thumbnails sit in the real
thumbnail cache (made from photo-like pictures), so every cell the grid paints loads a real cached JPEG
thumbnail. The real MainWindow opens on it offscreen (no model is loaded: browsing never needs one).

Measured, in this process:
- **first paint**: from building the window to the first frame of the grid with photos in it, and to every
  thumbnail of that first screen shown;
- **lateness**: a 10 ms ``Qt.PreciseTimer`` on the GUI thread, lateness = gap between ticks - 10 ms (as in
  benchmarks/gui_responsiveness.py), while idle (this machine's noise), while scrolling steadily (120 px every
  16 ms, ~7,500 px/s: a hard fling, held), and while jumping to random places with the date scrubber (every
  100 ms: each jump lands on rows never read before);
- **paint**: how long each frame of the grid took to paint;
- the core reads behind it: ``Library.timeline`` (every id and day) and ``Library.browse`` pages (keyset).

    .venv/bin/python -m benchmarks.browse_grid [--photos 100000] [--seconds 8]
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.figures import percentile

TICK_MS = 10
MODEL_ID = "bench/synthetic"


def rss_mb() -> float:
    """Resident memory now (Linux; the peak elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_catalog(data_dir: Path, photos: int, distinct: int) -> float:
    """Write the synthetic library; returns the seconds it took."""
    from photoclip.core.imaging.thumbnails import ThumbnailCache
    from photoclip.core.records import PhotoRecord
    from photoclip.core.settings import Settings
    from photoclip.core.store.catalog import Catalog
    from photoclip.core.store.db import Database
    from photoclip.testing.images import photo_like

    settings = Settings(data_dir=data_dir, cache_dir=data_dir / "cache")
    started = time.perf_counter()
    cache = ThumbnailCache(settings.thumbnails_dir)
    hashes = [f"{i:032x}" for i in range(distinct)]
    for i, content in enumerate(hashes):
        image = photo_like((256, 192), seed=i)
        cache.save(content, image)
    catalog = Catalog(Database(settings.catalog_path))
    catalog.set_meta("model_id", MODEL_ID)
    folder = catalog.add_folder(data_dir / "Pictures")
    rng = random.Random(7)
    first = 1.45e9  # 2015-12
    for start in range(0, photos, 5000):
        records = []
        for i in range(start, min(photos, start + 5000)):
            when = first + rng.random() * 8 * 365 * 86400
            taken = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(when)) if i % 5 else None
            vector = np.full(8, 1 / np.sqrt(8), np.float32) if i < distinct else None  # a copy reuses it
            records.append(PhotoRecord(
                folder.id, str(data_dir / "Pictures" / f"{i // 1000:03d}" / f"IMG_{i:06d}.jpg"), 3_000_000,
                int(when * 1e9), hashes[i % distinct], "indexed", 4000, 3000, taken, "Camera", vector=vector))
        catalog.commit_batch(MODEL_ID, records)
    catalog.db.close()
    return time.perf_counter() - started


def core_reads(data_dir: Path) -> dict[str, float]:
    from photoclip.core.library import Library
    from photoclip.core.settings import Settings

    out: dict[str, float] = {}
    with Library.open(Settings(data_dir=data_dir, cache_dir=data_dir / "cache")) as library:
        library.timeline()  # warm the page cache, as the app's first read would find it after a while
        for name, call in (("timeline (every id and day)", library.timeline),
                           ("first page (200 rows)", lambda: library.browse(limit=200))):
            times = []
            for _ in range(5):
                t = time.perf_counter()
                call()
                times.append(time.perf_counter() - t)
            out[name] = statistics.median(times) * 1000
        middle = library.timeline()
        row = len(middle) // 2
        photo = library.photos([int(middle.ids[row])])[0]
        from photoclip.core.store.catalog import effective_date

        cursor = (effective_date(photo), photo.id)
        t = time.perf_counter()
        library.browse(after=cursor, limit=200)
        out["a page from the middle (keyset, 200 rows)"] = (time.perf_counter() - t) * 1000
        ids = middle.ids[row:row + 200].tolist()
        t = time.perf_counter()
        library.photos(ids)
        out["200 rows by id (what the grid reads per page)"] = (time.perf_counter() - t) * 1000
    return out


def measure_window(data_dir: Path, seconds: float, baseline_s: float) -> dict:
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from photoclip.core.library import Library
    from photoclip.core.settings import Settings
    from photoclip.gui.main_window import MainWindow

    _app = QApplication.instance() or QApplication([])  # kept: the window needs it alive
    settings = Settings.from_env({"PHOTOCLIP_DATA_DIR": str(data_dir), "PHOTOCLIP_CACHE_DIR": str(data_dir / "cache"),
                                  "PHOTOCLIP_OFFLINE": "1"})
    library = Library.open(settings)
    marks: dict[str, float] = {}
    memory = {"before the window": rss_mb()}
    started = time.perf_counter()
    window = MainWindow(library, QSettings(str(data_dir / "gui.ini"), QSettings.Format.IniFormat))
    window.resize(1280, 800)
    window.show()
    view, model = window.browse.view, window.browse.model
    paints: list[float] = []

    class Frames(QObject):
        """Times every paint of the grid (the event filter runs just before it; the timer stops after it)."""

        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint and view.sections:
                t = time.perf_counter()
                view.paintEvent(event)
                paints.append((time.perf_counter() - t) * 1000)
                if "first frame" not in marks:
                    marks["first frame"] = time.perf_counter() - started
                return True  # painted here
            return False

    frames = Frames()
    view.viewport().installEventFilter(frames)

    def first_screen_done() -> bool:
        rows = view.visible_rows()
        return bool(rows) and all(model.has_thumbnail(r) for r in rows)

    # a local loop: QApplication.quit() would close the window (Qt 6) before the scrolling phases
    loop = QEventLoop()
    watch = QTimer()  # checks for the complete first screen from inside the running event loop

    def check_first_screen() -> None:
        if "first frame" in marks and first_screen_done():
            marks["first screen"] = time.perf_counter() - started
            watch.stop()
            loop.quit()

    watch.timeout.connect(check_first_screen)
    watch.start(2)
    QTimer.singleShot(60_000, loop.quit)  # never hang the benchmark
    loop.exec()
    memory["first screen shown"] = rss_mb()

    phase = {"name": "settle"}
    samples: dict[str, list[float]] = {"idle (baseline: this machine's noise)": [], "scrolling (120 px / 16 ms)": [],
                                       "scrubber jumps (every 100 ms)": []}
    phase_paints: dict[str, list[float]] = {name: [] for name in samples}
    last = [time.perf_counter()]
    bar = view.verticalScrollBar()
    rng = random.Random(3)
    direction = [1]

    def tick() -> None:
        now = time.perf_counter()
        if phase["name"] in samples:
            samples[phase["name"]].append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    def scroll() -> None:
        if bar.value() >= bar.maximum() or (bar.value() <= 0 and direction[0] < 0):
            direction[0] = -direction[0]
        bar.setValue(bar.value() + 120 * direction[0])

    def jump() -> None:
        window.browse.page.scrubber.jump(rng.randrange(window.browse.page.scrubber.height()))

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    scroller, jumper = QTimer(), QTimer()
    scroller.setTimerType(Qt.TimerType.PreciseTimer)
    scroller.setInterval(16)
    scroller.timeout.connect(scroll)
    jumper.setInterval(100)
    jumper.timeout.connect(jump)

    plan = [("idle (baseline: this machine's noise)", None, baseline_s), ("scrolling (120 px / 16 ms)", scroller,
            seconds), ("scrubber jumps (every 100 ms)", jumper, seconds)]
    counts: dict[str, int] = {}

    def next_phase(previous: QTimer | None = None) -> None:
        if previous is not None:
            previous.stop()
        if phase["name"] in samples:
            phase_paints[phase["name"]] = paints[counts[phase["name"]]:]
        if not plan:
            timer.stop()
            loop.quit()
            return
        name, driver, length = plan.pop(0)
        phase["name"] = name
        counts[name] = len(paints)
        last[0] = time.perf_counter()
        if driver is not None:
            driver.start()
        QTimer.singleShot(round(length * 1000), lambda: next_phase(driver))

    timer.start()
    QTimer.singleShot(0, next_phase)
    loop.exec()
    memory["after scrolling"] = rss_mb()
    result = {"memory": memory, "marks": marks, "samples": samples, "paints": phase_paints, "photos": len(model),
              "days": len(model.timeline.days), "content_height": view.content_height, "cols": view.cols,
              }
    window.shutdown()
    library.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--distinct", type=int, default=2000, help="different contents (cached thumbnails)")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of each scrolling phase")
    parser.add_argument("--baseline", type=float, default=3.0, help="seconds of idle ticks measured first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="photoclip-browse-bench-") as tmp:
        data_dir = Path(tmp)
        print(f"writing {args.photos:,} catalog rows and {args.distinct:,} cached thumbnails ...", file=sys.stderr)
        built = build_catalog(data_dir, args.photos, args.distinct)
        reads = core_reads(data_dir)
        result = measure_window(data_dir, args.seconds, args.baseline)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nLibrary view — {os.cpu_count()} CPUs (load average {load:.1f} at the end), {result['photos']:,} photos "
          f"over {result['days']:,} days ({args.distinct:,} distinct thumbnails), window 1280×800 offscreen, "
          f"{result['cols']} columns, {result['content_height'] / 1e6:.1f} M px of grid; catalog written in "
          f"{built:.1f} s\n")
    print("| window built → | seconds |")
    print("| --- | ---: |")
    print(f"| first frame of the grid with photos | {result['marks'].get('first frame', float('nan')):.3f} |")
    print(f"| every thumbnail of the first screen shown | {result['marks'].get('first screen', float('nan')):.3f} |")
    print("\n| phase | ticks | lateness p50 (ms) | p99 (ms) | max (ms) | frames | paint p50 (ms) | paint p99 (ms) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, values in result["samples"].items():
        frames = result["paints"].get(name, [])
        paint = (f"{statistics.median(frames):.2f} | {percentile(frames, 99):.2f}" if frames else "– | –")
        if values:
            print(f"| {name} | {len(values)} | {statistics.median(values):.2f} | {percentile(values, 99):.2f} "
                  f"| {max(values):.1f} | {len(frames)} | {paint} |")
    print("\n| resident memory | MB |")
    print("| --- | ---: |")
    for name, mb in result["memory"].items():
        print(f"| {name} | {mb:.0f} |")
    print("\n| core read (median of 5) | ms |")
    print("| --- | ---: |")
    for name, ms in reads.items():
        print(f"| {name} | {ms:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
