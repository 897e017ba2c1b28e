"""The Tags panel at scale: the real MainWindow (offscreen) over a catalog of N photos with random 512-d vectors
(a hash-seeded fake text tower, as benchmarks/tagging_speed.py), a label set of L labels.

Measures, side by side in one run: Run → counts shown; a slider move → live count and preview shown (wall
time, including the 120 ms debounce); and the GUI thread's event-loop lateness meanwhile (a 10 ms
Qt.PreciseTimer, lateness = gap − 10 ms) against an idle baseline. Speed only: random vectors.

    .venv/bin/python -m benchmarks.tags_panel_latency [--photos 100000] [--labels 100] [--moves 20]
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from benchmarks.tagging_speed import RandomTextEmbedder, fill_catalog
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from photoclip.core.tagging import Label, LabelSet
from photoclip.gui.crash_reporter import CrashReporter
from photoclip.gui.main_window import MainWindow


class Ticker:
    """Records the lateness of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = None
        self.late: list[float] = []

    def start(self) -> None:
        self.clock.start()
        self.last = None
        self.late = []
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        if self.last is not None:
            self.late.append(max(0.0, now - self.last - 10.0))
        self.last = now

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.late


def spin(app: QApplication, condition, timeout: float = 120.0) -> float:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError
        app.processEvents()
        time.sleep(0.001)
    return time.perf_counter() - start


def stats(late: list[float]) -> str:
    a = np.array(late or [0.0])
    return f"{len(a)} | {np.percentile(a, 50):.2f} | {np.percentile(a, 99):.2f} | {a.max():.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--moves", type=int, default=20)
    args = parser.parse_args()
    app = QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        embedder = RandomTextEmbedder(512)
        library = Library.open(Settings(data_dir=Path(tmp) / "data", cache_dir=Path(tmp) / "cache"),
                               embedder=embedder)
        fill_catalog(library, args.photos, 512, embedder.model_id)
        label_set = LabelSet("bench", tuple(Label(f"Bench|label {i}") for i in range(args.labels)))
        library.tags.save_label_set(label_set)
        library.tags.run(label_set)  # prompts embedded and vectors cached once: setup, not measured
        window = MainWindow(library, QSettings(str(Path(tmp) / "gui.ini"), QSettings.Format.IniFormat),
                            CrashReporter())
        window.show()
        panel = window.tags.panel
        window.tags.show_panel()
        spin(app, lambda: panel.label_set is not None)
        panel.refresh_sets(select="bench")
        spin(app, lambda: panel.label_set.name == "bench")
        ticker = Ticker()

        ticker.start()
        spin(app, lambda: ticker.clock.elapsed() >= 3000)  # 3 s of idle ticks
        idle = ticker.stop()

        ticker.start()
        started = time.perf_counter()
        panel.run_labels()
        spin(app, lambda: panel.run is not None and panel.preview_shown is not None)
        run_s = time.perf_counter() - started
        running = ticker.stop()

        moves = []
        ticker.start()
        for i in range(args.moves):
            target = round(2.0 + 0.1 * (i + 1), 1)
            started = time.perf_counter()
            panel.slider.setValue(int(target * 10))
            spin(app, lambda t=target: panel.preview_shown is not None and panel.preview_shown.threshold == t)
            moves.append(time.perf_counter() - started)
        sliding = ticker.stop()
        window.shutdown()
        library.close()

    print(f"{args.photos:,} photos × {args.labels} labels, warm vectors and prompts\n")
    print(f"Run → counts and first preview shown: {run_s:.2f} s")
    print(f"slider move → live count + preview shown (incl. 120 ms debounce), {len(moves)} moves: "
          f"median {np.median(moves) * 1000:.0f} ms, max {max(moves) * 1000:.0f} ms\n")
    print("| phase | ticks | lateness p50 (ms) | p99 (ms) | max (ms) |\n|---|---:|---:|---:|---:|")
    for name, late in (("idle (baseline)", idle), ("Run (scoring 100k × L on the worker)", running),
                       ("slider moves", sliding)):
        print(f"| {name} | {stats(late)} |")


if __name__ == "__main__":
    main()
