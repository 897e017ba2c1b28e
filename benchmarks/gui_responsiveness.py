"""GUI responsiveness: event-loop lateness while the app indexes with a ViT-B/32-geometry model, and the time
from process launch to the main window being shown.

Lateness: a 10 ms ``Qt.PreciseTimer`` on the GUI thread; lateness = gap between ticks - 10 ms. Measured in
the real MainWindow (offscreen) while its indexing worker loads the model and indexes camera-size JPEGs, and
while searches are typed during indexing. ``CLIPConfig()`` random weights have ViT-B/32's geometry and cost
(speed only, never search quality). Launch: ``photoclip.gui.app``'s own ``create_window`` in a fresh process,
from ``Popen`` until the window's first Expose event.

    .venv/bin/python -m benchmarks.gui_responsiveness [--photos 60] [--size 4000x3000] [--launches 5]
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.figures import percentile

TICK_MS = 10


# --- launch time (child process) ----------------------------------------------------------------------------
def launch_child(t0_epoch: float, ini: str) -> int:
    from PySide6.QtCore import QEvent, QObject, QSettings, QTimer

    from photoclip.gui.app import create_app, create_window

    app = create_app([])
    window = create_window(QSettings(ini, QSettings.Format.IniFormat))

    class FirstExpose(QObject):
        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Expose and obj.isExposed():
                shown = time.time() - t0_epoch
                print(f"SHOWN {shown:.4f} torch={'torch' in sys.modules}", flush=True)
                obj.removeEventFilter(self)
                QTimer.singleShot(0, app.quit)
            return False

    watcher = FirstExpose()
    window.winId()  # creates the native QWindow, which is what receives Expose
    window.windowHandle().installEventFilter(watcher)
    window.show()
    QTimer.singleShot(60_000, app.quit)  # never hang the benchmark
    app.exec()
    window.shutdown()
    window.library.close()
    return 0


def measure_launches(n: int, data_dir: Path) -> list[tuple[float, bool]]:
    out = []
    env = {**os.environ, "PHOTOCLIP_DATA_DIR": str(data_dir), "PHOTOCLIP_OFFLINE": "1"}
    for i in range(n):
        t0 = time.time()
        result = subprocess.run(
            # as a module from the checkout (its helpers import as ``benchmarks.*``), importing nothing heavy
            # before the app does: the indexing benchmark's helpers load only in the parent (``main``)
            [sys.executable, "-m", "benchmarks.gui_responsiveness", "--launch-child", str(t0),
             str(data_dir / f"launch{i}.ini")],
            env=env, capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parent.parent,
        )
        line = next((ln for ln in result.stdout.splitlines() if ln.startswith("SHOWN")), None)
        if line is None:
            raise RuntimeError(f"child failed: {result.stderr[-2000:]}")
        _, seconds, torch_flag = line.split()
        out.append((float(seconds), torch_flag == "torch=True"))
    return out


# --- lateness while indexing (this process) -----------------------------------------------------------------
def measure_lateness(photos: Path, model: Path, data_dir: Path, search_every_s: float, baseline_s: float) -> dict:
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from photoclip.core.library import Library
    from photoclip.core.settings import Settings
    from photoclip.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    settings = Settings.from_env({"PHOTOCLIP_DATA_DIR": str(data_dir), "PHOTOCLIP_OFFLINE": "1"})
    settings.model = str(model)
    library = Library.open(settings)
    window = MainWindow(library, QSettings(str(data_dir / "gui.ini"), QSettings.Format.IniFormat))
    window.resize(1280, 800)
    window.show()

    phase = {"name": "idle"}
    samples: dict[str, list[float]] = {"idle (baseline: this machine's noise)": [], "loading model": [],
                                       "indexing": [], "indexing + searching": []}
    last = [time.perf_counter()]
    ready = {"model": False}
    queries = iter(["a red car", "a dog on the beach", "mountains at sunset", "people at a party"] * 50)

    def tick() -> None:
        now = time.perf_counter()
        late = (now - last[0]) * 1000 - TICK_MS
        last[0] = now
        if phase["name"] in samples:
            samples[phase["name"]].append(max(0.0, late))

    def on_scan(_event) -> None:
        ready["model"] = True
        phase["name"] = "indexing"

    def type_query() -> None:
        if phase["name"] in ("indexing", "indexing + searching") and window.indexing.busy:
            phase["name"] = "indexing + searching" if phase["name"] == "indexing" else "indexing"
            if phase["name"] == "indexing + searching":
                window.search_box.setText(next(queries))

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    searcher = QTimer()
    searcher.setInterval(int(search_every_s * 1000))
    searcher.timeout.connect(type_query)
    window.bridge.scan_finished.connect(on_scan)
    window.indexing.busy_changed.connect(lambda busy: None if busy else app.quit())

    def baseline() -> None:
        phase["name"] = "idle (baseline: this machine's noise)"
        last[0] = time.perf_counter()
        timer.start()
        QTimer.singleShot(int(baseline_s * 1000), start)

    def start() -> None:
        phase["name"] = "loading model"
        searcher.start()
        window.add_folders([str(photos)])

    started = time.perf_counter()
    QTimer.singleShot(200, baseline)
    app.exec()
    elapsed = time.perf_counter() - started - baseline_s
    timer.stop()
    searcher.stop()
    status = library.status()
    backend = getattr(library.embedder, "backend", "?")
    window.shutdown()
    library.close()
    return {"samples": samples, "seconds": elapsed, "indexed": status.counts.get("indexed", 0), "backend": backend}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--size", default="4000x3000")
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--search-every", type=float, default=1.5, help="seconds between typed searches")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="sys.setswitchinterval for the lateness run (default: Python's 0.005)")
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds of idle ticks measured first")
    parser.add_argument("--launch-child", nargs=2, metavar=("T0", "INI"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.launch_child:
        return launch_child(float(args.launch_child[0]), args.launch_child[1])
    # The cached photos and ViT-B/32-geometry model are shared with the indexing benchmark (not imported by
    # the launched child: it measures the app's start).
    from benchmarks.indexing import CACHE, camera_photos, vit_b32_folder

    width, height = (int(v) for v in args.size.lower().split("x"))
    print(f"preparing {args.photos} JPEGs {width}x{height} and a ViT-B/32-geometry model in {CACHE} ...",
          file=sys.stderr)
    photos = camera_photos(args.photos, (width, height))
    model = vit_b32_folder()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    with tempfile.TemporaryDirectory(prefix="photoclip-gui-bench-") as tmp:
        data_dir = Path(tmp)
        result = measure_lateness(photos, model, data_dir / "lib", args.search_every, args.baseline)
        launches = measure_launches(args.launches, data_dir / "lib")  # a library that has photos

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nGUI responsiveness — {os.cpu_count()} CPUs (load average {load:.1f} at the end), {args.photos} JPEGs "
          f"{width}x{height}, ViT-B/32 geometry "
          f"(random weights, backend {result['backend']}), "
          f"GIL switch interval {sys.getswitchinterval() * 1000:g} ms, "
          f"indexed {result['indexed']} in {result['seconds']:.1f} s\n")
    print("| phase | ticks | lateness p50 (ms) | p99 (ms) | max (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in result["samples"].items():
        if values:
            print(f"| {name} | {len(values)} | {statistics.median(values):.2f} | {percentile(values, 99):.2f} "
                  f"| {max(values):.1f} |")
    seconds = [s for s, _ in launches]
    print("\n| launch → window shown | median (s) | max (s) | torch imported when shown |")
    print("| --- | ---: | ---: | --- |")
    print(f"| {len(seconds)} launches | {statistics.median(seconds):.3f} | {max(seconds):.3f} "
          f"| {'yes' if any(t for _, t in launches) else 'no'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
