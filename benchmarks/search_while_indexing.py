"""A search while another process indexes, checkouts side by side (runs interleaved).

Two photoclip processes run a model at once whenever someone searches while photos are being indexed: the
app's window (its text tower) beside its indexing process, or ``photoclip search`` in a terminal beside the
app or ``photoclip index``. Per checkout and repeat, each process fresh:

* **queries alone**: a searching process (its own library of 48 indexed photos, text tower warm) runs a new
  query every 0.25 s for a few seconds, nothing else running;
* **index alone**: ``photoclip index`` of ``--photos`` 12 MP photos into a new library (model converted,
  calibrated and guarded by a set-up run, as on a computer that has indexed before);
* **both at once**: the same index run while the searching process queries; its query times and the index's
  photos/s;
* **two index runs at once**: ``photoclip index`` of the same photos into two new libraries, started together
  (two libraries, or two commands); photos/s of both together.

    .venv/bin/python -m benchmarks.search_while_indexing --checkouts /work/before . [--photos 192]
        [--model siglip2|clip256] [--repeats 2]

RANDOM WEIGHTS of the real geometry (benchmarks/random_models.py): speed only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.cold_start import linked_photos, run
from benchmarks.figures import percentile
from benchmarks.random_models import clip_b32_folder, siglip2_b32_256_folder
from benchmarks.vs_rclip import cpu_name

PYTHON = sys.executable
REPO = Path(__file__).resolve().parents[1]
#: run by the checkout's own photoclip: query every ``interval`` s until ``stop`` exists, one ms figure a line
SEARCHER = r"""
import sys, time
from pathlib import Path
from photoclip.core.library import Library
from photoclip.core.settings import Settings
interval, stop = float(sys.argv[1]), Path(sys.argv[2])
with Library.open(Settings.from_env()) as library:
    library.search("a warm-up query")
    print("ready", flush=True)
    i = 0
    while not stop.exists():
        i += 1
        started = time.perf_counter()
        library.search(f"a dog on the beach number {i}")
        print(f"{(time.perf_counter() - started) * 1000:.2f}", flush=True)
        time.sleep(interval)
"""
INTERVAL = 0.25


class Checkout:
    def __init__(self, path: Path, model: Path, work: Path, number: int) -> None:
        self.path, self.model, self.work = path, model, work
        self.cache = work / f"cache-{number}"
        self.search_data = work / f"search-lib-{number}"

    def env(self, data: Path) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
        return {**base, "PYTHONPATH": str(self.path), "PHOTOCLIP_DATA_DIR": str(data),
                "PHOTOCLIP_CACHE_DIR": str(self.cache), "PHOTOCLIP_MODEL": str(self.model),
                "PHOTOCLIP_OFFLINE": "1"}

    def cli(self, data: Path, *args: str) -> float:
        """Seconds ``photoclip ARGS`` took (run from this checkout; a failure raises with its output)."""
        return run(self.path, list(args), self.env(data))[0]

    def searcher(self, stop: Path) -> subprocess.Popen:
        proc = subprocess.Popen([PYTHON, "-c", SEARCHER, str(INTERVAL), str(stop)], cwd=self.path,
                                env=self.env(self.search_data), stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the searching process of {self.path} did not start")
        return proc


def queries(checkout: Checkout, alone_for: float | None, folder: Path, data: Path
            ) -> tuple[list[float], float | None]:
    """(query ms, index seconds): queries for ``alone_for`` s alone, or (None) while ``folder`` is indexed."""
    stop = checkout.work / "stop"
    stop.unlink(missing_ok=True)
    proc = checkout.searcher(stop)
    seconds = None
    if alone_for is None:
        seconds = checkout.cli(data, "index", str(folder))
    else:
        time.sleep(alone_for)
    stop.touch()
    out, _ = proc.communicate(timeout=60)
    return [float(line) for line in out.split()], seconds


def two_index_runs(checkout: Checkout, folder: Path, data: Path) -> float:
    """Seconds until both of two ``photoclip index`` runs started together have ended."""
    started = time.perf_counter()
    procs = [subprocess.Popen([PYTHON, "-m", "photoclip", "index", str(folder)], cwd=checkout.path,
                              env=checkout.env(data / str(i)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for i in range(2)]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"index failed in {checkout.path}:\n{err.decode()[-2000:]}")
    seconds = time.perf_counter() - started
    shutil.rmtree(data)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkouts", nargs="+", type=Path, default=[REPO])
    parser.add_argument("--photos", type=int, default=192)
    parser.add_argument("--model", choices=["siglip2", "clip256"], default="siglip2")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    model = siglip2_b32_256_folder() if args.model == "siglip2" else clip_b32_folder(256)
    work = Path(tempfile.mkdtemp(prefix="search-while-indexing-"))
    folder, small = linked_photos(args.photos), linked_photos(48)
    checkouts = [Checkout(path.resolve(), model, work, i) for i, path in enumerate(args.checkouts)]
    print(f"CPU: {cpu_name()}\n{model.name} (random weights), {args.photos} photos 4000x3000\n")
    for checkout in checkouts:  # the first run on this computer; the searching process's library
        seconds = checkout.cli(checkout.search_data, "index", str(small))
        print(f"{checkout.path}: set-up (first run, 48 photos) {seconds:.1f} s")

    results: dict[Path, dict[str, list[float]]] = {c.path: {} for c in checkouts}
    loads = []
    for repeat in range(args.repeats):
        for checkout in checkouts:
            got = results[checkout.path]
            loads.append(os.getloadavg()[0])
            alone, _ = queries(checkout, 5.0, folder, work / "unused")
            data = work / f"lib-{repeat}-{checkout.path.name}"
            index_alone = checkout.cli(data, "index", str(folder))
            shutil.rmtree(data)
            during, index_with = queries(checkout, None, folder, data)
            shutil.rmtree(data)
            two = 2 * args.photos / two_index_runs(checkout, folder, data)
            got.setdefault("two", []).append(two)
            got.setdefault("alone", []).extend(alone)
            got.setdefault("during", []).extend(during)
            got.setdefault("index alone", []).append(args.photos / index_alone)
            got.setdefault("index with", []).append(args.photos / (index_with or 1))
            print(f"  {checkout.path}: queries alone p50 {statistics.median(alone):.1f} ms, during indexing p50 "
                  f"{statistics.median(during):.1f} ms; index {args.photos / index_alone:.1f} photos/s alone, "
                  f"{args.photos / (index_with or 1):.1f} with queries; two index runs {two:.1f} photos/s together",
                  flush=True)

    print(f"\nload average {min(loads):.2f}–{max(loads):.2f}; query every {INTERVAL} s\n")
    print("| checkout | query ms alone, p50 / p90 | query ms while indexing, p50 / p90 (n) | index photos/s alone "
          "| index photos/s with queries | two index runs at once, photos/s together |")
    print("|---|---|---|---|---|---|")
    for path, got in results.items():
        a, d = got["alone"], got["during"]
        print(f"| {path} | {percentile(a, 50):.1f} / {percentile(a, 90):.1f} | {percentile(d, 50):.1f} / "
              f"{percentile(d, 90):.1f} ({len(d)}) | {statistics.median(got['index alone']):.1f} | "
              f"{statistics.median(got['index with']):.1f} | {statistics.median(got['two']):.1f} |")
    shutil.rmtree(work, ignore_errors=True)
    for photos in (folder, small):
        shutil.rmtree(photos.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
