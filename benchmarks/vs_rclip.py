"""photoclip against rclip 3.3 (its peer: CLIP in SQLite, ONNX Runtime), same photos, runs interleaved.

Both run RANDOM WEIGHTS of their real geometry, offline (speed and memory only, never search quality):
rclip gets ``visual.onnx`` / ``textual.onnx`` of ViT-B/32 at 256 px exported here in the layout it expects
(``$RCLIP_DATADIR/ViT-B-32-256-datacomp_s34b_b86k/``, input ``input``, the BPE vocab under ``tokenizer/``), from
the very weights photoclip's CLIP B/32-256 folder holds (``random_models.clip_b32_folder(256)``), so the two
compare at equal geometry; photoclip's default model (SigLIP 2 B/32 at 256 px) is measured too.

rclip must be installed in a SEPARATE venv (``python3 -m venv /work/rclip-venv && /work/rclip-venv/bin/pip install
rclip``); the export needs the ``onnx`` package next to torch (``pip install --target /work/onnx-pkgs onnx`` with
that venv's pip keeps it out of photoclip's venv).

Measured, per folder size (12 MP JPEGs), each a fresh process, wall clock and peak RSS (``os.wait4``):

* **from scratch**: a new library, index + first query (photoclip: ``photoclip index DIR`` then ``photoclip search
  Q``; rclip: ``rclip Q`` in the folder, which indexes then searches); **from scratch, one command**: photoclip's
  ``photoclip search Q --index DIR`` (one process, like rclip's), compared with the same rclip run. The model is
  already on the computer for both (rclip: its ONNX files; photoclip: the folder and its OpenVINO conversion, int8
  calibration and guard verdict from the set-up run, which is reported on its own as the first run on a computer);
* **unchanged**: the same index run again, nothing changed (rclip: its index step alone, ``init_rclip``);
* **search**: one query from a cold process on the indexed folder (rclip ``-n``: no re-index).

    .venv/bin/python -m benchmarks.vs_rclip [--small 48] [--large 480] [--repeats 3] [--rclip /work/rclip-venv]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.indexing import CACHE, VOCAB_GZ, camera_photos
from benchmarks.random_models import clip_b32_folder, siglip2_b32_256_folder

REPO = Path(__file__).resolve().parents[1]

RCLIP_MODEL = "ViT-B-32-256-datacomp_s34b_b86k"
QUERY = "a dog on the beach"
#: photoclip's one-command row: ``photoclip search Q --index DIR`` (index + query, one process, like ``rclip Q``)
ONE = "from scratch, one command"
FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")

EXPORT = r"""
import sys, torch
from transformers import CLIPModel
model = CLIPModel.from_pretrained(sys.argv[1]).eval().requires_grad_(False)
class Tower(torch.nn.Module):
    def __init__(self, image):
        super().__init__()
        self.model, self.image = model, image
    def forward(self, input):
        if self.image:
            out = self.model.get_image_features(pixel_values=input)
        else:
            out = self.model.get_text_features(input_ids=input)
        return out if torch.is_tensor(out) else out.pooler_output
axes = {"input": {0: "n"}, "output": {0: "n"}}
with torch.no_grad():
    torch.onnx.export(Tower(True), (torch.zeros(1, 3, 256, 256),), sys.argv[2] + "/visual.onnx", input_names=["input"],
                      output_names=["output"], dynamic_axes=axes, opset_version=17, dynamo=False)
    torch.onnx.export(Tower(False), (torch.zeros(1, 77, dtype=torch.int64),), sys.argv[2] + "/textual.onnx",
                      input_names=["input"], output_names=["output"], dynamic_axes=axes, opset_version=17,
                      dynamo=False)
"""


def rclip_models(onnx_path: Path) -> Path:
    """rclip's model files (random ViT-B/32-256 towers) and vocabulary, exported once; returns the folder
    to link into each rclip data folder."""
    models = CACHE / "rclip-models"
    target = models / RCLIP_MODEL
    if not (target / "textual.onnx").exists():
        target.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{onnx_path}"}
        subprocess.run([sys.executable, "-c", EXPORT, str(clip_b32_folder(256)), str(target)], env=env, check=True)
        (models / "tokenizer").mkdir(exist_ok=True)
        shutil.copy(VOCAB_GZ, models / "tokenizer" / VOCAB_GZ.name)
    return models


@dataclass
class Run:
    seconds: float
    rss_mb: float


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> Run:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd} failed:\n{out.decode(errors='replace')[-3000:]}")
    return Run(seconds, usage.ru_maxrss / 1024)


def chain(*runs: Run) -> Run:
    return Run(sum(r.seconds for r in runs), max(r.rss_mb for r in runs))


class Photoclip:
    def __init__(self, name: str, model: Path, cache: Path) -> None:
        self.name, self.model, self.cache = name, model, cache

    def env(self, data: Path) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
        return {**base, "PYTHONPATH": str(REPO), "PHOTOCLIP_DATA_DIR": str(data),
                "PHOTOCLIP_CACHE_DIR": str(self.cache), "PHOTOCLIP_MODEL": str(self.model), "PHOTOCLIP_OFFLINE": "1"}

    def cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "photoclip", *args]

    def index(self, data: Path, folder: Path) -> Run:
        return run(self.cli("index", str(folder)), self.env(data), REPO)

    def search(self, data: Path, folder: Path) -> Run:
        return run(self.cli("search", QUERY, "--json"), self.env(data), REPO)

    def one_command(self, data: Path, folder: Path) -> Run:
        """rclip's way: index the folder and answer the query in one process (the model loads once)."""
        return run(self.cli("search", QUERY, "--index", str(folder), "--json"), self.env(data), REPO)


class Rclip:
    name = "rclip 3.3 (ONNX Runtime fp32, ViT-B/32-256)"

    def __init__(self, venv: Path, models: Path) -> None:
        self.python, self.models = venv / "bin" / "python", models

    def env(self, data: Path) -> dict[str, str]:
        data.mkdir(parents=True, exist_ok=True)
        for name in (RCLIP_MODEL, "tokenizer"):
            if not (data / name).exists():
                (data / name).symlink_to(self.models / name)
        return {**os.environ, "RCLIP_DATADIR": str(data), "HF_HUB_OFFLINE": "1"}

    def query(self, data: Path, folder: Path, *extra: str) -> Run:
        return run([str(self.python), "-m", "rclip", *extra, "-t", "5", QUERY], self.env(data), folder)

    def index(self, data: Path, folder: Path) -> Run:
        code = "import os; from rclip.main import init_rclip; init_rclip(os.getcwd(), 8)"
        return run([str(self.python), "-c", code], self.env(data), folder)


def cpu_name() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"

    def field(name: str) -> str:
        pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line)
        return next((value.strip() for key, value in pairs if key.strip() == name), "?")

    model = f"{field('model name')} (family {field('cpu family')}, model {field('model')})"
    flags = next((set(line.split(":", 1)[1].split()) for line in text.splitlines() if line.startswith("flags")), set())
    named = " ".join(f for f in FLAGS if f in flags) or "none of " + "/".join(FLAGS)
    return f"{model}, {os.cpu_count()} cores, flags: {named}"


def linked_folder(photos: Path, n: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"vs-rclip-{n}-")) / "photos"
    folder.mkdir()
    for path in sorted(photos.glob("*.jpg"))[:n]:
        os.link(path, folder / path.name) if _same_fs(path, folder) else shutil.copy(path, folder / path.name)
    return folder


def _same_fs(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=48)
    parser.add_argument("--large", type=int, default=480)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large-repeats", type=int, default=1)
    parser.add_argument("--rclip", type=Path, default=Path("/work/rclip-venv"))
    parser.add_argument("--onnx", type=Path, default=Path("/work/onnx-pkgs"), help="where the onnx package is")
    parser.add_argument("--models", nargs="+", default=["clip256", "siglip2"], choices=["clip256", "siglip2"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vs-rclip-"))
    rclip = Rclip(args.rclip, rclip_models(args.onnx))
    models = {"clip256": ("photoclip, CLIP B/32-256 (equal geometry)", clip_b32_folder(256)),
              "siglip2": ("photoclip, SigLIP 2 B/32-256 (its default)", siglip2_b32_256_folder())}
    tools = [Photoclip(models[m][0], models[m][1], work / f"cache-{m}") for m in args.models]
    photos = camera_photos(max(args.small, args.large), (4000, 3000))
    sizes = [(args.small, args.repeats), (args.large, args.large_repeats)]
    folders = {n: linked_folder(photos, n) for n, _ in sizes}

    print(f"CPU: {cpu_name()}\n")
    for tool in tools:  # the first run on this computer: conversion, calibration, guard, race (kept in the cache)
        started = time.perf_counter()
        setup = chain(tool.index(work / f"setup-{tool.model.name}", folders[args.small]),
                      tool.search(work / f"setup-{tool.model.name}", folders[args.small]))
        print(f"{tool.name}: first run on this computer (index {args.small} + search) {setup.seconds:.1f} s, "
              f"peak {setup.rss_mb:.0f} MB (wall {time.perf_counter() - started:.0f} s)")
        for race in sorted(tool.cache.glob("openvino/*/auto/speed-*.json")):  # what auto chose, and why
            print(f"  auto's race: {race.read_text()}")

    results: dict[tuple[str, int, str], list[Run]] = {}
    loads: list[float] = []
    counter = 0
    for n, repeats in sizes:
        for _ in range(repeats):
            for tool in [rclip, *tools]:
                counter += 1
                data = work / f"lib-{counter}"
                loads.append(os.getloadavg()[0])
                folder = folders[n]
                if tool is rclip:
                    scratch = rclip.query(data, folder)
                    first_index = unchanged = rclip.index(data, folder)  # (rclip has no index-only first run)
                    search = rclip.query(data, folder, "-n")
                else:
                    first_index = tool.index(data, folder)
                    scratch = chain(first_index, tool.search(data, folder))
                    unchanged, search = tool.index(data, folder), tool.search(data, folder)
                    results.setdefault((tool.name, n, ONE), []).append(tool.one_command(data.with_name(
                        data.name + "-one"), folder))
                    shutil.rmtree(data.with_name(data.name + "-one"), ignore_errors=True)
                for what, value in (("from scratch", scratch), ("index alone, first", first_index),
                                    ("unchanged", unchanged), ("search", search)):
                    results.setdefault((tool.name, n, what), []).append(value)
                shutil.rmtree(data, ignore_errors=True)

    print(f"\nload average during the runs {min(loads):.2f}–{max(loads):.2f}; medians of interleaved runs\n")
    print("| folder | measure | tool | seconds | peak RSS MB | rclip ÷ this (time) | this ÷ rclip (memory) |")
    print("|---|---|---|---|---|---|---|")
    for n, repeats in sizes:
        for what in ("from scratch", ONE, "index alone, first", "unchanged", "search"):
            base = results[(rclip.name, n, "from scratch" if what in (ONE, "index alone, first") else what)]
            base_s = statistics.median(r.seconds for r in base)
            base_m = statistics.median(r.rss_mb for r in base)
            for tool in [rclip, *tools]:
                if tool is rclip and what in (ONE, "index alone, first"):
                    continue  # compared with rclip's from-scratch run (its index and query are one command)
                values = results[(tool.name, n, what)]
                secs = statistics.median(r.seconds for r in values)
                mem = statistics.median(r.rss_mb for r in values)
                print(f"| {n} photos ({repeats}×) | {what} | {tool.name} | {secs:.2f} | {mem:.0f} | "
                      f"{base_s / secs:.2f}× | {mem / base_m:.2f} |")
    shutil.rmtree(work, ignore_errors=True)
    for folder in folders.values():
        shutil.rmtree(folder.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
