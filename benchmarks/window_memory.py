"""The app window's memory while it indexes: indexing in the window's process (``PHOTOCLIP_INDEX_PROCESS=0``, as
before) against indexing in a child process (the default), side by side in one run.

Each mode runs the real MainWindow (offscreen) in a fresh process on a fresh library: add a folder of small
photos, index them with a tiny random CLIP (2 layers, width 64: the model stack — torch, transformers,
OpenVINO — is what costs, not the weights), then one text search. The window process samples its own VmRSS
(and the indexing child's, when there is one) every 0.2 s and reads VmHWM (its peak) at each step. The model's
one-off optimisation for this computer is done first, by a warm-up run into a shared cache, so neither mode pays it.

    .venv/bin/python -m benchmarks.window_memory [--photos 5000] [--size 320x240] [--modes thread,process]
        [--backend auto]   (fp32: torch, where the window's text-only path cannot serve a query)
        [--scroll 4000] [--results-cache N]   (the results grid's thumbnail cache, to compare sizes)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CACHE = Path(tempfile.gettempdir()) / "photoclip-bench"
VOCAB_GZ = REPO / ".test-assets" / "bpe_simple_vocab_16e6.txt.gz"

WINDOW = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    from photoclip.core.library import Library
    from photoclip.core.settings import Settings
    from photoclip.gui.app import create_app
    from photoclip.gui.main_window import MainWindow

    SCROLL = int(sys.argv[3])

    def status(pid="self"):
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return {}
        return {k: int(v.split()[0]) / 1024 for k, v in (l.split(":", 1) for l in text.splitlines())
                if k in ("VmRSS", "VmHWM")}

    if len(sys.argv) > 4:  # --results-cache: the results grid's thumbnail cache, as another version had it
        import photoclip.gui.models.results_model as results_model
        results_model.PIXMAP_CACHE_SIZE = int(sys.argv[4])
    app = create_app([])
    t0 = time.monotonic()
    window = MainWindow(Library.open(Settings.from_env()), QSettings(sys.argv[2], QSettings.Format.IniFormat))
    window.show()
    app.processEvents()
    out = {"mode": type(window.indexing).__name__, "rss_window_open": status()["VmRSS"]}
    samples, child = [], {"peak": 0.0}

    def sample():
        samples.append(status()["VmRSS"])
        pid = getattr(window.indexing, "child_pid", None)
        if pid:
            child["peak"] = max(child["peak"], status(pid).get("VmHWM", 0.0))

    sampler = QTimer()
    sampler.timeout.connect(sample)
    sampler.start(200)
    state = {"step": "index"}

    def step():
        if state["step"] == "index" and not window.indexing.busy and window.library.status().counts.get("indexed"):
            s = status()
            out.update(index_s=time.monotonic() - t_index, rss_after_index=s["VmRSS"], hwm_index=s["VmHWM"],
                       indexed=window.library.status().counts.get("indexed"), child_peak_index=child["peak"],
                       torch_in_window="torch" in sys.modules)
            state["step"] = "query"
            window.query.search_text("a red photo of a dog")
        elif state["step"] == "query" and window.results_model.ranked_count():
            s = status()
            out.update(rss_after_query=s["VmRSS"], hwm_query=s["VmHWM"],
                       child_peak=child["peak"], torch_in_window_after_query="torch" in sys.modules,
                       openvino_in_window="openvino" in sys.modules)
            state["step"] = "scroll"
            state["painted"] = set()
            window.results_model.set_weaker_shown(True)  # scroll through every result, as far as SCROLL photos
        elif state["step"] == "scroll":
            view, model = window.results_view, window.results_model
            bar = view.verticalScrollBar()
            view.viewport().grab()  # a paint asks for the thumbnails on screen, as a real screen would
            state["painted"].update(r for r in range(model.rowCount()) if model.has_thumbnail(r))
            if len(state["painted"]) >= SCROLL or (bar.value() >= bar.maximum() and model.ranked_count() >= SCROLL):
                s = status()
                out.update(rss_after_scroll=s["VmRSS"], hwm_end=s["VmHWM"], rss_peak_sampled=max(samples),
                           scrolled_rows=len(state["painted"]), ranked=model.ranked_count())
                print("RESULT=" + json.dumps(out), flush=True)
                window.shutdown()
                QApplication.quit()
                return
            if os.environ.get("WINDOW_MEMORY_DEBUG"):
                print("scroll", bar.value(), bar.maximum(), model.rowCount(), model.ranked_count(),
                      len(state["painted"]), file=sys.stderr, flush=True)
            rect = view.viewport().rect()
            shown = [r for r in range(model.rowCount()) if view.visualRect(model.index(r)).intersects(rect)]
            missing = [r for r in shown if not model.is_header(r) and not model.has_thumbnail(r)]
            if os.environ.get("WINDOW_MEMORY_DEBUG") and missing:
                print("missing", missing[:8], file=sys.stderr, flush=True)
            if not missing:
                bar.setValue(bar.value() + view.viewport().height())  # the next screenful once this one shows
        QTimer.singleShot(200, step)

    t_index = time.monotonic()
    window.add_folders([sys.argv[1]])
    QTimer.singleShot(200, step)
    app.exec()
    window.library.close()
""")


def tiny_clip() -> Path:
    folder = CACHE / "tiny-clip"
    if not (folder / "model.safetensors").exists():
        from photoclip.testing.clip_vocab import write_vocab_files
        from photoclip.testing.tiny_model import build_tiny_clip

        write_vocab_files(VOCAB_GZ, folder)
        build_tiny_clip(folder, seed=0)
    return folder


def small_photos(n: int, size: tuple[int, int]) -> Path:
    from photoclip.testing.images import photo_like

    folder = CACHE / f"small-{size[0]}x{size[1]}"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = folder / f"IMG_{i:05}.jpg"
        if not path.exists():
            photo_like(size, seed=i).save(path, "JPEG", quality=85)
    return folder


def run_window(mode: str, photos: Path, model: Path, cache: Path, work: Path, backend: str,
               scroll: int, results_cache: int) -> dict:
    data = work / f"data-{mode}"
    env = {**os.environ, "PHOTOCLIP_BACKEND": backend, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO),
           "PHOTOCLIP_DATA_DIR": str(data),
           "PHOTOCLIP_CACHE_DIR": str(cache), "PHOTOCLIP_MODEL": str(model), "PHOTOCLIP_OFFLINE": "1",
           "PHOTOCLIP_INDEX_PROCESS": "1" if mode == "process" else "0"}
    argv = [sys.executable, "-c", WINDOW, str(photos), str(work / f"{mode}.ini"), str(scroll)]
    argv += [str(results_cache)] if results_cache else []
    if os.environ.get("WINDOW_MEMORY_DEBUG"):  # the window's stderr as it runs
        result = subprocess.run(argv, env=env, stdout=subprocess.PIPE, text=True, timeout=3600)
    else:
        result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=3600)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("RESULT=")), None)
    if line is None:
        raise RuntimeError(f"{mode}: no result\n{result.stderr[-3000:]}")
    return json.loads(line[len("RESULT="):])


def warm_up(model: Path, cache: Path, work: Path, backend: str) -> None:
    """The model's one-off optimisation for this computer (OpenVINO conversion, int8 check), into ``cache``."""
    photos = small_photos(48, (320, 240))
    env = {**os.environ, "PHOTOCLIP_BACKEND": backend, "PHOTOCLIP_DATA_DIR": str(work / "warm"),
           "PHOTOCLIP_CACHE_DIR": str(cache),
           "PHOTOCLIP_MODEL": str(model), "PHOTOCLIP_OFFLINE": "1"}
    subprocess.run([sys.executable, "-m", "photoclip", "index", str(photos)], env=env, check=True,
                   capture_output=True, timeout=1800)
    subprocess.run([sys.executable, "-m", "photoclip", "search", "a red photo"], env=env, check=True,
                   capture_output=True, timeout=600)


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument("--size", default="320x240")
    parser.add_argument("--modes", default="thread,process")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--scroll", type=int, default=4000, help="then scroll through this many results")
    parser.add_argument("--results-cache", type=int, default=0,
                        help="thumbnails the results grid keeps (default: the app's own)")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    model = tiny_clip()
    photos = small_photos(args.photos, size)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="window-memory-") as tmp:
        work = Path(tmp)
        cache = work / "cache"
        warm_up(model, cache, work, args.backend)
        print(f"CPU: {cpu_name()} · {os.cpu_count()} cores · load {os.getloadavg()[0]:.1f} · "
              f"{args.photos} photos {args.size} · tiny CLIP · backend {args.backend}", flush=True)
        rows = []
        for mode in args.modes.split(","):
            started = time.monotonic()
            rows.append((mode, run_window(mode, photos, model, cache, work, args.backend, args.scroll,
                                                 args.results_cache)))
            print(f"  {mode}: {time.monotonic() - started:.0f} s · load {os.getloadavg()[0]:.1f}", flush=True)
    keys = ("rss_window_open", "hwm_index", "rss_after_index", "rss_after_query", "hwm_query", "rss_after_scroll",
            "hwm_end", "scrolled_rows", "child_peak", "index_s",
            "torch_in_window", "torch_in_window_after_query", "openvino_in_window", "indexed")
    print(f"{'':28}" + "".join(f"{mode:>14}" for mode, _ in rows))
    for key in keys:
        cells = []
        for _, row in rows:
            value = row.get(key)
            cells.append(f"{value:>14.0f}" if isinstance(value, float) else f"{value!s:>14}")
        print(f"{key:28}" + "".join(cells))
    print(json.dumps(dict(rows)))


if __name__ == "__main__":
    main()
