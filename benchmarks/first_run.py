"""The first run on a computer, side by side: checkouts run interleaved, each time with a fresh cache and library.

``photoclip index FOLDER`` on a computer that has the model's folder and nothing else (no OpenVINO conversion,
no int8 calibration, guard verdict or race record), then one ``photoclip search`` from a cold process. Per run:

* **photos indexed after**: when the command says so (the line before it finishes the model's optimisation),
  else when it ends;
* **command ends after**, and its **peak RSS** the way ``os.wait4`` reports it (the largest single process:
  the command or a child it waited for);
* **peak of all its processes together**: the sum of the RSS of the command and its children, sampled every
  50 ms (what the computer had to hold at once);
* the cold **search** after it (time and peak RSS).

    .venv/bin/python -m benchmarks.first_run --checkouts /work/main . [--model clip256|siglip2] [--photos 48]
        [--repeats 2]

RANDOM WEIGHTS of the real geometry (benchmarks/random_models.py): speed and memory only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.cold_start import linked_photos
from benchmarks.random_models import clip_b32_folder, siglip2_b32_256_folder

PYTHON = sys.executable
QUERY = "a dog on the beach"
#: what the command line prints once the photos are indexed and it waits for the optimisation
INDEXED = b"Finishing the model's optimisation"


@dataclass
class FirstRun:
    indexed_s: float
    seconds: float
    rss_mb: float
    tree_mb: float
    search_s: float
    search_mb: float
    load: float


def tree_rss_mb(pid: int) -> float:
    """RSS of ``pid`` and all its descendants, in MB (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total / 1024


def run(checkout: Path, args: list[str], env: dict[str, str]) -> tuple[float, float, float, float]:
    """(seconds until ``INDEXED`` was printed or the end, seconds, wait4 peak RSS MB, sampled tree peak MB)."""
    env = {**env, "PYTHONPATH": str(checkout)}
    started = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "-m", "photoclip", *args], cwd=checkout, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak, done = [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    indexed, out = None, b""
    assert proc.stdout is not None
    for line in iter(proc.stdout.readline, b""):
        out += line
        if indexed is None and INDEXED in line:
            indexed = time.perf_counter() - started
    done.set()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{args} failed in {checkout}:\n{out.decode(errors='replace')[-3000:]}")
    return indexed or seconds, seconds, usage.ru_maxrss / 1024, peak[0]


def first_run(checkout: Path, model: Path, folder: Path, base_env: dict[str, str]) -> FirstRun:
    load = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="first-run-"))
    env = {**base_env, "PHOTOCLIP_DATA_DIR": str(work / "data"), "PHOTOCLIP_CACHE_DIR": str(work / "cache"),
           "PHOTOCLIP_MODEL": str(model), "PHOTOCLIP_OFFLINE": "1", "PHOTOCLIP_BACKEND": "auto"}
    try:
        indexed, seconds, rss, tree = run(checkout, ["index", str(folder)], env)
        _, search_s, search_mb, _ = run(checkout, ["search", QUERY, "--json"], env)
        races = [p.read_text() for p in (work / "cache").glob("openvino/*/auto/speed-*.json")]
        print(f"  {checkout}: indexed {indexed:.1f} s, ends {seconds:.1f} s, peak {rss:.0f} MB (all processes "
              f"{tree:.0f} MB), then search {search_s:.2f} s {search_mb:.0f} MB; load {load:.2f}; race {races}",
              flush=True)
        return FirstRun(indexed, seconds, rss, tree, search_s, search_mb, load)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkouts", nargs="+", type=Path, default=[Path(__file__).resolve().parents[1]])
    parser.add_argument("--model", choices=["clip256", "siglip2"], default="clip256")
    parser.add_argument("--photos", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    model = siglip2_b32_256_folder() if args.model == "siglip2" else clip_b32_folder(256)
    folder = linked_photos(args.photos)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
    results: dict[Path, list[FirstRun]] = {}
    for i in range(args.repeats):
        print(f"round {i + 1}", flush=True)
        for checkout in args.checkouts:
            results.setdefault(checkout, []).append(first_run(checkout, model, folder, base_env))
    loads = [r.load for runs in results.values() for r in runs]
    print(f"\n{args.model}, {args.photos} photos, {args.repeats} interleaved runs, load average "
          f"{min(loads):.2f}–{max(loads):.2f} (cpus {os.cpu_count()}); medians\n")
    print("| checkout | photos indexed after s | command ends after s | peak RSS MB (wait4) | all processes MB | "
          "then search s | search MB |")
    print("|---|---|---|---|---|---|---|")
    for checkout, runs in results.items():
        med = {attr: statistics.median(getattr(r, attr) for r in runs) for attr in FirstRun.__dataclass_fields__}
        print(f"| {checkout} | {med['indexed_s']:.1f} | {med['seconds']:.1f} | {med['rss_mb']:.0f} | "
              f"{med['tree_mb']:.0f} | {med['search_s']:.2f} | {med['search_mb']:.0f} |")


if __name__ == "__main__":
    main()
