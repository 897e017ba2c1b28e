"""Fixed costs of the command line, side by side: checkouts (or settings) run interleaved on the same photos.

For each checkout: a fresh library is indexed once (untimed set-up: model conversion, int8 calibration, guard),
then, interleaved, ``--repeats`` times each: ``photoclip index`` with nothing changed, and one ``photoclip search``
from a cold process; with ``--fresh``, also ``photoclip index`` of the photos into a new library (the model
converted and guarded on this computer already: what indexing a new folder costs). Wall time and peak RSS per
process (``os.wait4``), median and min, and the load average.

    .venv/bin/python -m benchmarks.cold_start [--checkouts /work/main .] [--model siglip2|clip] [--photos 48]
        [--repeats 7] [--fresh]

RANDOM WEIGHTS of the real geometry (benchmarks/random_models.py): speed and memory only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.indexing import camera_photos
from benchmarks.random_models import clip_b32_folder, siglip2_b32_256_folder

REPO = Path(__file__).resolve().parents[1]

PYTHON = sys.executable
QUERY = "a dog on the beach"


def run(checkout: Path, args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout+stderr tail) of ``photoclip ARGS`` run from ``checkout``."""
    env = {**env, "PYTHONPATH": str(checkout)}
    started = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "-m", "photoclip", *args], cwd=checkout, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed in {checkout}:\n{out.decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, out.decode(errors="replace")[-300:]


def linked_photos(n: int) -> Path:
    """A new folder of ``n`` 12 MP camera-like JPEGs (links to the generated set)."""
    photos = camera_photos(n, (4000, 3000))
    folder = Path(tempfile.mkdtemp(prefix="photos-")) / "photos"
    folder.mkdir()
    for path in sorted(photos.glob("*.jpg"))[:n]:
        (folder / path.name).symlink_to(path)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkouts", nargs="+", type=Path, default=[REPO])
    parser.add_argument("--model", choices=["siglip2", "clip"], default="siglip2")
    parser.add_argument("--photos", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--fresh", action="store_true", help="also index the photos into a new library")
    args = parser.parse_args()
    model = siglip2_b32_256_folder() if args.model == "siglip2" else clip_b32_folder(224)
    folder = linked_photos(args.photos)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
    envs = {}
    for i, checkout in enumerate(args.checkouts):
        data = Path(tempfile.mkdtemp(prefix=f"cold-{i}-"))
        envs[checkout] = {**base_env, "PHOTOCLIP_DATA_DIR": str(data), "PHOTOCLIP_CACHE_DIR": str(data / "cache"),
                          "PHOTOCLIP_MODEL": str(model), "PHOTOCLIP_OFFLINE": "1", "PHOTOCLIP_BACKEND": args.backend}
        seconds, rss, tail = run(checkout, ["index", str(folder)], envs[checkout])
        last = (tail.strip().splitlines() or [""])[-1]
        print(f"set-up {checkout}: first index {seconds:.1f} s, {rss:.0f} MB: {last}")
        seconds, rss, _ = run(checkout, ["search", QUERY], envs[checkout])  # one-off steps a first search has
        print(f"set-up {checkout}: first search {seconds:.1f} s, {rss:.0f} MB")
    results: dict[tuple[Path, str], list[tuple[float, float]]] = {}
    loads = []
    for _ in range(args.repeats):
        for checkout in args.checkouts:
            loads.append(os.getloadavg()[0])
            for name, cli in (("index, nothing changed", ["index", str(folder)]), ("search, cold process",
                                                                                  ["search", QUERY, "--json"])):
                seconds, rss, _ = run(checkout, cli, envs[checkout])
                results.setdefault((checkout, name), []).append((seconds, rss))
            if args.fresh:
                with tempfile.TemporaryDirectory(prefix="fresh-") as data:
                    seconds, rss, _ = run(checkout, ["index", str(folder)],
                                          {**envs[checkout], "PHOTOCLIP_DATA_DIR": data})
                results.setdefault((checkout, "index, new library"), []).append((seconds, rss))
    print(f"\n{args.model} ({model.name}), {args.photos} photos, backend {args.backend}, {args.repeats} interleaved "
          f"runs, load average {min(loads):.2f}–{max(loads):.2f} (cpus {os.cpu_count()})\n")
    print("| checkout | command | median s | min s | peak RSS MB (median) |")
    print("|---|---|---|---|---|")
    for (checkout, name), values in results.items():
        times = [s for s, _ in values]
        print(f"| {checkout} | {name} | {statistics.median(times):.2f} | {min(times):.2f} | "
              f"{statistics.median(r for _, r in values):.0f} |")


if __name__ == "__main__":
    main()
